import type { FieldSpec, TransformOperation } from './workflow';

/**
 * What the engine puts in a task's payload and what each stage's worker reports back. Workers echo
 * `ctx` in their result, so the orchestrator can judge a result without reading the ledger payload.
 */
export interface TaskContext {
  /** Index of the step in the job's definition. */
  step: number;
  /** Pagination: the page number of a list FETCH. */
  page?: number;
  /** Site crawl: link depth from the start URL. */
  depth?: number;
  /**
   * The fetch behind this task's records (PARSE and STORE tasks): when (database time) the page was
   * fetched, and the validators to keep for its URL once everything that follows it succeeded.
   */
  source?: PageSource;
  /**
   * A STORE coalesced from the records of several pages (one applied batch of PARSE results): each
   * page's source and how many of the task's records, in order, came from it.
   */
  pages?: StorePage[];
}

/** One page's share of a coalesced STORE task's records. */
export interface StorePage {
  source?: PageSource;
  records: number;
}

/** A fetched page as the tasks after its FETCH know it. */
export interface PageSource {
  /** The URL the FETCH asked for: the key of its validators. */
  url: string;
  /** crawl_pages.created_at, 'YYYY-MM-DD HH:MM:SS.mmm' UTC: orders STORE writes. */
  fetched_at?: string;
  etag?: string;
  last_modified?: string;
}

/** Fetch settings a workflow may set per step, overriding the worker's defaults. */
export interface FetchOptions {
  headers?: Record<string, string>;
  respect_robots?: boolean;
  host_concurrency?: number;
  host_delay_ms?: number;
  timeout_ms?: number;
  max_bytes?: number;
}

export interface FetchTaskPayload {
  ctx: TaskContext;
  workflow_id: string;
  /** The job's workflow version: kept list records of another version are not reused. */
  workflow_version?: number;
  url: string;
  /** INCREMENTAL jobs send If-None-Match / If-Modified-Since from the URL's last fetch. */
  conditional: boolean;
  /**
   * The page's records feed further fetches (a list page): a 304 is only useful when its records
   * from the last run are kept, so it asks conditionally only then.
   */
  fans_out?: boolean;
  /** Fan-out: the record this URL came from, merged under the detail page's fields. */
  parent?: Record<string, unknown>;
  options: FetchOptions;
}

export interface FetchTaskOutput {
  url: string;
  status: number;
  /** Where the body waits for its PARSE task (crawl_pages.id); absent when not modified. */
  page_id?: string;
  not_modified: boolean;
  bytes: number;
  /** Fan-out: the payload's parent record, handed on to the PARSE of this page. */
  parent?: Record<string, unknown>;
  /** The requested URL, when the page was fetched (database time) and its validators. */
  source?: PageSource;
}

export interface ParseFieldsConfig {
  parser: 'html' | 'json';
  items?: string;
  fields: Record<string, FieldSpec>;
}

/** TRANSFORM and VALIDATE steps run inside the PARSE task that feeds them (same worker). */
export type PostStep =
  | { step: number; name: string; type: 'TRANSFORM'; operations: TransformOperation[] }
  | {
      step: number;
      name: string;
      type: 'VALIDATE';
      schema: Record<string, unknown>;
      error_handling: 'RETRY' | 'SKIP' | 'FAIL';
    };

export interface ParseTaskPayload {
  ctx: TaskContext;
  page_id: string;
  url: string;
  parent?: Record<string, unknown>;
  parse: ParseFieldsConfig;
  post: PostStep[];
  /** Site crawl: extract links (absolute, in scope) for the engine's frontier. */
  links?: { selector: string };
}

export interface RecordProblem {
  step: string;
  reason: string;
  record?: Record<string, unknown>;
}

export interface ParseTaskOutput {
  /** The page it read (the engine deletes it once parsed). */
  page_id: string;
  records: Array<Record<string, unknown>>;
  links?: string[];
  /** Records a VALIDATE step with SKIP dropped, with the reason. */
  rejected?: RecordProblem[];
}

export interface StoreTaskPayload {
  /**
   * ctx.source: the page the records came from (its fetch time orders the writes); ctx.pages instead
   * when they came from several pages.
   */
  ctx: TaskContext;
  workflow_id: string;
  key: string;
  records: Array<Record<string, unknown>>;
}

export interface StoreTaskOutput {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Records not written: no key, superseded in the batch, or older than what is stored. */
  skipped: number;
  skipped_reasons?: string[];
  /** The key of the last record written (the execution context's last_item_id). */
  last_key?: string;
}
