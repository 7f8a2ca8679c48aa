import { JOB_TYPES } from '@crawlflow/contracts';
import { ApiClient, Json } from '../api-client';
import { idArg, paramsOf, UsageError } from '../args';
import { Command, EXIT_JOB_NOT_SUCCESSFUL, EXIT_OK, Output, printJson, printTable, text } from '../command';
import { summaryLines } from '../job-summary';
import { JobView } from '../job-view';
import { watchJob } from '../job-watcher';
import { ProgressRenderer } from '../progress-renderer';
import { resolveWorkflow } from './workflow.command';

/** What `job run` may start (a RETRY job comes from `job retry`). */
const RUN_TYPES: readonly string[] = JOB_TYPES.filter((type) => type !== 'RETRY');

/** Follows a job to its end: progress (bar or lines), then the summary; JSON mode prints the last answer. */
async function follow(
  client: ApiClient,
  id: string,
  out: Output,
  json: boolean,
  intervalMs?: number,
): Promise<number> {
  let last: Json | undefined;
  const renderer = json ? undefined : new ProgressRenderer(out);
  const job: JobView = await watchJob(client, id, {
    intervalMs,
    renderer,
    onAnswer: (answer) => (last = answer),
  });
  if (json) printJson(out, last);
  else for (const line of summaryLines(job)) out.write(`${line}\n`);
  return job.status === 'SUCCESS' ? EXIT_OK : EXIT_JOB_NOT_SUCCESSFUL;
}

export const jobRun: Command = {
  words: ['job', 'run'],
  usage:
    'job run <workflow-name-or-id> [--param k=v]... [--priority n] [--type FULL|INCREMENTAL] [--target id] [--watch]',
  summary: 'start a job of a workflow; --watch follows it to the end',
  options: ['param', 'priority', 'type', 'target', 'watch', 'interval'],
  async run({ client, args, stdout }) {
    const workflow = await resolveWorkflow(client, args.positional(0, 'a workflow name or id'));
    args.noMorePositionals(1);
    const type = args.string('type')?.toUpperCase();
    if (type !== undefined && !RUN_TYPES.includes(type)) {
      throw new UsageError(`--type expects FULL or INCREMENTAL, got "${args.string('type')}"`);
    }
    const params = paramsOf(args.list('param'));
    const priority = args.int('priority', 1, 10);
    const target = args.string('target');
    const job = await client.post(`/api/workflows/${text(workflow.id)}/jobs`, {
      ...(Object.keys(params).length ? { params } : {}),
      ...(priority !== undefined ? { priority } : {}),
      ...(type ? { job_type: type } : {}),
      ...(target ? { target_id: idArg(target, '--target') } : {}),
    });
    if (!args.flag('watch')) {
      if (args.json) printJson(stdout, job);
      else
        stdout.write(
          `job ${text(job.id)} ${text(job.status)} (${text(job.job_type)}, priority ${text(job.priority)}) of workflow "${text(workflow.workflow_name)}"\n`,
        );
      return EXIT_OK;
    }
    if (!args.json)
      stdout.write(
        `job ${text(job.id)} started (${text(job.job_type)}) of workflow "${text(workflow.workflow_name)}"\n`,
      );
    return follow(client, String(job.id), stdout, args.json, args.int('interval', 50, 60_000));
  },
};

export const jobWatch: Command = {
  words: ['job', 'watch'],
  usage: 'job watch <id> [--interval ms]',
  summary: 'live progress until the job ends (exit 2 when it ends FAILED or CANCELLED)',
  options: ['interval'],
  async run({ client, args, stdout }) {
    const id = idArg(args.positional(0, 'a job id'), 'job id');
    args.noMorePositionals(1);
    return follow(client, id, stdout, args.json, args.int('interval', 50, 60_000));
  },
};

export const jobCancel: Command = {
  words: ['job', 'cancel'],
  usage: 'job cancel <id>',
  summary: 'cancel a job',
  options: [],
  async run({ client, args, stdout }) {
    const id = idArg(args.positional(0, 'a job id'), 'job id');
    args.noMorePositionals(1);
    const job = await client.post(`/api/jobs/${id}/cancel`);
    if (args.json) printJson(stdout, job);
    else stdout.write(`job ${text(job.id)} ${text(job.status)}\n`);
    return EXIT_OK;
  },
};

export const jobList: Command = {
  words: ['job', 'list'],
  usage: 'job list [--status S] [--workflow name|id] [--limit n]',
  summary: 'list jobs, newest first',
  options: ['status', 'workflow', 'limit'],
  async run({ client, args, stdout }) {
    args.noMorePositionals(0);
    const workflowArg = args.string('workflow');
    const workflow = workflowArg ? await resolveWorkflow(client, workflowArg) : undefined;
    const page = await client.get<{ data: Json[] }>('/api/jobs', {
      limit: args.int('limit', 1, 500) ?? 20,
      status: args.string('status')?.toUpperCase(),
      workflow_id: workflow ? String(workflow.id) : undefined,
    });
    if (args.json) printJson(stdout, page);
    else
      printTable(
        stdout,
        ['ID', 'WORKFLOW', 'TYPE', 'STATUS', 'PROCESSED', 'TOTAL', 'FAILED', 'CREATED'],
        page.data.map((j) => [
          j.id,
          j.workflow_id,
          j.job_type,
          j.status,
          j.processed_items,
          j.total_items,
          j.failed_count,
          j.created_at,
        ]),
      );
    return EXIT_OK;
  },
};

function compact(value: unknown, width: number): string {
  const text = JSON.stringify(value) ?? '';
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

export const jobItems: Command = {
  words: ['job', 'items'],
  usage: 'job items <id> [--limit n]',
  summary: "a job's results (stored items, or its last step's records)",
  options: ['limit'],
  async run({ client, args, stdout }) {
    const id = idArg(args.positional(0, 'a job id'), 'job id');
    args.noMorePositionals(1);
    const page = await client.get<{ data: Json[]; next_cursor: string | null }>(`/api/jobs/${id}/items`, {
      limit: args.int('limit', 1, 500) ?? 20,
    });
    if (args.json) {
      printJson(stdout, page);
      return EXIT_OK;
    }
    const width = Math.max(40, (stdout.columns ?? 120) - 30);
    printTable(
      stdout,
      ['KEY', 'DATA'],
      page.data.map((row) => [
        row.item_key ?? `${text(row.task_id)}#${text(row.index)}`,
        compact(row.data, width),
      ]),
    );
    if (page.next_cursor) stdout.write('(more: raise --limit or use --json and the API cursor)\n');
    return EXIT_OK;
  },
};
