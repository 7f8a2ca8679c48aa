export * from './lib/task-messages';
export * from './lib/topology';
export * from './lib/validation';
