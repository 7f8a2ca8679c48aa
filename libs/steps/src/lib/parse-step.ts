import {
  parseStagePayload,
  type ParseTaskOutput,
  type RecordProblem,
  type TaskMessage,
} from '@crawlflow/contracts';
import { permanent } from '@crawlflow/contracts';
import {
  applyTransforms,
  createValidator,
  extractLinks,
  type PageFacts,
  parseHtml,
  parseJson,
} from '@crawlflow/crawl';
import { type TaskOutput } from '@crawlflow/transport';
import type { DataSource } from 'typeorm';
import { loadPage } from './page-store';

type Json = Parameters<typeof applyTransforms>[0][string];
type Row = Record<string, Json>;

/**
 * PARSE, then the TRANSFORM and VALIDATE steps that follow it, on one page: records flow from each
 * step to the next inside the task. A fan-out page's records start from the record that led to it.
 */
export function parseStep(dataSource: DataSource): (task: TaskMessage) => Promise<TaskOutput> {
  return async (task) => {
    const payload = parseStagePayload('parse', task.payload);
    const page = await loadPage(dataSource, payload.page_id);
    const config = {
      parser: payload.parse.parser,
      fields: payload.parse.fields,
      ...(payload.parse.items ? { items: payload.parse.items } : {}),
    };
    // Provenance for `"$page.<fact>"` fields: the page as stored, and its list page number.
    const facts: PageFacts = {
      url: page.url,
      fetched_at: page.fetchedAt,
      status: page.status,
      number: payload.ctx.page ?? null,
    };
    const parsed =
      payload.parse.parser === 'json'
        ? parseJson(page.text, config, page.url, facts)
        : parseHtml(page.text, page.url, config, facts);
    let records: Row[] = parsed.map((record) => ({ ...((payload.parent ?? {}) as Row), ...record }));
    const rejected: RecordProblem[] = [];
    for (const step of payload.post) {
      if (step.type === 'TRANSFORM') {
        records = records.map((record) => applyTransforms(record, step.operations));
        continue;
      }
      const validate = createValidator(step.schema);
      const kept: Row[] = [];
      for (const record of records) {
        const outcome = validate(record);
        if (outcome.valid) kept.push(record);
        else if (step.error_handling === 'SKIP')
          rejected.push({ step: step.name, reason: outcome.reason, record });
        else throw permanent(`${step.name}: record rejected: ${outcome.reason}`, 'VALIDATION');
      }
      records = kept;
    }
    const output: ParseTaskOutput = {
      page_id: payload.page_id,
      records,
      ...(rejected.length > 0 ? { rejected } : {}),
      ...(payload.links && payload.parse.parser === 'html'
        ? { links: extractLinks(page.text, page.url, payload.links.selector) }
        : {}),
    };
    return { output };
  };
}
