/**
 * A lexer for the SQL the repositories send: MySQL's dialect (backslash escapes in strings,
 * backtick identifiers, `#` comments) and the SQLite dialect TypeORM writes (double-quoted
 * identifiers). It knows no grammar: the translator works on its tokens.
 */
export type TokenKind =
  'space' | 'comment' | 'string' | 'blob' | 'ident' | 'word' | 'number' | 'param' | 'variable' | 'punct';

export interface Token {
  kind: TokenKind;
  /** As written, except strings: kept as SQLite literals (quotes doubled, MySQL escapes decoded). */
  text: string;
  /** Words: upper-cased, for keyword tests. */
  upper: string;
  /** Params: their position among the statement's `?`s. */
  param?: number;
  /** Lexed tokens: whether space stood before it in the source (rendering keeps it so). */
  spaced?: boolean;
}

const MYSQL_ESCAPES: Record<string, string> = {
  '0': '\0',
  "'": "'",
  '"': '"',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\x1a',
  '\\': '\\',
  // LIKE wildcards keep their backslash (MySQL does too).
  '%': '\\%',
  _: '\\_',
};

const OPERATORS = ['<=>', '->>', '<=', '>=', '<>', '!=', '||', '&&', ':=', '->', '<<', '>>'];

export function sqliteString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function word(text: string): Token {
  return { kind: 'word', text, upper: text.toUpperCase() };
}

export function tok(kind: TokenKind, text: string): Token {
  return kind === 'word' ? word(text) : { kind, text, upper: text };
}

/** The tokens of `sql`; params are numbered from 0 in order. */
export function lex(sql: string, mysqlStrings: boolean): Token[] {
  const tokens: Token[] = [];
  let params = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const previous = tokens[tokens.length - 1];
    const spaced = previous !== undefined && (previous.kind === 'space' || previous.kind === 'comment');
    const before = tokens.length;
    const c = sql[i];
    const start = i;
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(sql[i])) i += 1;
      tokens.push(tok('space', sql.slice(start, i)));
    } else if ((c === '-' && sql[i + 1] === '-') || c === '#') {
      while (i < n && sql[i] !== '\n') i += 1;
      tokens.push(tok('comment', sql.slice(start, i)));
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      tokens.push(tok('comment', sql.slice(start, i)));
    } else if ((c === 'x' || c === 'X') && sql[i + 1] === "'") {
      const end = sql.indexOf("'", i + 2);
      i = end < 0 ? n : end + 1;
      tokens.push(tok('blob', sql.slice(start, i)));
    } else if (c === "'") {
      const { value, end } = readString(sql, i, mysqlStrings);
      i = end;
      tokens.push(tok('string', sqliteString(value)));
    } else if (c === '"' || c === '`') {
      i += 1;
      while (i < n) {
        if (sql[i] === c) {
          if (sql[i + 1] === c) i += 2;
          else break;
        } else i += 1;
      }
      i += 1;
      tokens.push(tok('ident', sql.slice(start, i)));
    } else if (c === '?') {
      i += 1;
      tokens.push({ kind: 'param', text: '?', upper: '?', param: params });
      params += 1;
    } else if (c === '@') {
      i += 1;
      if (sql[i] === '@') i += 1;
      while (i < n && /[A-Za-z0-9_.$]/.test(sql[i])) i += 1;
      tokens.push(tok('variable', sql.slice(start, i)));
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      i = readNumber(sql, i);
      tokens.push(tok('number', sql.slice(start, i)));
    } else if (/[A-Za-z_$\u0080-\uffff]/.test(c)) {
      while (i < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[i])) i += 1;
      tokens.push(word(sql.slice(start, i)));
    } else {
      const op = OPERATORS.find((candidate) => sql.startsWith(candidate, i));
      i += op ? op.length : 1;
      tokens.push(tok('punct', sql.slice(start, i)));
    }
    if (tokens.length > before) tokens[tokens.length - 1].spaced = spaced;
  }
  return tokens;
}

function readString(sql: string, from: number, mysqlStrings: boolean): { value: string; end: number } {
  let value = '';
  let i = from + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'") {
      if (sql[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    if (c === '\\' && mysqlStrings && i + 1 < sql.length) {
      const next = sql[i + 1];
      value += MYSQL_ESCAPES[next] ?? next;
      i += 2;
      continue;
    }
    value += c;
    i += 1;
  }
  throw new Error('unterminated string literal in SQL');
}

function readNumber(sql: string, from: number): number {
  let i = from;
  if (sql[i] === '0' && (sql[i + 1] === 'x' || sql[i + 1] === 'X')) {
    i += 2;
    while (i < sql.length && /[0-9A-Fa-f]/.test(sql[i])) i += 1;
    return i;
  }
  while (i < sql.length && /[0-9]/.test(sql[i])) i += 1;
  if (sql[i] === '.') {
    i += 1;
    while (i < sql.length && /[0-9]/.test(sql[i])) i += 1;
  }
  if ((sql[i] === 'e' || sql[i] === 'E') && /[-+0-9]/.test(sql[i + 1] ?? '')) {
    i += 2;
    while (i < sql.length && /[0-9]/.test(sql[i])) i += 1;
  }
  return i;
}

/** Whether the token carries meaning (not space or a comment). */
export function significant(token: Token | undefined): boolean {
  return token !== undefined && token.kind !== 'space' && token.kind !== 'comment';
}
