// Every data call of the console goes through the control plane's /api routes, with the operator's
// token (kept for the browser session) as a bearer token.

const TOKEN_KEY = 'crawlflow.console.token';

/** The API's error body: {statusCode, error, message, path?}. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

/** Called whenever the API answers 401: the app asks for the token again. */
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** A token to try instead of the stored one (the sign-in form). */
  token?: string;
}

export async function api<T>(path: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = options.token ?? storedToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`/api${path}`, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  const body = parseBody(text);
  if (!response.ok) {
    const error = errorOf(response, body);
    if (response.status === 401 && options.token === undefined) {
      for (const listener of unauthorizedListeners) listener();
    }
    throw error;
  }
  return body as T;
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function errorOf(response: Response, body: unknown): ApiError {
  if (body && typeof body === 'object' && 'message' in body) {
    const { message, path } = body as { message: unknown; path?: unknown };
    const text = Array.isArray(message) ? message.join('; ') : String(message);
    return new ApiError(response.status, text, typeof path === 'string' ? path : undefined);
  }
  return new ApiError(response.status, `${response.status} ${response.statusText}`);
}

/** A query string of the defined values, with its leading `?` (or nothing). */
export function query(values: Record<string, string | number | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
