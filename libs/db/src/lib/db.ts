import { DataSource, type EntityManager, type EntityTarget, type ObjectLiteral, type Repository } from 'typeorm';

/**
 * What a repository method runs on: the DataSource (its own statement or transaction) or the
 * EntityManager of the caller's transaction. Repositories are classes of static methods named for
 * what their callers need; the first argument is always a Db.
 */
export type Db = DataSource | EntityManager;

export function managerOf(db: Db): EntityManager {
  return db instanceof DataSource ? db.manager : db;
}

/** The TypeORM repository of an entity, inside the caller's transaction when there is one. */
export function repositoryOf<T extends ObjectLiteral>(db: Db, entity: EntityTarget<T>): Repository<T> {
  return managerOf(db).getRepository(entity);
}
