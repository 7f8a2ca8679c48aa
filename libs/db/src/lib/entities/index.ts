import { CrawlFrontierEntry } from './crawl-frontier.entity';
import { CrawlPage } from './crawl-page.entity';
import { CrawlSource } from './crawl-source.entity';
import { CrawlTarget } from './crawl-target.entity';
import { CrawledItem } from './crawled-item.entity';
import { CrawlingJobArchive } from './crawling-job-archive.entity';
import { CrawlingJob } from './crawling-job.entity';
import { CrawlingQueue } from './crawling-queue.entity';
import { CrawlingSchedule } from './crawling-schedule.entity';
import { CrawlingTask } from './crawling-task.entity';
import { CrawlingWorkflow } from './crawling-workflow.entity';
import { JobDependency } from './job-dependency.entity';
import { OutboxEvent } from './outbox-event.entity';
import { ParallelExecutionConfig } from './parallel-execution-config.entity';
import { ResourcePool } from './resource-pool.entity';
import { ScheduleDecision } from './schedule-decision.entity';
import { ScheduleIntervalHistory } from './schedule-interval-history.entity';
import { TargetType } from './target-type.entity';
import { TargetWorkflowMapping } from './target-workflow-mapping.entity';
import { TaskDataEntry } from './task-data.entity';
import { UrlValidator } from './url-validator.entity';
import { WorkflowExecution } from './workflow-execution.entity';
import { WorkflowStep } from './workflow-step.entity';
import { WorkflowVersion } from './workflow-version.entity';

export { CrawlSource } from './crawl-source.entity';
export { CrawlTarget } from './crawl-target.entity';
export { CrawledItem } from './crawled-item.entity';
export { CrawlingJobArchive } from './crawling-job-archive.entity';
export { CrawlingJob, CrawlingJobColumns } from './crawling-job.entity';
export { CrawlingQueue } from './crawling-queue.entity';
export { CrawlingSchedule } from './crawling-schedule.entity';
export { CrawlingTask } from './crawling-task.entity';
export { CrawlingWorkflow } from './crawling-workflow.entity';
export { JobDependency } from './job-dependency.entity';
export { ParallelExecutionConfig } from './parallel-execution-config.entity';
export { ScheduleDecision } from './schedule-decision.entity';
export { ScheduleIntervalHistory } from './schedule-interval-history.entity';
export { MissedRunPolicy, OverlapPolicy, ScheduleDecisionType } from './schedule-policy.enums';
export { TargetType } from './target-type.entity';
export { TargetWorkflowMapping } from './target-workflow-mapping.entity';
export { WorkflowExecution } from './workflow-execution.entity';
export { WorkflowStep } from './workflow-step.entity';
export { WorkflowVersion } from './workflow-version.entity';
export { CrawlPage } from './crawl-page.entity';
export { UrlValidator } from './url-validator.entity';
export { CrawlFrontierEntry } from './crawl-frontier.entity';
export { OutboxEvent } from './outbox-event.entity';
export { ResourcePool } from './resource-pool.entity';
export { TaskDataEntry } from './task-data.entity';
export { TASK_DATA_KINDS } from './task-data.entity';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own option type
export const ENTITIES: Function[] = [
  CrawlSource,
  TargetType,
  CrawlTarget,
  CrawlingWorkflow,
  WorkflowStep,
  WorkflowVersion,
  CrawlingSchedule,
  CrawlingJob,
  CrawlingJobArchive,
  CrawlingTask,
  CrawlingQueue,
  WorkflowExecution,
  JobDependency,
  TargetWorkflowMapping,
  ParallelExecutionConfig,
  CrawledItem,
  ScheduleDecision,
  ScheduleIntervalHistory,
  // The engine's own tables.
  CrawlPage,
  UrlValidator,
  CrawlFrontierEntry,
  OutboxEvent,
  ResourcePool,
  TaskDataEntry,
];
