import { load } from 'cheerio';
import Ajv from 'ajv';
import type { DefinitionCheckers } from '@crawlflow/contracts';

const probe = load('<html><body></body></html>');

/**
 * Whether cheerio can run a CSS selector: it is compiled (css-what parses, css-select builds the
 * matcher, so unknown pseudo-classes are caught too) against an empty document. Returns the problem.
 */
export function checkSelector(selector: string): string | undefined {
  if (selector.trim() === '') return 'the selector is empty';
  try {
    probe.root().find(selector);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Whether ajv compiles a JSON Schema (draft-07 style, unknown formats ignored). Returns the problem. */
export function checkJsonSchema(schema: Record<string, unknown>): string | undefined {
  try {
    createAjv().compile(schema);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * The ajv setup every schema here uses: all errors reported, types not coerced, unknown keywords
 * and formats tolerated (a workflow author's `"format": "email"` must not break the step; with no
 * ajv-formats installed the format is simply not checked), and no console output.
 */
export function createAjv(): Ajv {
  return new Ajv({ allErrors: true, strict: false, validateFormats: false, logger: false });
}

/** The checkers `parseWorkflowDefinition` takes, so bad selectors and schemas fail at creation. */
export const crawlCheckers: DefinitionCheckers = { selector: checkSelector, jsonSchema: checkJsonSchema };
