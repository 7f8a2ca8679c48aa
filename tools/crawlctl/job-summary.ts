import { formatDuration, JobView } from './job-view';

/** Wall time of a finished job from its own timestamps (the API's clock, not ours). */
export function jobDurationMs(job: JobView): number | undefined {
  if (!job.startedAt || !job.completedAt) return undefined;
  return Math.max(0, job.completedAt.getTime() - job.startedAt.getTime());
}

/** The lines `job watch` prints when the job has ended. */
export function summaryLines(job: JobView): string[] {
  const duration = jobDurationMs(job);
  const { inserted, updated, unchanged, skipped } = job.stored;
  const lines = [
    `job ${job.id} ${job.status}${duration === undefined ? '' : ` in ${formatDuration(duration)}`}: ` +
      `${job.processed}/${job.total} tasks, ${job.succeeded} succeeded, ${job.failed} failed, ${job.retries} retries`,
  ];
  if (inserted + updated + unchanged + skipped > 0) {
    lines.push(
      `stored: ${inserted} inserted, ${updated} updated, ${unchanged} unchanged, ${skipped} skipped`,
    );
  } else {
    lines.push(`records: ${job.itemsProcessed}`);
  }
  if (job.errorSummary && job.status !== 'SUCCESS') lines.push(`errors: ${job.errorSummary}`);
  return lines;
}
