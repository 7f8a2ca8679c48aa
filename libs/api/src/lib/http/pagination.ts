import { SchemaError } from '@crawlflow/contracts';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface PageQuery {
  limit: number;
  /** The decoded cursor: the last id of the previous page (or resource-specific position). */
  after?: Record<string, string | number>;
}

/** `?limit=` (1..500, default 50) and the opaque `?cursor=` of the previous page. */
export function parsePageQuery(query: Record<string, unknown>): PageQuery {
  const result: PageQuery = { limit: DEFAULT_LIMIT };
  if (query.limit !== undefined && query.limit !== '') {
    const text = queryText(query.limit);
    const limit = Number(text);
    if (!/^\d+$/.test(text) || limit < 1 || limit > MAX_LIMIT) {
      throw new SchemaError(
        'query.limit',
        `expected a whole number 1..${MAX_LIMIT}, got ${JSON.stringify(text)}`,
      );
    }
    result.limit = limit;
  }
  if (query.cursor !== undefined && query.cursor !== '') result.after = decodeCursor(queryText(query.cursor));
  return result;
}

export function encodeCursor(position: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): Record<string, string | number> {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.every(([, v]) => typeof v === 'string' || typeof v === 'number')) {
        return Object.fromEntries(entries) as Record<string, string | number>;
      }
    }
  } catch {
    // falls through to the error below
  }
  throw new SchemaError('query.cursor', 'not a cursor this API returned');
}

/** The id to continue after, checked to be an id. */
export function afterId(page: PageQuery): string | undefined {
  const id = page.after?.id;
  if (id === undefined) return undefined;
  if (!/^\d{1,20}$/.test(String(id))) throw new SchemaError('query.cursor', 'not a cursor this API returned');
  return String(id);
}

/** Rows fetched with `limit + 1`: the extra row says whether another page exists. */
export function pageOf<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const more = rows.length > limit;
  const data = more ? rows.slice(0, limit) : rows;
  return { data, next_cursor: more ? encodeCursor({ id: data[data.length - 1].id }) : null };
}

/** A query parameter as text: a repeated one (`?limit=1&limit=2`) as its JSON, which no rule accepts. */
export function queryText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
