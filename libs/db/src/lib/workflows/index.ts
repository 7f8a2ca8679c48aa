export {
  WorkflowsRepository,
  type NewStepRow,
  type NewWorkflowRow,
  type WorkflowHead,
} from './workflows.repository';
