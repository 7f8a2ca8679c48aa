export {
  JobStatisticsRepository,
  type DailyJobStatistics,
  type WorkflowFailureRate,
} from './job-statistics.repository';
export {
  KeyMetricsRepository,
  type FinishedJobsFigures,
  type HourlyFigures,
  type NewTasksFigures,
} from './key-metrics.repository';
