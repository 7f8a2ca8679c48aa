import { isPermanentDatabaseError } from './wait-for-database';

const withCode = (code: string) => Object.assign(new Error(code), { code });

describe('isPermanentDatabaseError', () => {
  it.each(['ER_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR', 'ER_DBACCESS_DENIED_ERROR'])(
    '%s ends the wait: credentials do not fix themselves',
    (code) => expect(isPermanentDatabaseError(withCode(code))).toBe(true),
  );

  it.each([
    'ECONNREFUSED',
    'ETIMEDOUT',
    'ENOTFOUND',
    'ER_BAD_DB_ERROR',
    'ER_CON_COUNT_ERROR',
    'PROTOCOL_CONNECTION_LOST',
  ])('%s is waited out', (code) => expect(isPermanentDatabaseError(withCode(code))).toBe(false));

  it('waits out errors without a code', () => {
    expect(isPermanentDatabaseError(new Error('socket hang up'))).toBe(false);
    expect(isPermanentDatabaseError(undefined)).toBe(false);
  });
});
