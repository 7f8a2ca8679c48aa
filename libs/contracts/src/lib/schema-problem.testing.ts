import { SchemaError } from './validation';

/** For specs: the message of the SchemaError `parse` throws; anything else fails the spec. */
export function schemaProblem(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    if (error instanceof SchemaError) return error.message;
    throw error;
  }
  throw new Error('parsed without complaint');
}
