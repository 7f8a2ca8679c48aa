export { ApiModule, type ApiModuleOptions } from './lib/api.module';
export type { TriggerConsumerOptions } from './lib/triggers/trigger.consumer';
