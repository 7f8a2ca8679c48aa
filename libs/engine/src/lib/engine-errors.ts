/**
 * Errors the engine raises for callers to map: the API to 400/404/409/422, the trigger consumer to
 * a dead letter with the message as its reason.
 */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly kind: 'invalid' | 'not_found' | 'conflict' | 'unprocessable',
    /** JSON path or field the problem is about, when there is one. */
    readonly path?: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export const invalid = (message: string, path?: string): EngineError =>
  new EngineError(message, 'invalid', path);
export const notFound = (message: string): EngineError => new EngineError(message, 'not_found');
export const conflict = (message: string): EngineError => new EngineError(message, 'conflict');
export const unprocessable = (message: string): EngineError => new EngineError(message, 'unprocessable');
