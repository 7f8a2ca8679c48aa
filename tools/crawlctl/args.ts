import { parseArgs } from 'node:util';

/** A mistake in the command line: exit code 1 with the usage hint. */
export class UsageError extends Error {}

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  file: { type: 'string', short: 'f' },
  param: { type: 'string', multiple: true },
  priority: { type: 'string' },
  type: { type: 'string' },
  target: { type: 'string' },
  watch: { type: 'boolean' },
  limit: { type: 'string' },
  workflow: { type: 'string' },
  cron: { type: 'string' },
  timezone: { type: 'string' },
  status: { type: 'string' },
  interval: { type: 'string' },
} as const;

export type OptionName = keyof typeof OPTIONS;
export const GLOBAL_OPTIONS: readonly OptionName[] = ['url', 'token', 'json', 'help'];

export interface ParsedArgs {
  positionals: string[];
  values: Partial<Record<OptionName, string | boolean | string[]>>;
}

export function parseCommandLine(argv: string[]): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    return { positionals, values: values };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Typed access to one command's options; anything the command does not take is a usage error. */
export class CommandArgs {
  constructor(
    readonly command: string,
    private readonly parsed: ParsedArgs,
    /** Positionals after the command words. */
    readonly rest: string[],
    allowed: readonly OptionName[],
  ) {
    for (const name of Object.keys(parsed.values) as OptionName[]) {
      if (!GLOBAL_OPTIONS.includes(name) && !allowed.includes(name)) {
        throw new UsageError(`"${command}" does not take --${name}`);
      }
    }
  }

  get json(): boolean {
    return this.parsed.values.json === true;
  }

  flag(name: OptionName): boolean {
    return this.parsed.values[name] === true;
  }

  string(name: OptionName): string | undefined {
    const value = this.parsed.values[name];
    return typeof value === 'string' ? value : undefined;
  }

  list(name: OptionName): string[] {
    const value = this.parsed.values[name];
    return Array.isArray(value) ? value : [];
  }

  requireString(name: OptionName): string {
    const value = this.string(name);
    if (value === undefined || value === '') throw new UsageError(`"${this.command}" needs --${name}`);
    return value;
  }

  int(name: OptionName, min: number, max: number): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      throw new UsageError(`--${name} expects a whole number ${min}..${max}, got "${value}"`);
    }
    return n;
  }

  /** The n-th positional after the command words. */
  positional(index: number, what: string): string {
    const value = this.rest[index];
    if (value === undefined) throw new UsageError(`"${this.command}" needs ${what}`);
    return value;
  }

  noMorePositionals(count: number): void {
    if (this.rest.length > count) throw new UsageError(`unexpected argument "${this.rest[count]}"`);
  }
}

/** `--param k=v` repeated → an object; a value that is JSON (number, true, …) stays a string. */
export function paramsOf(pairs: string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--param expects key=value, got "${pair}"`);
    params[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return params;
}

/** An id as the API writes it: digits. */
export function idArg(value: string, what: string): string {
  if (!/^\d{1,20}$/.test(value)) throw new UsageError(`${what} must be an id (digits), got "${value}"`);
  return value;
}
