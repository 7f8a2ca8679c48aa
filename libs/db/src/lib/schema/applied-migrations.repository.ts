import { Db, managerOf } from '../db';
import { databaseErrorCode } from '../db-errors';

/** TypeORM's record of applied migrations (the data source's migrationsTableName), read only. */
export class AppliedMigrationsRepository {
  /** The names of the applied migrations; none while the table does not exist (no migration ran yet). */
  static async names(db: Db): Promise<string[]> {
    const manager = managerOf(db);
    const table = manager.connection.options.migrationsTableName ?? 'migrations';
    try {
      const rows: Array<{ name: string }> = await manager
        .createQueryBuilder()
        .select('m.name', 'name')
        .from(table, 'm')
        .getRawMany();
      return rows.map((row) => row.name);
    } catch (error) {
      if (databaseErrorCode(error) === 'ER_NO_SUCH_TABLE') return [];
      throw error;
    }
  }
}
