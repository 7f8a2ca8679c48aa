export * from './lib/engine-errors';
export * from './lib/jobs/job-factory';
