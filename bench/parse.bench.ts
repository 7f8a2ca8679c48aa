/**
 * PARSE throughput on generated shop detail pages: records/s through `parseHtml` (config-driven,
 * with type coercion and URL resolution) beside a bare cheerio loop extracting the same fields by
 * hand from the same pages, so the cost of the generic layer is visible.
 * `node -r @swc-node/register bench/parse.bench.ts`
 */
import type { ParseConfig } from '@crawlflow/contracts';
import { parseHtml, parseNumber } from '@crawlflow/crawl';
import { load } from 'cheerio';

const PAGES = 2_000;
const ROUNDS = 5;
const BASE = 'https://shop.example/products/';

function page(i: number): string {
  const related = Array.from(
    { length: 12 },
    (_, j) =>
      `<li class="related"><a href="/products/${i + j + 1}">Related ${j}</a><span class="price">₩${(j + 1) * 1000}</span></li>`,
  ).join('');
  const reviews = Array.from(
    { length: 8 },
    (_, j) => `<div class="review"><p>Review ${j} of product ${i}. Solid, would buy again.</p></div>`,
  ).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>Product ${i}</title></head><body>
<header><nav>${Array.from({ length: 20 }, (_, j) => `<a href="/c/${j}">Category ${j}</a>`).join('')}</nav></header>
<main><article class="product" data-sku="SKU-${i}">
<h1 class="title">  Product ${i}
</h1><div class="price-box"><span class="price">₩${(10_000 + i * 37).toLocaleString('en-US')}</span></div>
<img class="main-image" src="../img/${i}.jpg"><ul class="tags"><li class="tag">tag${i % 7}</li><li class="tag">tag${i % 5}</li></ul>
<div class="stock">${i % 3 === 0 ? 'yes' : 'no'}</div>
<div class="description"><p>${'Lorem ipsum dolor sit amet. '.repeat(20)}</p></div>
<section class="reviews">${reviews}</section></article>
<ul class="related-list">${related}</ul></main><footer>${'<p>footer</p>'.repeat(10)}</footer></body></html>`;
}

const CONFIG: ParseConfig = {
  parser: 'html',
  fields: {
    sku: { selector: '.product', attr: 'data-sku', type: 'string', list: false },
    name: { selector: '.title', type: 'string', list: false },
    price: { selector: '.price-box .price', type: 'number', list: false },
    image: { selector: '.main-image', type: 'url', list: false },
    tags: { selector: '.tag', type: 'string', list: true },
    in_stock: { selector: '.stock', type: 'boolean', list: false },
    related: { selector: '.related a', type: 'url', list: true },
  },
};

function bare(html: string): Record<string, unknown> {
  const $ = load(html);
  return {
    sku: $('.product').first().attr('data-sku') ?? null,
    name: $('.title').first().text().trim(),
    price: parseNumber($('.price-box .price').first().text()) ?? null,
    image: new URL($('.main-image').first().attr('src') ?? '', BASE).href,
    tags: $('.tag')
      .toArray()
      .map((el) => $(el).text().trim()),
    in_stock: $('.stock').first().text().trim() === 'yes',
    related: $('.related a')
      .toArray()
      .map((el) => new URL($(el).attr('href') ?? '', BASE).href),
  };
}

/** Records per second of one pass over the pages. */
function rate(pages: string[], parse: (html: string) => number): number {
  const started = process.hrtime.bigint();
  let records = 0;
  for (const html of pages) records += parse(html);
  return records / (Number(process.hrtime.bigint() - started) / 1e9);
}

function main(): void {
  const pages = Array.from({ length: PAGES }, (_, i) => page(i));
  const kb = pages.reduce((sum, p) => sum + p.length, 0) / pages.length / 1024;
  console.log(`${PAGES} detail pages, ${kb.toFixed(1)} KB each on average, one record per page`);
  // Same output on both sides, or the comparison means nothing.
  const sample = parseHtml(pages[3], `${BASE}3`, CONFIG)[0];
  const expected = bare(pages[3]);
  if (JSON.stringify(sample) !== JSON.stringify(expected)) {
    throw new Error(`outputs differ:\n${JSON.stringify(sample)}\n${JSON.stringify(expected)}`);
  }
  // Rounds alternate between the two so machine noise hits both alike; the best round counts.
  let bareBest = 0;
  let genericBest = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    bareBest = Math.max(
      bareBest,
      rate(pages, (html) => (bare(html) ? 1 : 0)),
    );
    genericBest = Math.max(
      genericBest,
      rate(pages, (html) => parseHtml(html, BASE, CONFIG).length),
    );
  }
  console.log(`bare cheerio loop          ${bareBest.toFixed(0).padStart(7)} records/s (best of ${ROUNDS})`);
  console.log(
    `parseHtml (config-driven)  ${genericBest.toFixed(0).padStart(7)} records/s (best of ${ROUNDS})`,
  );
  console.log(`parseHtml runs at ${((genericBest / bareBest) * 100).toFixed(0)}% of the bare loop`);
}

main();
