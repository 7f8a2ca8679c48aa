/**
 * On a machine with Docker, `TESTCONTAINERS=1 npm test` starts MySQL 8 and RabbitMQ in containers
 * and points DATABASE_URL / AMQP_URL at them (test workers inherit the environment). Without the
 * flag nothing is started: the tests use the services the environment names, or the local ones.
 */
export interface StartedServices {
  stop(): Promise<void>;
}

export async function startContainersIfAsked(): Promise<StartedServices | undefined> {
  if (process.env.TESTCONTAINERS !== '1') return undefined;
  const { MySqlContainer } = await import('@testcontainers/mysql');
  const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
  const mysql = await new MySqlContainer('mysql:8.4').withRootPassword('root').start();
  const rabbit = await new RabbitMQContainer('rabbitmq:3.13-management').start();
  process.env.DATABASE_URL = `mysql://root:root@${mysql.getHost()}:${mysql.getPort()}/crawlflow`;
  process.env.AMQP_URL = rabbit.getAmqpUrl();
  // Test vhosts are made with rabbitmqctl: inside the container, through docker exec.
  process.env.RABBITMQCTL_CONTAINER = rabbit.getId();
  return {
    stop: async () => {
      await rabbit.stop();
      await mysql.stop();
    },
  };
}
