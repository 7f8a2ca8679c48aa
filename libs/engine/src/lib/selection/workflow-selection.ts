import { CatalogLookups } from '@crawlflow/db';
import type { EntityManager } from 'typeorm';
import { invalid, notFound, unprocessable } from '../engine-errors';
import { targetColumns } from '../execution/placeholder-scopes';
import { evaluate, ExpressionError, parseCondition } from './condition-expression';

/** Validates a mapping's condition at creation: the error names the position. */
export function checkCondition(source: string | null | undefined, path = 'condition_expression'): void {
  try {
    parseCondition(source ?? '');
  } catch (error) {
    if (error instanceof ExpressionError) throw invalid(`invalid condition ${error.message}`, path);
    throw error;
  }
}

/**
 * Dynamic workflow selection: the mappings of the target's type, highest priority first; the first
 * whose condition holds over `target` (its columns, attributes and `type` code) and `params` wins.
 */
export async function selectWorkflowForTarget(
  manager: EntityManager,
  targetId: string,
  params: Record<string, unknown> = {},
): Promise<string> {
  const view = await CatalogLookups.target(manager, targetId);
  if (!view) throw notFound(`target ${targetId} does not exist`);
  const { target } = view;
  if (target.targetTypeId === null) {
    throw unprocessable(`target ${targetId} has no target type, so no mapping can pick its workflow`);
  }
  const mappings = await CatalogLookups.activeMappingsOfType(manager, target.targetTypeId);
  const scope = {
    target: { ...(target.attributes ?? {}), ...targetColumns(target), type: view.typeCode },
    params,
  };
  const unusable: string[] = [];
  for (const mapping of mappings) {
    let holds = false;
    try {
      holds = evaluate(parseCondition(mapping.conditionExpression ?? ''), scope);
    } catch (error) {
      // Stored before validation existed, or before RE2 was required: it cannot match, and the
      // answer says why rather than leaving a silent miss.
      const problem = error instanceof ExpressionError ? error.message : String(error);
      unusable.push(`workflow ${mapping.workflowId}: invalid condition ${problem}`);
    }
    if (holds) return mapping.workflowId;
  }
  const type = view.typeCode ?? target.targetTypeId;
  throw unprocessable(
    mappings.length === 0
      ? `no workflow is mapped to target type ${type}`
      : `none of the ${mappings.length} mapping(s) for target type ${type} matches target ${targetId}` +
          (unusable.length > 0 ? `; ${unusable.length} cannot run (${unusable.join('; ')})` : ''),
  );
}
