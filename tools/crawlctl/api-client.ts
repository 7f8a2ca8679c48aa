/** A small JSON client for the orchestrator's REST API, with one error type for every failure. */

export type Json = Record<string, unknown>;

export interface Page<T = Json> {
  data: T[];
  next_cursor: string | null;
}

/** An answer other than 2xx, or no answer at all (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly path?: string,
    readonly body?: unknown,
  ) {
    super(message);
  }

  /** `crawlctl: <status> <message> (<path>)`: the one stderr line the CLI prints. */
  line(): string {
    const status = this.status === 0 ? 'no answer:' : String(this.status);
    return `${status} ${this.message}${this.path ? ` (${this.path})` : ''}`;
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  token?: string;
  /** Per request; the API answers fast, a hang means something is wrong. */
  timeoutMs?: number;
}

type Query = Record<string, string | number | undefined>;

export class ApiClient {
  private readonly baseUrl: string;

  constructor(private readonly options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  get<T = Json>(path: string, query: Query = {}): Promise<T> {
    return this.request<T>('GET', path, undefined, query);
  }

  post<T = Json>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T = Json>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  patch<T = Json>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  /** Every page of a list route, following next_cursor (bounded, so a bad cursor cannot loop). */
  async all<T = Json>(path: string, query: Query = {}, maxPages = 200): Promise<T[]> {
    const rows: T[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page += 1) {
      const answer = await this.get<Page<T>>(path, { limit: 500, ...query, cursor });
      rows.push(...answer.data);
      if (!answer.next_cursor) return rows;
      cursor = answer.next_cursor;
    }
    return rows;
  }

  private async request<T>(method: string, path: string, body?: unknown, query: Query = {}): Promise<T> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      const reason = cause ?? (error as Error).message;
      throw new ApiError(0, `${method} ${url.origin}${path}: ${reason} (is the orchestrator running?)`);
    }
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed ?? {}) as { message?: unknown; path?: unknown };
      const message =
        typeof error.message === 'string' ? error.message : text.slice(0, 200) || response.statusText;
      // The API names the offending field when there is one; otherwise say which request failed.
      const where = typeof error.path === 'string' ? error.path : `${method} ${path}`;
      throw new ApiError(response.status, message, where, parsed);
    }
    if (parsed === undefined && text)
      throw new ApiError(response.status, `${method} ${path}: answer is not JSON`);
    return parsed as T;
  }
}
