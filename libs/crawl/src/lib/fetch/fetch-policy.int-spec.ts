import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { startRoutedServer, taskFailure, testFetchSettings, type RoutedServer } from '@crawlflow/testing';
import type { Fetcher, FetcherSettings } from './fetch.types';
import { createFetcher } from './page.fetcher';

/** Short limits for tests; loopback allowed. */
const settings = (overrides: Partial<FetcherSettings> = {}): FetcherSettings =>
  testFetchSettings({
    connectTimeoutMs: 2_000,
    headersTimeoutMs: 2_000,
    bodyTimeoutMs: 2_000,
    maxResponseBytes: 1024 * 1024,
    userAgent: 'crawlflow/0.1 (+https://example.test/bot)',
    obeyRobotsTxt: true,
    ...overrides,
  });

const failure = taskFailure;

describe('fetch policy: SSRF guard, politeness, robots.txt (real local HTTP server)', () => {
  let site: RoutedServer;
  let routes: RoutedServer['routes'];
  let base: string;
  let port: number;
  /** The paths requested so far (with query). */
  let hits: string[] = [];
  const fetchers: Fetcher[] = [];
  const make = (overrides: Partial<FetcherSettings> = {}): Fetcher => {
    const fetcher = createFetcher(settings(overrides));
    fetchers.push(fetcher);
    return fetcher;
  };

  beforeAll(async () => {
    site = await startRoutedServer();
    ({ routes, base, port } = site);
    site.server.on('request', (req) => hits.push(req.url ?? '/'));
  });

  afterAll(async () => {
    await Promise.all(fetchers.map((f) => f.close()));
    await site.close();
  });

  beforeEach(() => {
    routes.clear();
    hits = [];
    site.requests.length = 0;
    routes.set('/page', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('ok'));
  });

  describe('SSRF guard', () => {
    it('refuses a redirect to the metadata address before any connection is attempted', async () => {
      routes.set('/to-metadata', (_req, res) =>
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
      );
      routes.set('/to-mapped', (_req, res) =>
        res.writeHead(302, { location: 'http://[::ffff:a9fe:a9fe]/' }).end(),
      );
      routes.set('/to-decimal', (_req, res) => res.writeHead(302, { location: 'http://2852039166/' }).end()); // 169.254.169.254
      const dialled: string[] = [];
      // undici announces every socket it is about to open on this channel.
      const onConnect = (message: unknown): void => {
        dialled.push((message as { connectParams: { hostname: string } }).connectParams.hostname);
      };
      subscribe('undici:client:beforeConnect', onConnect);
      try {
        const fetcher = make({ obeyRobotsTxt: false });
        for (const path of ['/to-metadata', '/to-mapped', '/to-decimal']) {
          const refused = await failure(fetcher.fetchPage({ url: `${base}${path}` }));
          expect(refused).toMatchObject({ errorClass: 'permanent', code: 'SSRF_BLOCKED' });
          expect(refused.message).toMatch(/169\.254\.169\.254|::ffff:a9fe:a9fe/);
        }
      } finally {
        unsubscribe('undici:client:beforeConnect', onConnect);
      }
      expect(dialled.length).toBeGreaterThan(0); // the allowed local server was dialled…
      expect(dialled.every((host) => host === '127.0.0.1')).toBe(true); // …and nothing else
    });

    it('refuses loopback when it is not allow-listed, without sending a request', async () => {
      const strict = make({ allowHosts: [], obeyRobotsTxt: false });
      for (const url of [
        `${base}/page`,
        `http://2130706433:${port}/page`,
        `http://0x7f.1:${port}/page`,
        `http://0177.0.0.1:${port}/page`,
        `http://[::1]:${port}/page`,
      ]) {
        expect(await failure(strict.fetchPage({ url }))).toMatchObject({ code: 'SSRF_BLOCKED' });
      }
      expect(hits).toEqual([]);
    });

    it('connects to the address it vetted while keeping the name for the Host header', async () => {
      let host: string | undefined;
      routes.set('/named', (req, res) => {
        host = req.headers.host;
        res.writeHead(200, { 'content-type': 'text/plain' }).end('pinned');
      });
      const resolved: string[] = [];
      const pinned = make({
        obeyRobotsTxt: false,
        resolve: async (name) => {
          resolved.push(name);
          return [{ address: '127.0.0.1', family: 4 }];
        },
      });
      const page = await pinned.fetchPage({ url: `http://shop.example:${port}/named` });
      expect(page.text).toBe('pinned');
      expect(host).toBe(`shop.example:${port}`);
      expect(resolved).toEqual(['shop.example']); // vetted once; the socket reused the vetted answer

      const rebinding = make({
        obeyRobotsTxt: false,
        resolve: async () => [{ address: '10.1.2.3', family: 4 }],
      });
      expect(await failure(rebinding.fetchPage({ url: `http://shop.example:${port}/named` }))).toMatchObject({
        code: 'SSRF_BLOCKED',
      });
    });
  });

  describe('politeness', () => {
    it('never has more than hostConcurrency requests in flight at the host (2 of 20)', async () => {
      let active = 0;
      let peak = 0;
      routes.set('/slow', (_req, res) => {
        active += 1;
        peak = Math.max(peak, active);
        setTimeout(() => {
          active -= 1;
          res.writeHead(200, { 'content-type': 'text/html' }).end('slow');
        }, 20);
      });
      const fetcher = make({ obeyRobotsTxt: false, hostConcurrency: 8 });
      const pages = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          fetcher.fetchPage({ url: `${base}/slow?i=${i}`, hostConcurrency: 2 }),
        ),
      );
      expect(pages.every((p) => p.text === 'slow')).toBe(true);
      expect(peak).toBe(2);
    });

    it('spaces request starts to one host by hostDelayMs', async () => {
      const starts: number[] = [];
      routes.set('/tick', (_req, res) => {
        starts.push(performance.now());
        res.writeHead(200, { 'content-type': 'text/html' }).end('tick');
      });
      const fetcher = make({ obeyRobotsTxt: false, hostDelayMs: 60 });
      await Promise.all(
        Array.from({ length: 4 }, (_, i) => fetcher.fetchPage({ url: `${base}/tick?i=${i}` })),
      );
      expect(starts).toHaveLength(4);
      starts.forEach((t, i) => expect(t - starts[0]).toBeGreaterThanOrEqual(i * 60 - 10));
    });
  });

  describe('robots.txt', () => {
    it('obeys Disallow for our user agent, fetches robots.txt once, and can be turned off per request', async () => {
      routes.set('/robots.txt', (_req, res) =>
        res
          .writeHead(200, { 'content-type': 'text/plain' })
          .end('User-agent: crawlflow\nDisallow: /private\n\nUser-agent: *\nDisallow: /\n'),
      );
      routes.set('/private', (_req, res) =>
        res.writeHead(200, { 'content-type': 'text/html' }).end('secret'),
      );
      const fetcher = make();
      expect((await fetcher.fetchPage({ url: `${base}/page` })).text).toBe('ok');
      const refused = await failure(fetcher.fetchPage({ url: `${base}/private?x=1` }));
      expect(refused).toMatchObject({ errorClass: 'permanent', code: 'ROBOTS_DISALLOWED' });
      expect((await fetcher.fetchPage({ url: `${base}/private`, respectRobots: false })).text).toBe('secret');
      expect(hits.filter((h) => h === '/robots.txt')).toHaveLength(1);
      expect(hits).not.toContain('/private?x=1');
    });

    it('allows everything when robots.txt is missing (4xx)', async () => {
      const fetcher = make();
      expect((await fetcher.fetchPage({ url: `${base}/page` })).text).toBe('ok');
      expect(hits).toEqual(['/robots.txt', '/page']);
    });

    it('holds the site back (transient) while robots.txt answers 5xx', async () => {
      routes.set('/robots.txt', (_req, res) => res.writeHead(503).end());
      const fetcher = make();
      expect(await failure(fetcher.fetchPage({ url: `${base}/page` }))).toMatchObject({
        errorClass: 'transient',
        code: 'ROBOTS_UNAVAILABLE',
      });
      expect(hits).toEqual(['/robots.txt']);
    });
  });
});
