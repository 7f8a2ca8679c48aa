export { AppliedMigrationsRepository } from './applied-migrations.repository';
