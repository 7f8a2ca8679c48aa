import { connect } from 'amqplib';
import { createConnection } from 'mysql2/promise';

/** Services named by the environment, or the local defaults, as the apps would read them. */
// Jest loads global setup without the path aliases, so this file reads the two URLs itself.
const DEFAULT_DATABASE_URL = 'mysql://root@127.0.0.1:3306/crawlflow';
const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

function testDatabaseServer(): { host: string; port: number; user: string; password: string } {
  const url = new URL(process.env.DATABASE_URL || DEFAULT_DATABASE_URL);
  return {
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username) || 'root',
    password: decodeURIComponent(url.password),
  };
}

export function testAmqpUrl(): string {
  return process.env.AMQP_URL || DEFAULT_AMQP_URL;
}

/** `AMQP_URL=memory:`: the tests run on the in-process bus of @crawlflow/messaging, no RabbitMQ. */
export function testBusIsMemory(): boolean {
  return testAmqpUrl().startsWith('memory:');
}

function redact(value: string): string {
  return value.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

/** Fails loudly, naming the service and how to start it, instead of letting tests time out. */
export async function assertServicesReachable(): Promise<void> {
  const problems = [...(await databaseProblems()), ...(await brokerProblems())];
  if (problems.length > 0)
    throw new Error(`Integration tests need real services:\n- ${problems.join('\n- ')}`);
}

async function databaseProblems(): Promise<string[]> {
  // SQLite is a file each test makes for itself: there is no server to reach.
  if ((process.env.DATABASE_URL ?? '').startsWith('sqlite:')) return [];
  const db = testDatabaseServer();
  try {
    const connection = await createConnection({
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
      connectTimeout: 5000,
    });
    await connection.end();
    return [];
  } catch (error) {
    return [
      `MariaDB/MySQL at ${db.host}:${db.port} is unreachable (${(error as Error).message}). ` +
        'Start it (`start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd`) or set DATABASE_URL.',
    ];
  }
}

async function brokerProblems(): Promise<string[]> {
  // The in-process bus lives in each test worker: there is nothing to reach.
  if (testBusIsMemory()) return [];
  const amqpUrl = testAmqpUrl();
  try {
    const connection = await connect(amqpUrl, { timeout: 5000 });
    await connection.close();
    return [];
  } catch (error) {
    return [
      `RabbitMQ at ${redact(amqpUrl)} is unreachable (${(error as Error).message}). ` +
        'Start it (`rabbitmq-server -detached`, or `rabbitmqctl start_app`) or set AMQP_URL.',
    ];
  }
}
