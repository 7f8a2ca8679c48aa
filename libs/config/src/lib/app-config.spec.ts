import { resolve } from 'node:path';
import { loadAmqpUrl, loadConfig, loadDatabaseConfig, STANDALONE } from './app-config';
import { ConfigError } from './config-error';

describe('API_BODY_LIMIT_BYTES', () => {
  const limit = (value?: string): number =>
    loadConfig('orchestrator', value === undefined ? {} : { API_BODY_LIMIT_BYTES: value }).apiBodyLimitBytes;

  it('defaults to 1 MiB and takes a whole number of bytes', () => {
    expect(limit()).toBe(1_048_576);
    expect(limit('')).toBe(1_048_576);
    expect(limit('2097152')).toBe(2_097_152);
  });

  it('refuses a value that is not a byte count within 1 KiB..16 MiB, naming the setting', () => {
    for (const value of ['1mb', '-1', '1023', '16777217']) {
      expect(() => limit(value)).toThrow(ConfigError);
      expect(() => limit(value)).toThrow(/^API_BODY_LIMIT_BYTES: /);
    }
  });
});

describe('DATABASE_URL and AMQP_URL', () => {
  it('reads sqlite:<file> as an absolute file, relative paths against the working directory', () => {
    const absolute = loadDatabaseConfig({ DATABASE_URL: 'sqlite:/var/lib/crawlflow/main.db' });
    expect(absolute).toMatchObject({
      dialect: 'sqlite',
      file: '/var/lib/crawlflow/main.db',
      database: 'main',
    });
    const relative = loadDatabaseConfig({ DATABASE_URL: 'sqlite:data/x.db' });
    expect(relative.file).toBe(resolve(process.cwd(), 'data/x.db'));
    expect(loadDatabaseConfig({}).dialect).toBe('mysql');
  });

  it('refuses a sqlite: URL that names no file, and other schemes, naming the setting', () => {
    for (const value of ['sqlite:', 'sqlite::memory:', 'sqlite:/tmp/dir/', 'postgres://h/db']) {
      expect(() => loadDatabaseConfig({ DATABASE_URL: value })).toThrow(/^DATABASE_URL: /);
    }
  });

  it('accepts memory: and memory:<name> as the bus, and refuses other names', () => {
    expect(loadAmqpUrl({ AMQP_URL: 'memory:' })).toBe('memory:');
    expect(loadAmqpUrl({ AMQP_URL: 'memory:cf_t_1' })).toBe('memory:cf_t_1');
    expect(() => loadAmqpUrl({ AMQP_URL: 'memory:a/b' })).toThrow(/^AMQP_URL: /);
  });

  it('gives the standalone process SQLite in its data directory and the in-process bus by default', () => {
    const config = loadConfig(STANDALONE, { CRAWLFLOW_DATA_DIR: '/srv/cf' });
    expect(config.dataDir).toBe('/srv/cf');
    expect(config.database).toMatchObject({ dialect: 'sqlite', file: '/srv/cf/crawlflow.db' });
    expect(config.amqpUrl).toBe('memory:');
    expect(config.port).toBe(3000);
    const onCluster = loadConfig(STANDALONE, {
      DATABASE_URL: 'mysql://root@db:3306/cf',
      AMQP_URL: 'amqp://mq',
    });
    expect(onCluster.database.dialect).toBe('mysql');
    expect(onCluster.amqpUrl).toBe('amqp://mq');
  });

  it('keeps the cluster roles off the embedded database and bus, with one line naming the setting', () => {
    expect(loadConfig('fetch-worker', {}).database.dialect).toBe('mysql');
    expect(() => loadConfig('fetch-worker', { AMQP_URL: 'memory:' })).toThrow(
      /^AMQP_URL: memory: is the in-process bus of the standalone process/,
    );
    expect(() => loadConfig('orchestrator', { DATABASE_URL: 'sqlite:/tmp/x.db' })).toThrow(
      /^DATABASE_URL: sqlite: /,
    );
  });
});
