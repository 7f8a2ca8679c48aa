export { deadLetter } from './lib/dead-letter';
export { EventRelay } from './lib/event-relay';
export { LeaseSweeper, type LeaseSweeperOptions } from './lib/lease-sweeper';
export { OutboxRelay, type OutboxRelayOptions } from './lib/outbox-relay';
export { prometheusTransportMetrics } from './lib/prometheus-transport-metrics';
export { ResultProcessor, type ResultProcessorOptions } from './lib/result-processor';
export {
  backoffDelay,
  defaultResultPolicy,
  DEFAULT_BACKOFF_OPTIONS,
  type BackoffOptions,
  type ResultPolicy,
} from './lib/retry-policy';
export { TaskWorker, type TaskOutput, type TaskHandler, type TaskWorkerOptions } from './lib/task-worker';
export type { TransportMetrics } from './lib/transport-metrics';
export { databaseGate } from './lib/database-gate';
export {
  ResultApplier,
  type AppliedHook,
  type ResultApplierOptions,
  type RefusedResult,
  type ApplyOutcome,
} from './lib/result-applier';
