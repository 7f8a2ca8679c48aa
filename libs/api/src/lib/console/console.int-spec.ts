import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_TEST_TOKEN, useApiHarness } from '../testing/api-harness';
import { findBuiltConsole } from './console-location';

const INDEX_HTML =
  '<!doctype html><html><head><script type="module" src="/console/assets/app-abc.js"></script></head><body><div id="app"></div></body></html>';
const APP_JS = 'console.log("console app");';
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** A console as `npm run build` leaves it: index.html, hashed assets, a file beside them. */
function writeBuiltConsole(dir: string): void {
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), INDEX_HTML);
  writeFileSync(join(dir, 'assets', 'app-abc.js'), APP_JS);
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
}

function expectSecurityHeaders(response: Response): void {
  expect(response.headers.get('content-security-policy')).toBe(CSP);
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
}

/** A GET whose path goes to the server unresolved. */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const request = http.get({ hostname, port, path }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
  });
}

describe('the operator console at /console/', () => {
  const fixture = mkdtempSync(join(tmpdir(), 'crawlflow-console-'));
  const consoleDir = join(fixture, 'dist', 'console');
  const api = useApiHarness('console-int-spec', { consoleDir });
  /** A request without the token (the page loads before anyone typed one). */
  const open = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${api().base}${path}`, { redirect: 'manual', ...init });

  beforeAll(() => writeBuiltConsole(consoleDir));
  afterAll(() => rmSync(fixture, { recursive: true, force: true }));

  it('serves index.html without the token, for /console/ and for any path that is no file', async () => {
    for (const path of ['/console/', '/console/jobs/42', '/console/workflows/7/versions?tab=2']) {
      const response = await open(path);
      expect([path, response.status]).toEqual([path, 200]);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expectSecurityHeaders(response);
      expect(await response.text()).toBe(INDEX_HTML);
    }
    const head = await open('/console/jobs/42', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('serves assets with long cache headers, and a missing asset as 404', async () => {
    const asset = await open('/console/assets/app-abc.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expectSecurityHeaders(asset);
    expect(await asset.text()).toBe(APP_JS);
    const etag = asset.headers.get('etag') ?? '';
    expect(etag).not.toBe('');
    // fetch adds `Cache-Control: no-cache` to a conditional request unless it carries its own.
    const again = await open('/console/assets/app-abc.js', {
      headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' },
    });
    expect(again.status).toBe(304);

    for (const path of ['/console/assets/app-old.js', '/console/assets/', '/console/assets/deep/x.css']) {
      const missing = await open(path);
      expect([path, missing.status]).toEqual([path, 404]);
      expectSecurityHeaders(missing);
      expect(await missing.json()).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: expect.stringContaining('does not exist'),
      });
    }

    const favicon = await open('/console/favicon.svg');
    expect(favicon.status).toBe(200);
    expect(favicon.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(favicon.headers.get('cache-control')).toBe('no-cache');
  });

  it('serves nothing outside its directory', async () => {
    writeFileSync(join(fixture, 'dist', 'secret.txt'), 'secret');
    // fetch would resolve the dots itself: these go as written.
    for (const path of ['/console/../secret.txt', '/console/%2e%2e/secret.txt', '/console/..%2fsecret.txt']) {
      expect([path, await rawGet(api().base, path)]).toEqual([path, { status: 200, body: INDEX_HTML }]);
    }
    expect(await rawGet(api().base, '/console/.hidden')).toEqual({ status: 200, body: INDEX_HTML });
    for (const path of ['/console/assets/../../secret.txt', '/console/assets/%2e%2e%2f%2e%2e%2fsecret.txt']) {
      const answer = await rawGet(api().base, path);
      expect([path, answer.status]).toEqual([path, 404]);
      expect(answer.body).not.toContain('secret"');
    }
  });

  it('redirects / and /console to /console/', async () => {
    const home = await open('/');
    expect(home.status).toBe(302);
    expect(home.headers.get('location')).toBe('/console/');
    const bare = await open('/console?x=1');
    expect(bare.status).toBe(302);
    expect(bare.headers.get('location')).toBe('/console/?x=1');
  });

  it('keeps /api behind the token', async () => {
    const { call } = api();
    expect((await call('GET', '/api/sources', undefined, null)).status).toBe(401);
    expect((await call('GET', '/api/stats/overview', undefined, null)).status).toBe(401);
    expect((await call('GET', '/api/docs-json', undefined, null)).status).toBe(401);
    expect((await call('GET', '/api/stats/overview', undefined, API_TEST_TOKEN)).status).toBe(200);
    const docs = await call('GET', '/api/docs-json');
    // The console's routes are no part of the API's document.
    expect(
      Object.keys(docs.body.paths).filter((path) => path === '/' || path.startsWith('/console')),
    ).toEqual([]);
  });

  it('answers 503 in the API error shape while the console is not built', async () => {
    renameSync(join(consoleDir, 'index.html'), join(consoleDir, 'index.html.away'));
    try {
      for (const path of ['/console/', '/console/jobs/42', '/console/assets/app-abc.js']) {
        const response = await open(path);
        expect([path, response.status]).toEqual([path, 503]);
        expectSecurityHeaders(response);
        expect(await response.json()).toEqual({
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'console assets are not built: run npm run build',
        });
      }
    } finally {
      renameSync(join(consoleDir, 'index.html.away'), join(consoleDir, 'index.html'));
    }
    expect((await open('/console/')).status).toBe(200);
  });

  it('finds dist/console above the sources and above the compiled files', async () => {
    const sources = join(fixture, 'libs', 'api', 'src', 'lib', 'console');
    const compiled = join(fixture, 'dist', 'libs', 'api', 'src', 'lib', 'console');
    mkdirSync(sources, { recursive: true });
    mkdirSync(compiled, { recursive: true });
    expect(await findBuiltConsole(sources)).toBe(consoleDir);
    expect(await findBuiltConsole(compiled)).toBe(consoleDir);
    // An ancestor named dist holding console/ (an image that copied dist/ alone).
    const image = mkdtempSync(join(tmpdir(), 'crawlflow-image-'));
    try {
      writeBuiltConsole(join(image, 'dist', 'console'));
      const inImage = join(image, 'dist', 'apps', 'orchestrator', 'src');
      mkdirSync(inImage, { recursive: true });
      expect(await findBuiltConsole(inImage)).toBe(join(image, 'dist', 'console'));
      rmSync(join(image, 'dist', 'console', 'index.html'));
      expect(await findBuiltConsole(inImage)).toBeUndefined();
    } finally {
      rmSync(image, { recursive: true, force: true });
    }
  });
});
