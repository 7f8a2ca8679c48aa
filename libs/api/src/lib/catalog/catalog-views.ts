import type { CrawlSource, CrawlTarget, TargetType, TargetWorkflowMapping } from '@crawlflow/db';

// Resources as the API shows them: their columns, snake_case like the request bodies, in the table's order.

export type SourceView = {
  id: string;
  name: string;
  base_url: string;
  created_at: Date;
  updated_at: Date;
};

export type TargetTypeView = { id: string; code: string; name: string; created_at: Date };

export type CrawlTargetView = {
  id: string;
  source_id: string;
  target_type_id: string | null;
  url: string;
  name: string | null;
  attributes: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
};

export type MappingView = {
  target_type_id: string;
  workflow_id: string;
  condition_expression: string | null;
  priority: number | null;
};

export function toSourceView(source: CrawlSource): SourceView {
  return {
    id: source.id,
    name: source.name,
    base_url: source.baseUrl,
    created_at: source.createdAt,
    updated_at: source.updatedAt,
  };
}

export function toTargetTypeView(type: TargetType): TargetTypeView {
  return { id: type.id, code: type.code, name: type.name, created_at: type.createdAt };
}

export function toCrawlTargetView(target: CrawlTarget): CrawlTargetView {
  return {
    id: target.id,
    source_id: target.sourceId,
    target_type_id: target.targetTypeId,
    url: target.url,
    name: target.name,
    attributes: target.attributes,
    created_at: target.createdAt,
    updated_at: target.updatedAt,
  };
}

export function toMappingView(mapping: TargetWorkflowMapping): MappingView {
  return {
    target_type_id: mapping.targetTypeId,
    workflow_id: mapping.workflowId,
    condition_expression: mapping.conditionExpression,
    priority: mapping.priority,
  };
}
