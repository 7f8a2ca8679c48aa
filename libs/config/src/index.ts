export * from './lib/app-config';
export * from './lib/config-error';
export * from './lib/config.module';
export * from './lib/load-or-exit';
export { redact } from './lib/parsers';
