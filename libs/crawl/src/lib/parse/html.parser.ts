import type { FieldSpec, Json, ParseConfig } from '@crawlflow/contracts';
import { permanent, TaskFailure } from '@crawlflow/contracts';
import { load, type Cheerio, type CheerioAPI } from 'cheerio';
import { absoluteUrl, fieldValue, type PageFacts, pageFactRaws, type ParsedRecord } from './field.coercer';

/** domhandler's node type, taken from cheerio's signature (domhandler is not a direct dependency). */
type AnyNode = Exclude<Parameters<typeof load>[0], string | Buffer | unknown[]>;

/**
 * Reads records out of an HTML page: one per match of `config.items` (the whole document when it
 * is absent), each field from the first match of its selector inside the record (all matches when
 * `list`), as trimmed text with whitespace collapsed, or an attribute (`attr`), inner HTML
 * (`type: html`), a number, an integer, a boolean, or an absolute URL (`type: url`, from `href` or
 * `src` unless `attr` says otherwise, resolved against `<base href>` and the page URL).
 *
 * A `"$page.<fact>"` field takes the fact from `facts` (the page's URL, fetch time, status, list
 * page number) instead of the document.
 *
 * Anything that goes wrong — a selector cheerio cannot run, a bad base URL — is a permanent failure:
 * the same page and config would fail the same way on a retry.
 */
export function parseHtml(
  html: string,
  baseUrl: string,
  config: ParseConfig,
  facts?: PageFacts,
): ParsedRecord[] {
  try {
    const $ = load(wellFormed(html));
    const base = documentBase($, baseUrl);
    const roots =
      config.items === undefined
        ? [$.root()]
        : $(config.items)
            .toArray()
            .map((el) => $(el));
    return roots.map((root) => {
      const record: ParsedRecord = {};
      for (const [name, spec] of Object.entries(config.fields)) {
        record[name] =
          spec.page === undefined
            ? readField($, root, spec, base, name)
            : fieldValue(pageFactRaws(spec, facts), spec, base);
      }
      return record;
    });
  } catch (error) {
    throw asParseFailure(error, 'HTML');
  }
}

/** Absolute http(s) links on the page (fragments dropped, duplicates removed, document order kept). */
export function extractLinks(html: string, baseUrl: string, selector = 'a[href]'): string[] {
  try {
    const $ = load(wellFormed(html));
    const base = documentBase($, baseUrl);
    const links = new Set<string>();
    $(selector).each((_, el) => {
      const node = $(el);
      const href = node.attr('href') ?? node.attr('src');
      const url = href === undefined ? undefined : absoluteUrl(href, base);
      if (url) links.add(url);
    });
    return [...links];
  } catch (error) {
    throw asParseFailure(error, 'HTML');
  }
}

function readField(
  $: CheerioAPI,
  root: Cheerio<AnyNode>,
  spec: FieldSpec,
  base: URL | undefined,
  name: string,
): Json {
  let matches: Cheerio<AnyNode>;
  try {
    matches = spec.selector === undefined ? root : root.find(spec.selector);
  } catch (error) {
    throw permanent(
      `field "${name}": cannot run selector "${spec.selector}": ${messageOf(error)}`,
      'BAD_SELECTOR',
    );
  }
  const elements = spec.list ? matches.toArray() : matches.toArray().slice(0, 1);
  const raws = elements.map((el): Json => {
    const node = $(el);
    if (spec.attr !== undefined) return node.attr(spec.attr) ?? null;
    if (spec.type === 'html') return node.html() ?? '';
    if (spec.type === 'url') return node.attr('href') ?? node.attr('src') ?? node.text();
    // The document root has no text of its own in cheerio's model: read its children.
    return node.text();
  });
  return fieldValue(raws, spec, base);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Replaces lone UTF-16 surrogates with U+FFFD. parse5 pairs two lone surrogates into an invalid
 * code point and throws a RangeError on it (found by the fuzz spec); decoded HTTP bodies never hold
 * them, but strings handed in from elsewhere can.
 */
function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** The URL relative links resolve against: `<base href>` (itself relative to the page), else the page. */
function documentBase($: CheerioAPI, pageUrl: string): URL | undefined {
  let page: URL | undefined;
  try {
    page = new URL(pageUrl);
  } catch {
    page = undefined;
  }
  const href = $('base[href]').first().attr('href');
  if (href !== undefined) {
    try {
      return new URL(href.trim(), page);
    } catch {
      return page;
    }
  }
  return page;
}

export function asParseFailure(error: unknown, what: string): TaskFailure {
  if (error instanceof TaskFailure) return error;
  return permanent(`cannot parse the ${what} document: ${messageOf(error)}`, 'PARSE_ERROR');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
