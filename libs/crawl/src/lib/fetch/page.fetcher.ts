import { performance } from 'node:perf_hooks';
import { permanent, TaskFailure, transient } from '@crawlflow/contracts';
import { Agent, request, type Dispatcher } from 'undici';
import { decodeContent, readLimited } from './body.reader';
import { decodeBody, isTextual, parseContentType } from './charset.util';
import type { Fetcher, FetcherSettings, FetchRequest, FetchResult } from './fetch.types';
import { HostLimiter } from './host.limiter';
import { networkFailure, statusFailure } from './http-failure.util';
import { RobotsCache } from './robots.cache';
import { bareHost, SsrfGuard } from './ssrf.guard';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const ROBOTS_MAX_BYTES = 512 * 1024; // Google reads the first 500 KiB
/** Headers the fetcher owns: a workflow cannot smuggle framing or routing through them. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
  'te',
]);
/** Credentials do not follow a redirect to another origin. */
const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

interface Hop {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  location?: string;
}

/** Creates a fetcher with its own keep-alive pools, SSRF guard, politeness limiter and robots cache. */
export function createFetcher(settings: FetcherSettings): Fetcher {
  return new PageFetcher(settings);
}

class PageFetcher implements Fetcher {
  private readonly guard: SsrfGuard;
  private readonly agent: Agent;
  private readonly limiter = new HostLimiter();
  private readonly robots: RobotsCache;
  private closed = false;

  constructor(private readonly settings: FetcherSettings) {
    this.guard = new SsrfGuard(settings.allowHosts, settings.resolve);
    this.agent = new Agent({
      connect: { timeout: settings.connectTimeoutMs, lookup: this.guard.connectLookup },
      headersTimeout: settings.headersTimeoutMs,
      bodyTimeout: settings.bodyTimeoutMs,
      keepAliveTimeout: 4_000,
    });
    this.robots = new RobotsCache(
      async (robotsUrl) =>
        (await this.follow({ url: robotsUrl, respectRobots: false, maxBytes: ROBOTS_MAX_BYTES })).text,
      settings.userAgent,
      { ttlMs: settings.robotsTtlMs, maxEntries: settings.robotsCacheSize },
    );
  }

  async fetchPage(req: FetchRequest): Promise<FetchResult> {
    if (this.closed) throw transient('the fetcher is closed', 'FETCHER_CLOSED');
    return this.follow(req);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.limiter.close();
    await this.agent.close();
  }

  private async follow(req: FetchRequest): Promise<FetchResult> {
    const started = performance.now();
    let url = parseUrl(req.url);
    const redirects: string[] = [];
    const seen = new Set([url.href]);
    const respectRobots = this.settings.obeyRobotsTxt && req.respectRobots !== false;
    let headers = this.requestHeaders(req);
    for (;;) {
      // Every hop is vetted before anything is dialled: a redirect to a private address fails here.
      await this.guard.vetUrl(url);
      if (respectRobots) await this.robots.check(url);
      const hop = await this.exchange(url, headers, req);
      if (hop.location !== undefined) {
        const next = parseUrl(hop.location, url);
        if (seen.has(next.href)) {
          throw permanent(
            `redirect loop: ${[req.url, ...redirects, next.href].join(' → ')}`,
            'REDIRECT_LOOP',
          );
        }
        if (redirects.length >= this.settings.maxRedirects) {
          throw permanent(
            `more than ${this.settings.maxRedirects} redirects from ${req.url}`,
            'TOO_MANY_REDIRECTS',
          );
        }
        if (next.origin !== url.origin) headers = withoutCredentials(headers);
        seen.add(next.href);
        redirects.push(next.href);
        url = next;
        continue;
      }
      return this.result(url, hop, redirects, started);
    }
  }

  private requestHeaders(req: FetchRequest): Record<string, string> {
    const headers: Record<string, string> = {
      'user-agent': this.settings.userAgent,
      accept: 'text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8',
      'accept-encoding': 'gzip, deflate, br',
    };
    for (const [name, value] of Object.entries(req.headers ?? {})) {
      const key = name.toLowerCase();
      if (!RESERVED_HEADERS.has(key)) headers[key] = value;
    }
    if (req.conditional?.etag) headers['if-none-match'] = req.conditional.etag;
    if (req.conditional?.lastModified) headers['if-modified-since'] = req.conditional.lastModified;
    return headers;
  }

  /** One request/response under the host's politeness slot, held until the body is read. */
  private async exchange(url: URL, headers: Record<string, string>, req: FetchRequest): Promise<Hop> {
    const release = await this.limiter.acquire(bareHost(url.hostname), {
      concurrency: req.hostConcurrency ?? this.settings.hostConcurrency,
      delayMs: req.hostDelayMs ?? this.settings.hostDelayMs,
    });
    // A step (user input) may tighten the operator's limits, never loosen them.
    const maxBytes = Math.min(req.maxBytes ?? Infinity, this.settings.maxResponseBytes);
    const headersTimeout = Math.min(req.timeoutMs ?? Infinity, this.settings.headersTimeoutMs);
    const bodyTimeout = Math.min(req.timeoutMs ?? Infinity, this.settings.bodyTimeoutMs);
    // undici's body timeout is an idle timeout; this deadline also stops a body that trickles forever.
    const deadline = new AbortController();
    let phase: 'headers' | 'body' = 'headers';
    const timer = setTimeout(
      () => deadline.abort(),
      this.settings.connectTimeoutMs + headersTimeout + bodyTimeout,
    );
    try {
      const response = await request(url, {
        dispatcher: this.agent,
        method: 'GET',
        headers,
        headersTimeout,
        bodyTimeout,
        signal: deadline.signal,
      });
      phase = 'body';
      return await this.readHop(url, response, maxBytes);
    } catch (error) {
      if (deadline.signal.aborted && !(error instanceof TaskFailure)) {
        const code = phase === 'headers' ? 'TIMEOUT_HEADERS' : 'TIMEOUT_BODY';
        throw transient(`GET ${url.href}: no complete response in time (${phase})`, code);
      }
      throw networkFailure(error, url.href);
    } finally {
      clearTimeout(timer);
      release();
    }
  }

  private async readHop(url: URL, response: Dispatcher.ResponseData, maxBytes: number): Promise<Hop> {
    const status = response.statusCode;
    const headers = flatHeaders(response.headers);
    if (REDIRECTS.has(status) && headers.location) {
      await discard(response);
      return { status, headers, body: Buffer.alloc(0), location: headers.location };
    }
    if (status === 304) {
      await discard(response);
      return { status, headers, body: Buffer.alloc(0) };
    }
    if (status < 200 || status >= 300) {
      await discard(response);
      throw statusFailure(status, url.href, headers['retry-after']);
    }
    const { mediaType } = parseContentType(headers['content-type']);
    if (!isTextual(mediaType)) {
      abandon(response);
      throw permanent(
        `GET ${url.href}: content type ${mediaType} is binary, not a page`,
        'UNSUPPORTED_CONTENT_TYPE',
      );
    }
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      abandon(response);
      throw permanent(`GET ${url.href}: Content-Length ${declared} exceeds ${maxBytes} bytes`, 'TOO_LARGE');
    }
    const raw = await readLimited(response.body, maxBytes, url.href);
    const body = await decodeContent(raw, headers['content-encoding'], maxBytes, url.href);
    return { status, headers, body };
  }

  private result(url: URL, hop: Hop, redirects: string[], started: number): FetchResult {
    const contentType = parseContentType(hop.headers['content-type']);
    const decoded =
      hop.status === 304
        ? { text: '', charset: contentType.charset ?? 'utf-8' }
        : decodeBody(hop.body, contentType);
    return {
      url: url.href,
      status: hop.status,
      headers: hop.headers,
      body: hop.body,
      text: decoded.text,
      contentType: contentType.mediaType,
      charset: decoded.charset,
      ...(hop.headers.etag ? { etag: hop.headers.etag } : {}),
      ...(hop.headers['last-modified'] ? { lastModified: hop.headers['last-modified'] } : {}),
      notModified: hop.status === 304,
      responseTimeMs: Math.round((performance.now() - started) * 10) / 10,
      redirects,
    };
  }
}

function parseUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw permanent(`not a valid URL: ${JSON.stringify(text.slice(0, 200))}`, 'BAD_URL');
  }
  url.hash = '';
  return url;
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  const copy = { ...headers };
  for (const name of ORIGIN_BOUND_HEADERS) delete copy[name];
  return copy;
}

/** Drops a body we do not need; a short read keeps the connection reusable, a long one closes it. */
async function discard(response: Dispatcher.ResponseData): Promise<void> {
  await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
}

/** Drops the connection without reading on; the abort error the body emits is expected, not a crash. */
function abandon(response: Dispatcher.ResponseData): void {
  response.body.on('error', () => undefined);
  response.body.destroy();
}
