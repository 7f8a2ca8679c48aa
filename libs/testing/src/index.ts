export * from './test-database';
export * from './builders';
export * from './services';
export * from './test-broker';
export * from './transport-harness';
export * from './wait-for';
