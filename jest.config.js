// Three tiers by suffix: *.spec.ts (pure), *.int-spec.ts (real MariaDB/RabbitMQ), *.e2e-spec.ts
// (apps as real processes). `jest --selectProjects unit|int|e2e` picks one.
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]),
);

const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const tier = (displayName, suffix, extra = {}) => ({
  displayName,
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/tools'],
  testMatch: [`**/*.${suffix}.ts`],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper,
  setupFiles: ['<rootDir>/jest.setup.js'],
  ...extra,
});

const services = {
  globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
};

module.exports = {
  projects: [
    tier('unit', 'spec'),
    tier('int', 'int-spec', services),
    tier('e2e', 'e2e-spec', services),
  ],
};
