import type { DatabaseConfig } from '@crawlflow/config';
import { createDataSource, probeDatabase } from '@crawlflow/db';

export interface WaitForDatabaseOptions {
  /** Aborted on shutdown: the wait ends early and resolves false. */
  signal: AbortSignal;
  onRetry: (error: Error, attempt: number, delayMs: number) => void;
  minDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Server answers that no amount of waiting fixes: wrong credentials or a user without rights.
 * Everything else (refused, unreachable, too many connections, database not created yet because
 * the migrator has not run) is worth waiting for.
 */
const PERMANENT_CODES = /^(ER_ACCESS_DENIED_|ER_DBACCESS_DENIED_ERROR$|ER_NOT_SUPPORTED_AUTH_MODE$)/;

export function isPermanentDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && PERMANENT_CODES.test(code);
}

/**
 * Blocks until the configured database answers, retrying with capped exponential backoff, so an app
 * started before its database (a cluster restart, compose without health ordering) waits instead of
 * crash-looping. The probe uses the app's own connection settings but no entities: it checks the
 * server, not the mapping. Resolves true once connected, false when aborted; rejects on a permanent
 * error.
 */
export async function waitForDatabase(
  config: DatabaseConfig,
  options: WaitForDatabaseOptions,
): Promise<boolean> {
  const min = options.minDelayMs ?? 250;
  const max = options.maxDelayMs ?? 5000;
  for (let attempt = 1; ; attempt += 1) {
    if (options.signal.aborted) return false;
    try {
      await probe(config);
      return true;
    } catch (error) {
      if (isPermanentDatabaseError(error)) throw error;
      const delayMs = Math.min(max, min * 2 ** Math.min(attempt - 1, 10));
      options.onRetry(error instanceof Error ? error : new Error(String(error)), attempt, delayMs);
      await sleep(delayMs, options.signal);
    }
  }
}

async function probe(config: DatabaseConfig): Promise<void> {
  const dataSource = createDataSource(config, {
    entities: [],
    migrations: [],
    connectTimeout: 5000,
    extra: { connectionLimit: 1 },
  });
  await dataSource.initialize();
  try {
    await probeDatabase(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
