import { compileUserRegex, UserRegexError, type DefinitionCheckers } from '@crawlflow/contracts';
import Ajv, { type CodeOptions } from 'ajv';
import addFormats from 'ajv-formats';
import { load } from 'cheerio';

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

/** Whether ajv compiles a JSON Schema (draft-07 style, unknown formats tolerated). Returns the problem. */
export function checkJsonSchema(schema: Record<string, unknown>): string | undefined {
  try {
    createAjv().compile(schema);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * `pattern` and `patternProperties` are user regexes: ajv compiles them with RE2, so a schema cannot
 * pin the parse-worker, and one RE2 refuses (stored before the definition parser checked) fails the
 * schema's compilation, never falling back to RegExp. The `u` ajv asks for is RE2's own behaviour.
 */
const re2Engine: NonNullable<CodeOptions['regExp']> = Object.assign(
  (pattern: string) => {
    try {
      return compileUserRegex(pattern);
    } catch (error) {
      if (error instanceof UserRegexError)
        throw new Error(`pattern "${pattern}": invalid regular expression: ${error.message}`);
      throw error;
    }
  },
  // What standalone code would call; this engine is only used in process, from compiled closures.
  { code: 'compileUserRegex' },
);

/**
 * The ajv setup every schema here uses: all errors reported, types not coerced, the formats of
 * ajv-formats checked (`email`, `uri`, `date-time`, `date`, `uuid`, `ipv4`, …; their own expressions,
 * not user regexes), unknown keywords and formats tolerated (a workflow author's own `"format"` is
 * not checked rather than breaking the step), no console output, and RE2 patterns.
 */
export function createAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    validateFormats: true,
    logger: false,
    code: { regExp: re2Engine },
  });
  addFormats(ajv);
  return ajv;
}

/** The checkers `parseWorkflowDefinition` takes, so bad selectors and schemas fail at creation. */
export const crawlCheckers: DefinitionCheckers = { selector: checkSelector, jsonSchema: checkJsonSchema };
