import { formatDuration, JobView } from './job-view';

/** Rate over a sliding window of samples, so a burst or a stall shows within seconds. */
export class RateMeter {
  private readonly samples: Array<{ at: number; processed: number }> = [];

  constructor(private readonly windowMs = 10_000) {}

  add(processed: number, at = Date.now()): void {
    this.samples.push({ at, processed });
    while (this.samples.length > 2 && at - this.samples[0].at > this.windowMs) this.samples.shift();
  }

  /** Tasks per second, or undefined before there are two samples a moment apart. */
  perSecond(): number | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at - first.at < 250) return undefined;
    return ((last.processed - first.processed) * 1000) / (last.at - first.at);
  }
}

export interface ProgressFrame {
  job: JobView;
  rate: number | undefined;
}

/** Remaining time at the current rate; the total grows as a crawl discovers pages, so it is a guess. */
function eta({ job, rate }: ProgressFrame): string {
  if (!rate || rate <= 0) return '–';
  const left = Math.max(0, job.total - job.processed);
  return formatDuration((left / rate) * 1000);
}

function failures(job: JobView): string {
  return `${job.failed} failed${job.retries ? `, ${job.retries} retried` : ''}`;
}

/** One line for logs and pipes. */
export function plainLine(frame: ProgressFrame): string {
  const { job, rate } = frame;
  const parts = [
    `job ${job.id} ${job.status}`,
    `${job.processed}/${job.total} tasks (${job.percent.toFixed(1)}%)`,
    `${rate === undefined ? '–' : rate.toFixed(1)}/s`,
    `ETA ${eta(frame)}`,
    failures(job),
    `step ${job.currentStep ?? '–'}`,
  ];
  return parts.join(' | ');
}

/** The bar a terminal shows, fitted to `columns`. */
export function barLine(frame: ProgressFrame, columns: number): string {
  const { job, rate } = frame;
  const tail =
    ` ${job.percent.toFixed(0).padStart(3)}% ${job.processed}/${job.total}` +
    ` · ${rate === undefined ? '–' : rate.toFixed(1)}/s · ETA ${eta(frame)}` +
    ` · ${failures(job)} · ${job.currentStep ?? job.status.toLowerCase()}`;
  const width = Math.max(10, Math.min(40, columns - tail.length - 3));
  const filled = Math.round((Math.min(100, job.percent) / 100) * width);
  const bar = `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
  return `${bar}${tail}`.slice(0, Math.max(20, columns - 1));
}

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Draws progress: on a terminal one bar redrawn in place; elsewhere a plain line whenever the
 * figures change, at most once per `plainEveryMs`, so logs stay readable.
 */
export class ProgressRenderer {
  private lastPlain = '';
  private lastPlainAt = 0;
  private drawn = false;

  constructor(
    private readonly out: ProgressOutput,
    private readonly plainEveryMs = 1000,
  ) {}

  get tty(): boolean {
    return Boolean(this.out.isTTY);
  }

  update(frame: ProgressFrame, final = false): void {
    if (this.tty) {
      // A pseudo-terminal may report no width (0): assume a usual one rather than a 20-column bar.
      const columns = (this.out.columns ?? 0) > 20 ? (this.out.columns as number) : 100;
      this.out.write(`\r\x1b[2K${barLine(frame, columns)}`);
      this.drawn = true;
      if (final) this.finish();
      return;
    }
    const line = plainLine(frame);
    const now = Date.now();
    const key = line.replace(/ \| [^|]*\/s \| ETA [^|]*/, '');
    if (!final && (key === this.lastPlain || now - this.lastPlainAt < this.plainEveryMs)) return;
    if (final && key === this.lastPlain) return;
    this.lastPlain = key;
    this.lastPlainAt = now;
    this.out.write(`${line}\n`);
  }

  /** Ends the redrawn line so what follows starts on a fresh one. */
  finish(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
