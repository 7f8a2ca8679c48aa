import type { ParseConfig } from '@crawlflow/contracts';
import { TaskFailure } from '@crawlflow/contracts';
import { extractLinks, parseHtml } from './html.parser';
import { parseJson } from './json.parser';

/** mulberry32: a small seeded PRNG, so a failing document can be reproduced from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '<div class="product-item">',
  '</div>',
  '<span class="price">',
  '</span>',
  '<h2 class="title">',
  '</h2>',
  '<a href="',
  '">',
  '</a>',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '<script>',
  '</script>',
  '<',
  '>',
  '"',
  "'",
  '&amp;',
  '&#x1F600;',
  '&bogus;',
  '₩12,000',
  '1.234,5',
  '\u0000',
  '\uFFFD',
  '\uD800',
  'javascript:alert(1)',
  'http://[::1',
  '../../x',
  '<base href="::">',
  '<meta charset="euc-kr">',
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  '"items"',
  '"price"',
  'null',
  'true',
  '1e309',
  '-0',
  '\\u0000',
  '\\',
  '\n',
  ' ',
];

function garbage(next: () => number): string {
  const parts: string[] = [];
  const length = Math.floor(next() * 60);
  for (let i = 0; i < length; i += 1) {
    if (next() < 0.2) {
      parts.push(String.fromCharCode(Math.floor(next() * 0xffff)));
    } else {
      parts.push(PIECES[Math.floor(next() * PIECES.length)]);
    }
  }
  return parts.join('');
}

function garbledJson(next: () => number): string {
  const value = {
    items: Array.from({ length: Math.floor(next() * 4) }, () => ({
      price: next() < 0.5 ? garbage(next) : next() * 1e6,
      name: next() < 0.3 ? null : garbage(next),
      nested: next() < 0.5 ? [garbage(next)] : { deep: { deeper: garbage(next) } },
    })),
  };
  const text = JSON.stringify(value);
  if (next() < 0.5) return text;
  const cut = Math.floor(next() * text.length);
  return text.slice(0, cut) + garbage(next) + text.slice(cut);
}

const HTML: ParseConfig = {
  parser: 'html',
  items: '.product-item',
  fields: {
    name: { selector: '.title', type: 'string', list: false },
    price: { selector: '.price', type: 'number', list: false },
    link: { selector: 'a', type: 'url', list: false },
    all: { selector: 'span', type: 'html', list: true },
    ok: { selector: '.price', type: 'boolean', list: false },
  },
};
const JSON_CONFIG: ParseConfig = {
  parser: 'json',
  items: '$.items[*]',
  fields: {
    name: { selector: '$.name', type: 'string', list: false },
    price: { selector: 'price', type: 'number', list: false },
    deep: { selector: '$.nested.deep.deeper', type: 'url', list: false },
    list: { selector: '$.nested[*]', type: 'int', list: true },
  },
};

function outcome(run: () => unknown[]): 'records' | 'failure' {
  try {
    const records = run();
    expect(Array.isArray(records)).toBe(true);
    return 'records';
  } catch (error) {
    // The only acceptable way to fail: a permanent task failure with a message.
    expect(error).toBeInstanceOf(TaskFailure);
    expect((error as TaskFailure).errorClass).toBe('permanent');
    expect((error as TaskFailure).message).not.toBe('');
    return 'failure';
  }
}

describe('parsers under garbage (seeded fuzz)', () => {
  it('parseHtml and extractLinks return records for 2,000 garbled documents, never crash', () => {
    const next = prng(20_260_101);
    let records = 0;
    for (let i = 0; i < 2_000; i += 1) {
      const doc = garbage(next);
      if (outcome(() => parseHtml(doc, 'http://fuzz.test/a/b', HTML)) === 'records') records += 1;
      outcome(() => extractLinks(doc, 'http://fuzz.test/a/b'));
    }
    expect(records).toBe(2_000); // HTML parsing is forgiving: garbage is still a document
  });

  it('parseJson returns records or a permanent failure for 2,000 garbled documents', () => {
    const next = prng(424_242);
    const seen = { records: 0, failure: 0 };
    for (let i = 0; i < 2_000; i += 1) {
      const doc = next() < 0.2 ? garbage(next) : garbledJson(next);
      seen[outcome(() => parseJson(doc, JSON_CONFIG, 'http://fuzz.test/'))] += 1;
    }
    expect(seen.records).toBeGreaterThan(0);
    expect(seen.failure).toBeGreaterThan(0);
  });
});
