import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { addInterval, epochMsOf, formatMysqlDate, timestampDiff, toSqliteTimestamp } from './sqlite-time';

type SqlArg = null | number | bigint | string | Buffer;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** MySQL's CRC32 (zlib's polynomial), unsigned. */
function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const asNumber = (value: SqlArg): number | null =>
  value === null ? null : typeof value === 'string' ? Number(value) : Number(value);

/** A time SQL value as stored text; null stays null. */
function timeText(value: SqlArg): string | null {
  const ms = epochMsOf(value);
  return ms === null ? null : toSqliteTimestamp(new Date(ms));
}

/**
 * The MySQL functions the repositories use that SQLite lacks, on one connection. The translator
 * (./mysql-compat) renames the ones SQLite has under another name (IF → iif, GREATEST → max, …)
 * and calls the cf_* ones for the rest. `database` is what DATABASE() answers.
 */
export function registerMysqlFunctions(db: Database, database: string): void {
  const deterministic = { deterministic: true };

  db.function('cf_date_add', deterministic, (time: SqlArg, amount: SqlArg, unit: SqlArg) => {
    const ms = epochMsOf(time);
    const by = asNumber(amount);
    if (ms === null || by === null || Number.isNaN(by)) return null;
    return toSqliteTimestamp(new Date(addInterval(ms, by, String(unit))));
  });

  db.function('cf_timestampdiff', deterministic, (unit: SqlArg, from: SqlArg, to: SqlArg) => {
    const a = epochMsOf(from);
    const b = epochMsOf(to);
    if (a === null || b === null) return null;
    return BigInt(timestampDiff(String(unit), a, b));
  });

  db.function('cf_datetime', deterministic, (value: SqlArg) => timeText(value));

  db.function('DATE_FORMAT', deterministic, (time: SqlArg, format: SqlArg) => {
    const ms = epochMsOf(time);
    return ms === null || format === null ? null : formatMysqlDate(ms, String(format));
  });

  db.function('cf_unix_timestamp', { varargs: true }, (...args: SqlArg[]) => {
    if (args.length === 0) return BigInt(Math.floor(Date.now() / 1000));
    const ms = epochMsOf(args[0]);
    if (ms === null) return null;
    return ms % 1000 === 0 ? BigInt(ms / 1000) : ms / 1000;
  });

  db.function('cf_from_unixtime', deterministic, (seconds: SqlArg) => {
    const value = asNumber(seconds);
    return value === null || Number.isNaN(value) ? null : toSqliteTimestamp(new Date(value * 1000));
  });

  // MySQL's CONCAT is NULL when any argument is (SQLite's concat() skips NULLs).
  db.function('cf_concat', { varargs: true, deterministic: true }, (...args: SqlArg[]) =>
    args.some((arg) => arg === null) ? null : args.map((arg) => String(arg)).join(''),
  );

  db.function('FIELD', { varargs: true, deterministic: true }, (needle: SqlArg, ...haystack: SqlArg[]) => {
    if (needle === null) return 0n;
    const index = haystack.findIndex((item) => item !== null && String(item) === String(needle));
    return BigInt(index + 1);
  });

  db.function('CRC32', deterministic, (value: SqlArg) =>
    value === null
      ? null
      : BigInt(crc32(Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8'))),
  );

  db.function('DATABASE', () => database);
  db.function('UUID', () => randomUUID());
  db.function('regexp', deterministic, (pattern: SqlArg, text: SqlArg) =>
    pattern === null || text === null ? null : new RegExp(String(pattern)).test(String(text)) ? 1n : 0n,
  );

  // Advisory locks: one process owns the file (locking_mode=EXCLUSIVE), so they live in it. Unlike
  // MySQL's they are not re-entrant: every caller shares the one connection, and a second
  // GET_LOCK of a held name must fail as it would on another connection.
  const locks = new Set<string>();
  // GET_LOCK(name, timeout): the timeout does not matter, nobody else can release the lock meanwhile.
  db.function('GET_LOCK', { varargs: true }, (name: SqlArg) => {
    const key = String(name);
    if (locks.has(key)) return 0n;
    locks.add(key);
    return 1n;
  });
  db.function('RELEASE_LOCK', (name: SqlArg) => (locks.delete(String(name)) ? 1n : null));
  db.function('IS_FREE_LOCK', (name: SqlArg) => (locks.has(String(name)) ? 0n : 1n));
  db.function('IS_USED_LOCK', (name: SqlArg) => (locks.has(String(name)) ? 1n : null));
}
