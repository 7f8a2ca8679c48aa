import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { connectMemoryBus, dropMemoryBroker, isMemoryBusUrl } from '@crawlflow/messaging';
import { type ChannelModel, connect } from 'amqplib';
import { testAmqpUrl, testBusIsMemory } from './services';

const run = promisify(execFile);

/** rabbitmqctl on this machine, or inside the test container (TESTCONTAINERS=1). */
function rabbitmqctl(args: string[]): Promise<unknown> {
  const container = process.env.RABBITMQCTL_CONTAINER;
  return container ? run('docker', ['exec', container, 'rabbitmqctl', ...args]) : run('rabbitmqctl', args);
}

export interface TestVhost {
  name: string;
  /** AMQP_URL pointing at the vhost. */
  url: string;
  delete(): Promise<void>;
}

/**
 * A vhost of its own for one test file, so queues, messages and consumers of different files never
 * meet. Made with rabbitmqctl on the broker's machine (tests run beside their broker here); on the
 * memory bus (`AMQP_URL=memory:`), a named in-process broker of its own instead.
 */
export async function createTestVhost(): Promise<TestVhost> {
  const name = `cf_t_${randomBytes(5).toString('hex')}`;
  if (testBusIsMemory()) {
    return {
      name,
      url: `memory:${name}`,
      delete: () => {
        dropMemoryBroker(name);
        return Promise.resolve();
      },
    };
  }
  const base = new URL(testAmqpUrl());
  const user = decodeURIComponent(base.username) || 'guest';
  await rabbitmqctl(['-q', 'add_vhost', name]);
  await rabbitmqctl(['-q', 'set_permissions', '-p', name, user, '.*', '.*', '.*']);
  base.pathname = `/${encodeURIComponent(name)}`;
  return {
    name,
    url: base.toString(),
    delete: async () => {
      await rabbitmqctl(['-q', 'delete_vhost', name]).catch(() => undefined);
    },
  };
}

/** A plain connection for a test to publish or inspect with, to RabbitMQ or to the memory bus. */
export function connectTestBroker(url: string): Promise<ChannelModel> {
  return isMemoryBusUrl(url) ? connectMemoryBus(url) : connect(url);
}

/**
 * `describe` for suites that need a real RabbitMQ (they stop and start it, use rabbitmqctl or its
 * management API): skipped on the memory bus. Picks when called, so importing it outside Jest is safe.
 */
export function describeOnRabbitMq(name: string, suite: () => void): void {
  (testBusIsMemory() ? describe.skip : describe)(name, suite);
}
