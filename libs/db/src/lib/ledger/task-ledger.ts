import { queueTypeForTier, Stage, tierForPriority, type QueueType } from '@crawlflow/contracts';
import { LessThan, type EntityManager } from 'typeorm';
import { type Db, repositoryOf } from '../db';
import { dialectOf } from '../dialect';
import { CrawlingTask } from '../entities';
import {
  AppliedResult,
  ClaimedEntry,
  EnqueuedTask,
  EntryRef,
  EntryStatus,
  ExpiredEntry,
  LedgerTaskState,
  NewTask,
  ResultDecision,
} from './ledger.types';
import { chunksByBytes, jsonRows, toSqlTimestamp } from './sql-values';
import { spilledStub, TaskData } from './task-data';
import { clipBytesOrNull, fitsBytes } from './text-bytes';

/** Until 2038 (TIMESTAMP's end): entries of a paused job, or beyond its max_parallel_tasks, wait here. */
export const PARKED_UNTIL = '2037-12-31 00:00:00';

/** last_error of an entry the sweeper put back: its next dispatch is a suspect (see TieredConsumer). */
const LEASE_EXPIRED = 'lease expired: dispatched again';

/**
 * The durable ledger behind the task queues: every dispatch is a `crawling_queues` entry, written
 * in the same transaction as its task, so no message can exist that the ledger does not know.
 */
export class TaskLedger {
  /** Writes tasks and their WAITING entries; call inside the transaction that decided them. */
  static async enqueue(manager: EntityManager, tasks: readonly NewTask[]): Promise<EnqueuedTask[]> {
    if (tasks.length === 0) return [];
    // Each statement carries at most a few MB (a batch of big STORE payloads would not fit one).
    const chunks = chunksByBytes(tasks, (task) => Buffer.byteLength(JSON.stringify(task.payload)));
    if (chunks.length > 1) {
      const enqueued: EnqueuedTask[] = [];
      for (const chunk of chunks) enqueued.push(...(await TaskLedger.enqueue(manager, chunk)));
      return enqueued;
    }
    // The payload is the task's input: it goes to crawling_tasks.input_data and to the entry, or,
    // when it outgrows TEXT, to task_data with a stub in both columns (the worker loads it).
    const payloads = tasks.map((t) => JSON.stringify(t.payload));
    const columns = payloads.map((json) => (fitsBytes(json) ? json : spilledStub('PAYLOAD', json)));
    const inserted: { insertId: number | string; affectedRows: number } = await manager.query(
      `INSERT INTO crawling_tasks
         (job_id, step_id, step_order, target_url, task_type, status, retry_count, sequence_number, input_data)
       VALUES ?`,
      [
        tasks.map((t, i) => [
          t.jobId,
          t.stepId ?? null,
          t.stepOrder ?? null,
          t.targetUrl ?? null,
          t.taskType,
          'PENDING',
          0,
          t.sequenceNumber,
          columns[i],
        ]),
      ],
    );
    const ids = await insertedTaskIds(manager, tasks, inserted);

    const withIds = tasks.map((task, i) => {
      const taskId = ids.get(`${task.jobId}:${task.sequenceNumber}`);
      if (!taskId) throw new Error(`task ${task.jobId}/${task.sequenceNumber} vanished after insert`);
      return { task, taskId, payload: columns[i], json: payloads[i] };
    });
    await TaskData.save(
      manager,
      withIds
        .filter(({ payload, json }) => payload !== json)
        .map(({ task, taskId, json }) => ({ taskId, jobId: task.jobId, kind: 'PAYLOAD', json })),
    );

    await manager.query(
      `INSERT INTO crawling_queues
         (queue_type, stage, job_id, task_id, priority, status, scheduled_for, attempt_count, payload)
       VALUES ${withIds.map(({ task }) => `(?, ?, ?, ?, ?, 'WAITING', ${task.parkedUntil ? '?' : 'NOW(3) + INTERVAL ? MICROSECOND'}, 0, ?)`).join(', ')}`,
      withIds.flatMap(({ task, taskId, payload }) => [
        queueTypeForTier(tierForPriority(task.priority)),
        task.taskType,
        task.jobId,
        taskId,
        task.priority,
        task.parkedUntil ?? Math.max(0, Math.round((task.delayMs ?? 0) * 1000)),
        payload,
      ]),
    );
    return withIds.map(({ task, taskId }) => ({ taskId, sequenceNumber: task.sequenceNumber }));
  }

  /**
   * The original design's claim query (docs/data-model.md#the-claim-query): due WAITING entries,
   * high tier first, then priority, then age, as a plain read that locks nothing; then the entries
   * it chose are locked by id (FOR UPDATE SKIP LOCKED: another relay's are skipped) and stay locked
   * until the caller's transaction ends. A locking walk of the claim index would lock every WAITING
   * entry it passes over, parked ones included, for as long as the round waits for the broker, and
   * the engine, releasing parked entries of a job under the job's row lock, would wait with it
   * (ADR 0013). `skip` names entries a sibling round of this process holds.
   */
  static async claimDue(
    manager: EntityManager,
    limit: number,
    skip: ReadonlySet<string> = new Set(),
  ): Promise<ClaimedEntry[]> {
    const candidates = await manager.query<Array<{ id: string; created_at: Date }>>(
      `SELECT id, created_at
         FROM crawling_queues
        WHERE status = 'WAITING' AND scheduled_for <= NOW(3) ${skip.size > 0 ? 'AND id NOT IN (?)' : ''}
        ORDER BY queue_type, priority DESC, created_at
        LIMIT ?`,
      skip.size > 0 ? [[...skip], limit] : [limit],
    );
    if (candidates.length === 0) return [];
    const keys = entryKeys(
      manager,
      candidates.map((row) => ({ id: String(row.id), createdAt: toSqlTimestamp(row.created_at) })),
    );
    const rows: Array<{
      id: string;
      job_id: string;
      task_id: string;
      stage: string;
      queue_type: QueueType;
      attempt_count: number;
      payload: string | null;
      created_at: Date;
      redispatched: number | null;
    }> = await manager.query(
      `SELECT id, job_id, task_id, stage, queue_type, attempt_count, payload, created_at,
              last_error = '${LEASE_EXPIRED}' AS redispatched
         FROM crawling_queues
        WHERE ${keys.sql} AND status = 'WAITING' AND scheduled_for <= NOW(3)
        ORDER BY queue_type, priority DESC, created_at
          FOR UPDATE SKIP LOCKED`,
      keys.params,
    );
    return rows.map((row) => ({
      id: String(row.id),
      jobId: String(row.job_id),
      taskId: String(row.task_id),
      stage: row.stage.toLowerCase() as Stage,
      queueType: row.queue_type,
      attempt: Number(row.attempt_count) + 1,
      createdAt: toSqlTimestamp(row.created_at),
      payload: row.payload ?? '{}',
      suspect: Number(row.redispatched) === 1,
    }));
  }

  /**
   * After the broker confirmed: the entries are in flight until their lease ends. The task rows are
   * left alone (a PENDING task whose entry is PROCESSING is running): one row write per dispatch
   * instead of two keeps the relay cheap.
   */
  static async markDispatched(
    manager: EntityManager,
    entries: readonly ClaimedEntry[],
    leaseMs: number,
  ): Promise<void> {
    if (entries.length === 0) return;
    const keys = entryKeys(manager, entries);
    await manager.query(
      `UPDATE crawling_queues
          SET status = 'PROCESSING', attempt_count = attempt_count + 1, dispatched_at = NOW(3),
              lease_until = NOW(3) + INTERVAL ? MICROSECOND, updated_at = NOW(3)
        WHERE ${keys.sql} AND status = 'WAITING'`,
      [leaseMs * 1000, ...keys.params],
    );
  }

  /** Ledger status and dispatch count of entries, for a worker's delivery check (one query per batch). */
  static async statuses(db: Db, entries: readonly EntryRef[]): Promise<Map<string, EntryStatus>> {
    if (entries.length === 0) return new Map();
    const rows: Array<{ id: string; status: EntryStatus['status']; attempt_count: number }> = await db.query(
      `SELECT id, status, attempt_count FROM crawling_queues WHERE id IN (?) ${createdWithin(db, entries)}`,
      [entries.map((e) => e.id), ...createdRange(db, entries)],
    );
    return new Map(
      rows.map((row) => [String(row.id), { status: row.status, attemptCount: Number(row.attempt_count) }]),
    );
  }

  /** Locks the entries of a batch of results and reads what they are judged against. */
  static async lockStates(
    manager: EntityManager,
    entries: readonly EntryRef[],
    /** Entries whose task's retry_count matters (failed results): read for these only. */
    needRetryCount: ReadonlySet<string> = new Set(entries.map((e) => e.id)),
  ): Promise<Map<string, LedgerTaskState>> {
    if (entries.length === 0) return new Map();
    // The entry rows are the lock: every result of a task goes through its entry.
    const keys = entryKeys(manager, entries);
    const rows: Array<{
      id: string;
      task_id: string;
      job_id: string;
      status: LedgerTaskState['queueStatus'];
      attempt_count: number;
      created_at: Date;
    }> = await manager.query(
      `SELECT id, task_id, job_id, status, attempt_count, created_at FROM crawling_queues
        WHERE ${keys.sql} FOR UPDATE`,
      keys.params,
    );
    const taskIds = rows.filter((row) => needRetryCount.has(String(row.id))).map((row) => row.task_id);
    const retries = new Map<string, number>();
    if (taskIds.length > 0) {
      const tasks: Array<{ id: string; retry_count: number }> = await manager.query(
        'SELECT id, retry_count FROM crawling_tasks WHERE id IN (?)',
        [taskIds],
      );
      for (const task of tasks) retries.set(String(task.id), Number(task.retry_count));
    }
    return new Map(
      rows.map((row) => [
        String(row.id),
        {
          queueId: String(row.id),
          taskId: String(row.task_id),
          jobId: String(row.job_id),
          queueStatus: row.status,
          attemptCount: Number(row.attempt_count),
          createdAt: toSqlTimestamp(row.created_at),
          retryCount: retries.get(String(row.task_id)) ?? 0,
        },
      ]),
    );
  }

  /**
   * The common case of a result batch, without reading the entries first: every entry goes
   * COMPLETED if it is still open (WAITING or PROCESSING) and belongs to the task and job the result
   * names. Returns how many entries changed; fewer than given means a duplicate or a stranger is in
   * the batch, and the caller rolls back and takes the careful path (lock, read, judge).
   */
  static async completeOpen(
    manager: EntityManager,
    entries: ReadonlyArray<EntryRef & { taskId: string; jobId: string }>,
  ): Promise<number> {
    if (entries.length === 0) return 0;
    // In id order, as the careful path locks them: two batches sharing entries queue, not deadlock.
    const sorted = [...entries].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    // With each entry's creation time the look-up is one row of the primary key (id, created_at). By
    // id alone it is a range, and the locking read of the row after it waits for whoever inserted
    // that row, typically the engine's transaction planning the next tasks (ADR 0013).
    const keyed = allKeyed(manager, sorted);
    const rows = jsonRows(
      ['id BIGINT', 'task_id BIGINT', 'job_id BIGINT', ...(keyed ? ['created_at DATETIME'] : [])],
      sorted.map((e) => [e.id, e.taskId, e.jobId, ...(keyed ? [e.createdAt] : [])]),
    );
    const result: { affectedRows: number } = await manager.query(
      `UPDATE crawling_queues q JOIN ${rows.sql} v
          ON q.id = v.id ${keyed ? 'AND q.created_at = v.created_at' : ''} AND q.task_id = v.task_id AND q.job_id = v.job_id
          SET q.status = 'COMPLETED', q.lease_until = NULL, q.updated_at = NOW(3)
        WHERE q.status IN ('WAITING', 'PROCESSING')`,
      [rows.param],
    );
    return result.affectedRows;
  }

  /**
   * completeOpen for a whole batch or not at all: when fewer entries changed than given (a
   * duplicate or a stranger is in the batch), the UPDATE is undone (to a savepoint) and false
   * returned, so the caller takes the careful path inside the same transaction.
   */
  static async completeAllOpen(
    manager: EntityManager,
    entries: ReadonlyArray<EntryRef & { taskId: string; jobId: string }>,
  ): Promise<boolean> {
    await manager.query('SAVEPOINT complete_all');
    if ((await TaskLedger.completeOpen(manager, entries)) === entries.length) return true;
    await manager.query('ROLLBACK TO SAVEPOINT complete_all');
    return false;
  }

  /**
   * Applies decided results in a handful of statements, whatever the batch size: entries end
   * COMPLETED / FAILED or go back to WAITING with `scheduled_for` = now + backoff; tasks get their
   * status, times, output and retry count.
   */
  static async applyResults(
    manager: EntityManager,
    applied: readonly AppliedResult[],
    /** The completed entries were already marked (completeOpen): write the tasks only. */
    entriesCompleted = false,
  ): Promise<void> {
    if (applied.length === 0) return;
    // Outputs travel in the statements: a few MB of them per statement at most.
    const chunks = chunksByBytes(applied, (a) =>
      a.result.output ? Buffer.byteLength(JSON.stringify(a.result.output)) : 100,
    );
    if (chunks.length > 1) {
      for (const chunk of chunks) await TaskLedger.applyResults(manager, chunk, entriesCompleted);
      return;
    }
    const completed = entriesCompleted
      ? []
      : applied
          .filter((a) => a.decision.action === 'complete')
          .map((a) => ({ id: a.state.queueId, createdAt: a.state.createdAt }));
    const other = applied.filter((a) => a.decision.action !== 'complete');

    if (completed.length > 0) {
      const keys = entryKeys(manager, completed);
      await manager.query(
        `UPDATE crawling_queues SET status = 'COMPLETED', lease_until = NULL, updated_at = NOW(3)
          WHERE ${keys.sql}`,
        keys.params,
      );
    }
    if (other.length > 0) {
      // Failures and retries carry their own reason and delay: rare, so one statement for both.
      const rows = jsonRows(
        ['id BIGINT', 'status VARCHAR(16)', 'delay_us BIGINT', 'err LONGTEXT'],
        other.map((a) => [
          a.state.queueId,
          a.decision.action === 'retry' ? 'WAITING' : 'FAILED',
          a.decision.action === 'retry' ? Math.round(a.decision.delayMs * 1000) : 0,
          a.decision.action === 'complete' ? null : clipBytesOrNull(a.decision.reason),
        ]),
      );
      await manager.query(
        `UPDATE crawling_queues q JOIN ${rows.sql} v ON q.id = v.id
            SET q.status = v.status, q.last_error = v.err, q.lease_until = NULL, q.updated_at = NOW(3),
                q.quarantine_starts = 0, q.lease_expiries = 0,
                q.scheduled_for = IF(v.status = 'WAITING', NOW(3) + INTERVAL v.delay_us MICROSECOND, q.scheduled_for),
                q.dispatched_at = IF(v.status = 'WAITING', NULL, q.dispatched_at)`,
        [rows.param],
      );
    }

    // Outputs that outgrow TEXT go to task_data whole; the column keeps a stub saying so.
    const outputs = applied.map((a) => (a.result.output ? JSON.stringify(a.result.output) : null));
    const columns = outputs.map((json) =>
      json === null || fitsBytes(json) ? json : spilledStub('OUTPUT', json),
    );
    await TaskData.save(
      manager,
      applied.flatMap((a, i) => {
        const json = outputs[i];
        return json !== null && columns[i] !== json
          ? [{ taskId: a.state.taskId, jobId: a.state.jobId, kind: 'OUTPUT' as const, json }]
          : [];
      }),
    );
    const tasks = jsonRows(
      [
        'id BIGINT',
        'status VARCHAR(16)',
        'started DATETIME(3)',
        'completed DATETIME(3)',
        'rt INT',
        'output LONGTEXT',
        'err LONGTEXT',
        'retry_inc INT',
      ],
      applied.map((a, i) => [
        a.state.taskId,
        taskStatus(a.decision),
        toSqlTimestamp(a.result.started_at),
        a.decision.action === 'retry' ? null : toSqlTimestamp(a.result.completed_at),
        a.result.response_time_ms,
        columns[i],
        a.result.error ? clipBytesOrNull(a.result.error.message) : null,
        a.decision.action === 'retry' ? 1 : 0,
      ]),
    );
    await manager.query(
      `UPDATE crawling_tasks t JOIN ${tasks.sql} v ON t.id = v.id
          SET t.status = v.status, t.started_at = v.started, t.completed_at = v.completed,
              t.response_time_ms = v.rt, t.output_data = COALESCE(v.output, t.output_data),
              t.error_message = v.err, t.retry_count = t.retry_count + v.retry_inc, t.updated_at = NOW(3)`,
      [tasks.param],
    );
  }

  /**
   * In-flight entries whose lease ran out (their worker died or hung, or the message was lost),
   * with their job's status. A plain read: the moves that follow lock each entry by its key, in id
   * order, and check the lease again, so a sweep never holds the in-flight range under load.
   */
  static async expiredLeases(db: Db, limit: number): Promise<ExpiredEntry[]> {
    const rows: Array<{
      id: string;
      task_id: string;
      job_id: string;
      stage: string;
      attempt_count: number;
      quarantine_starts: number;
      lease_expiries: number;
      created_at: Date;
      job_status: string;
    }> = await db.query(
      `SELECT q.id, q.task_id, q.job_id, q.stage, q.attempt_count, q.quarantine_starts, q.lease_expiries, q.created_at,
              j.status AS job_status
         FROM crawling_queues q JOIN crawling_jobs j ON j.id = q.job_id
        WHERE q.status = 'PROCESSING' AND q.lease_until < NOW(3)
        ORDER BY q.id LIMIT ?`,
      [limit],
    );
    return rows.map((row) => ({
      id: String(row.id),
      taskId: String(row.task_id),
      jobId: String(row.job_id),
      stage: row.stage.toLowerCase() as Stage,
      attemptCount: Number(row.attempt_count),
      quarantineStarts: Number(row.quarantine_starts),
      leaseExpiries: Number(row.lease_expiries),
      createdAt: toSqlTimestamp(row.created_at),
      jobStatus: row.job_status,
    }));
  }

  /**
   * Expired entries go back to WAITING (the relay dispatches them anew) or, with `failReason`, end
   * FAILED. Only those still in flight with their lease run out move: a result or a heartbeat that
   * came meanwhile wins. Returns how many moved.
   */
  static async releaseExpired(db: Db, entries: readonly EntryRef[], failReason?: string): Promise<number> {
    if (entries.length === 0) return 0;
    const sorted = [...entries].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    const keys = entryKeys(db, sorted);
    const result: { affectedRows: number } = await db.query(
      failReason === undefined
        ? `UPDATE crawling_queues
              SET status = 'WAITING', scheduled_for = NOW(3), lease_until = NULL, dispatched_at = NULL,
                  lease_expiries = lease_expiries + 1, last_error = '${LEASE_EXPIRED}', updated_at = NOW(3)
            WHERE ${keys.sql} AND status = 'PROCESSING' AND lease_until < NOW(3)`
        : `UPDATE crawling_queues SET status = 'FAILED', lease_until = NULL, last_error = ?, updated_at = NOW(3)
            WHERE ${keys.sql} AND status = 'PROCESSING' AND lease_until < NOW(3)`,
      [...(failReason === undefined ? [] : [clipBytesOrNull(failReason)]), ...keys.params],
    );
    return result.affectedRows;
  }

  /** Heartbeat: the worker holding these in-flight entries is alive; their lease runs from now. */
  static async extendLeases(
    db: Db,
    entries: ReadonlyArray<EntryRef & { attempt: number }>,
    leaseMs: number,
  ): Promise<void> {
    if (entries.length === 0) return;
    const sorted = [...entries].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    // By dispatch too: an older copy still held somewhere never keeps a newer dispatch alive.
    await db.query(
      `UPDATE crawling_queues SET lease_until = NOW(3) + INTERVAL ? MICROSECOND
        WHERE (id, attempt_count) IN (${sorted.map(() => '(?, ?)').join(', ')})
          AND status = 'PROCESSING' ${createdWithin(db, sorted)}`,
      [leaseMs * 1000, ...sorted.flatMap((e) => [e.id, e.attempt]), ...createdRange(db, sorted)],
    );
  }

  /**
   * The sweeper's claim on an exhausted entry: true when it is still in flight with its lease run
   * out (a result or a heartbeat that came meanwhile wins), and then it waits for its failure.
   */
  static async claimExhausted(db: Db, entry: EntryRef): Promise<boolean> {
    const keys = entryKeys(db, [entry]);
    const result: { affectedRows: number } = await db.query(
      `UPDATE crawling_queues SET lease_until = NOW(3) + INTERVAL 1 MINUTE
        WHERE ${keys.sql} AND status = 'PROCESSING' AND lease_until < NOW(3)`,
      keys.params,
    );
    return result.affectedRows === 1;
  }

  /**
   * A redelivered message is about to run alone on a worker: counts it and returns how many such
   * runs the entry has had (a result ends the count's use; only its worker dying repeats it).
   */
  static async quarantineStart(db: Db, entry: EntryRef): Promise<number> {
    const where = `id = ? ${createdWithin(db, [entry])}`;
    const params = [entry.id, ...createdRange(db, [entry])];
    await db.query(
      `UPDATE crawling_queues SET quarantine_starts = quarantine_starts + 1 WHERE ${where}`,
      params,
    );
    const [row] = await db.query<
      Array<{
        n: number;
      }>
    >(`SELECT quarantine_starts AS n FROM crawling_queues WHERE ${where}`, params);
    return Number(row?.n ?? 0);
  }

  /** The payload column of entries (what their messages carried). */
  static async payloads(db: Db, entries: readonly EntryRef[]): Promise<Map<string, string>> {
    if (entries.length === 0) return new Map();
    const rows: Array<{ id: string; payload: string | null }> = await db.query(
      `SELECT id, payload FROM crawling_queues WHERE id IN (?) ${createdWithin(db, entries)}`,
      [entries.map((e) => e.id), ...createdRange(db, entries)],
    );
    return new Map(rows.map((row) => [String(row.id), row.payload ?? '{}']));
  }

  /**
   * max_parallel_tasks: up to `room` parked entries of the job become due, oldest first. Index
   * (job_id, status, scheduled_for) serves the ORDER BY id: the cost does not grow with the job.
   * Returns how many. SQL: UPDATE … ORDER BY … LIMIT, which TypeORM cannot say.
   */
  static async releaseParked(db: Db, jobId: string, room: number): Promise<number> {
    if (room <= 0) return 0;
    const result: { affectedRows: number } = await db.query(
      `UPDATE crawling_queues SET scheduled_for = NOW(3)
        WHERE job_id = ? AND status = 'WAITING' AND scheduled_for = ?
        ORDER BY id LIMIT ?`,
      [jobId, PARKED_UNTIL, room],
    );
    return result.affectedRows;
  }

  /** Pause: every waiting entry of the job is parked (nothing of it is dispatched until resume). */
  static async parkWaiting(db: Db, jobId: string): Promise<void> {
    await db.query("UPDATE crawling_queues SET scheduled_for = ? WHERE job_id = ? AND status = 'WAITING'", [
      PARKED_UNTIL,
      jobId,
    ]);
  }

  /** Entries of the job in flight now (dispatched, not finished). */
  static async inFlight(db: Db, jobId: string): Promise<number> {
    const [row] = await db.query<Array<{ n: string }>>(
      "SELECT COUNT(*) AS n FROM crawling_queues WHERE job_id = ? AND status = 'PROCESSING'",
      [jobId],
    );
    return Number(row?.n ?? 0);
  }

  /** A finished job's FAILED tasks under the retry bound, in order (the original design's idx_tasks_retry query). */
  static async failedForRetry(
    db: Db,
    jobId: string,
    maxRetryCount: number,
  ): Promise<Array<Pick<CrawlingTask, 'id' | 'taskType' | 'targetUrl' | 'inputData'>>> {
    return repositoryOf(db, CrawlingTask).find({
      where: { jobId, status: 'FAILED', retryCount: LessThan(maxRetryCount) },
      select: { id: true, taskType: true, targetUrl: true, inputData: true },
      order: { sequenceNumber: 'ASC' },
    });
  }

  static async countFailedTasks(db: Db, jobId: string): Promise<number> {
    return repositoryOf(db, CrawlingTask).countBy({ jobId, status: 'FAILED' });
  }

  /** Withdraws these entries if they still wait (a retry of a job that has ended). */
  static async withdrawEntries(
    manager: EntityManager,
    entries: readonly EntryRef[],
    reason: string,
  ): Promise<number> {
    if (entries.length === 0) return 0;
    const keys = entryKeys(manager, entries);
    const result: { affectedRows: number } = await manager.query(
      `UPDATE crawling_queues SET status = 'FAILED', last_error = ?, updated_at = NOW(3)
        WHERE ${keys.sql} AND status = 'WAITING'`,
      [clipBytesOrNull(reason), ...keys.params],
    );
    // Their tasks failed (a RETRY job of the ended one takes them), not retrying for ever.
    await manager.query(
      `UPDATE crawling_tasks t JOIN crawling_queues q ON q.task_id = t.id
          SET t.status = 'FAILED', t.error_message = ?
        WHERE q.id IN (?) AND q.status = 'FAILED' AND t.status = 'RETRYING' ${createdWithin(manager, entries, 'q.')}`,
      [clipBytesOrNull(reason), entries.map((e) => e.id), ...createdRange(manager, entries)],
    );
    return result.affectedRows;
  }

  /** Withdraws a job's WAITING entries (cancel): they are never dispatched. */
  static async withdrawWaiting(manager: EntityManager, jobId: string, reason: string): Promise<number> {
    const result: { affectedRows: number } = await manager.query(
      `UPDATE crawling_queues SET status = 'FAILED', last_error = ?, updated_at = NOW(3)
        WHERE job_id = ? AND status = 'WAITING'`,
      [clipBytesOrNull(reason), jobId],
    );
    return result.affectedRows;
  }

  /** Entries by stage, tier and status (queue depth), straight from the ledger. */
  static async depth(
    db: Db,
  ): Promise<Array<{ stage: Stage; queueType: QueueType; status: string; count: number; due: number }>> {
    const rows: Array<{ stage: string; queue_type: QueueType; status: string; n: string; due: string }> =
      await db.query(
        `SELECT stage, queue_type, status, COUNT(*) AS n, SUM(scheduled_for <= NOW(3)) AS due
         FROM crawling_queues
        WHERE status IN ('WAITING', 'PROCESSING')
        GROUP BY stage, queue_type, status`,
      );
    return rows.map((row) => ({
      stage: row.stage.toLowerCase() as Stage,
      queueType: row.queue_type,
      status: row.status,
      count: Number(row.n),
      due: Number(row.due ?? 0),
    }));
  }

  /** Seconds until the next WAITING entry is due (undefined when there is none). */
  static async nextDueInMs(db: Db): Promise<number | undefined> {
    const rows: Array<{ ms: string | null }> = await db.query(
      `SELECT TIMESTAMPDIFF(MICROSECOND, NOW(3), MIN(scheduled_for)) / 1000 AS ms
         FROM crawling_queues WHERE status = 'WAITING'`,
    );
    const ms = rows[0]?.ms;
    return ms === null || ms === undefined ? undefined : Math.max(0, Number(ms));
  }
}

/**
 * Ids of the rows one INSERT made, as `jobId:sequenceNumber` → id. A single row's is the insert
 * id. Under InnoDB's "consecutive" auto-increment lock modes (0 and 1, MariaDB's default) a
 * multi-row INSERT takes consecutive ids, so they follow from the first one; under "interleaved"
 * (2, MySQL 8's default) they need not, and are read back by the tasks' natural key (job_id,
 * sequence_number).
 */
async function insertedTaskIds(
  manager: EntityManager,
  tasks: readonly NewTask[],
  inserted: { insertId: number | string; affectedRows: number },
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  if (tasks.length === 1 && inserted.affectedRows === 1) {
    // One row: its id is the insert id, whatever the lock mode.
    ids.set(`${tasks[0].jobId}:${tasks[0].sequenceNumber}`, String(inserted.insertId));
    return ids;
  }
  const step = await consecutiveIdStep(manager);
  if (step !== undefined && inserted.affectedRows === tasks.length) {
    const first = BigInt(inserted.insertId);
    tasks.forEach((t, i) => ids.set(`${t.jobId}:${t.sequenceNumber}`, String(first + BigInt(i * step))));
    // One point lookup proves the run: had ids interleaved, the last row's would lie further on.
    const last = tasks[tasks.length - 1];
    const rows: Array<{ id: string }> = await manager.query(
      'SELECT id FROM crawling_tasks WHERE job_id = ? AND sequence_number = ?',
      [last.jobId, last.sequenceNumber],
    );
    if (String(rows[0]?.id) === ids.get(`${last.jobId}:${last.sequenceNumber}`)) return ids;
    idSteps.delete(manager.connection); // the server's settings changed: look again next time
    ids.clear();
  }
  const byJob = new Map<string, number[]>();
  for (const task of tasks) {
    const sequences = byJob.get(task.jobId);
    if (sequences) sequences.push(task.sequenceNumber);
    else byJob.set(task.jobId, [task.sequenceNumber]);
  }
  for (const [jobId, sequences] of byJob) {
    const rows: Array<{ id: string; sequence_number: number }> = await manager.query(
      'SELECT id, sequence_number FROM crawling_tasks WHERE job_id = ? AND sequence_number IN (?)',
      [jobId, sequences],
    );
    for (const row of rows) ids.set(`${jobId}:${row.sequence_number}`, String(row.id));
  }
  return ids;
}

/** Per database server: the id step of a multi-row INSERT, or undefined when ids may interleave. */
const idSteps = new WeakMap<object, Promise<number | undefined>>();

function consecutiveIdStep(manager: EntityManager): Promise<number | undefined> {
  const key = manager.connection;
  let step = idSteps.get(key);
  if (!step) {
    step = manager
      .query('SELECT @@innodb_autoinc_lock_mode AS mode, @@auto_increment_increment AS step')
      .then((rows: Array<{ mode: string | number; step: string | number }>) =>
        Number(rows[0]?.mode) <= 1 ? Number(rows[0]?.step) || 1 : undefined,
      );
    step.catch(() => idSteps.delete(key));
    idSteps.set(key, step);
  }
  return step;
}

function taskStatus(decision: ResultDecision): string {
  if (decision.action === 'complete') return 'SUCCESS';
  if (decision.action === 'retry') return 'RETRYING';
  return 'FAILED';
}

/** Every entry carries its creation time: its whole primary key (id, created_at) is known. */
function allKeyed(db: Db, entries: readonly { createdAt?: string }[]): boolean {
  // SQLite's crawling_queues is not partitioned: its key is the id alone, and created_at has whole
  // seconds there, so it would not equal the milliseconds of a read-back time (see migrations-sqlite).
  if (dialectOf(db) === 'sqlite') return false;
  return entries.length > 0 && entries.every((e) => e.createdAt);
}

/**
 * Where-clause for exactly these entries, for locking statements. With every entry's creation time
 * it names whole primary keys (id, created_at): each is a one-row look-up. By id alone each is a
 * range of the key, and a locking read of it also reads the row after, waiting for whoever holds
 * that one, typically a transaction that just inserted the next entries (ADR 0013).
 */
function entryKeys(db: Db, entries: readonly EntryRef[]): { sql: string; params: unknown[] } {
  if (allKeyed(db, entries)) {
    return {
      sql: `(id, created_at) IN (${entries.map(() => '(?, ?)').join(', ')})`,
      params: entries.flatMap((e) => [e.id, e.createdAt]),
    };
  }
  return { sql: 'id IN (?)', params: [entries.map((e) => e.id)] };
}

/**
 * crawling_queues is partitioned by created_at: a lookup by id alone probes every partition. When
 * every entry of a batch carries its created_at, the range of them lets MySQL prune to the few
 * partitions that hold them (for reads without locks; locking statements use entryKeys).
 */
function createdWithin(db: Db, entries: readonly { createdAt?: string }[], alias = ''): string {
  return allKeyed(db, entries) ? `AND ${alias}created_at BETWEEN ? AND ?` : '';
}

function createdRange(db: Db, entries: readonly { createdAt?: string }[]): string[] {
  if (!allKeyed(db, entries)) return [];
  const times = entries.map((e) => e.createdAt as string).sort();
  return [times[0], times[times.length - 1]];
}
