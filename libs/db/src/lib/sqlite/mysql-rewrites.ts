/**
 * The rewrites of MySQL expressions into SQLite ones, one pass each over the significant tokens of
 * a DML statement. Functions SQLite lacks are provided by ./mysql-functions (cf_* and MySQL names).
 */
import { sqliteString, type Token } from './sql-lexer';
import {
  argsOf,
  call,
  closeOf,
  findTopLevel,
  isPunct,
  isWord,
  num,
  operandEnd,
  operandStart,
  p,
  s,
  UntranslatableSqlError,
  w,
} from './token-tools';

/** MySQL's NOW(3): UTC text with milliseconds, constant within a statement as in MySQL. */
export const NOW_MS_SQL = "strftime('%Y-%m-%d %H:%M:%f', 'now')";
const NOW_MS: Token[] = [w('strftime'), p('('), s("'%Y-%m-%d %H:%M:%f'"), p(','), s("'now'"), p(')')];
const NOW_S: Token[] = [w('strftime'), p('('), s("'%Y-%m-%d %H:%M:%S'"), p(','), s("'now'"), p(')')];
const TODAY: Token[] = [w('date'), p('('), s("'now'"), p(')')];

const NOW_FUNCTIONS = new Set([
  'NOW',
  'SYSDATE',
  'UTC_TIMESTAMP',
  'CURRENT_TIMESTAMP',
  'LOCALTIMESTAMP',
  'LOCALTIME',
]);
const BARE_NOW = new Set(['CURRENT_TIMESTAMP', 'LOCALTIMESTAMP', 'LOCALTIME']);
const DATE_FUNCTIONS = new Set(['CURDATE', 'UTC_DATE', 'CURRENT_DATE']);

export const INTERVAL_UNITS = new Set([
  'MICROSECOND',
  'SECOND',
  'MINUTE',
  'HOUR',
  'DAY',
  'WEEK',
  'MONTH',
  'QUARTER',
  'YEAR',
]);

/** Same meaning, another name. */
const RENAMES: Record<string, string> = {
  IF: 'iif',
  GREATEST: 'max',
  LEAST: 'min',
  LAST_INSERT_ID: 'last_insert_rowid',
  ROW_COUNT: 'changes',
  CHAR_LENGTH: 'length',
  CHARACTER_LENGTH: 'length',
  LENGTH: 'octet_length',
  SUBSTRING: 'substr',
  LCASE: 'lower',
  UCASE: 'upper',
  CONCAT: 'cf_concat',
  UNIX_TIMESTAMP: 'cf_unix_timestamp',
  FROM_UNIXTIME: 'cf_from_unixtime',
};

/** What `@@name` answers on SQLite (the variables the code reads). */
const SYSTEM_VARIABLES: Record<string, Token> = {
  read_only: num('0'),
  innodb_autoinc_lock_mode: num('1'),
  auto_increment_increment: num('1'),
  time_zone: s("'+00:00'"),
  max_allowed_packet: num('1000000000'),
};

const prevIsDot = (t: readonly Token[], i: number): boolean => isPunct(t[i - 1], '.');

/** Locking clauses and optimizer hints: one writer at a time needs neither. */
export function stripLocksAndHints(t: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < t.length; i += 1) {
    const token = t[i];
    const next = t[i + 1];
    if (isWord(token, 'FOR') && isWord(next, 'UPDATE', 'SHARE')) {
      i += 1;
      i = skipLockOptions(t, i);
      continue;
    }
    if (
      isWord(token, 'LOCK') &&
      isWord(next, 'IN') &&
      isWord(t[i + 2], 'SHARE') &&
      isWord(t[i + 3], 'MODE')
    ) {
      i += 3;
      continue;
    }
    if (isWord(token, 'FORCE', 'USE', 'IGNORE') && isWord(next, 'INDEX', 'KEY') && isPunct(t[i + 2], '(')) {
      i = closeOf(t, i + 2);
      continue;
    }
    if (isWord(token, 'STRAIGHT_JOIN')) {
      out.push(w('JOIN'));
      continue;
    }
    if (isWord(token, 'SQL_NO_CACHE', 'SQL_CALC_FOUND_ROWS', 'DELAYED')) continue;
    if (
      isWord(token, 'LOW_PRIORITY', 'HIGH_PRIORITY') &&
      isWord(out[out.length - 1], 'INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'SELECT')
    )
      continue;
    if (isWord(token, 'FROM') && isWord(next, 'DUAL')) {
      i += 1;
      continue;
    }
    if (isWord(token, 'IGNORE') && isWord(out[out.length - 1], 'INSERT')) {
      out.push(w('OR'), w('IGNORE'));
      continue;
    }
    out.push(token);
  }
  return out;
}

function skipLockOptions(t: readonly Token[], from: number): number {
  let i = from;
  if (isWord(t[i + 1], 'OF')) {
    i += 2;
    while (isPunct(t[i + 1], ',')) i += 2;
  }
  if (isWord(t[i + 1], 'SKIP') && isWord(t[i + 2], 'LOCKED')) i += 2;
  else if (isWord(t[i + 1], 'NOWAIT')) i += 1;
  else if (isWord(t[i + 1], 'WAIT') && t[i + 2]?.kind === 'number') i += 2;
  return i;
}

/** Clock functions, renamed functions, system variables and operators. */
export function rewriteFunctionsAndOperators(t: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < t.length; i += 1) {
    const token = t[i];
    const next = t[i + 1];
    if (token.kind === 'word' && !prevIsDot(t, i)) {
      if (NOW_FUNCTIONS.has(token.upper) && isPunct(next, '(')) {
        const { args, close } = argsOf(t, i + 1);
        const fsp = args[0]?.[0]?.text ?? '0';
        out.push(p('('), ...(fsp === '0' ? NOW_S : NOW_MS), p(')'));
        i = close;
        continue;
      }
      if (BARE_NOW.has(token.upper)) {
        out.push(p('('), ...NOW_S, p(')'));
        continue;
      }
      if (DATE_FUNCTIONS.has(token.upper)) {
        out.push(...TODAY);
        if (isPunct(next, '(')) i = closeOf(t, i + 1);
        continue;
      }
      const rename = RENAMES[token.upper];
      if (rename && isPunct(next, '(')) {
        out.push(w(rename));
        continue;
      }
    }
    if (token.kind === 'variable' && token.text.startsWith('@@')) {
      const name = token.text.replace(/^@@(global\.|session\.|local\.)?/i, '').toLowerCase();
      out.push(SYSTEM_VARIABLES[name] ?? w('NULL'));
      continue;
    }
    if (isPunct(token, '<=>')) {
      out.push(w('IS'));
      continue;
    }
    if (isPunct(token, '&&')) {
      out.push(w('AND'));
      continue;
    }
    // MySQL divides exactly (DECIMAL); SQLite divides integers by truncating.
    if (isPunct(token, '/')) {
      out.push(p('*'), num('1.0'), p('/'));
      continue;
    }
    out.push(token);
  }
  return out;
}

/** CAST targets: MySQL's type names in SQLite's, or a function that makes the value. */
export function rewriteCasts(t: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < t.length; i += 1) {
    if (!(isWord(t[i], 'CAST', 'CONVERT') && isPunct(t[i + 1], '('))) {
      out.push(t[i]);
      continue;
    }
    const close = closeOf(t, i + 1);
    const inner = rewriteCasts(t.slice(i + 2, close));
    const as = findTopLevel(inner, 0, (token) => isWord(token, 'AS'));
    if (as < 0 || isWord(t[i], 'CONVERT')) {
      out.push(...t.slice(i, close + 1));
      i = close;
      continue;
    }
    const value = inner.slice(0, as);
    const type = inner[as + 1]?.upper ?? '';
    i = close;
    if (type === 'DATETIME' || type === 'TIMESTAMP') out.push(...call('cf_datetime', value));
    else if (type === 'DATE') out.push(...call('date', value));
    else if (type === 'TIME') out.push(...call('time', value));
    else if (type === 'JSON') out.push(...call('json', value));
    else out.push(w('CAST'), p('('), ...value, w('AS'), w(castType(type)), p(')'));
  }
  return out;
}

function castType(mysqlType: string): string {
  if (['SIGNED', 'UNSIGNED', 'INT', 'INTEGER', 'BIGINT'].includes(mysqlType)) return 'INTEGER';
  if (['DECIMAL', 'DOUBLE', 'FLOAT', 'REAL', 'NUMERIC'].includes(mysqlType)) return 'REAL';
  if (['BINARY', 'VARBINARY', 'BLOB'].includes(mysqlType)) return 'BLOB';
  return 'TEXT';
}

/** TIMESTAMPDIFF / TIMESTAMPADD / DATE_ADD / DATE_SUB, whose unit is a keyword. */
export function rewriteDateFunctions(t: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < t.length; i += 1) {
    const token = t[i];
    if (token.kind !== 'word' || !isPunct(t[i + 1], '(') || prevIsDot(t, i)) {
      out.push(token);
      continue;
    }
    const name = token.upper;
    if (name === 'TIMESTAMPDIFF' || name === 'TIMESTAMPADD') {
      const { args, close } = argsOf(t, i + 1);
      const [unit, a, b] = args.map(rewriteDateFunctions);
      const unitName = unitOf(unit);
      out.push(
        ...(name === 'TIMESTAMPDIFF'
          ? call('cf_timestampdiff', [s(sqliteString(unitName))], a, b)
          : call('cf_date_add', b, a, [s(sqliteString(unitName))])),
      );
      i = close;
      continue;
    }
    if (['DATE_ADD', 'DATE_SUB', 'ADDDATE', 'SUBDATE'].includes(name)) {
      const { args, close } = argsOf(t, i + 1);
      const [value, interval] = args.map(rewriteDateFunctions);
      if (!isWord(interval[0], 'INTERVAL')) throw new UntranslatableSqlError(`${name} without INTERVAL`);
      const amount = interval.slice(1, -1);
      const negate = name === 'DATE_SUB' || name === 'SUBDATE';
      out.push(
        ...call('cf_date_add', value, negate ? [p('-'), p('('), ...amount, p(')')] : amount, [
          s(sqliteString(unitOf(interval.slice(-1)))),
        ]),
      );
      i = close;
      continue;
    }
    out.push(token);
  }
  return out;
}

function unitOf(tokens: readonly Token[] | undefined): string {
  const unit = tokens?.length === 1 ? tokens[0].upper.replace(/^SQL_TSI_/, '') : '';
  if (!INTERVAL_UNITS.has(unit)) throw new UntranslatableSqlError(`the interval unit ${unit || '(none)'}`);
  return unit;
}

/**
 * `<operand> ± INTERVAL <amount> <UNIT>` → cf_date_add(operand, ±amount, 'UNIT'), left to right in
 * one pass (the operand is the tail of what is written so far, so chains nest).
 */
export function rewriteIntervalArithmetic(t: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < t.length; i += 1) {
    const token = t[i];
    if (!((isPunct(token, '+') || isPunct(token, '-')) && isWord(t[i + 1], 'INTERVAL') && out.length > 0)) {
      out.push(token);
      continue;
    }
    const start = operandStart(out, out.length - 1);
    const operand = out.splice(start);
    const amountEnd = operandEnd(t, i + 2);
    const unit = t[amountEnd + 1];
    const amount = t.slice(i + 2, amountEnd + 1);
    out.push(
      ...call('cf_date_add', operand, isPunct(token, '-') ? [p('-'), p('('), ...amount, p(')')] : amount, [
        s(sqliteString(unitOf(unit ? [unit] : []))),
      ]),
    );
    i = amountEnd + 1;
  }
  return out;
}
