import { RE2JS } from 're2js';

/**
 * Regular expressions written by users (TRANSFORM regex_replace, crawl scope patterns, mapping
 * conditions, VALIDATE schemas) run on RE2: matching time is linear in the input whatever the
 * pattern, so no pattern and no page can pin a process. RE2 has no backreferences or lookaround;
 * such patterns are refused, never handed to the backtracking engine instead.
 */
export interface UserRegex {
  readonly source: string;
  readonly flags: string;
  /** Whether the pattern matches anywhere in the input (RegExp.test without lastIndex). */
  test(input: string): boolean;
  /**
   * String.replace with a string replacement: every match with `g`, else the first; `$1`, `$<name>`,
   * `$&`, `` $` ``, `$'` and `$$` expand as JavaScript expands them.
   */
  replace(input: string, replacement: string): string;
  /** `/source/flags`, as a RegExp prints itself (logs, error messages). */
  toString(): string;
}

/** Why a pattern or its flags cannot be compiled; `part` says which of the two is at fault. */
export class UserRegexError extends Error {
  constructor(
    readonly part: 'pattern' | 'flags',
    readonly problem: string,
  ) {
    super(problem);
    this.name = 'UserRegexError';
  }
}

/** Flags String.replace takes that RE2 honours; `u` is accepted as a no-op (RE2 matches code points). */
export const USER_REGEX_FLAGS = 'gimsu';

const FLAG_BITS: Record<string, number> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
};
const REFUSED_FLAGS: Record<string, string> = {
  y: 'sticky matching',
  d: 'match indices',
  v: 'unicode sets',
};
const SYNTAX = 'patterns use RE2 syntax, which runs in linear time and has no backreferences or lookaround';

const MAX_CACHED = 500;
const cache = new Map<string, UserRegex>();

/**
 * Compiles a user's pattern with RE2 (cached; the least recently used goes past 500 patterns).
 * Throws a UserRegexError naming the problem.
 */
export function compileUserRegex(pattern: string, flags = ''): UserRegex {
  const key = `${flags}/${pattern}`;
  const known = cache.get(key);
  if (known) {
    cache.delete(key);
    cache.set(key, known);
    return known;
  }
  const compiled = new Re2UserRegex(pattern, flags, compile(pattern, flagBits(flags)));
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(key, compiled);
  return compiled;
}

class Re2UserRegex implements UserRegex {
  private readonly global: boolean;

  constructor(
    readonly source: string,
    readonly flags: string,
    private readonly re: RE2JS,
  ) {
    this.global = flags.includes('g');
  }

  test(input: string): boolean {
    return this.re.test(input);
  }

  replace(input: string, replacement: string): string {
    const matcher = this.re.matcher(input);
    return this.global ? matcher.replaceAll(replacement) : matcher.replaceFirst(replacement);
  }

  /** Distinct per pattern and flags: ajv keys the patterns of a schema by this text. */
  toString(): string {
    return `/${this.source}/${this.flags}`;
  }
}

function flagBits(flags: string): number {
  let bits = 0;
  for (const [i, flag] of [...flags].entries()) {
    if (flags.indexOf(flag) !== i) throw new UserRegexError('flags', `flag "${flag}" is given twice`);
    if (REFUSED_FLAGS[flag])
      throw new UserRegexError('flags', `flag "${flag}" (${REFUSED_FLAGS[flag]}) is not supported by RE2`);
    if (!USER_REGEX_FLAGS.includes(flag)) {
      throw new UserRegexError(
        'flags',
        `unknown flag "${flag}" (allowed: ${[...USER_REGEX_FLAGS].join(', ')})`,
      );
    }
    bits |= FLAG_BITS[flag] ?? 0;
  }
  return bits;
}

function compile(pattern: string, bits: number): RE2JS {
  try {
    return RE2JS.compile(pattern, bits);
  } catch (error) {
    const feature = unsupportedFeature(pattern);
    if (feature) throw new UserRegexError('pattern', `${feature} is not supported: ${SYNTAX}`);
    const detail = (error as Error).message.replace(/^error parsing regexp: /, '');
    const hint = /`\\u`/.test(detail) ? ' (RE2 writes a code point as \\x{hhhh})' : '';
    throw new UserRegexError('pattern', `${detail}${hint}`);
  }
}

/**
 * Names the backtracking-only construct in a pattern RE2 refused, for a clearer message than RE2's
 * own ("invalid named capture" for a lookbehind). Escapes and character classes are skipped.
 */
function unsupportedFeature(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i];
    if (char === '\\') {
      const next = pattern[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(next)) return `a backreference \`\\${next}\``;
      if (!inClass && next === 'k' && pattern[i + 2] === '<') return 'a named backreference `\\k<…>`';
      i += 1;
    } else if (inClass) {
      if (char === ']') inClass = false;
    } else if (char === '[') {
      inClass = true;
      if (pattern[i + 1] === '^') i += 1;
      if (pattern[i + 1] === ']') i += 1; // a leading ] is a literal in RE2
    } else if (char === '(' && pattern[i + 1] === '?') {
      const kind = LOOKAROUNDS.find(([opener]) => pattern.startsWith(opener, i));
      if (kind) return `${kind[1]} \`${kind[0]}…)\``;
    }
  }
  return undefined;
}

const LOOKAROUNDS: ReadonlyArray<readonly [string, string]> = [
  ['(?=', 'a lookahead'],
  ['(?!', 'a negative lookahead'],
  ['(?<=', 'a lookbehind'],
  ['(?<!', 'a negative lookbehind'],
];
