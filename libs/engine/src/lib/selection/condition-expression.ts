import { compileUserRegex, scalarText, UserRegexError, type UserRegex } from '@crawlflow/contracts';

/**
 * The condition language of target_workflow_mappings: a small expression language parsed into a
 * tree and evaluated — never `eval` or `Function`.
 *
 *   expr    := or
 *   or      := and ("or" and)*
 *   and     := not ("and" not)*
 *   not     := "not" not | compare
 *   compare := value (("==" | "!=" | "<" | "<=" | ">" | ">=" | "matches" | "contains") value)?
 *   value   := number | string | true | false | null | path | "(" expr ")"
 *   path    := name ("." name)*          e.g. target.url, target.type, params.region
 *
 * `matches` takes a regular expression string in RE2 syntax (linear time: no backreferences or
 * lookaround); `contains` tests a substring or list membership.
 * An empty condition always holds.
 */
export type Expression =
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'path'; path: string[] }
  | { kind: 'not'; operand: Expression }
  | { kind: 'logical'; op: 'and' | 'or'; left: Expression; right: Expression }
  | { kind: 'compare'; op: CompareOp; left: Expression; right: Expression; regex?: UserRegex };

type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'matches' | 'contains';

export class ExpressionError extends Error {
  constructor(
    readonly position: number,
    readonly problem: string,
  ) {
    super(`at position ${position}: ${problem}`);
    this.name = 'ExpressionError';
  }
}

interface Token {
  type: 'number' | 'string' | 'name' | 'op' | 'paren' | 'end';
  text: string;
  value?: string | number;
  position: number;
}

const MAX_LENGTH = 2000;
const OPS = ['==', '!=', '<=', '>=', '<', '>'];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const char = source[i];
    if (/\s/.test(char)) {
      i += 1;
      continue;
    }
    const start = i;
    if (char === '(' || char === ')') {
      tokens.push({ type: 'paren', text: char, position: start + 1 });
      i += 1;
    } else if (char === '"' || char === "'") {
      let value = '';
      i += 1;
      while (i < source.length && source[i] !== char) {
        if (source[i] === '\\' && i + 1 < source.length) i += 1;
        value += source[i];
        i += 1;
      }
      if (i >= source.length) throw new ExpressionError(start + 1, 'unterminated string');
      i += 1;
      tokens.push({ type: 'string', text: source.slice(start, i), value, position: start + 1 });
    } else if (/[0-9]/.test(char) || (char === '-' && /[0-9]/.test(source[i + 1] ?? ''))) {
      i += 1;
      while (i < source.length && /[0-9.]/.test(source[i])) i += 1;
      const text = source.slice(start, i);
      const value = Number(text);
      if (!Number.isFinite(value)) throw new ExpressionError(start + 1, `"${text}" is not a number`);
      tokens.push({ type: 'number', text, value, position: start + 1 });
    } else if (/[A-Za-z_]/.test(char)) {
      i += 1;
      while (i < source.length && /[A-Za-z0-9_.]/.test(source[i])) i += 1;
      tokens.push({ type: 'name', text: source.slice(start, i), position: start + 1 });
    } else {
      const op = OPS.find((candidate) => source.startsWith(candidate, i));
      if (!op) throw new ExpressionError(start + 1, `unexpected character "${char}"`);
      tokens.push({ type: 'op', text: op, position: start + 1 });
      i += op.length;
    }
  }
  tokens.push({ type: 'end', text: '', position: source.length + 1 });
  return tokens;
}

export function parseCondition(source: string): Expression | undefined {
  if (source.length > MAX_LENGTH) throw new ExpressionError(1, `longer than ${MAX_LENGTH} characters`);
  if (source.trim() === '') return undefined;
  const tokens = tokenize(source);
  let at = 0;
  const peek = (): Token => tokens[at];
  const next = (): Token => tokens[at++];
  const keyword = (word: string): boolean => peek().type === 'name' && peek().text.toLowerCase() === word;

  const parseOr = (): Expression => {
    let left = parseAnd();
    while (keyword('or')) {
      next();
      left = { kind: 'logical', op: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Expression => {
    let left = parseNot();
    while (keyword('and')) {
      next();
      left = { kind: 'logical', op: 'and', left, right: parseNot() };
    }
    return left;
  };
  const parseNot = (): Expression => {
    if (keyword('not')) {
      next();
      return { kind: 'not', operand: parseNot() };
    }
    return parseCompare();
  };
  const parseCompare = (): Expression => {
    const left = parseValue();
    const token = peek();
    const op =
      token.type === 'op'
        ? token.text
        : keyword('matches') || keyword('contains')
          ? token.text.toLowerCase()
          : undefined;
    if (!op) return left;
    next();
    const right = parseValue();
    if (op === 'matches') {
      if (right.kind !== 'literal' || typeof right.value !== 'string') {
        throw new ExpressionError(token.position, '"matches" needs a regular expression string on its right');
      }
      try {
        return { kind: 'compare', op: 'matches', left, right, regex: compileUserRegex(right.value) };
      } catch (error) {
        if (!(error instanceof UserRegexError)) throw error;
        throw new ExpressionError(token.position, `invalid regular expression: ${error.message}`);
      }
    }
    return { kind: 'compare', op: op as CompareOp, left, right };
  };
  const parseValue = (): Expression => {
    const token = next();
    if (token.type === 'number' || token.type === 'string')
      return { kind: 'literal', value: token.value ?? null };
    if (token.type === 'paren' && token.text === '(') {
      const inner = parseOr();
      const close = next();
      if (close.type !== 'paren' || close.text !== ')')
        throw new ExpressionError(close.position, 'expected ")"');
      return inner;
    }
    if (token.type === 'name') {
      const word = token.text.toLowerCase();
      if (word === 'true' || word === 'false') return { kind: 'literal', value: word === 'true' };
      if (word === 'null') return { kind: 'literal', value: null };
      if (['and', 'or', 'not', 'matches', 'contains'].includes(word)) {
        throw new ExpressionError(token.position, `expected a value, found "${token.text}"`);
      }
      const path = token.text.split('.');
      if (path.some((part) => part === ''))
        throw new ExpressionError(token.position, `"${token.text}" is not a valid name`);
      return { kind: 'path', path };
    }
    throw new ExpressionError(
      token.position,
      token.type === 'end' ? 'unexpected end of expression' : `unexpected "${token.text}"`,
    );
  };

  const tree = parseOr();
  if (peek().type !== 'end') throw new ExpressionError(peek().position, `unexpected "${peek().text}"`);
  return tree;
}

type Value = unknown;

function resolve(scope: Record<string, unknown>, path: string[]): Value {
  let value: unknown = scope;
  for (const part of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function value(expression: Expression, scope: Record<string, unknown>): Value {
  switch (expression.kind) {
    case 'literal':
      return expression.value;
    case 'path':
      return resolve(scope, expression.path);
    default:
      return evaluate(expression, scope);
  }
}

function compare(op: CompareOp, left: Value, right: Value, regex?: UserRegex): boolean {
  switch (op) {
    case '==':
      return left == right; // loose on purpose: "10" == 10 is what users of a condition expect
    case '!=':
      return left != right;
    case 'matches':
      return typeof left === 'string' && (regex?.test(left) ?? false);
    case 'contains':
      return Array.isArray(left)
        ? left.includes(right)
        : typeof left === 'string' && left.includes(String(right));
    default: {
      if (left === null || left === undefined || right === null || right === undefined) return false;
      const [a, b] =
        typeof left === 'number' || typeof right === 'number'
          ? [Number(left), Number(right)]
          : [orderingText(left), orderingText(right)];
      if (op === '<') return a < b;
      if (op === '<=') return a <= b;
      if (op === '>') return a > b;
      return a >= b;
    }
  }
}

/**
 * A value as `<` and `>` compare it when neither side is a number. Scalars read as themselves;
 * objects keep the text `String()` always gave them — a Date column its `toString()`, a list its
 * items joined by commas, anything else "[object Object]" — so stored conditions keep their answers.
 */
function orderingText(value: unknown): string {
  const scalar = scalarText(value);
  if (scalar !== undefined) return scalar;
  if (value instanceof Date || Array.isArray(value)) return value.toString();
  return Object.prototype.toString.call(value);
}

export function evaluate(expression: Expression | undefined, scope: Record<string, unknown>): boolean {
  if (!expression) return true;
  switch (expression.kind) {
    case 'logical':
      return expression.op === 'and'
        ? evaluate(expression.left, scope) && evaluate(expression.right, scope)
        : evaluate(expression.left, scope) || evaluate(expression.right, scope);
    case 'not':
      return !evaluate(expression.operand, scope);
    case 'compare':
      return compare(
        expression.op,
        value(expression.left, scope),
        value(expression.right, scope),
        expression.regex,
      );
    default:
      return Boolean(value(expression, scope));
  }
}
