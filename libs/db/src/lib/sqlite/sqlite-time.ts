/**
 * Times in the SQLite file are UTC text, 'YYYY-MM-DD HH:MM:SS.mmm' (or whole seconds where MySQL
 * has TIMESTAMP without a fraction): the form MySQL's TIMESTAMP(3) prints in a UTC session, which
 * sorts and compares as text in time order.
 */

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

export function toSqliteTimestamp(date: Date): string {
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}`
  );
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]00:?00)?$/;

/** Epoch milliseconds of a stored time text, or undefined when the text is no time. */
export function parseSqliteTimestamp(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const epoch = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
    ms,
  );
  return Number.isNaN(epoch) ? undefined : epoch;
}

/** A SQL value as epoch milliseconds: time text, or a number of epoch seconds; null otherwise. */
export function epochMsOf(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return parseSqliteTimestamp(value.trim()) ?? null;
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) * 1000;
  return null;
}

/** Whole-unit steps MySQL's INTERVAL knows, in milliseconds (months and years move by the calendar). */
const FIXED_UNITS_MS: Record<string, number> = {
  MICROSECOND: 0.001,
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
  WEEK: 604_800_000,
};

/** `time + INTERVAL amount unit`, as MySQL's DATE_ADD (the end of a month stays in its month). */
export function addInterval(epochMs: number, amount: number, unit: string): number {
  const fixed = FIXED_UNITS_MS[unit];
  if (fixed !== undefined) return epochMs + Math.round(amount * fixed);
  const months =
    unit === 'MONTH' ? amount : unit === 'QUARTER' ? amount * 3 : unit === 'YEAR' ? amount * 12 : NaN;
  if (Number.isNaN(months)) throw new Error(`unknown interval unit ${unit}`);
  const date = new Date(epochMs);
  const day = date.getUTCDate();
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() + Math.trunc(months));
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  date.setUTCDate(Math.min(day, lastDay));
  return date.getTime();
}

/** TIMESTAMPDIFF(unit, from, to): whole units from `from` to `to`, truncated toward zero. */
export function timestampDiff(unit: string, fromMs: number, toMs: number): number {
  if (unit === 'MICROSECOND') return Math.round((toMs - fromMs) * 1000);
  const fixed = FIXED_UNITS_MS[unit];
  if (fixed !== undefined) return Math.trunc((toMs - fromMs) / fixed);
  const per = unit === 'MONTH' ? 1 : unit === 'QUARTER' ? 3 : unit === 'YEAR' ? 12 : NaN;
  if (Number.isNaN(per)) throw new Error(`unknown interval unit ${unit}`);
  const a = new Date(fromMs);
  const b = new Date(toMs);
  let months = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
  // A month is whole once the day and time of the month are reached again.
  const rest = (d: Date): number => d.getTime() - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  if (months > 0 && rest(b) < rest(a)) months -= 1;
  if (months < 0 && rest(b) > rest(a)) months += 1;
  return Math.trunc(months / per);
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** MySQL's DATE_FORMAT(time, format) for the specifiers of a UTC time (week numbers aside). */
export function formatMysqlDate(epochMs: number, format: string): string {
  const d = new Date(epochMs);
  const hours = d.getUTCHours();
  const twelve = hours % 12 === 0 ? 12 : hours % 12;
  const startOfYear = Date.UTC(d.getUTCFullYear(), 0, 1);
  const parts: Record<string, string> = {
    Y: pad(d.getUTCFullYear(), 4),
    y: pad(d.getUTCFullYear() % 100),
    m: pad(d.getUTCMonth() + 1),
    c: String(d.getUTCMonth() + 1),
    M: MONTHS[d.getUTCMonth()],
    b: MONTHS[d.getUTCMonth()].slice(0, 3),
    d: pad(d.getUTCDate()),
    e: String(d.getUTCDate()),
    H: pad(hours),
    k: String(hours),
    h: pad(twelve),
    I: pad(twelve),
    l: String(twelve),
    i: pad(d.getUTCMinutes()),
    s: pad(d.getUTCSeconds()),
    S: pad(d.getUTCSeconds()),
    f: pad(d.getUTCMilliseconds() * 1000, 6),
    p: hours < 12 ? 'AM' : 'PM',
    T: `${pad(hours)}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
    r: `${pad(twelve)}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${hours < 12 ? 'AM' : 'PM'}`,
    W: DAYS[d.getUTCDay()],
    a: DAYS[d.getUTCDay()].slice(0, 3),
    w: String(d.getUTCDay()),
    j: pad(Math.floor((epochMs - startOfYear) / 86_400_000) + 1, 3),
    '%': '%',
  };
  return format.replace(/%(.)/g, (match, specifier: string) => parts[specifier] ?? specifier);
}
