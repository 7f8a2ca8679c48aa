// The workflow-definition schema: its types, the parser and the original design's example. Exported
// by name: the step parsers' helpers stay inside the package.
export {
  ERROR_HANDLING,
  FIELD_TYPES,
  PAGE_FACT_PREFIX,
  PAGE_FACTS,
  STEP_TYPES,
  type Backoff,
  type CrawlScope,
  type DefinitionCheckers,
  type ErrorHandling,
  type FetchConfig,
  type FieldSpec,
  type FieldType,
  type PageFact,
  type ParseConfig,
  type StepDefinition,
  type StepType,
  type StoreConfig,
  type TransformConfig,
  type TransformOperation,
  type ValidateConfig,
  type WorkflowDefinition,
} from './definition.types';
export { SEED_EXAMPLE_DEFINITION } from './example-definition';
export { checkJsonPath } from './parse-step.parser';
export { DEFAULT_BACKOFF, DEFAULT_MAX_RETRIES } from './step-fields.parser';
export { parseWorkflowDefinition } from './workflow-definition.parser';
