export { AmqpClient, type SetupHook, type TeardownHook, type AmqpClientOptions } from './lib/amqp-client';
export {
  connectMemoryBus,
  dropMemoryBroker,
  isMemoryBusUrl,
  memoryBrokerName,
} from './lib/memory-bus/registry';
export {
  BrokerUnavailableError,
  ConfirmPublisher,
  type OutgoingMessage,
  type ConfirmPublisherOptions,
} from './lib/confirm-publisher';
export { silentLogger, type MessagingLogger } from './lib/logger';
export { TieredConsumer, type Delivery, type TieredConsumerOptions } from './lib/tiered-consumer';
export {
  declareStageQueues,
  declareResultsQueue,
  declareTriggerQueues,
  declareTopology,
} from './lib/topology';
export { MessagingModule, type MessagingModuleOptions } from './lib/messaging.module';
export { DependencyGate, type DependencyGateOptions } from './lib/dependency-gate';
export { QueueConsumer, type Held, type QueueConsumerOptions } from './lib/queue-consumer';
