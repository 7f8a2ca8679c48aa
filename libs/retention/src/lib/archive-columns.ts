import type { DataSource } from 'typeorm';

/** Live table → its archive. Each archive row keeps its id; `archived_at` is set on the move. */
export const ARCHIVED_TABLES = {
  crawling_jobs: 'crawling_jobs_archive',
  crawling_tasks: 'crawling_tasks_archive',
  workflow_executions: 'workflow_executions_archive',
} as const;
export type ArchivedTable = keyof typeof ARCHIVED_TABLES;

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

/** Explicit column list per live table, every one of them present in its archive. */
export type ArchiveColumns = Record<ArchivedTable, string[]>;

/**
 * Reads the column lists from information_schema (so a column added by a later migration is carried
 * along) and checks that nothing would be lost: every live column exists in the archive, and every
 * foreign-key child of crawling_jobs has a rule.
 */
export async function loadArchiveColumns(dataSource: DataSource): Promise<ArchiveColumns> {
  const tables = [...Object.keys(ARCHIVED_TABLES), ...Object.values(ARCHIVED_TABLES)];
  const rows: Array<{ TABLE_NAME: string; COLUMN_NAME: string }> = await dataSource.query(
    `SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)
      ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [tables],
  );
  const columnsOf = (table: string): string[] =>
    rows.filter((row) => row.TABLE_NAME === table).map((row) => row.COLUMN_NAME);

  const result = {} as ArchiveColumns;
  for (const [live, archive] of Object.entries(ARCHIVED_TABLES) as Array<[ArchivedTable, string]>) {
    const liveColumns = columnsOf(live);
    const archiveColumns = new Set(columnsOf(archive));
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

  const children: Array<{ TABLE_NAME: string }> = await dataSource.query(
    `SELECT DISTINCT TABLE_NAME FROM information_schema.KEY_COLUMN_USAGE
      WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME = 'crawling_jobs'`,
  );
  const unknown = children.map((row) => row.TABLE_NAME).filter((table) => !(table in JOB_CHILD_RULES));
  if (unknown.length > 0) {
    throw new ArchiveSchemaError(
      `${unknown.join(', ')} reference crawling_jobs and would lose rows by cascade; give them a rule in JOB_CHILD_RULES`,
    );
  }
  return result;
}
