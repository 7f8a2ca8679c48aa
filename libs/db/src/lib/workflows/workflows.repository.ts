import type { ErrorHandling, StepType, WorkflowType } from '@crawlflow/contracts';
import { In, MoreThan, type FindOptionsWhere } from 'typeorm';
import { Db, managerOf, repositoryOf } from '../db';
import { CrawlSource, CrawlingWorkflow, TargetType, WorkflowStep, WorkflowVersion } from '../entities';

export interface NewWorkflowRow {
  sourceId: string | null;
  workflowName: string;
  workflowType: WorkflowType;
  workflowDefinition: string;
  isActive: boolean;
}

export interface NewStepRow {
  stepOrder: number;
  stepName: string;
  stepType: StepType;
  targetTypeId: string | null;
  inputMapping: string | null;
  outputMapping: string | null;
  errorHandling: ErrorHandling;
  maxRetries: number;
}

export type WorkflowHead = Pick<CrawlingWorkflow, 'id' | 'version' | 'isActive' | 'workflowType'>;

/** crawling_workflows with their versions and step rows: what the workflow store reads and writes. */
export class WorkflowsRepository {
  static async find(db: Db, id: string): Promise<CrawlingWorkflow | undefined> {
    return (await repositoryOf(db, CrawlingWorkflow).findOneBy({ id })) ?? undefined;
  }

  /** What creating a job needs of each of these workflows, without their definitions. */
  static async heads(db: Db, ids: readonly string[]): Promise<Map<string, WorkflowHead>> {
    if (ids.length === 0) return new Map();
    const rows = await repositoryOf(db, CrawlingWorkflow).find({
      where: { id: In([...ids]) },
      select: { id: true, version: true, isActive: true, workflowType: true },
    });
    return new Map(rows.map((row) => [String(row.id), row]));
  }

  static async exists(db: Db, id: string): Promise<boolean> {
    return repositoryOf(db, CrawlingWorkflow).existsBy({ id });
  }

  /** The newest active workflow of that name (names are not unique), or undefined. */
  static async newestActiveIdByName(db: Db, workflowName: string): Promise<string | undefined> {
    const row = await repositoryOf(db, CrawlingWorkflow).findOne({
      where: { workflowName, isActive: true },
      select: { id: true },
      order: { id: 'DESC' },
    });
    return row ? row.id : undefined;
  }

  /** The highest step_order among a version's step rows (null: it has none). */
  static async lastStepOrder(db: Db, workflowId: string, version: number): Promise<number | null> {
    const row: { step: number | null } | undefined = await repositoryOf(db, WorkflowStep)
      .createQueryBuilder('s')
      .select('MAX(s.step_order)', 'step')
      .where('s.workflow_id = :workflowId AND s.workflow_version = :version', { workflowId, version })
      .getRawOne();
    return row?.step ?? null;
  }

  /** The row, locked for the caller's transaction (a PUT makes versions one at a time). */
  static async lock(db: Db, id: string): Promise<CrawlingWorkflow | undefined> {
    const row = await repositoryOf(db, CrawlingWorkflow).findOne({
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
    return row ?? undefined;
  }

  /** A page of workflows by id (keyset: after `afterId`). */
  static async list(
    db: Db,
    query: { afterId?: string; limit: number; sourceId?: string; isActive?: boolean },
  ): Promise<CrawlingWorkflow[]> {
    const where: FindOptionsWhere<CrawlingWorkflow> = {
      ...(query.afterId !== undefined ? { id: MoreThan(query.afterId) } : {}),
      ...(query.sourceId !== undefined ? { sourceId: query.sourceId } : {}),
      ...(query.isActive !== undefined ? { isActive: query.isActive } : {}),
    };
    return repositoryOf(db, CrawlingWorkflow).find({ where, order: { id: 'ASC' }, take: query.limit });
  }

  static async insert(db: Db, row: NewWorkflowRow): Promise<string> {
    const result = await repositoryOf(db, CrawlingWorkflow).insert({ ...row, version: 1 });
    return String(result.identifiers[0].id);
  }

  static async update(
    db: Db,
    id: string,
    change: Partial<
      Pick<
        CrawlingWorkflow,
        'sourceId' | 'workflowName' | 'workflowType' | 'workflowDefinition' | 'isActive' | 'version'
      >
    >,
  ): Promise<void> {
    if (Object.keys(change).length > 0) await repositoryOf(db, CrawlingWorkflow).update({ id }, change);
  }

  /** Every version of a workflow, newest first, without the definitions. */
  static async versions(
    db: Db,
    workflowId: string,
  ): Promise<Array<Pick<WorkflowVersion, 'version' | 'createdAt'>>> {
    return repositoryOf(db, WorkflowVersion).find({
      where: { workflowId },
      select: { version: true, createdAt: true },
      order: { version: 'DESC' },
    });
  }

  static async version(db: Db, workflowId: string, version: number): Promise<WorkflowVersion | undefined> {
    return (await repositoryOf(db, WorkflowVersion).findOneBy({ workflowId, version })) ?? undefined;
  }

  /**
   * Writes a version's definition and its step rows. `ifAbsent`: a version some other load wrote
   * meanwhile stays as it is (the unique keys make concurrent first loads agree). SQL: INSERT IGNORE.
   */
  static async addVersion(
    db: Db,
    workflowId: string,
    version: number,
    definition: string,
    steps: readonly NewStepRow[],
    ifAbsent = false,
  ): Promise<void> {
    const manager = managerOf(db);
    const ignore = ifAbsent ? 'IGNORE ' : '';
    await manager.query(
      `INSERT ${ignore}INTO workflow_versions (workflow_id, version, workflow_definition) VALUES (?, ?, ?)`,
      [workflowId, version, definition],
    );
    if (steps.length === 0) return;
    await manager.query(
      `INSERT ${ignore}INTO workflow_steps
         (workflow_id, workflow_version, step_order, step_name, step_type, target_type_id,
          input_mapping, output_mapping, error_handling, max_retries)
       VALUES ?`,
      [
        steps.map((step) => [
          workflowId,
          version,
          step.stepOrder,
          step.stepName,
          step.stepType,
          step.targetTypeId,
          step.inputMapping,
          step.outputMapping,
          step.errorHandling,
          step.maxRetries,
        ]),
      ],
    );
  }

  /** The step rows of a version, in step_order. */
  static async steps(db: Db, workflowId: string, version: number): Promise<WorkflowStep[]> {
    return repositoryOf(db, WorkflowStep).find({
      where: { workflowId, workflowVersion: version },
      order: { stepOrder: 'ASC' },
    });
  }

  static async sourceExists(db: Db, sourceId: string): Promise<boolean> {
    return repositoryOf(db, CrawlSource).existsBy({ id: sourceId });
  }

  /** Which of these target type ids exist. */
  static async existingTargetTypes(db: Db, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await repositoryOf(db, TargetType).find({
      where: { id: In([...ids]) },
      select: { id: true },
    });
    return new Set(rows.map((row) => String(row.id)));
  }
}
