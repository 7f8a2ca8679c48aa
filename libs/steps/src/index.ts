export { fetchStep } from './lib/fetch-step';
export { savePage } from './lib/page-store';
export { parseStep } from './lib/parse-step';
export { storeStep } from './lib/store-step';
export { WorkerModule } from './lib/worker.module';
