export { IntervalHistoryRepository } from './interval-history.repository';
export type { NewIntervalChange, UnadjustedJob } from './interval-history.repository';
export { ScheduleClaimRepository } from './schedule-claim.repository';
export type { ActiveJobs, ClaimedSchedule, ScheduleAdvance } from './schedule-claim.repository';
export { ScheduleDecisionsRepository } from './schedule-decisions.repository';
export type { NewScheduleDecision } from './schedule-decisions.repository';
export { SchedulesRepository } from './schedules.repository';
export type { ScheduleValues } from './schedules.repository';
