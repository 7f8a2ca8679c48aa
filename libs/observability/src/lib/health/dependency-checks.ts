import { probeDatabase } from '@crawlflow/db';
import type { AmqpClient } from '@crawlflow/messaging';
import type { DataSource } from 'typeorm';
import { ReadinessCheck } from './readiness';

/** `SELECT 1` through the app's own pool: it proves both the server and a free connection. */
export function databaseCheck(dataSource: DataSource): ReadinessCheck {
  return {
    name: 'database',
    run: async () => {
      if (!dataSource.isInitialized) throw new Error('the data source is not initialised');
      await probeDatabase(dataSource);
    },
  };
}

export function brokerCheck(client: AmqpClient): ReadinessCheck {
  return {
    name: 'broker',
    run: () =>
      client.isConnected()
        ? Promise.resolve()
        : Promise.reject(new Error('not connected to the broker (reconnecting)')),
  };
}
