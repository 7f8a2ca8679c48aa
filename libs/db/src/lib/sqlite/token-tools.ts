import { tok, type Token } from './sql-lexer';

/** A statement the translator knows no SQLite form of: the caller must branch on the dialect. */
export class UntranslatableSqlError extends Error {
  constructor(what: string, sql?: string) {
    super(
      `${what} has no SQLite form: branch on the dialect (libs/db/src/lib/dialect.ts)${sql ? `: ${sql}` : ''}`,
    );
    this.name = 'UntranslatableSqlError';
  }
}

export function isWord(token: Token | undefined, ...words: string[]): boolean {
  return token !== undefined && token.kind === 'word' && (words.length === 0 || words.includes(token.upper));
}

export function isPunct(token: Token | undefined, text: string): boolean {
  return token !== undefined && token.kind === 'punct' && token.text === text;
}

/** Index of the `)` closing the `(` at `open`. */
export function closeOf(t: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < t.length; i += 1) {
    if (isPunct(t[i], '(')) depth += 1;
    else if (isPunct(t[i], ')')) {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  throw new Error('unbalanced parentheses in SQL');
}

/** Index of the `(` opening the `)` at `close`. */
export function openOf(t: readonly Token[], close: number): number {
  let depth = 0;
  for (let i = close; i >= 0; i -= 1) {
    if (isPunct(t[i], ')')) depth += 1;
    else if (isPunct(t[i], '(')) {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  throw new Error('unbalanced parentheses in SQL');
}

/** The arguments between the parentheses at `open` and its `)`, split at top-level commas. */
export function argsOf(t: readonly Token[], open: number): { args: Token[][]; close: number } {
  const close = closeOf(t, open);
  const args: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  for (let i = open + 1; i < close; i += 1) {
    const token = t[i];
    if (isPunct(token, '(')) depth += 1;
    if (isPunct(token, ')')) depth -= 1;
    if (depth === 0 && isPunct(token, ',')) {
      args.push(current);
      current = [];
    } else current.push(token);
  }
  if (current.length > 0 || args.length > 0) args.push(current);
  return { args, close };
}

/** Splits tokens at commas outside parentheses. */
export function splitTopLevel(t: readonly Token[], separator = ','): Token[][] {
  const parts: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  for (const token of t) {
    if (isPunct(token, '(')) depth += 1;
    if (isPunct(token, ')')) depth -= 1;
    if (depth === 0 && isPunct(token, separator)) {
      parts.push(current);
      current = [];
    } else current.push(token);
  }
  parts.push(current);
  return parts;
}

/** Index of the first token at parenthesis depth 0 (from `from`) that `test` accepts, or -1. */
export function findTopLevel(
  t: readonly Token[],
  from: number,
  test: (token: Token, i: number) => boolean,
  to = t.length,
): number {
  let depth = 0;
  for (let i = from; i < to; i += 1) {
    const token = t[i];
    if (depth === 0 && test(token, i)) return i;
    if (isPunct(token, '(')) depth += 1;
    if (isPunct(token, ')')) depth -= 1;
  }
  return -1;
}

export const w = (text: string): Token => tok('word', text);
export const p = (text: string): Token => tok('punct', text);
export const s = (quoted: string): Token => tok('string', quoted);
export const num = (text: string): Token => tok('number', text);

/** A function call of `name` on argument token lists. */
export function call(name: string, ...args: Token[][]): Token[] {
  const out: Token[] = [w(name), p('(')];
  args.forEach((arg, i) => {
    if (i > 0) out.push(p(','));
    out.push(...arg);
  });
  out.push(p(')'));
  return out;
}

/** Words before `(` that are keywords, not function names. */
const NOT_FUNCTIONS = new Set([
  'AND',
  'OR',
  'NOT',
  'IN',
  'WHERE',
  'ON',
  'SET',
  'SELECT',
  'WHEN',
  'THEN',
  'ELSE',
  'BY',
  'VALUES',
  'EXISTS',
  'AS',
  'IS',
  'LIKE',
  'BETWEEN',
  'FROM',
  'JOIN',
  'INTO',
  'HAVING',
  'RETURN',
  'CASE',
  'USING',
]);

/** Start index of the operand that ends at `end` (a primary: call, group, column, literal). */
export function operandStart(t: readonly Token[], end: number): number {
  let start = end;
  if (isPunct(t[end], ')')) {
    start = openOf(t, end);
    const before = t[start - 1];
    if (before && before.kind === 'word' && !NOT_FUNCTIONS.has(before.upper)) start -= 1;
    return start;
  }
  while (
    start >= 2 &&
    isPunct(t[start - 1], '.') &&
    (t[start - 2].kind === 'word' || t[start - 2].kind === 'ident')
  )
    start -= 2;
  return start;
}

/** End index (inclusive) of the operand that starts at `start`. */
export function operandEnd(t: readonly Token[], start: number): number {
  const token = t[start];
  if (isPunct(token, '(')) return closeOf(t, start);
  if ((isPunct(token, '-') || isPunct(token, '+')) && t[start + 1]) return operandEnd(t, start + 1);
  if (token.kind === 'word' && isPunct(t[start + 1], '(')) return closeOf(t, start + 1);
  let end = start;
  while (
    isPunct(t[end + 1], '.') &&
    t[end + 2] &&
    (t[end + 2].kind === 'word' || t[end + 2].kind === 'ident')
  )
    end += 2;
  return end;
}

/**
 * SQL text of tokens, spaced for reading, cut at the params: `pieces` has one more entry than
 * `slots`, which names the caller's param index of each `?`.
 */
export function render(t: readonly Token[]): { pieces: string[]; slots: number[] } {
  const pieces: string[] = [];
  const slots: number[] = [];
  let out = '';
  for (let i = 0; i < t.length; i += 1) {
    const token = t[i];
    const prev = t[i - 1];
    const wordish = (x: Token | undefined): boolean => x !== undefined && x.kind !== 'punct';
    // Punctuation has its places; two words never touch; otherwise lexed tokens keep their spacing.
    let tight: boolean;
    if (i === 0 || isPunct(prev, '(') || isPunct(prev, '.')) tight = true;
    else if (isPunct(token, ',') || isPunct(token, ')') || isPunct(token, '.')) tight = true;
    else if (isPunct(prev, ',') || (wordish(prev) && wordish(token))) tight = false;
    else if (token.spaced !== undefined) tight = !token.spaced;
    else tight = isPunct(token, '(') && prev?.kind === 'word' && !NOT_FUNCTIONS.has(prev.upper);
    if (!tight) out += ' ';
    if (token.kind === 'param') {
      pieces.push(out);
      slots.push(token.param ?? 0);
      out = '';
    } else out += token.text;
  }
  pieces.push(out);
  return { pieces, slots };
}
