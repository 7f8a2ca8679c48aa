import type { ChannelModel } from 'amqplib';
import { MemoryBroker } from './memory-broker';
import { MemoryChannelModel } from './memory-connection';

const PREFIX = 'memory:';

/**
 * The in-process brokers of this process, by name: `memory:` is the default one, `memory:<name>` a
 * separate one (tests isolate with them as with vhosts). Every connection to the same URL in the
 * process shares its broker. A broker is made on first use and lives until dropped.
 */
const brokers = new Map<string, MemoryBroker>();

/** `AMQP_URL=memory:` or `memory:<name>`: the in-process bus instead of RabbitMQ. */
export function isMemoryBusUrl(url: string): boolean {
  return url.startsWith(PREFIX);
}

/** The broker name of a `memory:` URL ('' for the default broker). */
export function memoryBrokerName(url: string): string {
  if (!isMemoryBusUrl(url)) throw new Error(`memory bus: "${url}" is not a memory: URL`);
  const name = url.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]*$/.test(name)) {
    throw new Error(`memory bus: "${url}": a broker name is letters, digits, _ and -`);
  }
  return name;
}

/** The counterpart of amqplib's `connect` for a `memory:` URL. */
export function connectMemoryBus(url: string): Promise<ChannelModel> {
  let name: string;
  try {
    name = memoryBrokerName(url);
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
  let broker = brokers.get(name);
  if (!broker) {
    broker = new MemoryBroker(name);
    brokers.set(name, broker);
  }
  return Promise.resolve(new MemoryChannelModel(broker));
}

/**
 * Drops a broker (a test's cleanup, like deleting its vhost): its connections are closed by the
 * server and its queues and messages are gone. Takes the name or the `memory:` URL. A later connect
 * to the same name starts an empty broker.
 */
export function dropMemoryBroker(nameOrUrl: string): void {
  const name = isMemoryBusUrl(nameOrUrl) ? memoryBrokerName(nameOrUrl) : nameOrUrl;
  const broker = brokers.get(name);
  if (!broker) return;
  brokers.delete(name);
  broker.drop();
}
