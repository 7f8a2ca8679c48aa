export * from './ledger.types';
export * from './sql-values';
export * from './task-ledger';
export * from './task-data';
export * from './text-bytes';
export { TasksRepository } from './tasks.repository';
