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

// Every table has one owner: SQL lives in the repositories of libs/db, whose methods the other libs,
// the apps and the tools call. Specs, the test-support lib, benchmarks and migrations set up and
// inspect databases directly.
const QUERY_MESSAGE =
  'Hand-written SQL outside libs/db: data access goes through the repositories in libs/db (add or use a repository method there).';

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
    files: [...specFiles, 'bench/**/*.ts', 'libs/testing/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(true) },
  },
  {
    files: ['**/*.ts'],
    ignores: ['libs/db/**', ...specFiles, 'libs/testing/**', 'bench/**', '**/migrations/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='query']", message: QUERY_MESSAGE },
        { selector: "CallExpression[callee.property.value='query']", message: QUERY_MESSAGE },
      ],
    },
  },
];
