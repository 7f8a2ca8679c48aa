import { createHash, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ApiError } from './api-error';

/** The token every `/api` request must present; undefined leaves the API open. */
export const API_TOKEN = Symbol('API_TOKEN');

interface TokenRequest {
  path?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * `Authorization: Bearer <token>`, compared in constant time: both sides are hashed first, so
 * neither the token's content nor its length leaks through timing.
 */
export function bearerMatches(header: string | string[] | undefined, expected: Buffer): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer\s+(.+)$/i.exec(value?.trim() ?? '');
  const presented = digest(match ? match[1].trim() : '');
  return timingSafeEqual(presented, expected) && match !== null;
}

/** Whether a request path is under `/api` (health and metrics stay open). */
export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}

/** Global guard: applies to every controller route under `/api`, including ones added later. */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(@Inject(API_TOKEN) token: string | undefined) {
    this.expected = token ? digest(token) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected || context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<TokenRequest>();
    const path = request.path ?? (request.url ?? '/').split('?')[0];
    if (!isApiPath(path)) return true;
    if (bearerMatches(request.headers.authorization, this.expected)) return true;
    throw new ApiError(401, 'missing or wrong bearer token (Authorization: Bearer <API_TOKEN>)');
  }

  /** For routes served outside Nest's router (the OpenAPI documents). */
  allows(authorization: string | string[] | undefined): boolean {
    return !this.expected || bearerMatches(authorization, this.expected);
  }
}
