import type { FieldSpec, ParseConfig } from '@crawlflow/contracts';
import { TaskFailure } from '@crawlflow/contracts';
import { checkSelector } from './definition.checkers';
import { extractLinks, parseHtml } from './html.parser';

const text = (selector: string): FieldSpec => ({ selector, type: 'string', list: false });
const config = (fields: Record<string, FieldSpec>, items?: string): ParseConfig => ({
  parser: 'html',
  fields,
  ...(items ? { items } : {}),
});

const LIST = `<html><head><title>Shop</title></head><body>
  <div class="product-item" data-id="a1">
    <h2 class="title">  Blue
      Mug </h2>
    <span class="price">₩12,000</span>
    <a class="link" href="/p/a1?x=1#reviews">detail</a>
    <img src="img/a1.png"><span class="tag">new</span><span class="tag">sale</span>
    <span class="stock">in stock</span>
  </div>
  <div class="product-item" data-id="a2">
    <h2 class="title">Red <b>Cup</b></h2>
    <span class="price">1,234.50</span>
    <a class="link" href="https://other.example/p/a2">detail</a>
  </div>
</body></html>`;

describe('parseHtml', () => {
  it("reads the original design's example: items with trimmed text fields", () => {
    const records = parseHtml(
      LIST,
      'http://shop.test/list?page=1',
      config({ name: text('.title'), price: text('.price') }, '.product-item'),
    );
    expect(records).toEqual([
      { name: 'Blue Mug', price: '₩12,000' },
      { name: 'Red Cup', price: '1,234.50' },
    ]);
  });

  it('coerces numbers, ints, urls, booleans, html, attributes and lists, with defaults', () => {
    const records = parseHtml(
      LIST,
      'http://shop.test/list?page=1',
      config(
        {
          id: { type: 'string', list: false, attr: 'data-id' },
          price: { selector: '.price', type: 'number', list: false },
          cents: { selector: '.price', type: 'int', list: false },
          link: { selector: 'a.link', type: 'url', list: false },
          image: { selector: 'img', type: 'url', list: false },
          tags: { selector: '.tag', type: 'string', list: true },
          in_stock: { selector: '.stock', type: 'boolean', list: false },
          title_html: { selector: '.title', type: 'html', list: false },
          rating: { selector: '.rating', type: 'number', list: false, default: 0 },
          missing: text('.nope'),
        },
        '.product-item',
      ),
    );
    expect(records[0]).toEqual({
      id: 'a1',
      price: 12000,
      cents: 12000,
      link: 'http://shop.test/p/a1?x=1',
      image: 'http://shop.test/img/a1.png',
      tags: ['new', 'sale'],
      in_stock: true,
      title_html: 'Blue\n      Mug',
      rating: 0,
      missing: null,
    });
    expect(records[1]).toMatchObject({
      id: 'a2',
      price: 1234.5,
      cents: 1234,
      link: 'https://other.example/p/a2',
      image: null,
      tags: [],
      in_stock: false,
      title_html: 'Red <b>Cup</b>',
    });
  });

  it('treats the whole document as one record without items', () => {
    expect(parseHtml(LIST, 'http://shop.test/', config({ title: text('title') }))).toEqual([
      { title: 'Shop' },
    ]);
  });

  it('resolves relative URLs against <base href>', () => {
    const html = '<head><base href="/static/v2/"></head><a href="x.html">x</a>';
    const [record] = parseHtml(
      html,
      'https://shop.test/a/b',
      config({ link: { selector: 'a', type: 'url', list: false } }),
    );
    expect(record.link).toBe('https://shop.test/static/v2/x.html');
  });

  it('returns no records when nothing matches, and survives malformed HTML', () => {
    expect(parseHtml(LIST, 'http://shop.test/', config({ a: text('.a') }, '.none'))).toEqual([]);
    const broken = '<div class="item"><p>one<div class="item"><p>two</b></i></table>';
    expect(parseHtml(broken, 'http://x.test/', config({ p: text('p') }, '.item'))).toEqual([
      { p: 'one' },
      { p: 'two' },
    ]);
  });

  it('turns a selector cheerio cannot run into a permanent failure', () => {
    const run = (): unknown =>
      parseHtml(LIST, 'http://x.test/', config({ a: text('div[') }, '.product-item'));
    expect(run).toThrow(TaskFailure);
    expect(run).toThrow(/div\[/);
    try {
      run();
    } catch (error) {
      expect((error as TaskFailure).errorClass).toBe('permanent');
    }
  });
});

describe('extractLinks', () => {
  it('returns absolute http(s) URLs without fragments, deduplicated, in document order', () => {
    const html = `<a href="/a#top">a</a><a href="/a">again</a><a href="b?q=1">b</a>
      <a href="mailto:x@y.z">mail</a><a href="javascript:void(0)">js</a><a href="https://o.test/c">c</a>
      <a href="http://[::1">bad</a><nav><a class="next" href="?page=2">next</a></nav>`;
    expect(extractLinks(html, 'http://s.test/dir/page')).toEqual([
      'http://s.test/a',
      'http://s.test/dir/b?q=1',
      'https://o.test/c',
      'http://s.test/dir/page?page=2',
    ]);
    expect(extractLinks(html, 'http://s.test/dir/page', 'a.next')).toEqual(['http://s.test/dir/page?page=2']);
  });
});

describe('checkSelector', () => {
  it.each(['.product-item', 'div > a[href^="/p/"]', 'li:nth-child(2n+1)', 'p:contains(x)'])(
    'accepts %s',
    (s) => {
      expect(checkSelector(s)).toBeUndefined();
    },
  );
  it.each(['div[', 'a:unknown-pseudo', '>>>', '', '  '])('rejects %j with the problem', (s) => {
    expect(checkSelector(s)).toEqual(expect.any(String));
  });

  it('fills "$page.<fact>" fields from the page, not the document', () => {
    const config: ParseConfig = {
      parser: 'html',
      items: 'li',
      fields: {
        name: { type: 'string', list: false },
        url: { page: 'url', type: 'url', list: false },
        status: { page: 'status', type: 'int', list: false },
        page: { page: 'number', type: 'int', list: false, default: 0 },
      },
    };
    const facts = { url: 'https://shop.test/list?page=2', status: 200, number: null };
    expect(parseHtml('<ul><li>a</li><li>b</li></ul>', 'https://shop.test/', config, facts)).toEqual([
      { name: 'a', url: 'https://shop.test/list?page=2', status: 200, page: 0 },
      { name: 'b', url: 'https://shop.test/list?page=2', status: 200, page: 0 },
    ]);
    expect(parseHtml('<ul><li>a</li></ul>', 'https://shop.test/', config)).toEqual([
      { name: 'a', url: null, status: null, page: 0 },
    ]);
  });
});
