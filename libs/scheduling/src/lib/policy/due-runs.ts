import type { FireTime } from '../cron/cron-schedule';

export type MissedRunPolicyName = 'SKIP' | 'RUN_ONCE';

export interface DueRunInput {
  /** The stored next_run_at: the earliest due time not yet decided. */
  dueAt: Date;
  now: Date;
  policy: MissedRunPolicyName;
  /** RUN_ONCE: how old the latest missed time may be and still fire. */
  catchUpWindowMs: number;
  /** A due time at most this old when seen is on time, whatever the policy. */
  misfireGraceMs: number;
  /** The schedule's next due time strictly after `after`. */
  next: (after: Date) => FireTime;
  /** MISSED rows written per claim at most (the rest are counted in one summary row). */
  maxMissedRows?: number;
  /** Due times walked at most before jumping straight to now (an every-2-s schedule down for a week). */
  maxScan?: number;
}

export interface DueRunPlan {
  /** The due time to fire now, if any. */
  fire: (FireTime & { catchUp: boolean }) | null;
  /** Missed due times to record one row each (at most maxMissedRows). */
  missed: Date[];
  /** All missed due times, including those not listed (and those beyond maxScan: then approximate). */
  missedTotal: number;
  /** The first due time after now: the new next_run_at. */
  nextRunAt: Date;
}

/**
 * What a claimed schedule does with the due times between its next_run_at and now. The latest due
 * time fires if it is on time (within the misfire grace), or, under RUN_ONCE, if it is within the
 * catch-up window; every other due time in the range is MISSED. next_run_at jumps past now either
 * way, so an outage never turns into a burst of jobs.
 */
export function planDueRuns(input: DueRunInput): DueRunPlan {
  const maxRows = input.maxMissedRows ?? 100;
  const maxScan = input.maxScan ?? 10_000;
  const now = input.now.getTime();
  const due: FireTime[] = [{ at: input.dueAt }];
  let extraMissed = 0;
  let nextRunAt: Date | undefined;
  for (;;) {
    const candidate = input.next(due[due.length - 1].at);
    if (candidate.at.getTime() > now) {
      nextRunAt = candidate.at;
      break;
    }
    if (due.length >= maxScan) {
      // Too many to walk: count roughly by the last step, and restart the series from now.
      const step = candidate.at.getTime() - due[due.length - 1].at.getTime();
      extraMissed = step > 0 ? Math.floor((now - candidate.at.getTime()) / step) + 1 : 1;
      nextRunAt = input.next(input.now).at;
      break;
    }
    due.push(candidate);
  }

  const latest = extraMissed > 0 ? null : due[due.length - 1];
  const earlier = latest ? due.slice(0, -1) : due;
  let fire: DueRunPlan['fire'] = null;
  if (latest) {
    const age = now - latest.at.getTime();
    if (age <= input.misfireGraceMs) fire = { ...latest, catchUp: false };
    else if (input.policy === 'RUN_ONCE' && age <= input.catchUpWindowMs) fire = { ...latest, catchUp: true };
  }
  const missedAll = fire ? earlier : latest ? [...earlier, latest] : earlier;
  return {
    fire,
    missed: missedAll.slice(0, maxRows).map((run) => run.at),
    missedTotal: missedAll.length + extraMissed,
    nextRunAt,
  };
}
