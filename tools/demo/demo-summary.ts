import type { ApiClient, Json } from '../crawlctl/api-client';
import { jobDurationMs } from '../crawlctl/job-summary';
import { formatDuration, JobView } from '../crawlctl/job-view';

export interface FetchFigures {
  /** FETCH tasks of the first step (list pages) and of the later ones (detail pages). */
  listPages: number;
  detailPages: number;
  listNotModified: number;
  detailNotModified: number;
  /** List pages past the last one (404): how pagination learns where the list ends. */
  endProbes: number;
}

function outputOf(task: Json): Json {
  const output = task.output_data;
  return typeof output === 'object' && output !== null ? (output as Json) : {};
}

/** Counts the job's page fetches, and which of them the site answered 304 Not Modified. */
export async function fetchFigures(client: ApiClient, jobId: string): Promise<FetchFigures> {
  const tasks = await client.all(`/api/jobs/${jobId}/tasks`);
  const fetches = tasks.filter((task) => task.task_type === 'FETCH' && task.status === 'SUCCESS');
  const firstStep = Math.min(...fetches.map((task) => Number(task.step_order ?? 1)));
  const figures: FetchFigures = {
    listPages: 0,
    detailPages: 0,
    listNotModified: 0,
    detailNotModified: 0,
    endProbes: 0,
  };
  for (const task of fetches) {
    const list = Number(task.step_order ?? 1) === firstStep;
    const output = outputOf(task);
    const notModified = output.not_modified === true;
    // A page past the end of the list (404) ends pagination and keeps no output.
    if (list && (output.status === undefined || Number(output.status) >= 400)) {
      figures.endProbes += 1;
    } else if (list) {
      figures.listPages += 1;
      if (notModified) figures.listNotModified += 1;
    } else {
      figures.detailPages += 1;
      if (notModified) figures.detailNotModified += 1;
    }
  }
  return figures;
}

/** The result block the demo prints after the progress display. */
export function demoSummary(job: JobView, fetches: FetchFigures, wallMs: number): string[] {
  const ms = jobDurationMs(job) ?? wallMs;
  const pages = fetches.listPages + fetches.detailPages;
  const notModified = fetches.listNotModified + fetches.detailNotModified;
  const perSecond = ms > 0 ? (pages * 1000) / ms : 0;
  const { inserted, updated, skipped } = job.stored;
  // A detail page answered 304 is an item seen again without a change: nothing was parsed or stored.
  const unchanged = job.stored.unchanged + fetches.detailNotModified;
  const lines = [
    `Result: job ${job.id} ${job.status} in ${formatDuration(ms)}`,
    `  items:        ${inserted} inserted, ${updated} updated, ${unchanged} unchanged${skipped ? `, ${skipped} skipped` : ''}`,
    `  pages:        ${pages} fetched (${fetches.listPages} list, ${fetches.detailPages} detail), ${perSecond.toFixed(1)} pages/s` +
      (fetches.endProbes ? ` (+${fetches.endProbes} past the last list page)` : ''),
    `  not modified: ${notModified} of ${pages} pages answered 304 Not Modified` +
      (notModified ? ` (${fetches.listNotModified} list, ${fetches.detailNotModified} detail)` : ''),
    `  retries:      ${job.retries} (flaky pages answered 503 and were fetched again)`,
    `  failures:     ${job.failed}${job.errorSummary && job.failed ? ` (${job.errorSummary})` : ''}`,
  ];
  if (inserted + updated === 0 && unchanged + notModified > 0) {
    lines.push(
      `  => nothing changed since the last run: ${unchanged} items unchanged, ${notModified} pages answered 304 to If-None-Match.`,
    );
  } else if (inserted + updated > 0) {
    lines.push(
      `  => ${inserted + updated} items written. Run \`npm run demo\` again: the next run finds them unchanged.`,
    );
  }
  return lines;
}
