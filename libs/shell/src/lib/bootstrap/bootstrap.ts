import type { AppConfig } from '@crawlflow/config';
import { errorText, JsonLogger } from '@crawlflow/observability';
import { DynamicModule, Logger, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import { useBodyLimit } from './body-limit';
import { databaseLabel } from './database-label';
import { HttpGate, RequestHandler } from './http-gate';
import { waitForDatabase } from './wait-for-database';

export type BootstrapConfig = Pick<
  AppConfig,
  'app' | 'port' | 'logLevel' | 'shutdownTimeoutMs' | 'database' | 'apiBodyLimitBytes'
>;

const CONTEXT = 'Bootstrap';
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Runs one app process: JSON logs, the HTTP port bound at once (health answers even while booting),
 * the database awaited with backoff before the Nest application is built, and a bounded graceful
 * shutdown on SIGTERM/SIGINT. Never rejects: a fatal problem is logged as one line and ends the
 * process with exit code 1.
 *
 * Nest's own `enableShutdownHooks()` is deliberately not used: it re-raises the signal after closing
 * (so the exit status is "killed by SIGTERM", not 0) and has no deadline. `app.close()` runs the same
 * lifecycle hooks in the same order: onModuleDestroy (stop consuming) → beforeApplicationShutdown
 * (finish in-flight work) → onApplicationShutdown (close connections).
 */
export async function bootstrap(
  rootModule: DynamicModule | Type<unknown>,
  config: BootstrapConfig,
): Promise<void> {
  const logger = new JsonLogger({ app: config.app, level: config.logLevel });
  Logger.overrideLogger(logger);
  watchProcess(logger);

  const gate = new HttpGate();
  const stopping = new AbortController();
  let app: NestExpressApplication | undefined;
  let started: Promise<unknown> = Promise.resolve();

  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    logger.log({ msg: `received ${signal}; shutting down`, deadline_ms: config.shutdownTimeoutMs }, CONTEXT);
    const deadline = setTimeout(() => {
      logger.error(`shutdown did not finish within ${config.shutdownTimeoutMs} ms; exiting`, CONTEXT);
      gate.closeAllConnections();
      process.exit(1);
    }, config.shutdownTimeoutMs);
    stopping.abort();
    gate.beginStopping();
    try {
      // A Nest app half-way through init is closed only once init has settled.
      await started;
      // HTTP requests already in flight finish before the modules they use are torn down, within
      // part of the deadline so that a slow client cannot starve the rest of the shutdown.
      const listenerClosed = gate.close();
      await settledWithin(listenerClosed, Math.min(5000, Math.floor(config.shutdownTimeoutMs / 2)));
      if (app) await app.close();
      gate.closeAllConnections();
      await listenerClosed;
    } catch (error) {
      clearTimeout(deadline);
      return die(logger, `shutdown failed: ${errorText(error)}`, error);
    }
    clearTimeout(deadline);
    logger.log('stopped', CONTEXT);
    process.exit(0);
  };
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) return logger.warn(`received ${signal} again; still shutting down`, CONTEXT);
    signalled = true;
    void shutdown(signal);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);

  try {
    await gate.listen(config.port, '0.0.0.0');
  } catch (error) {
    return die(logger, `cannot listen on port ${config.port}: ${errorText(error)}`);
  }
  logger.log(
    { msg: `listening on http://0.0.0.0:${config.port}`, port: config.port, pid: process.pid },
    CONTEXT,
  );

  const startup = async (): Promise<void> => {
    const reachable = await waitForDatabase(config.database, {
      signal: stopping.signal,
      onRetry: (error, attempt, delayMs) => {
        const reason = errorText(error);
        gate.setBootProblems({ database: reason, broker: 'waiting for the database' });
        const msg = `database not reachable, retrying in ${delayMs} ms: ${reason}`;
        logger.warn({ msg, attempt, database: databaseLabel(config.database) }, CONTEXT);
      },
    });
    if (!reachable) return;
    gate.setBootProblems({ database: 'up; the app is starting', broker: 'the app is starting' });
    app = await NestFactory.create<NestExpressApplication>(rootModule, new ExpressAdapter(), {
      logger,
      abortOnError: false,
    });
    app.disable('x-powered-by');
    useBodyLimit(app, config.apiBodyLimitBytes);
    await app.init();
    if (stopping.signal.aborted) return;
    gate.serve(app.getHttpAdapter().getInstance() as RequestHandler);
    logger.log({ msg: 'started', port: config.port }, CONTEXT);
  };
  started = startup().catch((error: unknown) => {
    if (!stopping.signal.aborted) die(logger, `failed to start: ${errorText(error)}`, error);
  });
}

function settledWithin(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([promise, elapsed]).finally(() => clearTimeout(timer));
}

/** A rejection nobody awaited is a bug to log, not a reason to drop in-flight work. */
function watchProcess(logger: JsonLogger): void {
  process.on('unhandledRejection', (reason) => {
    const stack = reason instanceof Error ? reason.stack : undefined;
    logger.error({ msg: `unhandled rejection: ${errorText(reason)}`, stack }, 'Process');
  });
  // After an uncaught exception the process state is unknown: report it as a line and end it.
  process.on('uncaughtException', (error) =>
    die(logger, `uncaught exception: ${errorText(error)}`, error, 'Process'),
  );
}

function die(logger: JsonLogger, msg: string, error?: unknown, context = CONTEXT): never {
  logger.fatal({ msg, stack: error instanceof Error ? error.stack : undefined }, context);
  process.exit(1);
}
