import type { TransformOperation } from '@crawlflow/contracts';
import { TaskFailure } from '@crawlflow/contracts';
import { applyTransforms } from './record.transformer';

describe('applyTransforms', () => {
  const record = { name: '  Blue Mug  ', price: '₩12,000', sku: 'AB-12', tags: [' a ', 'b'], empty: '' };

  it('applies operations in order on a copy', () => {
    const ops: TransformOperation[] = [
      { op: 'trim', field: 'name' },
      { op: 'to_number', field: 'price' },
      { op: 'rename', from: 'sku', to: 'code' },
      { op: 'regex_replace', field: 'code', pattern: '^([A-Z]+)-(\\d+)$', replacement: '$2/$1', flags: '' },
      { op: 'template', field: 'url', template: 'https://shop.test/p/{code}?n={name}' },
      { op: 'default', field: 'empty', value: 'n/a' },
      { op: 'default', field: 'currency', value: 'KRW' },
      { op: 'default', field: 'name', value: 'ignored' },
      { op: 'trim', field: 'tags' },
      { op: 'drop', field: 'nothing-here' },
    ];
    const out = applyTransforms(record, ops);
    expect(out).toEqual({
      name: 'Blue Mug',
      price: 12000,
      code: '12/AB',
      url: 'https://shop.test/p/12/AB?n=Blue Mug',
      tags: ['a', 'b'],
      empty: 'n/a',
      currency: 'KRW',
    });
    expect(record.name).toBe('  Blue Mug  '); // input untouched
  });

  it('honours regex flags (global, case-insensitive) and leaves non-strings alone', () => {
    const out = applyTransforms({ t: 'Aa-aA', n: 5 }, [
      { op: 'regex_replace', field: 't', pattern: 'a', replacement: 'x', flags: 'gi' },
      { op: 'regex_replace', field: 'n', pattern: '5', replacement: 'x', flags: 'g' },
      { op: 'to_number', field: 'n' },
    ]);
    expect(out).toEqual({ t: 'xx-xx', n: 5 });
    // Called twice with a cached global regex: lastIndex must not leak between records.
    expect(
      applyTransforms({ t: 'aaa' }, [
        { op: 'regex_replace', field: 't', pattern: 'a', replacement: 'b', flags: 'g' },
      ]),
    ).toEqual({ t: 'bbb' });
  });

  it('maps an unreadable number to null and drops fields', () => {
    expect(
      applyTransforms({ p: 'free', q: 1 }, [
        { op: 'to_number', field: 'p' },
        { op: 'drop', field: 'q' },
      ]),
    ).toEqual({ p: null });
  });

  it('fails the record permanently when a template names a missing field', () => {
    expect(() => applyTransforms({}, [{ op: 'template', field: 'u', template: '/p/{id}' }])).toThrow(
      TaskFailure,
    );
    expect(() => applyTransforms({}, [{ op: 'template', field: 'u', template: '/p/{id}' }])).toThrow(
      /\{id\}/,
    );
  });

  const replace = (pattern: string, replacement: string, flags: string, value: string) =>
    applyTransforms({ v: value }, [{ op: 'regex_replace', field: 'v', pattern, replacement, flags }]).v;

  it('keeps String.replace semantics on RE2: $1, $<name>, $&, $$, first match or all with g, i', () => {
    const date = '(?<year>\\d{4})-(\\d\\d)';
    expect(replace(date, '$2/$<year>', '', '2024-05, 2025-06')).toBe('05/2024, 2025-06');
    expect(replace(date, '<$&> $1 $$', 'g', '2024-05, 2025-06')).toBe('<2024-05> 2024 $, <2025-06> 2025 $');
    expect(replace('mug', 'cup', 'gi', 'Mug mug MUG')).toBe('cup cup cup');
    expect(replace('mug', 'cup', 'i', 'Mug mug MUG')).toBe('cup mug MUG');
  });

  it('finishes at once on patterns that are catastrophic for a backtracking engine', () => {
    const started = Date.now();
    const evil = `${'a'.repeat(34)}!`;
    expect(replace('^(a|a)+$', 'x', 'g', evil)).toBe(evil);
    expect(replace('(x+x+)+y', 'z', 'g', 'x'.repeat(40))).toBe('x'.repeat(40));
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('fails the record permanently on a stored pattern RE2 cannot run, never falling back', () => {
    let failure: unknown;
    try {
      replace('(a)\\1', '', 'g', 'aa');
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(TaskFailure);
    expect(failure).toMatchObject({ errorClass: 'permanent', code: 'BAD_REGEX' });
    expect((failure as Error).message).toMatch(/backreference .* not supported: patterns use RE2 syntax/);
  });

  it('refuses an invalid pattern with a permanent failure', () => {
    expect(() =>
      applyTransforms({ t: 'x' }, [
        { op: 'regex_replace', field: 't', pattern: '(', replacement: '', flags: '' },
      ]),
    ).toThrow(/invalid regular expression/);
  });
});
