export { SchedulerModule } from './lib/scheduler.module';
export { SchedulerService, type TickStats } from './lib/scheduler.service';
export type { ScheduleFields, ScheduleInput } from './lib/store/schedule-input';
export { SCHEDULE_FIELDS, validateScheduleInput } from './lib/store/schedule-input';
export type { ScheduleView } from './lib/store/schedule-view';
export {
  createSchedule,
  updateSchedule,
  softDeleteSchedule,
  getSchedule,
  listSchedules,
  fireSchedule,
  type ScheduleDecisionView,
  type IntervalChangeView,
  type ScheduleDetail,
  type ScheduleList,
} from './lib/store/schedules';
export { adjustDynamicSchedules } from './lib/tick/adjust-dynamic';
export { claimDueSchedules } from './lib/tick/claim-due-schedules';
export type { ClaimOptions, ClaimStats } from './lib/tick/claim-due-schedules';
