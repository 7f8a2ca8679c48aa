/**
 * The figures behind the SQL that stays hand-written in libs/db (docs/adr/0012): settling a batch of
 * queue entries, each with its own status and error, as the ledger does for every result batch and
 * relay round, in one JSON_TABLE statement against the same work through TypeORM, one `update` per
 * entry in one transaction. Rounds alternate; medians are quoted.
 * `node -r @swc-node/register bench/data-access.bench.ts [entries] [rounds]` (defaults 2,000 and 5).
 */
import { CrawlingQueue, TaskLedger } from '@crawlflow/db';
import { createTestDatabase, insertJob, insertWorkflow, taskBatch } from '@crawlflow/testing';

const ENTRIES = Number(process.argv[2] ?? 2000);
const ROUNDS = Number(process.argv[3] ?? 5);

interface Settlement {
  id: string;
  status: 'COMPLETED' | 'FAILED';
  err: string | null;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const db = await createTestDatabase();
  try {
    const workflowId = await insertWorkflow(db.dataSource);
    const fresh = async (): Promise<Settlement[]> => {
      const jobId = await insertJob(db.dataSource, workflowId);
      await db.dataSource.transaction((manager) => TaskLedger.enqueue(manager, taskBatch(jobId, ENTRIES)));
      const entries = await db.dataSource.getRepository(CrawlingQueue).find({
        select: { id: true },
        where: { jobId },
        order: { id: 'ASC' },
      });
      return entries.map((entry, i) => ({
        id: entry.id,
        status: i % 10 === 0 ? 'FAILED' : 'COMPLETED',
        err: i % 10 === 0 ? `attempt ${i} failed` : null,
      }));
    };

    const oneStatement = async (batch: Settlement[]): Promise<void> => {
      await db.dataSource.transaction((manager) =>
        manager.query(
          `UPDATE crawling_queues q
             JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$[0]', status VARCHAR(20) PATH '$[1]', err TEXT PATH '$[2]')) v
               ON q.id = v.id
              SET q.status = v.status, q.last_error = v.err, q.updated_at = NOW(3)`,
          [JSON.stringify(batch.map((s) => [s.id, s.status, s.err]))],
        ),
      );
    };
    const perEntity = async (batch: Settlement[]): Promise<void> => {
      await db.dataSource.transaction(async (manager) => {
        const queue = manager.getRepository(CrawlingQueue);
        for (const s of batch) await queue.update({ id: s.id }, { status: s.status, lastError: s.err });
      });
    };

    const timings = { sql: [] as number[], typeorm: [] as number[] };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, run] of [
        ['sql', oneStatement],
        ['typeorm', perEntity],
      ] as const) {
        const batch = await fresh();
        const started = process.hrtime.bigint();
        await run(batch);
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        timings[name].push(ms);
        console.log(`round ${round} ${name.padEnd(7)} ${ENTRIES} entries settled in ${ms.toFixed(0)} ms`);
      }
    }
    const sql = median(timings.sql);
    const typeorm = median(timings.typeorm);
    console.log(
      `median: one JSON_TABLE statement ${sql.toFixed(0)} ms, TypeORM update per entry ${typeorm.toFixed(0)} ms ` +
        `(${(typeorm / sql).toFixed(1)}x)`,
    );
  } finally {
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
