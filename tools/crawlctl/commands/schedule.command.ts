import { Json } from '../api-client';
import { idArg } from '../args';
import { Command, EXIT_OK, printJson, printTable, text } from '../command';
import { resolveWorkflow } from './workflow.command';

export const scheduleAdd: Command = {
  words: ['schedule', 'add'],
  usage: "schedule add --workflow <name|id> --cron '<expr>' [--timezone Z] [--priority n] [--target id]",
  summary: 'run a workflow on a cron schedule',
  options: ['workflow', 'cron', 'timezone', 'priority', 'target'],
  async run({ client, args, stdout }) {
    args.noMorePositionals(0);
    const workflow = await resolveWorkflow(client, args.requireString('workflow'));
    const priority = args.int('priority', 1, 10);
    const target = args.string('target');
    const timezone = args.string('timezone');
    const schedule = await client.post('/api/schedules', {
      workflow_id: String(workflow.id),
      schedule_type: 'FIXED',
      cron_expression: args.requireString('cron'),
      ...(timezone ? { timezone } : {}),
      ...(priority !== undefined ? { priority } : {}),
      ...(target ? { target_id: idArg(target, '--target') } : {}),
    });
    if (args.json) printJson(stdout, schedule);
    else
      stdout.write(
        `schedule ${text(schedule.id)} added: "${text(workflow.workflow_name)}" at "${text(schedule.cron_expression)}" ${text(schedule.timezone ?? '')}` +
          `${schedule.next_run_at ? `, next run ${text(schedule.next_run_at)}` : ''}\n`,
      );
    return EXIT_OK;
  },
};

export const scheduleList: Command = {
  words: ['schedule', 'list'],
  usage: 'schedule list',
  summary: 'list schedules',
  options: [],
  async run({ client, args, stdout }) {
    args.noMorePositionals(0);
    if (args.json) {
      printJson(stdout, await client.get('/api/schedules', { limit: 500 }));
      return EXIT_OK;
    }
    const rows = await client.all<Json>('/api/schedules');
    printTable(
      stdout,
      ['ID', 'WORKFLOW', 'TYPE', 'CRON', 'TIMEZONE', 'ACTIVE', 'PRIORITY', 'NEXT RUN'],
      rows.map((s) => [
        s.id,
        s.workflow_id,
        s.schedule_type,
        s.cron_expression,
        s.timezone,
        s.is_active,
        s.priority,
        s.next_run_at,
      ]),
    );
    return EXIT_OK;
  },
};

function setActive(active: boolean): Command {
  const verb = active ? 'resume' : 'pause';
  return {
    words: ['schedule', verb],
    usage: `schedule ${verb} <id>`,
    summary: active ? 'let a paused schedule fire again' : 'stop a schedule from firing (it stays listed)',
    options: [],
    async run({ client, args, stdout }) {
      const id = idArg(args.positional(0, 'a schedule id'), 'schedule id');
      args.noMorePositionals(1);
      const schedule = await client.patch(`/api/schedules/${id}`, { is_active: active });
      if (args.json) printJson(stdout, schedule);
      else stdout.write(`schedule ${text(schedule.id)} ${active ? 'resumed' : 'paused'}\n`);
      return EXIT_OK;
    },
  };
}

export const schedulePause = setActive(false);
export const scheduleResume = setActive(true);
