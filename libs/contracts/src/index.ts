export * from './lib/placeholders';
export * from './lib/task-messages';
export * from './lib/topology';
export * from './lib/validation';
export * from './lib/workflow-definition';
