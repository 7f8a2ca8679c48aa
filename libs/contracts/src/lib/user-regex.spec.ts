import { compileUserRegex, UserRegexError } from './user-regex';

const EVIL = `${'a'.repeat(34)}!`;

function refusal(pattern: string, flags = ''): UserRegexError {
  try {
    compileUserRegex(pattern, flags);
  } catch (error) {
    if (error instanceof UserRegexError) return error;
    throw error;
  }
  throw new Error(`expected /${pattern}/${flags} to be refused`);
}

describe('compileUserRegex', () => {
  it('runs patterns that are catastrophic for a backtracking engine in linear time', () => {
    const started = Date.now();
    expect(compileUserRegex('^(a|a)+$').test(EVIL)).toBe(false);
    expect(compileUserRegex('(x+x+)+y').test('x'.repeat(40))).toBe(false);
    expect(compileUserRegex('^(a|a)+$', 'g').replace(EVIL, 'z')).toBe(EVIL);
    expect(compileUserRegex('^(a+)+$').test('a'.repeat(100_000))).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('expands replacements as String.replace does: $1, $<name>, $&, $$, first match or all with g', () => {
    const date = '(?<y>\\d{4})-(\\d\\d)';
    expect(compileUserRegex(date).replace('2024-05 2025-06', '$2/$<y>')).toBe('05/2024 2025-06');
    expect(compileUserRegex(date, 'g').replace('2024-05 2025-06', '[$&|$1|$$]')).toBe(
      '[2024-05|2024|$] [2025-06|2025|$]',
    );
    expect(compileUserRegex('x*', 'g').replace('abxc', '-')).toBe('abxc'.replace(/x*/g, '-'));
  });

  it('honours i, m and s, and takes u as a no-op', () => {
    expect(compileUserRegex('a', 'gi').replace('AbA', 'z')).toBe('zbz');
    expect(compileUserRegex('a', 'g').replace('AbA', 'z')).toBe('AbA');
    expect(compileUserRegex('^b$', 'm').test('a\nb\nc')).toBe(true);
    expect(compileUserRegex('^b$').test('a\nb\nc')).toBe(false);
    expect(compileUserRegex('a.b', 's').test('a\nb')).toBe(true);
    expect(compileUserRegex('a.b').test('a\nb')).toBe(false);
    expect(compileUserRegex('.', 'gu').replace('😀', 'x')).toBe('x');
  });

  it('refuses backreferences and lookaround, naming the construct', () => {
    expect(refusal('(a)\\1').message).toMatch(/backreference `\\1` is not supported: patterns use RE2/);
    expect(refusal('(?<n>a)\\k<n>').message).toMatch(/named backreference/);
    expect(refusal('a(?=b)').message).toMatch(/^a lookahead/);
    expect(refusal('a(?!b)').message).toMatch(/^a negative lookahead/);
    expect(refusal('(?<=a)b').message).toMatch(/^a lookbehind/);
    expect(refusal('(?<!a)b').message).toMatch(/^a negative lookbehind/);
    expect(refusal('[(?=]\\1').message).toMatch(/backreference/);
  });

  it('reports other syntax errors with RE2 words, and flags it cannot honour', () => {
    expect(refusal('[a')).toMatchObject({ part: 'pattern', message: 'missing closing ]: `[a`' });
    expect(refusal('\\u00a0').message).toMatch(/\\x\{hhhh\}/);
    expect(refusal('a', 'y')).toMatchObject({ part: 'flags', message: expect.stringMatching(/sticky/) });
    expect(refusal('a', 'd').part).toBe('flags');
    expect(refusal('a', 'x').message).toMatch(/unknown flag "x"/);
    expect(refusal('a', 'gg').message).toMatch(/twice/);
  });

  it('caches one compiled pattern per pattern and flags, distinct by its text, within a bound', () => {
    expect(compileUserRegex('a+', 'i')).toBe(compileUserRegex('a+', 'i'));
    expect(compileUserRegex('a+')).not.toBe(compileUserRegex('a+', 'i'));
    expect(compileUserRegex('a+', 'i').toString()).toBe('/a+/i');
    const oldest = compileUserRegex('first');
    for (let i = 0; i < 600; i += 1) compileUserRegex(`x${i}`);
    expect(compileUserRegex('first')).not.toBe(oldest); // the cache is bounded: it was dropped
    expect(compileUserRegex('first')).toBe(compileUserRegex('first'));
  });
});
