import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { testAmqpUrl } from './services';

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
 * meet. Made with rabbitmqctl on the broker's machine (tests run beside their broker here).
 */
export async function createTestVhost(): Promise<TestVhost> {
  const name = `cf_t_${randomBytes(5).toString('hex')}`;
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
