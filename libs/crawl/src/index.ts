export type { FetcherSettings, FetchRequest, FetchResult, Fetcher } from './lib/fetch/fetch.types';
export { createFetcher } from './lib/fetch/page.fetcher';
export {
  addressProblem,
  SsrfGuard,
  systemResolve,
  type ResolvedAddress,
  type ResolveFn,
} from './lib/fetch/ssrf.guard';
export { HostLimiter, type HostLimits } from './lib/fetch/host.limiter';
export { parseRetryAfter } from './lib/fetch/http-failure.util';
export { parseHtml, extractLinks } from './lib/parse/html.parser';
export { parseJson, evaluateJsonPath } from './lib/parse/json.parser';
export { parseNumber } from './lib/parse/number.parser';
export type { PageFacts, ParsedRecord } from './lib/parse/field.coercer';
export { checkSelector, checkJsonSchema, crawlCheckers } from './lib/parse/definition.checkers';
export { applyTransforms, type TransformRecord } from './lib/transform/record.transformer';
export {
  createValidator,
  type RecordValidator,
  type ValidationOutcome,
} from './lib/validate/record.validator';
export { storeItems, type StoreItemsInput, type StoreItemsResult } from './lib/store/item.store';
export { canonicalJson, contentHash } from './lib/store/canonical-json.util';
