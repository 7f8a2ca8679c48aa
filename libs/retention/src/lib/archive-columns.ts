import { ARCHIVED_TABLES, ArchiveColumns, ArchivedTable, Db, JobArchiveRepository } from '@crawlflow/db';

/**
 * Tables with a foreign key to crawling_jobs and what archiving does with their rows. A new child
 * table must be added here (with a rule) before the archiver runs again: its rows would otherwise
 * vanish through ON DELETE CASCADE without anyone having decided so.
 */
export const JOB_CHILD_RULES: Readonly<Record<string, string>> = {
  crawling_tasks: 'moved to crawling_tasks_archive',
  workflow_executions: 'moved to workflow_executions_archive',
  job_dependencies: 'removed: the edges of a finished job are decided and nothing reads them again',
};

export class ArchiveSchemaError extends Error {
  constructor(message: string) {
    super(`job archiving refused: ${message}`);
    this.name = 'ArchiveSchemaError';
  }
}

/**
 * Reads the column lists from the schema (so a column added by a later migration is carried along)
 * and checks that nothing would be lost: every live column exists in the archive, and every
 * foreign-key child of crawling_jobs has a rule.
 */
export async function loadArchiveColumns(db: Db): Promise<ArchiveColumns> {
  const tables = [...Object.keys(ARCHIVED_TABLES), ...Object.values(ARCHIVED_TABLES)];
  const columnsOf = await JobArchiveRepository.columnsOf(db, tables);

  const result = {} as Record<ArchivedTable, string[]>;
  for (const [live, archive] of Object.entries(ARCHIVED_TABLES) as Array<[ArchivedTable, string]>) {
    const liveColumns = columnsOf.get(live) ?? [];
    const archiveColumns = new Set(columnsOf.get(archive) ?? []);
    if (liveColumns.length === 0) throw new ArchiveSchemaError(`table ${live} does not exist`);
    if (archiveColumns.size === 0) throw new ArchiveSchemaError(`table ${archive} does not exist`);
    if (!archiveColumns.has('archived_at')) throw new ArchiveSchemaError(`${archive} has no archived_at`);
    const missing = liveColumns.filter((column) => !archiveColumns.has(column));
    if (missing.length > 0) {
      throw new ArchiveSchemaError(
        `${archive} lacks ${missing.join(', ')} of ${live}; add them in the migration that added them to ${live}`,
      );
    }
    result[live] = liveColumns;
  }

  const children = await JobArchiveRepository.tablesReferencing(db, 'crawling_jobs');
  const unknown = children.filter((table) => !(table in JOB_CHILD_RULES));
  if (unknown.length > 0) {
    throw new ArchiveSchemaError(
      `${unknown.join(', ')} reference crawling_jobs and would lose rows by cascade; give them a rule in JOB_CHILD_RULES`,
    );
  }
  return result;
}
