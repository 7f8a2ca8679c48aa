export { WorkflowsRepository, type NewStepRow, type NewWorkflowRow } from './workflows.repository';
