import { expectInt, expectOneOf, expectRecord, expectString, SchemaError } from '../validation';
import { checkRegex, expectBool, expectField, parseTemplate, rejectUnknown } from './config-fields';
import type { CrawlScope, FetchConfig } from './definition.types';

/**
 * A FETCH step's config, defaults filled in. `index` is the step's position: `{page}` is allowed in
 * the first step's url_pattern only with pagination (what may follow which step is step-order's).
 */
export function parseFetchConfig(config: Record<string, unknown>, path: string, index: number): FetchConfig {
  rejectUnknown(
    config,
    [
      'url_pattern',
      'url_field',
      'pagination',
      'max_pages',
      'start_page',
      'crawl',
      'headers',
      'respect_robots',
      'host_concurrency',
      'host_delay_ms',
      'timeout_ms',
      'max_bytes',
    ],
    path,
  );
  const pagination =
    config.pagination === undefined ? false : expectBool(config.pagination, `${path}.pagination`);
  const fetch: FetchConfig = {
    pagination,
    max_pages:
      config.max_pages === undefined ? 100 : expectInt(config.max_pages, `${path}.max_pages`, 1, 100_000),
    start_page:
      config.start_page === undefined ? 1 : expectInt(config.start_page, `${path}.start_page`, 0, 1_000_000),
    headers: config.headers === undefined ? {} : parseHeaders(config.headers, `${path}.headers`),
    respect_robots:
      config.respect_robots === undefined
        ? true
        : expectBool(config.respect_robots, `${path}.respect_robots`),
  };
  if (config.url_pattern !== undefined) {
    fetch.url_pattern = parseTemplate(config.url_pattern, `${path}.url_pattern`, (name) =>
      name === 'page' && !pagination && index === 0 ? '{page} needs "pagination": true' : undefined,
    );
  }
  if (config.url_field !== undefined) fetch.url_field = expectField(config.url_field, `${path}.url_field`);
  if (config.crawl !== undefined) fetch.crawl = parseCrawl(config.crawl, `${path}.crawl`);
  if (fetch.crawl && pagination)
    throw new SchemaError(`${path}.crawl`, 'use either pagination or crawl, not both');
  if (config.host_concurrency !== undefined)
    fetch.host_concurrency = expectInt(config.host_concurrency, `${path}.host_concurrency`, 1, 1000);
  if (config.host_delay_ms !== undefined)
    fetch.host_delay_ms = expectInt(config.host_delay_ms, `${path}.host_delay_ms`, 0, 3_600_000);
  if (config.timeout_ms !== undefined)
    fetch.timeout_ms = expectInt(config.timeout_ms, `${path}.timeout_ms`, 100, 600_000);
  if (config.max_bytes !== undefined)
    fetch.max_bytes = expectInt(config.max_bytes, `${path}.max_bytes`, 1024, 1024 * 1024 * 1024);
  return fetch;
}

function parseCrawl(raw: unknown, path: string): CrawlScope {
  const crawl = expectRecord(raw, path);
  rejectUnknown(
    crawl,
    ['start_url', 'scope', 'prefix', 'pattern', 'max_depth', 'max_pages', 'link_selector'],
    path,
  );
  const scope =
    crawl.scope === undefined
      ? 'host'
      : expectOneOf(crawl.scope, `${path}.scope`, ['host', 'prefix', 'pattern'] as const);
  const result: CrawlScope = {
    scope,
    max_depth: crawl.max_depth === undefined ? 3 : expectInt(crawl.max_depth, `${path}.max_depth`, 0, 100),
    max_pages:
      crawl.max_pages === undefined ? 1000 : expectInt(crawl.max_pages, `${path}.max_pages`, 1, 1_000_000),
    link_selector:
      crawl.link_selector === undefined
        ? 'a[href]'
        : expectString(crawl.link_selector, `${path}.link_selector`, 500),
  };
  if (crawl.start_url !== undefined) result.start_url = parseTemplate(crawl.start_url, `${path}.start_url`);
  if (crawl.prefix !== undefined) result.prefix = parseTemplate(crawl.prefix, `${path}.prefix`);
  if (crawl.pattern !== undefined) {
    result.pattern = expectString(crawl.pattern, `${path}.pattern`, 500);
    checkRegex(result.pattern, '', `${path}.pattern`, `${path}.pattern`);
  }
  if (scope === 'pattern' && !result.pattern)
    throw new SchemaError(`${path}.pattern`, 'scope "pattern" needs a pattern');
  return result;
}

function parseHeaders(raw: unknown, path: string): Record<string, string> {
  const headers = expectRecord(raw, path);
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[A-Za-z0-9-]{1,100}$/.test(name))
      throw new SchemaError(`${path}.${name}`, 'not a valid header name');
    const text = expectString(value, `${path}.${name}`, 4000);
    if (/[\r\n]/.test(text))
      throw new SchemaError(`${path}.${name}`, 'header values cannot contain line breaks');
    result[name] = text;
  }
  return result;
}
