import { fieldTable, SCHEDULE_TYPES } from '@crawlflow/contracts';
import { invalid } from '@crawlflow/engine';
import { validateCron, validateTimezone } from '../cron/cron-schedule';
import { clampInterval, DEFAULT_ADAPTIVE_RATES, DEFAULT_INTERVAL_SECONDS } from '../policy/adaptive-interval';
import type { ScheduleView } from './schedule-view';

/** Body of POST /api/schedules (PATCH takes any subset except workflow_id). snake_case like the schema. */
export interface ScheduleInput {
  workflow_id?: string | number;
  target_id?: string | number | null;
  schedule_type?: 'FIXED' | 'DYNAMIC' | 'MANUAL';
  cron_expression?: string | null;
  timezone?: string;
  priority?: number;
  is_active?: boolean;
  missed_run_policy?: 'SKIP' | 'RUN_ONCE';
  catch_up_window_seconds?: number | null;
  overlap_policy?: 'SKIP' | 'QUEUE' | 'ALLOW';
  min_interval_seconds?: number;
  max_interval_seconds?: number;
  inc_rate?: number;
  dec_rate?: number;
  interval_seconds?: number | null;
}

/** The writable columns after validation. */
export type ScheduleFields = Pick<
  ScheduleView,
  | 'workflow_id'
  | 'target_id'
  | 'schedule_type'
  | 'cron_expression'
  | 'timezone'
  | 'priority'
  | 'is_active'
  | 'missed_run_policy'
  | 'catch_up_window_seconds'
  | 'overlap_policy'
  | 'interval_seconds'
  | 'min_interval_seconds'
  | 'max_interval_seconds'
  | 'inc_rate'
  | 'dec_rate'
>;

const MAX_SECONDS = 10 * 365 * 86_400;

/**
 * The body of POST /api/schedules (PATCH: the same fields, none required; workflow_id cannot
 * change). validateScheduleInput takes its limits, values and defaults from here, and the API
 * documents the body from here.
 */
export const SCHEDULE_FIELDS = fieldTable({
  workflow_id: { type: 'id', required: true, description: 'cannot change once set' },
  target_id: { type: 'id', nullable: true },
  schedule_type: { type: 'enum', values: SCHEDULE_TYPES, default: 'FIXED' },
  cron_expression: {
    type: 'string',
    nullable: true,
    description: '5 fields, or 6 with seconds (FIXED; DYNAMIC and MANUAL may leave it out)',
  },
  timezone: { type: 'string', default: 'UTC', description: 'IANA zone' },
  priority: { type: 'integer', minimum: 1, maximum: 10, default: 5 },
  is_active: { type: 'boolean', default: true },
  missed_run_policy: { type: 'enum', values: ['SKIP', 'RUN_ONCE'], default: 'SKIP' },
  catch_up_window_seconds: { type: 'integer', minimum: 0, maximum: MAX_SECONDS, nullable: true },
  overlap_policy: { type: 'enum', values: ['SKIP', 'QUEUE', 'ALLOW'], default: 'SKIP' },
  min_interval_seconds: {
    type: 'integer',
    minimum: 1,
    maximum: MAX_SECONDS,
    default: DEFAULT_ADAPTIVE_RATES.minSeconds,
  },
  max_interval_seconds: {
    type: 'integer',
    minimum: 1,
    maximum: MAX_SECONDS,
    default: DEFAULT_ADAPTIVE_RATES.maxSeconds,
  },
  inc_rate: {
    type: 'number',
    minimum: 0,
    maximum: 10,
    exclusiveMaximum: true,
    default: DEFAULT_ADAPTIVE_RATES.incRate,
  },
  dec_rate: {
    type: 'number',
    minimum: 0,
    maximum: 1,
    exclusiveMaximum: true,
    default: DEFAULT_ADAPTIVE_RATES.decRate,
  },
  interval_seconds: {
    type: 'integer',
    minimum: 1,
    maximum: MAX_SECONDS,
    nullable: true,
    description: `DYNAMIC: the current revisit interval, within min_interval_seconds..max_interval_seconds (DYNAMIC starts at ${DEFAULT_INTERVAL_SECONDS})`,
  },
});

const F = SCHEDULE_FIELDS;

function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(`${path} must be one of ${allowed.join(', ')}`, path);
  }
  return value as T;
}

function wholeNumber(value: unknown, min: number, max: number, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${path} must be a whole number from ${min} to ${max}`, path);
  }
  return value;
}

function rate(value: unknown, min: number, max: number, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value >= max) {
    throw invalid(`${path} must be a number from ${min} up to (not including) ${max}`, path);
  }
  return value;
}

function id(value: unknown, path: string): string {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^[1-9]\d{0,18}$/.test(text)) throw invalid(`${path} must be an id`, path);
  return text;
}

/**
 * Validates a create body (`base` undefined) or a patch over an existing row, and returns the full
 * set of columns to write. Throws `invalid(reason, path)` on the first problem.
 */
export function validateScheduleInput(input: unknown, base?: ScheduleFields): ScheduleFields {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid('the body must be a JSON object', '');
  }
  const body = input as Record<string, unknown>;
  for (const key of Object.keys(body)) {
    if (!Object.hasOwn(SCHEDULE_FIELDS, key)) throw invalid(`unknown field "${key}"`, key);
  }
  if (base && 'workflow_id' in body && String(body.workflow_id) !== base.workflow_id) {
    throw invalid('workflow_id cannot change; create a new schedule instead', 'workflow_id');
  }
  const has = (key: string): boolean => key in body && body[key] !== undefined;
  if (!base && !has('workflow_id')) throw invalid('workflow_id is required', 'workflow_id');

  const out: ScheduleFields = base
    ? { ...base }
    : {
        workflow_id: id(body.workflow_id, 'workflow_id'),
        target_id: null,
        schedule_type: F.schedule_type.default,
        cron_expression: null,
        timezone: F.timezone.default,
        priority: F.priority.default,
        is_active: F.is_active.default,
        missed_run_policy: F.missed_run_policy.default,
        catch_up_window_seconds: null,
        overlap_policy: F.overlap_policy.default,
        interval_seconds: null,
        min_interval_seconds: F.min_interval_seconds.default,
        max_interval_seconds: F.max_interval_seconds.default,
        inc_rate: F.inc_rate.default,
        dec_rate: F.dec_rate.default,
      };
  if (has('target_id')) out.target_id = body.target_id === null ? null : id(body.target_id, 'target_id');
  if (has('schedule_type'))
    out.schedule_type = oneOf(body.schedule_type, F.schedule_type.values, 'schedule_type');
  if (has('cron_expression')) {
    if (body.cron_expression !== null && typeof body.cron_expression !== 'string') {
      throw invalid('cron_expression must be a string', 'cron_expression');
    }
    out.cron_expression = body.cron_expression === null ? null : body.cron_expression.trim();
  }
  if (has('timezone')) {
    if (typeof body.timezone !== 'string') throw invalid('timezone must be a string', 'timezone');
    validateTimezone(body.timezone);
    out.timezone = body.timezone;
  }
  if (has('priority'))
    out.priority = wholeNumber(body.priority, F.priority.minimum, F.priority.maximum, 'priority');
  if (has('is_active')) {
    if (typeof body.is_active !== 'boolean') throw invalid('is_active must be true or false', 'is_active');
    out.is_active = body.is_active;
  }
  if (has('missed_run_policy'))
    out.missed_run_policy = oneOf(body.missed_run_policy, F.missed_run_policy.values, 'missed_run_policy');
  if (has('catch_up_window_seconds')) {
    out.catch_up_window_seconds =
      body.catch_up_window_seconds === null
        ? null
        : wholeNumber(
            body.catch_up_window_seconds,
            F.catch_up_window_seconds.minimum,
            F.catch_up_window_seconds.maximum,
            'catch_up_window_seconds',
          );
  }
  if (has('overlap_policy'))
    out.overlap_policy = oneOf(body.overlap_policy, F.overlap_policy.values, 'overlap_policy');
  if (has('min_interval_seconds'))
    out.min_interval_seconds = wholeNumber(
      body.min_interval_seconds,
      F.min_interval_seconds.minimum,
      F.min_interval_seconds.maximum,
      'min_interval_seconds',
    );
  if (has('max_interval_seconds'))
    out.max_interval_seconds = wholeNumber(
      body.max_interval_seconds,
      F.max_interval_seconds.minimum,
      F.max_interval_seconds.maximum,
      'max_interval_seconds',
    );
  if (out.min_interval_seconds > out.max_interval_seconds) {
    throw invalid('min_interval_seconds must not exceed max_interval_seconds', 'min_interval_seconds');
  }
  if (has('inc_rate')) out.inc_rate = rate(body.inc_rate, F.inc_rate.minimum, F.inc_rate.maximum, 'inc_rate');
  if (has('dec_rate')) out.dec_rate = rate(body.dec_rate, F.dec_rate.minimum, F.dec_rate.maximum, 'dec_rate');
  if (has('interval_seconds')) {
    out.interval_seconds =
      body.interval_seconds === null
        ? null
        : wholeNumber(
            body.interval_seconds,
            out.min_interval_seconds,
            out.max_interval_seconds,
            'interval_seconds',
          );
  }

  if (out.schedule_type === 'FIXED') validateCron(out.cron_expression, out.timezone);
  else if (out.cron_expression) validateCron(out.cron_expression, out.timezone);
  if (out.schedule_type === 'DYNAMIC') {
    out.interval_seconds = clampInterval(out.interval_seconds ?? DEFAULT_INTERVAL_SECONDS, {
      minSeconds: out.min_interval_seconds,
      maxSeconds: out.max_interval_seconds,
    });
  }
  return out;
}
