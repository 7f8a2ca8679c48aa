import type { FetchSettings } from '@crawlflow/config';
import type { ResolveFn } from './ssrf.guard';

/** The fetch settings of the app config, plus seams for tests. */
export interface FetcherSettings extends FetchSettings {
  /** DNS resolution (default: the system resolver, every address). */
  resolve?: ResolveFn;
  robotsTtlMs?: number;
  robotsCacheSize?: number;
}

export interface FetchRequest {
  url: string;
  headers?: Record<string, string>;
  /** Validators from an earlier fetch: sent as If-None-Match / If-Modified-Since. */
  conditional?: { etag?: string; lastModified?: string };
  hostConcurrency?: number;
  hostDelayMs?: number;
  /** Default true; FETCH_OBEY_ROBOTS=false turns robots.txt off for the whole process. */
  respectRobots?: boolean;
  /** Lowers the headers and body timeouts of the settings for this request (never raises them). */
  timeoutMs?: number;
  /** Lowers the settings' largest response body for this request (never raises it). */
  maxBytes?: number;
}

export interface FetchResult {
  /** The final URL, after redirects. */
  url: string;
  status: number;
  headers: Record<string, string>;
  /** The decoded (decompressed) body; empty when not modified. */
  body: Buffer;
  text: string;
  /** The media type without parameters (`text/html`), empty when the server sent none. */
  contentType: string;
  charset: string;
  etag?: string;
  lastModified?: string;
  notModified: boolean;
  responseTimeMs: number;
  /** Every URL redirected to, in order (the last one is `url`). */
  redirects: string[];
}

export interface Fetcher {
  fetchPage(request: FetchRequest): Promise<FetchResult>;
  /** Stops new requests, fails queued ones, closes the keep-alive pools. */
  close(): Promise<void>;
}
