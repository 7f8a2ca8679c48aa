import { permanent, TaskFailure, transient } from '@crawlflow/contracts';

const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/** `Retry-After` as delay-seconds or an HTTP date, in ms from `now`; undefined when absent or bad. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}

/**
 * An HTTP status that is not a success, as a task failure. The code is always `HTTP_<status>`, so
 * the engine can tell a 404 (the end of a pagination) from other failures.
 * 408, 425, 429 and 5xx are worth a retry; other 4xx are the request's fault and will not change.
 */
export function statusFailure(status: number, url: string, retryAfter?: string): TaskFailure {
  const code = `HTTP_${status}`;
  const message = `GET ${url} answered ${status}`;
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    return transient(message, code, parseRetryAfter(retryAfter));
  }
  return permanent(message, code);
}

const TIMEOUTS: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'TIMEOUT_CONNECT',
  UND_ERR_HEADERS_TIMEOUT: 'TIMEOUT_HEADERS',
  UND_ERR_BODY_TIMEOUT: 'TIMEOUT_BODY',
};

/** Certificate problems do not fix themselves between retries. */
const TLS_PERMANENT = /CERT|SELF_SIGNED|ERR_TLS_|UNABLE_TO_VERIFY|ERR_SSL_/;

/** Maps what undici or the socket threw onto the task error taxonomy; TaskFailures pass through. */
export function networkFailure(error: unknown, url: string): TaskFailure {
  const found = findFailure(error);
  if (found) return found;
  const code = errorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (code && TIMEOUTS[code]) return transient(`GET ${url}: ${detail}`, TIMEOUTS[code]);
  if (code && TLS_PERMANENT.test(code)) return permanent(`GET ${url}: TLS: ${detail}`, 'TLS_ERROR');
  return transient(`GET ${url}: ${detail}${code ? ` (${code})` : ''}`, code ?? 'NETWORK_ERROR');
}

function findFailure(error: unknown): TaskFailure | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    if (current instanceof TaskFailure) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
