import nx from '@nx/eslint-plugin';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const specFiles = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'];

// Apps deploy, libs hold the code: apps import libs only, libs never import apps, contracts depend on
// nothing of ours, the test-support lib is reachable from specs (and bench) alone, and the demo site
// (type:fixture) from specs, bench and the demo alone.
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
  'shell',
  'steps',
  'transport',
];

// Layers, lowest first: a project depends on its own layer or lower ones. Cycles inside a layer are
// refused by the rule itself. The test-support lib and the fixture stay outside the layers.
const layers = ['layer:base', 'layer:infra', 'layer:domain', 'layer:edge', 'layer:shell'];
const layerConstraints = (extra) =>
  layers.map((layer, i) => ({
    sourceTag: layer,
    onlyDependOnLibsWithTags: [...layers.slice(0, i + 1), ...extra],
  }));

/** `testing`: the file may import the test-support lib; `fixture`: it may import the demo site. */
const boundaries = ({ testing = false, fixture = false } = {}) => {
  const extra = [...(testing ? ['type:testing'] : []), ...(fixture ? ['type:fixture'] : [])];
  return [
    'error',
    {
      enforceBuildableLibDependency: false,
      allow: [],
      ignoredCircularDependencies: testedLibs.map((lib) => [lib, 'testing']),
      depConstraints: [
        { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', ...extra] },
        { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', ...extra] },
        { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
        { sourceTag: 'type:fixture', onlyDependOnLibsWithTags: [] },
        {
          sourceTag: 'type:testing',
          onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', 'type:testing'],
        },
        // End-to-end suites and benchmarks drive the apps as processes; they import libs only.
        {
          sourceTag: 'type:e2e',
          onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', 'type:testing', 'type:fixture'],
        },
        {
          sourceTag: 'type:bench',
          onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', 'type:testing', 'type:fixture'],
        },
        ...layerConstraints(extra),
      ],
    },
  ];
};

// Every table has one owner: SQL lives in the repositories of libs/db, whose methods the other libs,
// the apps and the tools call. Specs, the test-support lib, benchmarks and migrations set up and
// inspect databases directly.
const QUERY_MESSAGE =
  'Hand-written SQL outside libs/db: data access goes through the repositories in libs/db (add or use a repository method there).';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/.nx', 'coverage'] },
  // Rules that know types: a floating promise, a template of an object, an assertion that changes
  // nothing are caught before review.
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ['**/*.ts', '**/*.tsx'] })),
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    rules: {
      '@nx/enforce-module-boundaries': boundaries(),
      '@typescript-eslint/no-floating-promises': 'error',
      'import-x/no-duplicates': 'error',
      'import-x/order': [
        'error',
        {
          groups: ['builtin', 'external', 'internal', 'parent', 'sibling', 'index'],
          'newlines-between': 'never',
          alphabetize: { order: 'asc', caseInsensitive: true },
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'describe', property: 'only', message: 'Focused tests skip the rest of the suite.' },
        { object: 'it', property: 'only', message: 'Focused tests skip the rest of the suite.' },
        { object: 'test', property: 'only', message: 'Focused tests skip the rest of the suite.' },
      ],
    },
  },
  // The demo crawls the demo site; the rest of tools/ is production code like any other.
  {
    files: ['tools/demo/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries({ fixture: true }) },
  },
  {
    // A lib's own spec harness (`src/lib/testing/`) is test code like its specs.
    files: [...specFiles, 'bench/**/*.ts', 'libs/*/src/lib/testing/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries({ testing: true, fixture: true }) },
  },
  {
    files: ['libs/testing/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries({ testing: true }) },
  },
  {
    files: ['**/*.ts'],
    ignores: [
      'libs/db/**',
      ...specFiles,
      'libs/testing/**',
      'libs/*/src/lib/testing/**',
      'bench/**',
      '**/migrations/**',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='query']", message: QUERY_MESSAGE },
        { selector: "CallExpression[callee.property.value='query']", message: QUERY_MESSAGE },
      ],
    },
  },
  // Tests read JSON bodies and rows loosely on purpose (what they assert is checked by the
  // assertion), and their doubles are async to match the interfaces they stand in for.
  {
    files: [...specFiles, 'libs/testing/**/*.ts', 'libs/*/src/lib/testing/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'warn',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  { files: ['**/*.mjs', '**/*.js', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
];
