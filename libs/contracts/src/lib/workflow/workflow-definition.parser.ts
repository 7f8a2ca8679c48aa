import { describe, expectOneOf, expectRecord, SchemaError } from '../validation';
import { rejectUnknown } from './config-fields';
import {
  type DefinitionCheckers,
  STEP_TYPES,
  type StepDefinition,
  type WorkflowDefinition,
} from './definition.types';
import { parseFetchConfig } from './fetch-step.parser';
import { parseParseConfig } from './parse-step.parser';
import { parseStepFields, parseStepName, STEP_PROPERTIES } from './step-fields.parser';
import { checkStepOrder } from './step-order.rules';
import { parseStoreConfig } from './store-step.parser';
import { parseTransformConfig } from './transform-step.parser';
import { parseValidateConfig } from './validate-step.parser';

const MAX_STEPS = 50;

/**
 * Validates a workflow definition and fills in defaults. Every error names the JSON path of the
 * problem (`$.steps[1].config.selectors.price`), so an API can answer 400 with it.
 */
export function parseWorkflowDefinition(
  value: unknown,
  checkers: DefinitionCheckers = {},
): WorkflowDefinition {
  const root = expectRecord(value, '$');
  rejectUnknown(root, ['steps'], '$');
  if (!Array.isArray(root.steps))
    throw new SchemaError('$.steps', `expected an array of steps, got ${describe(root.steps)}`);
  if (root.steps.length === 0) throw new SchemaError('$.steps', 'a workflow needs at least one step');
  if (root.steps.length > MAX_STEPS) throw new SchemaError('$.steps', `at most ${MAX_STEPS} steps`);
  const names = new Set<string>();
  const steps = root.steps.map((raw, index) => {
    const step = parseStep(raw, `$.steps[${index}]`, index, checkers);
    if (names.has(step.name))
      throw new SchemaError(`$.steps[${index}].name`, `duplicate step name "${step.name}"`);
    names.add(step.name);
    return step;
  });
  checkStepOrder(steps);
  return { steps };
}

/** One step: its shared fields first, then its config by the parser of its type. */
function parseStep(raw: unknown, path: string, index: number, checkers: DefinitionCheckers): StepDefinition {
  const step = expectRecord(raw, path);
  rejectUnknown(step, STEP_PROPERTIES, path);
  const name = parseStepName(step.name, `${path}.name`);
  const type = expectOneOf(step.type, `${path}.type`, STEP_TYPES);
  const base = parseStepFields(step, path, name);
  const config = step.config === undefined ? {} : expectRecord(step.config, `${path}.config`);
  const configPath = `${path}.config`;
  switch (type) {
    case 'FETCH':
      return { ...base, type, config: parseFetchConfig(config, configPath, index) };
    case 'PARSE':
      return { ...base, type, config: parseParseConfig(config, configPath, checkers) };
    case 'TRANSFORM':
      return { ...base, type, config: parseTransformConfig(config, configPath) };
    case 'VALIDATE':
      return { ...base, type, config: parseValidateConfig(config, configPath, checkers) };
    case 'STORE':
      return { ...base, type, config: parseStoreConfig(config, configPath) };
  }
}
