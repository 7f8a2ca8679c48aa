import type { LogLevel } from '@crawlflow/config';
import { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';

/** Levels as written in the `level` field, lowest first. Nest's `verbose` prints as `debug`. */
const SEVERITY = { debug: 10, info: 20, warn: 30, error: 40, fatal: 50 } as const;
export type LineLevel = keyof typeof SEVERITY;

const NEST_TO_LINE: Record<NestLogLevel, LineLevel> = {
  verbose: 'debug',
  debug: 'debug',
  log: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
};

export interface JsonLoggerOptions {
  app: string;
  /** Lines below this level are dropped. */
  level: LogLevel;
  /** Where each finished line goes (with its trailing newline); stdout unless a test captures it. */
  write?: (line: string) => void;
  now?: () => Date;
}

/** Extra fields of a line: `logger.log({ msg: 'job started', job_id: 7 }, 'JobService')`. */
export type LogFields = Record<string, unknown>;

const STACK_LIKE = /^(.)+\n\s+at .+:\d+:\d+/;

/**
 * Nest's LoggerService writing one JSON object per line (`time`, `level`, `app`, `context`, `msg`,
 * then any extra fields) so that log shippers need no multi-line parsing. Used as the app logger,
 * so `new Logger(Context)` anywhere in Nest code lands here too.
 */
export class JsonLogger implements LoggerService {
  private readonly threshold: number;
  private enabledNestLevels: Set<NestLogLevel> | undefined;
  private readonly write: (line: string) => void;
  private readonly now: () => Date;

  constructor(private readonly options: JsonLoggerOptions) {
    this.threshold = SEVERITY[options.level];
    this.write = options.write ?? writeStdout;
    this.now = options.now ?? (() => new Date());
  }

  log(message: unknown, ...params: unknown[]): void {
    this.emit('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.emit('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.emit('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.emit('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.emit('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.emit('fatal', message, params);
  }

  /** Nest calls this with its own list (e.g. `logger: ['error', 'warn']`); it narrows, never widens, LOG_LEVEL. */
  setLogLevels(levels: NestLogLevel[]): void {
    this.enabledNestLevels = new Set(levels);
  }

  isEnabled(level: LineLevel): boolean {
    return SEVERITY[level] >= this.threshold;
  }

  private emit(nestLevel: NestLogLevel, message: unknown, params: unknown[]): void {
    const level = NEST_TO_LINE[nestLevel];
    if (!this.isEnabled(level)) return;
    if (this.enabledNestLevels && !this.enabledNestLevels.has(nestLevel)) return;
    const { context, stack } = splitParams(nestLevel, params);
    const line: LogFields = { time: this.now().toISOString(), level, app: this.options.app };
    if (context !== undefined) line.context = context;
    Object.assign(line, messageFields(message));
    if (stack !== undefined && line.stack === undefined) line.stack = stack;
    this.write(`${safeStringify(line)}\n`);
  }
}

/**
 * Nest's calling convention: the last string parameter is the context; `error(msg, stack, context)`
 * puts a stack first, and `error(msg, stackOrContext)` is told apart by the shape of the string.
 */
function splitParams(level: NestLogLevel, params: unknown[]): { context?: string; stack?: string } {
  const strings = params.filter((param): param is string => typeof param === 'string');
  if (strings.length === 0) return {};
  if (level === 'error' || level === 'fatal') {
    if (strings.length >= 2) return { stack: strings[0], context: strings[strings.length - 1] };
    return STACK_LIKE.test(strings[0]) ? { stack: strings[0] } : { context: strings[0] };
  }
  return { context: strings[strings.length - 1] };
}

function messageFields(message: unknown): LogFields {
  if (message instanceof Error) {
    return { msg: message.message, error: message.name, stack: message.stack };
  }
  if (message !== null && typeof message === 'object' && !Array.isArray(message)) {
    // `msg` wins over `message`; every other key is an extra field, except the reserved ones.
    const { msg, message: text, time: _time, level: _level, app: _app, ...fields } = message as LogFields;
    const body = msg ?? text;
    return {
      msg: typeof body === 'string' ? body : body === undefined ? '' : safeStringify(body),
      ...fields,
    };
  }
  return { msg: typeof message === 'string' ? message : safeStringify(message) };
}

/** JSON.stringify that cannot throw: cycles, BigInts and errors inside fields become text. */
function safeStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    const text = JSON.stringify(value, (_key, field: unknown) => {
      if (typeof field === 'bigint') return field.toString();
      if (field instanceof Error) return { name: field.name, message: field.message, stack: field.stack };
      if (field !== null && typeof field === 'object') {
        if (seen.has(field)) return '[Circular]';
        seen.add(field);
      }
      return field;
    });
    return text ?? String(value);
  } catch {
    return JSON.stringify(String(value));
  }
}

let stdoutGuarded = false;

function writeStdout(line: string): void {
  if (!stdoutGuarded) {
    stdoutGuarded = true;
    // A reader that went away (the runner killed, `| head`) must not turn logging into a crash.
    process.stdout.on('error', () => undefined);
  }
  process.stdout.write(line);
}
