import nx from '@nx/eslint-plugin';

const specFiles = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'];

// Apps deploy, libs hold the code: apps import libs only, libs never import apps, contracts depend on
// nothing of ours, and the test-support lib is reachable from specs (and bench) alone.
// The test-support lib builds on the libs it helps to test, and their specs import it back: a cycle
// that exists only through spec files, so it is allowed for that lib alone.
const testedLibs = [
  'api',
  'config',
  'crawl',
  'db',
  'engine',
  'messaging',
  'observability',
  'retention',
  'scheduling',
  'steps',
  'transport',
];

const boundaries = (allowTesting) => [
  'error',
  {
    enforceBuildableLibDependency: false,
    allow: [],
    ignoredCircularDependencies: testedLibs.map((lib) => [lib, 'testing']),
    depConstraints: [
      {
        sourceTag: 'type:app',
        onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', ...(allowTesting ? ['type:testing'] : [])],
      },
      {
        sourceTag: 'type:lib',
        onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', ...(allowTesting ? ['type:testing'] : [])],
      },
      { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
      { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', 'type:testing'] },
      // End-to-end suites and benchmarks drive the apps as processes; they import libs only.
      { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', 'type:testing'] },
      { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', 'type:testing'] },
    ],
  },
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/.nx', 'coverage'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries(false),
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'describe', property: 'only', message: 'Focused tests skip the rest of the suite.' },
        { object: 'it', property: 'only', message: 'Focused tests skip the rest of the suite.' },
        { object: 'test', property: 'only', message: 'Focused tests skip the rest of the suite.' },
      ],
    },
  },
  {
    // A lib's own spec harness (`src/lib/testing/`) is test code like its specs.
    files: [...specFiles, 'bench/**/*.ts', 'libs/testing/**/*.ts', 'libs/*/src/lib/testing/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(true) },
  },
];
