import type { Json } from '../validation';

export const STEP_TYPES = ['FETCH', 'PARSE', 'TRANSFORM', 'VALIDATE', 'STORE'] as const;
export type StepType = (typeof STEP_TYPES)[number];
export const ERROR_HANDLING = ['RETRY', 'SKIP', 'FAIL'] as const;
export type ErrorHandling = (typeof ERROR_HANDLING)[number];

export interface Backoff {
  base_ms: number;
  max_ms: number;
}

export interface CrawlScope {
  /** Where the crawl starts; defaults to the step's URL (url_pattern filled). */
  start_url?: string;
  /** `host`: same host as the start; `prefix`: URLs starting with `prefix` (default: the start URL); `pattern`: matching a regular expression. */
  scope: 'host' | 'prefix' | 'pattern';
  prefix?: string;
  pattern?: string;
  max_depth: number;
  max_pages: number;
  /** Which links to follow (default `a[href]`). */
  link_selector: string;
}

export interface FetchConfig {
  url_pattern?: string;
  /** Fan-out: the field of each input record that holds the URL to fetch. */
  url_field?: string;
  pagination: boolean;
  max_pages: number;
  start_page: number;
  crawl?: CrawlScope;
  headers: Record<string, string>;
  respect_robots: boolean;
  host_concurrency?: number;
  host_delay_ms?: number;
  timeout_ms?: number;
  max_bytes?: number;
}

export const FIELD_TYPES = ['string', 'number', 'int', 'boolean', 'url', 'html'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/**
 * Where a record came from, selectable as a field with `"$page.<fact>"`: the page's URL, when it was
 * fetched (ISO 8601), its HTTP status, and the number of the list page (pagination) it is.
 */
export const PAGE_FACTS = ['url', 'fetched_at', 'status', 'number'] as const;
export type PageFact = (typeof PAGE_FACTS)[number];
/** The prefix of a page-fact field: `"$page.url"`. */
export const PAGE_FACT_PREFIX = '$page.';

export interface FieldSpec {
  /** CSS selector inside the item (html), or a path inside it (json); omitted: the item itself. */
  selector?: string;
  /** A fact of the page instead of its content (`"$page.url"`): no selector, attr or list then. */
  page?: PageFact;
  attr?: string;
  type: FieldType;
  list: boolean;
  default?: Json;
}

export interface ParseConfig {
  parser: 'html' | 'json';
  /** The selector (html) or path (json) of each record; omitted: the whole document is one record. */
  items?: string;
  fields: Record<string, FieldSpec>;
}

export type TransformOperation =
  | { op: 'rename'; from: string; to: string }
  | { op: 'trim'; field: string }
  | { op: 'regex_replace'; field: string; pattern: string; replacement: string; flags: string }
  | { op: 'to_number'; field: string }
  | { op: 'template'; field: string; template: string }
  | { op: 'default'; field: string; value: Json }
  | { op: 'drop'; field: string };

export interface TransformConfig {
  operations: TransformOperation[];
}

export interface ValidateConfig {
  schema: Record<string, unknown>;
}

export interface StoreConfig {
  key: string;
}

/** The fields every step has, whatever its type (not exported from the package). */
export interface StepBase {
  name: string;
  error_handling: ErrorHandling;
  max_retries: number;
  backoff: Backoff;
  input_mapping?: Record<string, string>;
  output_mapping?: Record<string, string>;
  target_type_id?: number;
}

export type StepDefinition =
  | (StepBase & { type: 'FETCH'; config: FetchConfig })
  | (StepBase & { type: 'PARSE'; config: ParseConfig })
  | (StepBase & { type: 'TRANSFORM'; config: TransformConfig })
  | (StepBase & { type: 'VALIDATE'; config: ValidateConfig })
  | (StepBase & { type: 'STORE'; config: StoreConfig });

export interface WorkflowDefinition {
  steps: StepDefinition[];
}

/** Checks a library outside contracts can do (CSS selector syntax, JSON Schema compilation). */
export interface DefinitionCheckers {
  /** Returns a problem, or undefined when the selector parses. */
  selector?: (selector: string) => string | undefined;
  jsonSchema?: (schema: Record<string, unknown>) => string | undefined;
}
