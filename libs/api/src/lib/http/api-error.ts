import { HttpException, HttpStatus } from '@nestjs/common';

/** The one error body every API route answers with. `path` names the field, when there is one. */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string;
  path?: string;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? HttpStatus[status]?.replace(/_/g, ' ') ?? 'Error';
}

/** Thrown by handlers for refusals that are not engine or schema errors. */
export class ApiError extends HttpException {
  constructor(status: number, message: string, path?: string) {
    const body: ApiErrorBody = { statusCode: status, error: reasonPhrase(status), message };
    if (path) body.path = path;
    super(body, status);
  }
}
