export * from './lib/sample-shop';
