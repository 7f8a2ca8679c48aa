export * from './lib/bootstrap/body-limit';
export * from './lib/bootstrap/bootstrap';
export * from './lib/health/readiness';
export * from './lib/logging/json-logger';
export * from './lib/metrics/metrics.service';
export * from './lib/observability.module';
export * from './lib/app-foundation';
