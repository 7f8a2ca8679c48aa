import { jsonObjectOf } from '@crawlflow/contracts';
import type { EntityManager } from 'typeorm';
import { invalid, notFound, unprocessable } from '../engine-errors';
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
  const [target] = (await manager.query(
    `SELECT t.*, tt.code AS type_code, s.base_url AS source_base_url, s.name AS source_name
       FROM crawl_targets t
       LEFT JOIN target_types tt ON tt.id = t.target_type_id
       LEFT JOIN crawl_sources s ON s.id = t.source_id
      WHERE t.id = ?`,
    [targetId],
  )) as Array<Record<string, unknown>>;
  if (!target) throw notFound(`target ${targetId} does not exist`);
  if (target.target_type_id === null || target.target_type_id === undefined) {
    throw unprocessable(`target ${targetId} has no target type, so no mapping can pick its workflow`);
  }
  const mappings = (await manager.query(
    `SELECT m.workflow_id, m.condition_expression, m.priority
       FROM target_workflow_mappings m JOIN crawling_workflows w ON w.id = m.workflow_id AND w.is_active = 1
      WHERE m.target_type_id = ?
      ORDER BY m.priority DESC, m.workflow_id`,
    [target.target_type_id],
  )) as Array<{ workflow_id: string; condition_expression: string | null; priority: number | null }>;
  const scope = {
    target: { ...jsonObjectOf(target.attributes), ...target, id: String(target.id), type: target.type_code },
    params,
  };
  const unusable: string[] = [];
  for (const mapping of mappings) {
    let holds = false;
    try {
      holds = evaluate(parseCondition(mapping.condition_expression ?? ''), scope);
    } catch (error) {
      // Stored before validation existed, or before RE2 was required: it cannot match, and the
      // answer says why rather than leaving a silent miss.
      const problem = error instanceof ExpressionError ? error.message : String(error);
      unusable.push(`workflow ${String(mapping.workflow_id)}: invalid condition ${problem}`);
    }
    if (holds) return String(mapping.workflow_id);
  }
  const type = String(target.type_code ?? target.target_type_id);
  throw unprocessable(
    mappings.length === 0
      ? `no workflow is mapped to target type ${type}`
      : `none of the ${mappings.length} mapping(s) for target type ${type} matches target ${targetId}` +
          (unusable.length > 0 ? `; ${unusable.length} cannot run (${unusable.join('; ')})` : ''),
  );
}
