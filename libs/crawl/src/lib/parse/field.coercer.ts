import type { FieldSpec, FieldType, Json, PageFact } from '@crawlflow/contracts';
import { parseNumber } from './number.parser';

export type ParsedRecord = Record<string, Json>;

/** What the page a record comes from says of itself, for `"$page.<fact>"` fields. */
export type PageFacts = Partial<Record<PageFact, Json>>;

/** The raw values of a page-fact field (none when the fact is unknown: the default applies). */
export function pageFactRaws(spec: FieldSpec, facts: PageFacts | undefined): Json[] {
  const value = spec.page === undefined ? undefined : facts?.[spec.page];
  return value === undefined || value === null ? [] : [value];
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'on', 'checked', 'selected']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'off', '']);

/** Collapses runs of whitespace (newlines, tabs, no-break spaces) to one space and trims. */
export function cleanText(text: string): string {
  return text.replace(/[\s\u00a0]+/g, ' ').trim();
}

/** Resolves `value` against `base` into an absolute http(s) URL without fragment, or undefined. */
export function absoluteUrl(value: string, base: string | URL | undefined): string | undefined {
  const trimmed = value.trim();
  if (!trimmed) return undefined;
  try {
    const url = new URL(trimmed, base);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    url.hash = '';
    return url.href;
  } catch {
    return undefined;
  }
}

/**
 * One raw value (text, attribute, or a JSON value) as the field's type; undefined when it does not
 * convert (the caller then uses the field's default, else null).
 */
export function coerce(
  raw: Json | undefined,
  type: FieldType,
  base: string | URL | undefined,
): Json | undefined {
  if (raw === undefined || raw === null) return undefined;
  switch (type) {
    case 'string':
      return typeof raw === 'string'
        ? cleanText(raw)
        : typeof raw === 'object'
          ? JSON.stringify(raw)
          : String(raw);
    case 'html':
      return typeof raw === 'string' ? raw.trim() : JSON.stringify(raw);
    case 'number':
      return typeof raw === 'number' ? raw : typeof raw === 'string' ? parseNumber(raw) : undefined;
    case 'int': {
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? parseNumber(raw) : undefined;
      return value === undefined ? undefined : Math.trunc(value);
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'number') return raw !== 0;
      if (typeof raw === 'string') {
        const word = cleanText(raw).toLowerCase();
        if (TRUE_WORDS.has(word)) return true;
        if (FALSE_WORDS.has(word)) return false;
        return true; // present and non-empty: an element that exists says "yes"
      }
      return undefined;
    case 'url':
      return typeof raw === 'string' ? absoluteUrl(raw, base) : undefined;
  }
}

/** Applies the type to every raw value of a field, and the default (else null / []) when nothing converts. */
export function fieldValue(raws: Json[], spec: FieldSpec, base: string | URL | undefined): Json {
  const values = raws.map((raw) => coerce(raw, spec.type, base)).filter((v): v is Json => v !== undefined);
  if (spec.list) return values.length > 0 ? values : (spec.default ?? []);
  if (values.length > 0) return values[0];
  if (spec.default !== undefined) return spec.default;
  return spec.type === 'boolean' && raws.length === 0 ? false : null;
}
