export { EngineError, invalid, notFound, conflict, unprocessable } from './lib/engine-errors';
export { cancelJob, pauseJob, resumeJob, retryJob } from './lib/execution/job-controls';
export { enqueuePlanned, JobProgress } from './lib/execution/job-progress';
export { JobStarter } from './lib/execution/job-starter';
export { decideResult } from './lib/execution/result-decision';
export { fetchTask, type PlannedTask, type PlaceholderScopes } from './lib/execution/task-planner';
export { loadWorkflowRuntime, RuntimeCache, type WorkflowRuntime } from './lib/execution/workflow-runtime';
export {
  createJob,
  createScheduledJobs,
  JOB_TYPES,
  type JobType,
  type JobDependency,
  type NewJob,
  type CreatedJob,
  type ScheduledRun,
} from './lib/jobs/job-factory';
export { WORKFLOW_TYPES, type WorkflowTypeName, type WorkflowRow } from './lib/workflows/workflow-rows';
export {
  createWorkflow,
  updateWorkflow,
  getWorkflow,
  listWorkflows,
  listWorkflowVersions,
  type NewWorkflow,
  type WorkflowChange,
  type WorkflowListQuery,
  type WorkflowVersionRow,
} from './lib/workflows/workflow-store';
export { EngineModule } from './lib/orchestrator/engine.module';
export { checkCondition } from './lib/selection/workflow-selection';
