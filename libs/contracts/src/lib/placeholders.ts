import { scalarText, SchemaError } from './validation';

const PLACEHOLDER = /\{([^{}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Names used in a `{placeholder}` template, checked for syntax (unbalanced or empty braces). */
export function placeholderNames(template: string, path: string): string[] {
  const names: string[] = [];
  let depth = 0;
  for (const char of template) {
    if (char === '{') depth += 1;
    if (char === '}') depth -= 1;
    if (depth < 0 || depth > 1) throw new SchemaError(path, 'unbalanced { } in template');
  }
  if (depth !== 0) throw new SchemaError(path, 'unclosed { in template');
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1].trim();
    if (!NAME.test(name)) throw new SchemaError(path, `"{${match[1]}}" is not a valid placeholder name`);
    names.push(name);
  }
  return names;
}

/**
 * Fills `{name}` (or `{a.b}`) from the first scope that has it. A missing value is an error naming
 * the placeholder: a URL with a literal `{base_url}` in it would only fail later, less clearly.
 */
export function fillTemplate(template: string, scopes: ReadonlyArray<Record<string, unknown>>): string {
  return template.replace(PLACEHOLDER, (_whole, raw: string) => {
    const name = raw.trim();
    for (const scope of scopes) {
      // An object (a Date column too) or a null is no value for a template: the next scope may have one.
      const value = scalarText(lookup(scope, name));
      if (value !== undefined) return value;
    }
    throw new SchemaError(`{${name}}`, 'no value for this placeholder in params, target or source');
  });
}

function lookup(scope: Record<string, unknown>, name: string): unknown {
  let value: unknown = scope;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
