import { SchemaError } from '@crawlflow/contracts';
import { EngineError } from '@crawlflow/engine';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ApiErrorBody, reasonPhrase } from './api-error';

interface JsonResponse {
  status(code: number): JsonResponse;
  json(body: unknown): unknown;
  headersSent?: boolean;
}

const ENGINE_STATUS: Record<EngineError['kind'], number> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
};

/**
 * What express's body parser raises (http-errors with a `type`, e.g. `entity.too.large` with `limit`
 * and `length` in bytes). Nest hands every one but the JSON SyntaxError on unchanged.
 */
interface BodyParserError {
  type: string;
  status?: unknown;
  /** http-errors sets it on 4xx errors, whose messages are meant for the client. */
  expose?: unknown;
  message?: unknown;
  limit?: unknown;
  length?: unknown;
}

function bodyParserError(error: unknown): BodyParserError | undefined {
  const type = (error as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? (error as BodyParserError) : undefined;
}

function tooLarge(error: BodyParserError): ApiErrorBody {
  // A chunked body has no length: the parser stops reading at the limit.
  const sent = typeof error.length === 'number' ? ` (${error.length} bytes sent)` : '';
  return {
    statusCode: 413,
    error: reasonPhrase(413),
    // The setting's name is the operator's next step; libs/config reads it.
    message: `body: larger than the limit of ${String(error.limit)} bytes${sent}; the API_BODY_LIMIT_BYTES setting raises it`,
    path: 'body',
  };
}

/** Engine paths name a field of the request body (`priority`, `workflow_definition.steps[0]`). */
function requestPath(path: string | undefined): string | undefined {
  if (!path) return undefined;
  return /^(body|query|params|headers)\b/.test(path) ? path : `body.${path}`;
}

/**
 * Maps every error a route can raise to one body shape: schema errors (request validation) and
 * engine `invalid` to 400 naming the field, `not_found` 404, `conflict` 409, `unprocessable` 422,
 * an oversized body 413 and the body parser's other refusals with their 4xx, unique-key violations
 * 409, anything unexpected 500 without internals.
 */
export function toErrorBody(error: unknown): ApiErrorBody {
  if (error instanceof SchemaError) {
    return { statusCode: 400, error: reasonPhrase(400), message: error.message, path: error.path };
  }
  if (error instanceof EngineError) {
    const statusCode = ENGINE_STATUS[error.kind];
    const path = requestPath(error.path);
    // Engine messages start with the field they are about; say where it is in the request.
    const message =
      path && error.path && path !== error.path && error.message.startsWith(`${error.path}:`)
        ? `${path}${error.message.slice(error.path.length)}`
        : error.message;
    return { statusCode, error: reasonPhrase(statusCode), message, ...(path ? { path } : {}) };
  }
  if (error instanceof HttpException) {
    const statusCode = error.getStatus();
    const response = error.getResponse();
    if (typeof response === 'object' && response !== null) {
      const body = response as Partial<ApiErrorBody> & { message?: unknown };
      const message = Array.isArray(body.message)
        ? body.message.join('; ')
        : String(body.message ?? error.message);
      return {
        statusCode,
        error: typeof body.error === 'string' ? body.error : reasonPhrase(statusCode),
        message,
        ...(typeof body.path === 'string' ? { path: body.path } : {}),
        // Nest turns express's JSON body-parser SyntaxError into a bare 400: say it is the body.
        ...(statusCode === 400 && body.path === undefined && /\bJSON\b/.test(message)
          ? { path: 'body', message: `body: not JSON (${message})` }
          : {}),
      };
    }
    return { statusCode, error: reasonPhrase(statusCode), message: String(response) };
  }
  const parser = bodyParserError(error);
  if (parser?.type === 'entity.too.large') return tooLarge(parser);
  // An unsupported charset or content encoding (415), a body shorter than its length (400): the
  // client's to fix, and the parser's message says what it is.
  if (parser && parser.expose === true && typeof parser.status === 'number' && parser.status < 500) {
    const statusCode = parser.status;
    return {
      statusCode,
      error: reasonPhrase(statusCode),
      message: `body: ${String(parser.message)}`,
      path: 'body',
    };
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ER_DUP_ENTRY') {
    return {
      statusCode: 409,
      error: reasonPhrase(409),
      message: 'a resource with this unique value already exists',
    };
  }
  if (code === 'ER_NO_REFERENCED_ROW_2' || code === 'ER_ROW_IS_REFERENCED_2') {
    return {
      statusCode: 409,
      error: reasonPhrase(409),
      message: 'the change conflicts with a referenced resource',
    };
  }
  return { statusCode: 500, error: reasonPhrase(500), message: 'internal error' };
}

@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Api');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<JsonResponse>();
    const body = toErrorBody(error);
    if (body.statusCode >= 500) {
      this.logger.error(
        {
          msg: `request failed: ${(error as Error)?.message ?? String(error)}`,
          stack: (error as Error)?.stack,
        },
        'Api',
      );
    }
    if (response.headersSent) return;
    response.status(body.statusCode).json(body);
  }
}
