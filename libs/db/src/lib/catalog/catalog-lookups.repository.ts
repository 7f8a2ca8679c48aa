import { In } from 'typeorm';
import { Db, repositoryOf } from '../db';
import { CrawlSource, CrawlTarget, CrawlingWorkflow, TargetType, TargetWorkflowMapping } from '../entities';

/** A target as the engine fills placeholders and judges mapping conditions with it. */
export interface TargetView {
  target: CrawlTarget;
  /** Its target type's code (undefined: no type). */
  typeCode?: string;
}

/** The catalog (sources, targets, types, mappings) as the engine reads it while creating and starting jobs. */
export class CatalogLookups {
  static async target(db: Db, targetId: string): Promise<TargetView | undefined> {
    const target = await repositoryOf(db, CrawlTarget).findOneBy({ id: targetId });
    if (!target) return undefined;
    const type = target.targetTypeId
      ? await repositoryOf(db, TargetType).findOne({
          where: { id: target.targetTypeId },
          select: { id: true, code: true },
        })
      : null;
    return { target, ...(type ? { typeCode: type.code } : {}) };
  }

  static async targetExists(db: Db, targetId: string): Promise<boolean> {
    return repositoryOf(db, CrawlTarget).existsBy({ id: targetId });
  }

  /** Which of these targets exist. */
  static async existingTargets(db: Db, targetIds: readonly string[]): Promise<Set<string>> {
    if (targetIds.length === 0) return new Set();
    const rows = await repositoryOf(db, CrawlTarget).find({
      where: { id: In([...targetIds]) },
      select: { id: true },
    });
    return new Set(rows.map((row) => String(row.id)));
  }

  /** The source a workflow crawls (its base_url fills `{base_url}`), if it names one. */
  static async sourceOfWorkflow(db: Db, workflowId: string): Promise<CrawlSource | undefined> {
    const workflow = await repositoryOf(db, CrawlingWorkflow).findOne({
      where: { id: workflowId },
      select: { id: true, sourceId: true },
    });
    if (!workflow?.sourceId) return undefined;
    return (await repositoryOf(db, CrawlSource).findOneBy({ id: workflow.sourceId })) ?? undefined;
  }

  /** The mappings of a target type to active workflows, highest priority first. */
  static async activeMappingsOfType(db: Db, targetTypeId: string): Promise<TargetWorkflowMapping[]> {
    return repositoryOf(db, TargetWorkflowMapping)
      .createQueryBuilder('m')
      .innerJoin(CrawlingWorkflow, 'w', 'w.id = m.workflow_id AND w.is_active = 1')
      .where('m.target_type_id = :targetTypeId', { targetTypeId })
      .orderBy('m.priority', 'DESC')
      .addOrderBy('m.workflow_id', 'ASC')
      .getMany();
  }
}
