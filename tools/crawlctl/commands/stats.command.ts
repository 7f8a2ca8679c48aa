import { Json } from '../api-client';
import { Command, EXIT_OK, printJson, printTable } from '../command';

export const stats: Command = {
  words: ['stats'],
  usage: 'stats',
  summary: 'jobs per day and workflow (last 7 days) and failure-rate alerts',
  options: [],
  async run({ client, args, stdout }) {
    args.noMorePositionals(0);
    const [jobs, alerts] = await Promise.all([
      client.get<{ data: Json[] }>('/api/stats/jobs'),
      client.get<{ data: Json[]; threshold: number; window_minutes: number }>('/api/stats/alerts'),
    ]);
    if (args.json) {
      printJson(stdout, { jobs, alerts });
      return EXIT_OK;
    }
    printTable(
      stdout,
      ['DATE', 'WORKFLOW', 'JOBS', 'SUCCESS', 'AVG SEC', 'ITEMS'],
      jobs.data.map((r) => [
        r.job_date,
        r.workflow_id,
        r.total_jobs,
        r.success_jobs,
        r.avg_duration_sec,
        r.total_items_processed,
      ]),
    );
    stdout.write(
      `\nalerts (failure rate over ${alerts.threshold}% in the last ${alerts.window_minutes} min):\n`,
    );
    printTable(
      stdout,
      ['WORKFLOW', 'NAME', 'JOBS', 'FAILED', 'RATE %'],
      alerts.data.map((r) => [r.workflow_id, r.workflow_name, r.total_jobs, r.failed_jobs, r.failure_rate]),
    );
    return EXIT_OK;
  },
};

export const queues: Command = {
  words: ['queues'],
  usage: 'queues',
  summary: 'task ledger depth per stage and status, and the broker queue counts',
  options: [],
  async run({ client, args, stdout }) {
    args.noMorePositionals(0);
    const answer = await client.get<{ ledger: Json[]; broker: Json[] | { error: string } }>('/api/queues');
    if (args.json) {
      printJson(stdout, answer);
      return EXIT_OK;
    }
    stdout.write('ledger:\n');
    printTable(
      stdout,
      ['STAGE', 'TIER', 'STATUS', 'COUNT', 'DUE'],
      answer.ledger.map((r) => [r.stage, r.tier, r.status, r.count, r.due]),
    );
    stdout.write('\nbroker:\n');
    if (!Array.isArray(answer.broker)) stdout.write(`unavailable: ${answer.broker.error}\n`);
    else
      printTable(
        stdout,
        ['QUEUE', 'MESSAGES', 'CONSUMERS'],
        answer.broker.map((r) => [r.queue, r.messages, r.consumers ?? r.error]),
      );
    return EXIT_OK;
  },
};
