import { loadConfig, STANDALONE } from '@crawlflow/config';
import { startupProblem } from './prepare-standalone';

const config = loadConfig(STANDALONE, { CRAWLFLOW_DATA_DIR: '/srv/cf' });
const given = loadConfig(STANDALONE, { DATABASE_URL: 'sqlite:/data/x.db' });
const failure = (code: string, wrapped = false): unknown =>
  wrapped ? { message: 'query failed', driverError: { code: 'ER_X', sqliteCode: code } } : { code };

describe('startupProblem', () => {
  it('names the data directory setting, or DATABASE_URL when the file was given', () => {
    expect(startupProblem(config, failure('EACCES'))).toBe(
      'CRAWLFLOW_DATA_DIR: cannot write the data directory /srv/cf (EACCES)',
    );
    expect(startupProblem(given, failure('SQLITE_NOTADB', true))).toBe(
      'DATABASE_URL: /data/x.db is not a SQLite database (SQLITE_NOTADB)',
    );
  });

  it('says that another process holds the file', () => {
    expect(startupProblem(config, failure('SQLITE_BUSY', true))).toMatch(
      /^CRAWLFLOW_DATA_DIR: \/srv\/cf\/crawlflow\.db is in use by another process/,
    );
  });

  it('leaves anything else to the generic failure', () => {
    expect(startupProblem(config, new Error('boom'))).toBeUndefined();
    expect(startupProblem(config, failure('ER_PARSE_ERROR'))).toBeUndefined();
  });
});
