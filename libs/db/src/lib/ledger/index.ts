export * from './ledger.types';
export * from './sql-values';
export * from './task-ledger';
