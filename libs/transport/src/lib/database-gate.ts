import { probeDatabase } from '@crawlflow/db';
import { DependencyGate, MessagingLogger } from '@crawlflow/messaging';
import type { DataSource } from 'typeorm';

const gates = new WeakMap<DataSource, DependencyGate>();

/**
 * The gate of one database, shared by every consumer of the process that uses it: the first to meet
 * an outage pauses them all, and one probe loop finds the database back.
 */
export function databaseGate(dataSource: DataSource, logger?: MessagingLogger): DependencyGate {
  let gate = gates.get(dataSource);
  if (!gate) {
    gate = new DependencyGate({ name: 'database', probe: () => probeDatabase(dataSource), logger });
    gates.set(dataSource, gate);
  }
  return gate;
}
