import { once } from 'node:events';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import {
  startRoutedServer,
  taskFailure,
  testFetchSettings,
  waitFor,
  type RoutedServer,
} from '@crawlflow/testing';
import type { Fetcher, FetcherSettings } from './fetch.types';
import { createFetcher } from './page.fetcher';

/** Short limits for tests; loopback allowed. */
const settings = (overrides: Partial<FetcherSettings> = {}): FetcherSettings =>
  testFetchSettings({
    connectTimeoutMs: 2_000,
    headersTimeoutMs: 2_000,
    bodyTimeoutMs: 2_000,
    maxResponseBytes: 1024 * 1024,
    userAgent: 'crawlflow-test/1.0',
    obeyRobotsTxt: false,
    ...overrides,
  });

const failure = taskFailure;

describe('createFetcher (real local HTTP server)', () => {
  let site: RoutedServer;
  let routes: RoutedServer['routes'];
  let seen: RoutedServer['requests'];
  let base: string;
  let fetcher: Fetcher;

  beforeAll(async () => {
    site = await startRoutedServer();
    ({ routes, requests: seen, base } = site);
    fetcher = createFetcher(settings());
  });

  afterAll(async () => {
    await fetcher.close();
    await site.close();
  });

  beforeEach(() => {
    routes.clear();
    seen.length = 0;
  });

  it('fetches a page with its headers, charset, validators and timing', async () => {
    routes.set('/page', (_req, res) =>
      res
        .writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          etag: '"v1"',
          'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT',
        })
        .end('<p>héllo</p>'),
    );
    const page = await fetcher.fetchPage({
      url: `${base}/page#frag`,
      headers: { 'X-Trace': 't1', Host: 'evil.test' },
    });
    expect(page).toMatchObject({
      url: `${base}/page`,
      status: 200,
      text: '<p>héllo</p>',
      contentType: 'text/html',
      charset: 'utf-8',
      etag: '"v1"',
      lastModified: 'Wed, 01 Jan 2025 00:00:00 GMT',
      notModified: false,
      redirects: [],
    });
    expect(page.responseTimeMs).toBeGreaterThan(0);
    expect(seen[0].headers).toMatchObject({
      'user-agent': 'crawlflow-test/1.0',
      'x-trace': 't1',
      host: base.slice(7),
    });
  });

  it('sends If-None-Match / If-Modified-Since and reports 304 as not modified', async () => {
    routes.set('/cond', (req, res) => {
      if (req.headers['if-none-match'] === '"v1"' && req.headers['if-modified-since'])
        res.writeHead(304, { etag: '"v1"' }).end();
      else res.writeHead(200, { 'content-type': 'text/html' }).end('fresh');
    });
    const page = await fetcher.fetchPage({
      url: `${base}/cond`,
      conditional: { etag: '"v1"', lastModified: 'Wed, 01 Jan 2025 00:00:00 GMT' },
    });
    expect(page).toMatchObject({ status: 304, notModified: true, text: '', etag: '"v1"' });
    expect(seen[0].headers['if-modified-since']).toBe('Wed, 01 Jan 2025 00:00:00 GMT');
    expect((await fetcher.fetchPage({ url: `${base}/cond` })).text).toBe('fresh');
  });

  it('decodes EUC-KR from the header and ISO-8859-1 from <meta>', async () => {
    routes.set('/kr', (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'text/html; charset=EUC-KR' })
        .end(Buffer.from([0x3c, 0x62, 0x3e, 0xc7, 0xd1, 0xb1, 0xdb])),
    );
    routes.set('/latin', (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          Buffer.from(
            '<html><head><meta http-equiv="content-type" content="text/html; charset=iso-8859-1"></head>Caf\xe9',
            'latin1',
          ),
        ),
    );
    expect(await fetcher.fetchPage({ url: `${base}/kr` })).toMatchObject({
      text: '<b>한글',
      charset: 'euc-kr',
    });
    const latin = await fetcher.fetchPage({ url: `${base}/latin` });
    expect(latin.text).toContain('Café');
    expect(latin.charset).toBe('windows-1252'); // the WHATWG name for the iso-8859-1 label
  });

  it('maps statuses: 404/410 permanent, 503/429 transient with Retry-After', async () => {
    routes.set('/gone', (_req, res) => res.writeHead(410).end());
    routes.set('/busy', (_req, res) => res.writeHead(503, { 'retry-after': '7' }).end('busy'));
    routes.set('/slow-down', (_req, res) =>
      res.writeHead(429, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() }).end(),
    );
    routes.set('/forbidden', (_req, res) => res.writeHead(403).end());
    expect(await failure(fetcher.fetchPage({ url: `${base}/missing` }))).toMatchObject({
      errorClass: 'permanent',
      code: 'HTTP_404',
    });
    expect(await failure(fetcher.fetchPage({ url: `${base}/gone` }))).toMatchObject({
      errorClass: 'permanent',
      code: 'HTTP_410',
    });
    expect(await failure(fetcher.fetchPage({ url: `${base}/forbidden` }))).toMatchObject({
      errorClass: 'permanent',
      code: 'HTTP_403',
    });
    expect(await failure(fetcher.fetchPage({ url: `${base}/busy` }))).toMatchObject({
      errorClass: 'transient',
      code: 'HTTP_503',
      retryAfterMs: 7000,
    });
    const limited = await failure(fetcher.fetchPage({ url: `${base}/slow-down` }));
    expect(limited).toMatchObject({ errorClass: 'transient', code: 'HTTP_429' });
    expect(limited.retryAfterMs).toBeGreaterThan(55_000);
  });

  it('refuses binary content types before reading the body', async () => {
    routes.set('/img', (_req, res) =>
      res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(10_000)),
    );
    routes.set('/pdf', (_req, res) => res.writeHead(200, { 'content-type': 'application/pdf' }).end('%PDF'));
    const img = await failure(fetcher.fetchPage({ url: `${base}/img` }));
    expect(img).toMatchObject({ errorClass: 'permanent', code: 'UNSUPPORTED_CONTENT_TYPE' });
    expect(img.message).toContain('image/png');
    expect((await failure(fetcher.fetchPage({ url: `${base}/pdf` }))).message).toContain('application/pdf');
  });

  it('cuts an endless body at the limit while streaming', async () => {
    let written = 0;
    let closed = false;
    routes.set('/endless', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 'a');
      const pump = (): void => {
        while (!closed && res.write(chunk)) written += chunk.length;
        if (!closed) res.once('drain', pump);
      };
      res.on('close', () => (closed = true));
      pump();
    });
    const cut = await failure(fetcher.fetchPage({ url: `${base}/endless`, maxBytes: 256 * 1024 }));
    expect(cut).toMatchObject({ errorClass: 'permanent', code: 'TOO_LARGE' });
    // The connection is dropped at the limit: the server sees it close while it is still writing.
    await waitFor(() => closed, { what: 'the server to see the connection closed' });
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });

  it('refuses a declared Content-Length over the limit, and a gzip bomb', async () => {
    routes.set('/big', (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'text/html', 'content-length': String(5 * 1024 * 1024) })
        .end(Buffer.alloc(5 * 1024 * 1024)),
    );
    const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024, 0x20));
    routes.set('/bomb', (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }).end(bomb),
    );
    routes.set('/gz', (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' })
        .end(gzipSync('<p>zipped</p>')),
    );
    expect(bomb.length).toBeLessThan(1024 * 1024); // the compressed bomb passes the raw limit
    expect(await failure(fetcher.fetchPage({ url: `${base}/big` }))).toMatchObject({ code: 'TOO_LARGE' });
    expect(await failure(fetcher.fetchPage({ url: `${base}/bomb` }))).toMatchObject({
      errorClass: 'permanent',
      code: 'DECOMPRESSION_BOMB',
    });
    expect((await fetcher.fetchPage({ url: `${base}/gz` })).text).toBe('<p>zipped</p>');
    expect(seen.at(-1)?.headers['accept-encoding']).toBe('gzip, deflate, br');
  });

  it('follows redirects, records them, and stops loops and long chains', async () => {
    routes.set('/r1', (_req, res) => res.writeHead(301, { location: '/r2' }).end());
    routes.set('/r2', (_req, res) => res.writeHead(302, { location: `${base}/final?x=1` }).end());
    routes.set('/final', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('done'));
    routes.set('/loop-a', (_req, res) => res.writeHead(302, { location: '/loop-b' }).end());
    routes.set('/loop-b', (_req, res) => res.writeHead(307, { location: '/loop-a' }).end());
    routes.set('/chain', (req, res) => {
      const n = Number(new URL(req.url ?? '', base).searchParams.get('n') ?? 0);
      res.writeHead(302, { location: `/chain?n=${n + 1}` }).end();
    });
    const page = await fetcher.fetchPage({ url: `${base}/r1` });
    expect(page).toMatchObject({
      url: `${base}/final?x=1`,
      text: 'done',
      redirects: [`${base}/r2`, `${base}/final?x=1`],
    });
    expect(await failure(fetcher.fetchPage({ url: `${base}/loop-a` }))).toMatchObject({
      errorClass: 'permanent',
      code: 'REDIRECT_LOOP',
    });
    seen.length = 0;
    expect(await failure(fetcher.fetchPage({ url: `${base}/chain` }))).toMatchObject({
      errorClass: 'permanent',
      code: 'TOO_MANY_REDIRECTS',
    });
    expect(seen).toHaveLength(6); // the first request and five redirects
  });

  it('times out on headers and on a stalled body (transient, with the kind in the code)', async () => {
    const quick = createFetcher(settings({ headersTimeoutMs: 300, bodyTimeoutMs: 300 }));
    routes.set('/no-headers', () => undefined); // never answers
    routes.set('/stall', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.write('<p>first part');
    });
    try {
      expect(await failure(quick.fetchPage({ url: `${base}/no-headers` }))).toMatchObject({
        errorClass: 'transient',
        code: 'TIMEOUT_HEADERS',
      });
      expect(await failure(quick.fetchPage({ url: `${base}/stall` }))).toMatchObject({
        errorClass: 'transient',
        code: 'TIMEOUT_BODY',
      });
      // A per-request timeout below the settings' shortens them.
      const started = Date.now();
      expect(await failure(fetcher.fetchPage({ url: `${base}/no-headers`, timeoutMs: 200 }))).toMatchObject({
        code: 'TIMEOUT_HEADERS',
      });
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      await quick.close();
    }
  });

  it("caps a step's max_bytes and timeout_ms at the process limits: a step can only lower them", async () => {
    const strict = createFetcher(
      settings({ maxResponseBytes: 64 * 1024, headersTimeoutMs: 300, bodyTimeoutMs: 300 }),
    );
    routes.set('/128k', (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/plain' }).end(Buffer.alloc(128 * 1024, 'a')),
    );
    routes.set('/32k', (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/plain' }).end(Buffer.alloc(32 * 1024, 'a')),
    );
    routes.set('/no-headers', () => undefined);
    routes.set('/stall', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.write('<p>first part');
    });
    const generous = { maxBytes: 10 * 1024 * 1024, timeoutMs: 3_000 };
    try {
      const cut = await failure(strict.fetchPage({ url: `${base}/128k`, ...generous }));
      expect(cut).toMatchObject({ errorClass: 'permanent', code: 'TOO_LARGE' });
      expect(cut.message).toContain(`${64 * 1024} bytes`);
      expect((await strict.fetchPage({ url: `${base}/32k`, ...generous })).body).toHaveLength(32 * 1024);
      expect(await failure(strict.fetchPage({ url: `${base}/32k`, maxBytes: 16 * 1024 }))).toMatchObject({
        code: 'TOO_LARGE',
      });
      for (const [path, code] of [
        ['/no-headers', 'TIMEOUT_HEADERS'],
        ['/stall', 'TIMEOUT_BODY'],
      ]) {
        const started = Date.now();
        expect(await failure(strict.fetchPage({ url: `${base}${path}`, ...generous }))).toMatchObject({
          code,
        });
        // At the process's 300 ms (with room for a busy machine), not the step's 3 s.
        expect([path, Date.now() - started < 1_500]).toEqual([path, true]);
      }
    } finally {
      await strict.close();
    }
  });

  it('times out connecting when the handshake never completes', async () => {
    // A TCP listener that accepts and stays silent: an https:// URL to it never finishes the TLS
    // handshake, which undici counts as connecting. (A plain TCP connect to a local listener always
    // completes in the kernel, so the handshake is what can be held open here.)
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => sockets.push(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const port = (silent.address() as { port: number }).port;
    const quick = createFetcher(settings({ connectTimeoutMs: 300 }));
    try {
      expect(await failure(quick.fetchPage({ url: `https://127.0.0.1:${port}/` }))).toMatchObject({
        errorClass: 'transient',
        code: 'TIMEOUT_CONNECT',
      });
    } finally {
      await quick.close();
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
  });

  it('reports a refused connection as transient', async () => {
    const probe = createTcpServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as { port: number }).port;
    probe.close();
    await once(probe, 'close');
    expect(await failure(fetcher.fetchPage({ url: `http://127.0.0.1:${port}/` }))).toMatchObject({
      errorClass: 'transient',
      code: 'ECONNREFUSED',
    });
  });
});
