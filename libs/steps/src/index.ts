export * from './lib/fetch-step';
export * from './lib/page-store';
export * from './lib/parse-step';
export * from './lib/store-step';
export * from './lib/worker.module';
export * from './lib/worker.service';
