import { ApiClient, ApiError } from './api-client';
import { CommandArgs, parseCommandLine, UsageError } from './args';
import { Command, EXIT_ERROR, EXIT_OK, Output } from './command';
import { jobCancel, jobItems, jobList, jobRun, jobWatch } from './commands/job.command';
import { scheduleAdd, scheduleList, schedulePause, scheduleResume } from './commands/schedule.command';
import { queues, stats } from './commands/stats.command';
import { workflowApply, workflowList } from './commands/workflow.command';

export const COMMANDS: readonly Command[] = [
  workflowApply,
  workflowList,
  jobRun,
  jobWatch,
  jobList,
  jobCancel,
  jobItems,
  scheduleAdd,
  scheduleList,
  schedulePause,
  scheduleResume,
  stats,
  queues,
];

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  const lines = COMMANDS.map((c) =>
    c.usage.length > 60
      ? `  ${c.usage}\n  ${''.padEnd(Math.min(width, 60))}  ${c.summary}`
      : `  ${c.usage.padEnd(60)}  ${c.summary}`,
  );
  return [
    'usage: crawlctl <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'options for every command:',
    '  --url <url>      the orchestrator (env CRAWLFLOW_URL, default http://127.0.0.1:3000)',
    '  --token <token>  bearer token (env API_TOKEN)',
    '  --json           print the raw API JSON',
    '',
    'exit codes: 0 success; 1 usage or API error; 2 a watched job ended FAILED or CANCELLED',
    '',
  ].join('\n');
}

export interface CliIo {
  stdout: Output;
  stderr: Output;
  env: Readonly<Record<string, string | undefined>>;
}

function findCommand(positionals: string[]): Command | undefined {
  return COMMANDS.find((c) => c.words.every((word, i) => positionals[i] === word));
}

/** Runs one command line; answers the exit code. Errors become one stderr line. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const parsed = parseCommandLine(argv);
    const command = findCommand(parsed.positionals);
    if (!command) {
      if (parsed.values.help || parsed.positionals.length === 0) {
        (parsed.values.help ? io.stdout : io.stderr).write(usage());
        return parsed.values.help ? EXIT_OK : EXIT_ERROR;
      }
      throw new UsageError(`unknown command "${parsed.positionals.join(' ')}"`);
    }
    if (parsed.values.help) {
      io.stdout.write(`usage: crawlctl ${command.usage}\n  ${command.summary}\n`);
      return EXIT_OK;
    }
    const words = command.words.join(' ');
    const args = new CommandArgs(
      words,
      parsed,
      parsed.positionals.slice(command.words.length),
      command.options,
    );
    const client = new ApiClient({
      baseUrl: args.string('url') ?? io.env.CRAWLFLOW_URL ?? 'http://127.0.0.1:3000',
      token: args.string('token') ?? (io.env.API_TOKEN || undefined),
    });
    return await command.run({ client, args, stdout: io.stdout });
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`crawlctl: ${error.message} (see: crawlctl --help)\n`);
      return EXIT_ERROR;
    }
    if (error instanceof ApiError) {
      io.stderr.write(`crawlctl: ${error.line()}\n`);
      return EXIT_ERROR;
    }
    io.stderr.write(`crawlctl: ${(error as Error)?.message ?? String(error)}\n`);
    return EXIT_ERROR;
  }
}
