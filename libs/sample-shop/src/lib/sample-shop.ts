import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SampleShopOptions {
  /** List pages; page `pages + 1` answers 404. */
  pages?: number;
  itemsPerPage?: number;
  /** Item ids whose detail page answers 503 this many times before it works. */
  flaky?: Record<number, number>;
  /** Item ids whose detail page always answers with this status (until `fix()`). */
  broken?: Record<number, number>;
  /** Item ids whose detail page takes this long (ms). */
  slow?: Record<number, number>;
  /** Price multiplier, to make a second crawl see changes. */
  priceFactor?: number;
  port?: number;
}

export interface SampleShop {
  url: string;
  /** Requests served per path (with query), for "fetched exactly once" checks. */
  hits: Map<string, number>;
  /** When each request to a path arrived (ms since the epoch). */
  hitTimes: Map<string, number[]>;
  /** Highest number of requests in progress at once. */
  maxConcurrent(): number;
  /** Broken pages work from now on. */
  fix(): void;
  setPriceFactor(factor: number): void;
  close(): Promise<void>;
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
}

/**
 * A small shop site served on loopback: list pages of products with links to detail pages, plus
 * a site map with cycles for crawls. Used by tests and by `npm run demo`.
 */
export async function startSampleShop(options: SampleShopOptions = {}): Promise<SampleShop> {
  const pages = options.pages ?? 50;
  const perPage = options.itemsPerPage ?? 20;
  const flaky = new Map(Object.entries(options.flaky ?? {}).map(([id, n]) => [Number(id), n]));
  const broken = new Map(Object.entries(options.broken ?? {}).map(([id, status]) => [Number(id), status]));
  const slow = new Map(Object.entries(options.slow ?? {}).map(([id, ms]) => [Number(id), ms]));
  let priceFactor = options.priceFactor ?? 1;
  const hits = new Map<string, number>();
  const hitTimes = new Map<string, number[]>();
  let active = 0;
  let maxActive = 0;
  const price = (id: number): string => `${((id * 37) % 900) * priceFactor + 99}.50`;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://shop');
    const key = `${url.pathname}${url.search}`;
    hits.set(key, (hits.get(key) ?? 0) + 1);
    hitTimes.set(key, [...(hitTimes.get(key) ?? []), Date.now()]);
    const send = (status: number, html: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
      res.end(html);
    };
    if (url.pathname === '/robots.txt')
      return send(200, 'User-agent: *\nDisallow: /private/\n', { 'content-type': 'text/plain' });
    if (url.pathname === '/list') {
      const n = Number(url.searchParams.get('page') ?? '1');
      if (!Number.isInteger(n) || n < 1 || n > pages)
        return send(404, page('Not found', '<h1>No such page</h1>'));
      const items = Array.from({ length: perPage }, (_, i) => (n - 1) * perPage + i + 1)
        .map(
          (id) =>
            `<li class="product-item"><a class="link" href="/item/${id}"><span class="title">Product ${id}</span></a> <span class="price">₩${price(id)}</span></li>`,
        )
        .join('');
      const etag = `"list-${n}-${priceFactor}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag });
        return void res.end();
      }
      return send(200, page(`Page ${n}`, `<ul>${items}</ul>`), { etag });
    }
    const item = /^\/item\/(\d+)$/.exec(url.pathname);
    if (item) {
      const id = Number(item[1]);
      if (id < 1 || id > pages * perPage) return send(404, page('Not found', ''));
      const delay = slow.get(id);
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
      const failuresLeft = flaky.get(id) ?? 0;
      if (failuresLeft > 0) {
        flaky.set(id, failuresLeft - 1);
        return send(503, page('Busy', ''), { 'retry-after': '0' });
      }
      const status = broken.get(id);
      if (status) return send(status, page('Broken', ''));
      const etag = `"item-${id}-${priceFactor}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag });
        return void res.end();
      }
      return send(
        200,
        page(
          `Product ${id}`,
          `<div class="product"><h1 class="name">Product ${id}</h1><span class="sku">SKU-${String(id).padStart(5, '0')}</span>` +
            `<span class="price">₩${price(id)}</span><p class="description">A fine product number ${id}.</p>` +
            `<a class="back" href="/list?page=${Math.ceil(id / perPage)}">back</a></div>`,
        ),
        { etag },
      );
    }
    const site = /^\/site\/(\d+)$/.exec(url.pathname);
    if (site || url.pathname === '/site') {
      // A small site with cycles and repeated links: page n links to 2n, 2n+1, n-1, itself and home.
      const n = site ? Number(site[1]) : 0;
      const links = [2 * n + 1, 2 * n + 2, n - 1, n, 0]
        .filter((m) => m >= 0 && m < 40)
        .map((m) => `<a href="/site/${m}">page ${m}</a> <a href="/site/${m}#again">again</a>`)
        .join(' ');
      return send(
        200,
        page(
          `Site ${n}`,
          `<h1 class="heading">Site page ${n}</h1>${links} <a href="http://other.invalid/x">away</a>`,
        ),
      );
    }
    return send(404, page('Not found', ''));
  };

  const server: Server = createServer((req, res) => {
    active += 1;
    maxActive = Math.max(maxActive, active);
    res.on('close', () => (active -= 1));
    void handle(req, res).catch(() => {
      res.statusCode = 500;
      res.end();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    hitTimes,
    maxConcurrent: () => maxActive,
    fix: () => broken.clear(),
    setPriceFactor: (factor) => (priceFactor = factor),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
