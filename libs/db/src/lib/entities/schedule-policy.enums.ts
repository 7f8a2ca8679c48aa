/**
 * Scheduler policy enums (ours, not the original design's: docs/data-model.md#crawling_schedules), in
 * their own file so entities can share them without a cycle.
 */

export enum MissedRunPolicy {
  SKIP = 'SKIP',
  RUN_ONCE = 'RUN_ONCE',
}

export enum OverlapPolicy {
  SKIP = 'SKIP',
  QUEUE = 'QUEUE',
  ALLOW = 'ALLOW',
}

export enum ScheduleDecisionType {
  FIRED = 'FIRED',
  SKIPPED_OVERLAP = 'SKIPPED_OVERLAP',
  MISSED = 'MISSED',
  /** fireSchedule ("run now"): not a due time of the schedule. */
  MANUAL_FIRED = 'MANUAL_FIRED',
}
