export { unavailableReport, type CheckResult, type ReadinessReport } from './lib/health/readiness';
export { JsonLogger, type LineLevel, type JsonLoggerOptions } from './lib/logging/json-logger';
export { MetricsService } from './lib/metrics/metrics.service';
export { ObservabilityModule, type ObservabilityOptions } from './lib/observability.module';
export { errorText } from './lib/error-text';
