import { placeholderNames } from '../placeholders';
import { compileUserRegex, UserRegexError } from '../user-regex';
import { describe, expectString, SchemaError } from '../validation';

// Checks the step parsers share; each error names the JSON path it was given.

export const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

export function rejectUnknown(
  value: Record<string, unknown>,
  allowed: readonly string[],
  path: string,
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key))
      throw new SchemaError(`${path}.${key}`, `unknown property (allowed: ${allowed.join(', ')})`);
  }
}

export function expectField(value: unknown, path: string): string {
  const name = expectString(value, path, 100);
  if (!FIELD_NAME.test(name)) throw new SchemaError(path, `"${name}" is not a valid field name`);
  return name;
}

export function expectBool(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean')
    throw new SchemaError(path, `expected true or false, got ${describe(value)}`);
  return value;
}

export function parseTemplate(
  value: unknown,
  path: string,
  allowed?: (name: string) => string | undefined,
): string {
  const template = expectString(value, path, 2000);
  for (const name of placeholderNames(template, path)) {
    const problem = allowed?.(name);
    if (problem) throw new SchemaError(path, problem);
  }
  return template;
}

/** User patterns run on RE2 (see user-regex): what it cannot compile is refused here, at creation. */
export function checkRegex(pattern: string, flags: string, patternPath: string, flagsPath: string): void {
  try {
    compileUserRegex(pattern, flags);
  } catch (error) {
    if (!(error instanceof UserRegexError)) throw error;
    if (error.part === 'flags') throw new SchemaError(flagsPath, error.message);
    throw new SchemaError(patternPath, `invalid regular expression: ${error.message}`);
  }
}
