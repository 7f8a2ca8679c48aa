import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Stops the RabbitMQ application (the Erlang node stays up), as an outage would. */
export async function stopBroker(): Promise<void> {
  await run('rabbitmqctl', ['-q', 'stop_app'], { timeout: 60_000 });
}

/** Starts it again and waits until it accepts work. Safe to call when it already runs. */
export async function startBroker(): Promise<void> {
  await run('rabbitmqctl', ['-q', 'start_app'], { timeout: 120_000 });
  await run('rabbitmqctl', ['-q', 'await_startup'], { timeout: 120_000 });
}
