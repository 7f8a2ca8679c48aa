import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** rabbitmqctl on this machine, or inside the test container (TESTCONTAINERS=1). */
function rabbitmqctl(args: string[], timeout: number): Promise<unknown> {
  const container = process.env.RABBITMQCTL_CONTAINER;
  return container
    ? run('docker', ['exec', container, 'rabbitmqctl', ...args], { timeout })
    : run('rabbitmqctl', args, { timeout });
}

/** Stops the RabbitMQ application (the Erlang node stays up), as an outage would. */
export async function stopBroker(): Promise<void> {
  await rabbitmqctl(['-q', 'stop_app'], 60_000);
}

/** Starts it again and waits until it accepts work. Safe to call when it already runs. */
export async function startBroker(): Promise<void> {
  await rabbitmqctl(['-q', 'start_app'], 120_000);
  await rabbitmqctl(['-q', 'await_startup'], 120_000);
}
