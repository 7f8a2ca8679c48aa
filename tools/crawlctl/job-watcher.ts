import { ApiClient, ApiError, Json } from './api-client';
import { isTerminal, jobView, JobView } from './job-view';
import { ProgressRenderer, RateMeter } from './progress-renderer';

export interface WatchOptions {
  intervalMs?: number;
  /** Gives up (throws) after this long; undefined waits as long as the job runs. */
  timeoutMs?: number;
  /** Called with each answer, e.g. to print `--json` lines. */
  onAnswer?: (job: Json) => void;
  renderer?: ProgressRenderer;
}

/** A few failed polls in a row are a hiccup (an orchestrator restart); more end the watch. */
const MAX_POLL_FAILURES = 20;

/** Polls `GET /api/jobs/:id` until the job ends; answers its last state. */
export async function watchJob(client: ApiClient, id: string, options: WatchOptions = {}): Promise<JobView> {
  const interval = options.intervalMs ?? 500;
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  const meter = new RateMeter();
  let failures = 0;
  for (;;) {
    let answer: Json;
    try {
      answer = await client.get(`/api/jobs/${id}`);
      failures = 0;
    } catch (error) {
      // A missing job will not appear later; anything else may be passing.
      if (!(error instanceof ApiError) || (error.status >= 400 && error.status < 500)) throw error;
      failures += 1;
      if (failures >= MAX_POLL_FAILURES) throw error;
      await sleep(interval);
      continue;
    }
    const job = jobView(answer);
    options.onAnswer?.(answer);
    meter.add(job.processed);
    const final = isTerminal(job.status);
    options.renderer?.update({ job, rate: meter.perSecond() }, final);
    if (final) return job;
    if (Date.now() >= deadline) {
      options.renderer?.finish();
      throw new ApiError(
        0,
        `job ${id} still ${job.status} after ${Math.round((options.timeoutMs ?? 0) / 1000)} s; gave up watching`,
      );
    }
    await sleep(interval);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
