/**
 * Reads the first number in a text the way a price or count is written on a page:
 * `1,234.50` → 1234.5, `₩12,000` → 12000, `$ 9.99` → 9.99, `12.000,50` → 12000.5, `-3` → -3,
 * `1 234,5` / `1'234.5` / `1 234` (no-break spaces) → 1234.5 / 1234.5 / 1234.
 *
 * The rule for the decimal separator:
 * - both `.` and `,` present: the one that comes last is the decimal separator, the other groups;
 * - one of them, more than once: it groups (`1,234,567`, `1.234.567`);
 * - one of them, once, followed by exactly three digits after a non-zero integer part: it groups
 *   (`12,000`, `12.000` → 12000 — prices are far more often whole thousands than three-decimal
 *   fractions); otherwise it is the decimal separator (`9.99`, `9,99`, `0.125`, `1.5`).
 * Spaces, no-break spaces and apostrophes between digit groups are grouping. Currency signs, units
 * and words around the number are ignored. Returns undefined when the text holds no number.
 */
export function parseNumber(text: string): number | undefined {
  const match = NUMBER_TOKEN.exec(text);
  if (!match) return undefined;
  const negative = match[1] !== undefined;
  const token = match[2].replace(/[\s\u00a0\u202f']/g, '');
  const lastDot = token.lastIndexOf('.');
  const lastComma = token.lastIndexOf(',');
  let normalised: string;
  if (lastDot >= 0 && lastComma >= 0) {
    const decimal = lastDot > lastComma ? '.' : ',';
    const group = decimal === '.' ? ',' : '.';
    normalised = token.split(group).join('').replace(decimal, '.');
  } else if (lastDot >= 0 || lastComma >= 0) {
    const separator = lastDot >= 0 ? '.' : ',';
    const parts = token.split(separator);
    const grouping =
      parts.length > 2 || (parts[1].length === 3 && parts[0] !== '0' && !/^0+$/.test(parts[0]));
    normalised = grouping ? parts.join('') : `${parts[0]}.${parts[1]}`;
  } else {
    normalised = token;
  }
  const value = Number(normalised);
  if (!Number.isFinite(value)) return undefined;
  return negative ? -value : value;
}

/**
 * An optional minus (ASCII or U+2212) right before the digits, then digits with `.`/`,`/`'`/no-break
 * space between them, or a plain space when a group of exactly three digits follows.
 */
const NUMBER_TOKEN = /([-\u2212])?(\d(?:\d|[.,'\u00a0\u202f](?=\d)| (?=\d{3}(?!\d)))*)/;
