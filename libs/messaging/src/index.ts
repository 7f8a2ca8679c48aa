export * from './lib/amqp-client';
export * from './lib/confirm-publisher';
export * from './lib/logger';
export * from './lib/tiered-consumer';
export * from './lib/topology';
export * from './lib/messaging.module';
export * from './lib/dependency-gate';
export * from './lib/queue-consumer';
