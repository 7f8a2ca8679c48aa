export * from './lib/health/readiness';
export * from './lib/logging/json-logger';
export * from './lib/metrics/metrics.service';
export * from './lib/observability.module';
export { errorText } from './lib/error-text';
