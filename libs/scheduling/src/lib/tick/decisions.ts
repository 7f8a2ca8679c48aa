import type { EntityManager } from 'typeorm';

export interface DecisionRow {
  scheduleId: string;
  dueAt: Date | null;
  decision: 'FIRED' | 'SKIPPED_OVERLAP' | 'MISSED' | 'MANUAL_FIRED';
  jobId?: string | null;
  reason?: string | null;
}

/** Multi-row INSERT in chunks: a tick that fires 1,000 schedules writes its log in a few statements. */
export async function insertDecisions(manager: EntityManager, rows: DecisionRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    await manager.query(
      `INSERT INTO schedule_decisions (schedule_id, due_at, decision, job_id, reason) VALUES ${chunk
        .map(() => '(?, ?, ?, ?, ?)')
        .join(', ')}`,
      chunk.flatMap((row) => [
        row.scheduleId,
        row.dueAt,
        row.decision,
        row.jobId ?? null,
        row.reason ? row.reason.slice(0, 500) : null,
      ]),
    );
  }
}
