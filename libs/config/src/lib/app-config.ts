import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from './config-error';
import { bool, hostList, int, oneOf, raw, redact, url } from './parsers';

export const APP_NAMES = [
  'orchestrator',
  'scheduler',
  'fetch-worker',
  'parse-worker',
  'store-worker',
] as const;
export type AppName = (typeof APP_NAMES)[number];

/** `npm run standalone`: every role of APP_NAMES in one process (docs/adr/0014-standalone-mode.md). */
export const STANDALONE = 'standalone';
export type ProcessName = AppName | typeof STANDALONE;

/** `npm start` runs the orchestrator on PORT (default 3000) and the others on the next four ports. */
export const DEFAULT_PORTS: Readonly<Record<ProcessName, number>> = {
  standalone: 3000,
  orchestrator: 3000,
  scheduler: 3001,
  'fetch-worker': 3002,
  'parse-worker': 3003,
  'store-worker': 3004,
};

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const SQL_DIALECTS = ['mysql', 'sqlite'] as const;
export type SqlDialect = (typeof SQL_DIALECTS)[number];

export interface DatabaseConfig {
  /** The URL as given, for drivers that take one. */
  url: string;
  /** mysql: MySQL or MariaDB over the network; sqlite: an embedded file, one process only. */
  dialect: SqlDialect;
  /** The SQLite file, absolute (sqlite only). */
  file?: string;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface FetchSettings {
  hostConcurrency: number;
  hostDelayMs: number;
  allowHosts: string[];
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  maxResponseBytes: number;
  maxRedirects: number;
  userAgent: string;
  obeyRobotsTxt: boolean;
}

export interface TransportConfig {
  /** Ledger entries published per relay round (and per publisher-confirm wait). */
  relayBatchSize: number;
  /** Relay rounds in flight at once (one claims and publishes while another awaits its confirms). */
  relayConcurrency: number;
  /** How often an idle relay looks for due entries. */
  relayIntervalMs: number;
  /** A dispatched entry whose worker stopped renewing it for this long is dispatched again. */
  leaseMs: number;
  /** Dispatches of one entry without a result before its task fails (it kills or hangs its worker). */
  maxDispatches: number;
  /** Runs alone of a message redelivered after worker deaths before its task fails instead of running. */
  maxDeliveries: number;
  /** The longest wait for the broker's confirms of a publish before it counts as failed. */
  confirmTimeoutMs: number;
  /** Unacknowledged deliveries a worker holds per task queue. */
  prefetch: number;
}

export interface SchedulerConfig {
  /** How often each replica looks for due schedules. */
  tickMs: number;
  /** Schedules claimed per transaction (a tick repeats while a batch comes back full). */
  batchSize: number;
  /** RUN_ONCE schedules without their own window catch up on runs missed at most this long ago. */
  catchUpWindowSeconds: number;
  /** A due time later than this when the tick sees it counts as missed (Quartz's misfire threshold). */
  misfireGraceMs: number;
}

export interface RetentionConfig {
  /** Daily crawling_queues partitions whose day ended more than this long ago are dropped (when finished). */
  queueRetentionDays: number;
  /** Terminal jobs completed more than this long ago move to crawling_jobs_archive. */
  jobRetentionDays: number;
  /** Jobs moved per archive transaction. */
  archiveBatchSize: number;
  /** Pause between archive batches, so the archiver never monopolises the database. */
  archivePauseMs: number;
  /** Daily queue partitions kept ready beyond today. */
  partitionsAheadDays: number;
  /** How often the maintenance routine runs (on one replica at a time). */
  maintenanceIntervalMs: number;
}

export interface AppConfig {
  app: ProcessName;
  port: number;
  logLevel: LogLevel;
  apiToken: string | undefined;
  /** Largest request body the HTTP parsers read; a larger one answers 413. */
  apiBodyLimitBytes: number;
  shutdownTimeoutMs: number;
  database: DatabaseConfig;
  amqpUrl: string;
  /** Where the standalone process keeps its SQLite file (CRAWLFLOW_DATA_DIR), absolute. */
  dataDir: string;
  fetch: FetchSettings;
  transport: TransportConfig;
  scheduler: SchedulerConfig;
  retention: RetentionConfig;
}

export const DEFAULT_DATABASE_URL = 'mysql://root@127.0.0.1:3306/crawlflow';
export const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

type Env = Readonly<Record<string, string | undefined>>;

/** `AMQP_URL=memory:` (or `memory:<name>`): the in-process bus of the standalone process. */
export const MEMORY_BUS_URL = 'memory:';
export const DEFAULT_DATA_DIR = '.crawlflow';
const SQLITE_PREFIX = 'sqlite:';

export function isMemoryBusUrl(value: string): boolean {
  return value.startsWith(MEMORY_BUS_URL);
}

export function loadDatabaseConfig(env: Env, fallbackUrl = DEFAULT_DATABASE_URL): DatabaseConfig {
  const value = raw(env, 'DATABASE_URL') ?? fallbackUrl;
  if (value.startsWith(SQLITE_PREFIX)) return sqliteConfig(value);
  if (!/^(mysql|mariadb):/i.test(value)) {
    throw new ConfigError(
      'DATABASE_URL',
      `expected a mysql:// or mariadb:// URL or sqlite:<file>, got "${redact(value)}"`,
    );
  }
  const parsed = url({ DATABASE_URL: value }, 'DATABASE_URL', fallbackUrl, ['mysql:', 'mariadb:']);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  // The migrator creates this database by name, so only plain identifiers are accepted.
  if (!/^[A-Za-z0-9_]{1,64}$/.test(database)) {
    throw new ConfigError(
      'DATABASE_URL',
      database
        ? `database name "${database}" must be letters, digits and _`
        : 'the URL names no database (…:3306/crawlflow)',
    );
  }
  const port = parsed.port ? Number(parsed.port) : 3306;
  return {
    url: parsed.toString(),
    dialect: 'mysql',
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port,
    user: decodeURIComponent(parsed.username) || 'root',
    password: decodeURIComponent(parsed.password),
    database,
  };
}

/** `sqlite:<path>`: a file, relative to the working directory unless absolute. */
function sqliteConfig(value: string): DatabaseConfig {
  const path = value.slice(SQLITE_PREFIX.length).replace(/^\/\/(?=\/)/, '');
  if (!path || path === ':memory:' || path.endsWith('/')) {
    throw new ConfigError(
      'DATABASE_URL',
      `"${value}" names no file: give sqlite:<path to a database file>, e.g. sqlite:.crawlflow/crawlflow.db`,
    );
  }
  const file = isAbsolute(path) ? path : resolve(process.cwd(), path);
  const base = file.replace(/^.*\//, '').replace(/\.[^.]*$/, '');
  return {
    url: `${SQLITE_PREFIX}${file}`,
    dialect: 'sqlite',
    file,
    host: '',
    port: 0,
    user: '',
    password: '',
    database: base,
  };
}

export function loadAmqpUrl(env: Env, fallbackUrl = DEFAULT_AMQP_URL): string {
  const value = raw(env, 'AMQP_URL') ?? fallbackUrl;
  if (isMemoryBusUrl(value)) {
    if (!/^memory:[A-Za-z0-9_-]*$/.test(value)) {
      throw new ConfigError(
        'AMQP_URL',
        `"${value}": the in-process bus is memory: or memory:<letters, digits, _ and ->`,
      );
    }
    return value;
  }
  return url({ AMQP_URL: value }, 'AMQP_URL', fallbackUrl, ['amqp:', 'amqps:']).toString();
}

/**
 * The database and bus of a process. The standalone process defaults to a SQLite file in its data
 * directory and the in-process bus; each cluster role to MySQL and RabbitMQ, and refuses the
 * embedded ones: the file and the bus live inside one process, so roles split over processes
 * would each see their own, empty copy. The in-process bus goes only with the standalone process's
 * own SQLite file: a MySQL database may be shared by other processes, whose ledger entries this
 * process would take onto a bus they cannot reach.
 */
function storage(app: ProcessName, env: Env, dataDir: string): Pick<AppConfig, 'database' | 'amqpUrl'> {
  if (app === STANDALONE) {
    const database = loadDatabaseConfig(env, `${SQLITE_PREFIX}${resolve(dataDir, 'crawlflow.db')}`);
    const amqpUrl = loadAmqpUrl(env, database.dialect === 'sqlite' ? MEMORY_BUS_URL : DEFAULT_AMQP_URL);
    if (database.dialect !== 'sqlite' && isMemoryBusUrl(amqpUrl)) {
      throw new ConfigError(
        'AMQP_URL',
        "memory: goes with the standalone process's own SQLite file; with DATABASE_URL on MySQL, which other processes may share, use amqp://",
      );
    }
    return { database, amqpUrl };
  }
  const database = loadDatabaseConfig(env);
  const amqpUrl = loadAmqpUrl(env);
  if (database.dialect === 'sqlite') {
    throw new ConfigError(
      'DATABASE_URL',
      `sqlite: is the embedded database of the standalone process (npm run standalone); ${app} runs beside other processes and needs mysql://`,
    );
  }
  if (isMemoryBusUrl(amqpUrl)) {
    throw new ConfigError(
      'AMQP_URL',
      `memory: is the in-process bus of the standalone process (npm run standalone); ${app} runs beside other processes and needs amqp://`,
    );
  }
  return { database, amqpUrl };
}

/** Reads and validates every setting once; throws a ConfigError naming the first bad one. */
export function loadConfig(app: ProcessName, env: Env): AppConfig {
  const dataDir = resolve(process.cwd(), raw(env, 'CRAWLFLOW_DATA_DIR') ?? DEFAULT_DATA_DIR);
  return {
    app,
    port: int(env, 'PORT', DEFAULT_PORTS[app], 1, 65535),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    apiToken: raw(env, 'API_TOKEN'),
    // 1 MiB: the largest bodies are workflow definitions and job params, each stored in a TEXT
    // column (64 KB), yet on the wire they can be several times that (clients that escape every
    // non-ASCII character as \uXXXX, pretty-printed files) beside target attributes, which are a
    // JSON column. The bound keeps what one request makes the process buffer and parse small. At
    // most 16 MiB, the default max_allowed_packet of MariaDB: a larger value could not be written.
    apiBodyLimitBytes: int(env, 'API_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 16 * 1024 * 1024),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 8000, 100, 600_000),
    ...storage(app, env, dataDir),
    dataDir,
    fetch: {
      hostConcurrency: int(env, 'FETCH_HOST_CONCURRENCY', 8, 1, 1000),
      hostDelayMs: int(env, 'FETCH_HOST_DELAY_MS', 0, 0, 3_600_000),
      allowHosts: hostList(env, 'FETCH_ALLOW_HOSTS'),
      connectTimeoutMs: int(env, 'FETCH_CONNECT_TIMEOUT_MS', 10_000, 1, 600_000),
      headersTimeoutMs: int(env, 'FETCH_HEADERS_TIMEOUT_MS', 15_000, 1, 600_000),
      bodyTimeoutMs: int(env, 'FETCH_BODY_TIMEOUT_MS', 30_000, 1, 600_000),
      maxResponseBytes: int(env, 'FETCH_MAX_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      maxRedirects: int(env, 'FETCH_MAX_REDIRECTS', 5, 0, 50),
      userAgent: raw(env, 'FETCH_USER_AGENT') ?? 'crawlflow/0.1',
      obeyRobotsTxt: bool(env, 'FETCH_OBEY_ROBOTS', true),
    },
    transport: {
      relayBatchSize: int(env, 'RELAY_BATCH_SIZE', 500, 1, 10_000),
      relayConcurrency: int(env, 'RELAY_CONCURRENCY', 2, 1, 16),
      relayIntervalMs: int(env, 'RELAY_INTERVAL_MS', 200, 10, 60_000),
      leaseMs: int(env, 'TASK_LEASE_MS', 300_000, 1000, 86_400_000),
      maxDispatches: int(env, 'TASK_MAX_DISPATCHES', 3, 1, 100),
      // Its deliveries stay below the task queues' x-delivery-limit (20): a poison message fails its
      // task instead of being dead-lettered.
      maxDeliveries: int(env, 'TASK_MAX_DELIVERIES', 3, 1, 15),
      confirmTimeoutMs: int(env, 'PUBLISH_CONFIRM_TIMEOUT_MS', 15_000, 100, 600_000),
      prefetch: int(env, 'WORKER_PREFETCH', 32, 1, 10_000),
    },
    scheduler: {
      tickMs: int(env, 'SCHEDULER_TICK_MS', 1000, 50, 3_600_000),
      batchSize: int(env, 'SCHEDULER_BATCH', 100, 1, 10_000),
      catchUpWindowSeconds: int(env, 'SCHEDULER_CATCH_UP_WINDOW_SECONDS', 3600, 0, 31_536_000),
      misfireGraceMs: int(env, 'SCHEDULER_MISFIRE_GRACE_MS', 5000, 0, 3_600_000),
    },
    retention: {
      queueRetentionDays: int(env, 'QUEUE_RETENTION_DAYS', 7, 1, 3650),
      jobRetentionDays: int(env, 'JOB_RETENTION_DAYS', 30, 1, 36_500),
      archiveBatchSize: int(env, 'ARCHIVE_BATCH_SIZE', 500, 1, 10_000),
      archivePauseMs: int(env, 'ARCHIVE_PAUSE_MS', 100, 0, 60_000),
      partitionsAheadDays: int(env, 'PARTITIONS_AHEAD_DAYS', 3, 1, 366),
      maintenanceIntervalMs: int(env, 'MAINTENANCE_INTERVAL_MS', 3_600_000, 1000, 86_400_000),
    },
  };
}
