import {
  expectRecord,
  isRecord,
  parseJson,
  permanent,
  SUSPECT_HEADER,
  TASK_MESSAGE_VERSION,
  toTaskError,
  transient,
  type TaskMessage,
  type TaskResult,
} from '@crawlflow/contracts';
import { TaskData } from '@crawlflow/db';
import type { Delivery } from '@crawlflow/messaging';
import type { DataSource } from 'typeorm';

/** Thrown where a worker gives a delivery up without a result or an ack (it is stopping). */
export class Abandoned extends Error {
  constructor() {
    super('abandoned: the worker is stopping');
  }
}

/**
 * Quorum queues count earlier deliveries in `x-delivery-count`; every message a dying consumer held
 * comes back counted, so one redelivery says little. Twice, or dispatched again after its lease ran
 * out, and it runs alone: if its worker dies again, that message did it.
 */
export function isSuspect(delivery: Delivery): boolean {
  const headers = delivery.message.properties.headers ?? {};
  if (headers[SUSPECT_HEADER] !== undefined) return true;
  const count = Number(headers['x-delivery-count'] ?? 0);
  return Number.isFinite(count) && count >= 2;
}

/** A payload too large for the ledger's TEXT column, kept whole in task_data: the task as it was planned. */
export async function withWholePayload(dataSource: DataSource, task: TaskMessage): Promise<TaskMessage> {
  const json = (await TaskData.load(dataSource, [task.task_id], 'PAYLOAD')).get(task.task_id);
  if (json === undefined)
    throw permanent(`the input of task ${task.task_id} is no longer stored`, 'INPUT_GONE');
  return { ...task, payload: expectRecord(parseJson(json), '$.payload') };
}

/** A handler that has not settled within `ms` is taken for hung: its task fails (transient). */
export async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => undefined); // settles after the deadline with no one left to tell
  try {
    return await Promise.race([
      work,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(transient(`the task ran for ${ms} ms without finishing`, 'TASK_TIMEOUT')),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function taskResult(
  task: TaskMessage,
  worker: string,
  started: number,
  outcome: TaskResult['outcome'],
  output?: object,
  error?: unknown,
): TaskResult {
  const completed = Date.now();
  return {
    v: TASK_MESSAGE_VERSION,
    queue_id: task.queue_id,
    task_id: task.task_id,
    job_id: task.job_id,
    stage: task.stage,
    attempt: task.attempt,
    outcome,
    started_at: new Date(started).toISOString(),
    completed_at: new Date(completed).toISOString(),
    response_time_ms: completed - started,
    // Outputs are JSON documents of the stage's contract; the result carries them as such.
    ...(output ? { output: output as Record<string, unknown> } : {}),
    ...(error !== undefined ? { error: toTaskError(error) } : {}),
    worker,
    ...(task.queued_at ? { queued_at: task.queued_at } : {}),
    ...(isRecord(task.payload.ctx) ? { ctx: task.payload.ctx } : {}),
  };
}
