export * from './lib/placeholders';
export * from './lib/step-payloads';
export * from './lib/task-errors';
export * from './lib/task-messages';
export * from './lib/topology';
export * from './lib/validation';
export * from './lib/workflow';
export * from './lib/user-regex';
