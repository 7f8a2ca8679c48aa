import type { ErrorClass, TaskError } from './task-messages';
import { SchemaError } from './validation';

/**
 * The transport's two error classes. A step handler throws one of these (or anything else, which
 * counts as transient: an unknown failure deserves a bounded retry, not a silent loss).
 */
export class TaskFailure extends Error {
  constructor(
    message: string,
    readonly errorClass: ErrorClass,
    readonly code?: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'TaskFailure';
  }
}

export function transient(message: string, code?: string, retryAfterMs?: number): TaskFailure {
  return new TaskFailure(message, 'transient', code, retryAfterMs);
}

export function permanent(message: string, code?: string): TaskFailure {
  return new TaskFailure(message, 'permanent', code);
}

export function toTaskError(error: unknown): TaskError {
  if (error instanceof TaskFailure) {
    return {
      class: error.errorClass,
      message: error.message,
      ...(error.code !== undefined ? { code: error.code } : {}),
      ...(error.retryAfterMs !== undefined ? { retry_after_ms: error.retryAfterMs } : {}),
    };
  }
  // A payload that breaks its stage's schema will break it again: not worth a retry.
  if (error instanceof SchemaError)
    return { class: 'permanent', code: 'BAD_PAYLOAD', message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { class: 'transient', message: message || 'unknown error' };
}
