import { MoreThan, type FindOptionsWhere } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Db, repositoryOf } from '../db';
import { CrawlSource, CrawlTarget, TargetType, TargetWorkflowMapping } from '../entities';

export interface NewTargetRow {
  sourceId: string;
  targetTypeId: string | null;
  url: string;
  name: string | null;
  attributes: Record<string, unknown> | null;
}

export interface MappingValues {
  targetTypeId: string;
  workflowId: string;
  conditionExpression: string | null;
  priority: number;
}

/** A page by id (keyset: ids after `afterId`), `limit` rows at most. */
export interface IdPage {
  afterId?: string;
  limit: number;
}

function afterId<T extends { id: string }>(page: IdPage): FindOptionsWhere<T> {
  return (page.afterId !== undefined ? { id: MoreThan(page.afterId) } : {}) as FindOptionsWhere<T>;
}

/** The catalog (sources, target types, targets, type → workflow mappings) as the API keeps it. */
export class CatalogRepository {
  static async addSource(db: Db, row: { name: string; baseUrl: string }): Promise<string> {
    const result = await repositoryOf(db, CrawlSource).insert(row);
    return String(result.identifiers[0].id);
  }

  static async source(db: Db, id: string): Promise<CrawlSource | undefined> {
    return (await repositoryOf(db, CrawlSource).findOneBy({ id })) ?? undefined;
  }

  static async sources(db: Db, page: IdPage): Promise<CrawlSource[]> {
    return repositoryOf(db, CrawlSource).find({
      where: afterId<CrawlSource>(page),
      order: { id: 'ASC' },
      take: page.limit,
    });
  }

  static async addTargetType(db: Db, row: { code: string; name: string }): Promise<string> {
    const result = await repositoryOf(db, TargetType).insert(row);
    return String(result.identifiers[0].id);
  }

  static async targetType(db: Db, id: string): Promise<TargetType | undefined> {
    return (await repositoryOf(db, TargetType).findOneBy({ id })) ?? undefined;
  }

  static async targetTypeExists(db: Db, id: string): Promise<boolean> {
    return repositoryOf(db, TargetType).existsBy({ id });
  }

  static async targetTypes(db: Db, page: IdPage): Promise<TargetType[]> {
    return repositoryOf(db, TargetType).find({
      where: afterId<TargetType>(page),
      order: { id: 'ASC' },
      take: page.limit,
    });
  }

  static async addTarget(db: Db, row: NewTargetRow): Promise<string> {
    // The cast: TypeORM's deep-partial type cannot map a json column's Record<string, unknown>.
    const result = await repositoryOf(db, CrawlTarget).insert(row as QueryDeepPartialEntity<CrawlTarget>);
    return String(result.identifiers[0].id);
  }

  static async target(db: Db, id: string): Promise<CrawlTarget | undefined> {
    return (await repositoryOf(db, CrawlTarget).findOneBy({ id })) ?? undefined;
  }

  static async targets(db: Db, page: IdPage & { sourceId?: string }): Promise<CrawlTarget[]> {
    return repositoryOf(db, CrawlTarget).find({
      where: {
        ...afterId<CrawlTarget>(page),
        ...(page.sourceId ? { sourceId: page.sourceId } : {}),
      },
      order: { id: 'ASC' },
      take: page.limit,
    });
  }

  /** Adds the mapping, or changes the condition and priority of the one for this type and workflow. */
  static async setMapping(db: Db, values: MappingValues): Promise<void> {
    await repositoryOf(db, TargetWorkflowMapping)
      .createQueryBuilder()
      .insert()
      .values(values)
      .orUpdate(['condition_expression', 'priority'], ['target_type_id', 'workflow_id'])
      .updateEntity(false)
      .execute();
  }

  static async mapping(
    db: Db,
    targetTypeId: string,
    workflowId: string,
  ): Promise<TargetWorkflowMapping | undefined> {
    return (
      (await repositoryOf(db, TargetWorkflowMapping).findOneBy({ targetTypeId, workflowId })) ?? undefined
    );
  }

  /** Mappings by (target type, workflow), after the pair `after`, of one type when `targetTypeId` is given. */
  static async mappings(
    db: Db,
    query: { targetTypeId?: string; after?: { targetTypeId: string; workflowId: string }; limit: number },
  ): Promise<TargetWorkflowMapping[]> {
    const select = repositoryOf(db, TargetWorkflowMapping).createQueryBuilder('m');
    if (query.targetTypeId !== undefined)
      select.andWhere('m.target_type_id = :typeId', { typeId: query.targetTypeId });
    // A row-value comparison: the keyset of a two-column key, which find options cannot say.
    if (query.after)
      select.andWhere('(m.target_type_id, m.workflow_id) > (:afterType, :afterWorkflow)', {
        afterType: query.after.targetTypeId,
        afterWorkflow: query.after.workflowId,
      });
    return select.orderBy('m.target_type_id').addOrderBy('m.workflow_id').limit(query.limit).getMany();
  }
}
