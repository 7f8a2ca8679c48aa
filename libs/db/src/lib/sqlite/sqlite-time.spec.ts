import {
  addInterval,
  formatMysqlDate,
  parseSqliteTimestamp,
  timestampDiff,
  toSqliteTimestamp,
} from './sqlite-time';

const at = (iso: string): number => Date.parse(iso);

describe('SQLite time text', () => {
  it('writes and reads UTC text with milliseconds, and whole seconds', () => {
    expect(toSqliteTimestamp(new Date('2024-02-29T23:59:58.007Z'))).toBe('2024-02-29 23:59:58.007');
    expect(parseSqliteTimestamp('2024-02-29 23:59:58.007')).toBe(at('2024-02-29T23:59:58.007Z'));
    expect(parseSqliteTimestamp('2024-02-29 23:59:58')).toBe(at('2024-02-29T23:59:58Z'));
    expect(parseSqliteTimestamp('2024-02-29')).toBe(at('2024-02-29T00:00:00Z'));
    expect(parseSqliteTimestamp('not a time')).toBeUndefined();
  });

  it('adds intervals as MySQL does, months by the calendar', () => {
    expect(addInterval(at('2024-01-31T10:00:00Z'), 1, 'MONTH')).toBe(at('2024-02-29T10:00:00Z'));
    expect(addInterval(at('2024-03-01T00:00:00Z'), -1, 'DAY')).toBe(at('2024-02-29T00:00:00Z'));
    expect(addInterval(at('2024-03-01T00:00:00Z'), 1500, 'MICROSECOND')).toBe(at('2024-03-01T00:00:00.002Z'));
    expect(addInterval(at('2024-02-29T00:00:00Z'), 1, 'YEAR')).toBe(at('2025-02-28T00:00:00Z'));
  });

  it('counts TIMESTAMPDIFF units truncated toward zero', () => {
    expect(timestampDiff('SECOND', at('2024-01-01T00:00:00.900Z'), at('2024-01-01T00:00:02.100Z'))).toBe(1);
    expect(timestampDiff('SECOND', at('2024-01-01T00:00:02.100Z'), at('2024-01-01T00:00:00.900Z'))).toBe(-1);
    expect(timestampDiff('MICROSECOND', at('2024-01-01T00:00:00Z'), at('2024-01-01T00:00:00.250Z'))).toBe(
      250_000,
    );
    expect(timestampDiff('MONTH', at('2024-01-31T00:00:00Z'), at('2024-02-29T00:00:00Z'))).toBe(0);
    expect(timestampDiff('MONTH', at('2024-01-15T00:00:00Z'), at('2024-03-15T00:00:00Z'))).toBe(2);
  });
});

describe('DATE_FORMAT', () => {
  it('formats MySQL specifiers in UTC', () => {
    const t = at('2024-03-04T15:06:07.089Z');
    expect(formatMysqlDate(t, '%Y-%m-%d %H:%i:%s.%f')).toBe('2024-03-04 15:06:07.089000');
    expect(formatMysqlDate(t, '%s')).toBe('07');
    expect(formatMysqlDate(t, '%W %b %e, %l %p, %j, 100%%')).toBe('Monday Mar 4, 3 PM, 064, 100%');
  });
});
