import { SqliteSchema1764892800001 } from './1764892800001-SqliteSchema';

export { SqliteSchema1764892800001 } from './1764892800001-SqliteSchema';

/**
 * The SQLite schema, in order of application; append only, never reorder or rename (the migrations
 * table records names). One migration stands for the seven MySQL ones: a SQLite database starts at
 * the current schema, and a MySQL migration added later gets its SQLite twin appended here.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own option type
export const SQLITE_MIGRATIONS: Function[] = [SqliteSchema1764892800001];
