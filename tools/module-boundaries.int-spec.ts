import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

jest.setTimeout(120_000);

/** The module-boundary lint really constrains: each case is linted as if it lived at `filePath`. */
describe('module boundaries', () => {
  beforeAll(() => {
    // The rule reads Nx's cached project graph; without one it would skip silently.
    execFileSync('npx', ['nx', 'show', 'projects'], {
      cwd: ROOT,
      env: { ...process.env, NX_DAEMON: 'false' },
    });
  });

  /**
   * Runs the real `eslint` binary on `code` written to `filePath` (removed after): messages of
   * `ruleId`. On disk, not stdin: the type-aware rules need the file in the TypeScript project.
   * Production-code samples are named `*.lint-sample.ts`, which the build leaves out (another test
   * file may be building meanwhile).
   */
  async function lintErrors(filePath: string, code: string, ruleId: string): Promise<string[]> {
    const path = resolve(ROOT, filePath);
    if (existsSync(path)) throw new Error(`${filePath} exists: the sample would overwrite it`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, code);
    try {
      const run = spawnSync('npx', ['eslint', '--format', 'json', path], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, NX_DAEMON: 'false' },
      });
      const [result] = JSON.parse(run.stdout) as Array<{
        messages: Array<{ ruleId: string | null; message: string }>;
      }>;
      const parseError = result.messages.find((m) => m.ruleId === null);
      if (parseError) throw new Error(`${filePath} was not linted: ${parseError.message}`);
      return result.messages.filter((m) => m.ruleId === ruleId).map((m) => m.message);
    } finally {
      rmSync(path, { force: true });
    }
  }

  const boundaryErrors = (filePath: string, code: string): Promise<string[]> =>
    lintErrors(filePath, code, '@nx/enforce-module-boundaries');

  it('refuses an app importing another app', async () => {
    const errors = await boundaryErrors(
      'apps/scheduler/src/bad.lint-sample.ts',
      "import { AppModule } from '../../orchestrator/src/app.module';\nexport const x = AppModule;\n",
    );
    expect(errors.length).toBeGreaterThan(0);
  });

  it('refuses a lib importing an app', async () => {
    const errors = await boundaryErrors(
      'libs/db/src/bad.lint-sample.ts',
      "import { AppModule } from '../../../apps/orchestrator/src/app.module';\nexport const x = AppModule;\n",
    );
    expect(errors.length).toBeGreaterThan(0);
  });

  it('refuses the test-support lib outside specs, and allows it in one', async () => {
    const code = "import { waitFor } from '@crawlflow/testing';\nexport const x = waitFor;\n";
    expect(await boundaryErrors('libs/transport/src/lib/bad.lint-sample.ts', code)).toEqual([
      expect.stringMatching(/type:lib.*can only depend on libs tagged/),
    ]);
    expect(await boundaryErrors('libs/transport/src/lib/fine.int-spec.ts', code)).toEqual([]);
  });

  it('refuses the contracts lib depending on another lib of ours', async () => {
    const errors = await boundaryErrors(
      'libs/contracts/src/lib/bad.lint-sample.ts',
      "import { loadConfig } from '@crawlflow/config';\nexport const x = loadConfig;\n",
    );
    expect(errors).toEqual([expect.stringMatching(/type:contracts/)]);
  });

  describe('layers: base < infra < domain < edge < shell', () => {
    it('refuses base importing infra', async () => {
      const errors = await boundaryErrors(
        'libs/config/src/lib/bad.lint-sample.ts',
        "import { AmqpClient } from '@crawlflow/messaging';\nexport const x = AmqpClient;\n",
      );
      expect(errors).toEqual([
        expect.stringMatching(/"layer:base" can only depend on libs tagged with "layer:base"/),
      ]);
    });

    it('refuses infra importing domain', async () => {
      const errors = await boundaryErrors(
        'libs/messaging/src/lib/bad.lint-sample.ts',
        "import { parseHtml } from '@crawlflow/crawl';\nexport const x = parseHtml;\n",
      );
      expect(errors).toEqual([expect.stringMatching(/"layer:infra" can only depend on/)]);
    });

    it('refuses domain importing the edge (api already depends on every domain lib, so it is a cycle too)', async () => {
      const errors = await boundaryErrors(
        'libs/steps/src/lib/bad.lint-sample.ts',
        "import { ApiModule } from '@crawlflow/api';\nexport const x = ApiModule;\n",
      );
      expect(errors).toHaveLength(1);
    });

    it('refuses domain importing the shell', async () => {
      const errors = await boundaryErrors(
        'libs/engine/src/lib/bad.lint-sample.ts',
        "import { appFoundation } from '@crawlflow/shell';\nexport const x = appFoundation;\n",
      );
      expect(errors).toEqual([expect.stringMatching(/"layer:domain" can only depend on/)]);
    });

    it('refuses the edge importing the shell', async () => {
      const errors = await boundaryErrors(
        'libs/api/src/lib/bad.lint-sample.ts',
        "import { bootstrap } from '@crawlflow/shell';\nexport const x = bootstrap;\n",
      );
      expect(errors).toEqual([expect.stringMatching(/"layer:edge" can only depend on/)]);
    });

    it('refuses a cycle inside a layer: engine uses transport, so transport may not use engine', async () => {
      const errors = await boundaryErrors(
        'libs/transport/src/lib/bad.lint-sample.ts',
        "import { EngineModule } from '@crawlflow/engine';\nexport const x = EngineModule;\n",
      );
      expect(errors).toEqual([expect.stringMatching(/[Cc]ircular/)]);
    });

    it('allows a lower layer and the own one', async () => {
      const code =
        "import { TaskLedger } from '@crawlflow/db';\nimport { parseHtml } from '@crawlflow/crawl';\nexport const x = [TaskLedger, parseHtml];\n";
      expect(await boundaryErrors('libs/scheduling/src/lib/fine.lint-sample.ts', code)).toEqual([]);
    });
  });

  describe('the demo site (type:fixture)', () => {
    const code =
      "import { startSampleShop } from '@crawlflow/sample-shop';\nexport const x = startSampleShop;\n";

    it('refuses it in production code of a lib and of tools outside the demo', async () => {
      expect(await boundaryErrors('libs/crawl/src/lib/bad.lint-sample.ts', code)).toEqual([
        expect.stringMatching(/"type:lib" can only depend on libs tagged/),
      ]);
      expect(await boundaryErrors('tools/crawlctl/bad.lint-sample.ts', code)).toEqual([
        expect.stringMatching(/"type:app" can only depend on libs tagged/),
      ]);
    });

    it('allows it in specs, e2e suites, bench and the demo', async () => {
      expect(await boundaryErrors('libs/crawl/src/lib/fine.spec.ts', code)).toEqual([]);
      expect(await boundaryErrors('apps/system-e2e/src/fine.e2e-spec.ts', code)).toEqual([]);
      expect(await boundaryErrors('bench/fine.bench.ts', code)).toEqual([]);
      expect(await boundaryErrors('tools/demo/fine.lint-sample.ts', code)).toEqual([]);
    });
  });

  it('allows an app importing libs', async () => {
    const errors = await boundaryErrors(
      'apps/orchestrator/src/fine.lint-sample.ts',
      "import { loadConfig } from '@crawlflow/config';\nexport const x = loadConfig;\n",
    );
    expect(errors).toEqual([]);
  });

  describe('hand-written SQL', () => {
    const code = [
      "import { DataSource } from 'typeorm';",
      'export async function count(dataSource: DataSource): Promise<unknown> {',
      "  return dataSource.query('SELECT COUNT(*) AS n FROM crawling_jobs');",
      '}',
      '',
    ].join('\n');
    const sqlErrors = (filePath: string): Promise<string[]> =>
      lintErrors(filePath, code, 'no-restricted-syntax');

    it('refuses .query( outside libs/db', async () => {
      expect(await sqlErrors('libs/api/src/lib/jobs/bad.lint-sample.ts')).toEqual([
        expect.stringContaining('data access goes through the repositories in libs/db'),
      ]);
    });

    it('allows it in libs/db and in spec files', async () => {
      expect(await sqlErrors('libs/db/src/lib/jobs/fine.repository.lint-sample.ts')).toEqual([]);
      expect(await sqlErrors('libs/api/src/lib/jobs/fine.int-spec.ts')).toEqual([]);
      expect(await sqlErrors('libs/api/src/lib/jobs/fine.spec.ts')).toEqual([]);
    });
  });

  describe('type-aware rules', () => {
    it('refuses a floating promise, and takes one that is awaited or voided on purpose', async () => {
      const code = (call: string): string =>
        [
          'async function save(): Promise<void> {}',
          'export async function run(): Promise<void> {',
          `  ${call};`,
          '}',
          '',
        ].join('\n');
      const floating = (body: string): Promise<string[]> =>
        lintErrors(
          'libs/transport/src/lib/sample.lint-sample.ts',
          code(body),
          '@typescript-eslint/no-floating-promises',
        );
      expect(await floating('save()')).toEqual([expect.stringContaining('Promises must be awaited')]);
      expect(await floating('await save()')).toEqual([]);
      expect(await floating('void save()')).toEqual([]);
    });

    it('refuses an import of one module written twice', async () => {
      const code = [
        "import { STAGES } from '@crawlflow/contracts';",
        "import { TIERS } from '@crawlflow/contracts';",
        'export const all = [...STAGES, ...TIERS];',
        '',
      ].join('\n');
      expect(
        await lintErrors('libs/transport/src/lib/sample.lint-sample.ts', code, 'import-x/no-duplicates'),
      ).not.toEqual([]);
    });
  });
});
