export * from './lib/column-sizes';
export * from './lib/data-source';
export * from './lib/db.module';
export * from './lib/entities';
export * from './lib/enums';
export * from './lib/ledger';
export * from './lib/migrate';
export * from './lib/migrations';
