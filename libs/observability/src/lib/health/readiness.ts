import { errorText } from '../error-text';

/** One dependency the app needs before it can do useful work; `run` rejects when it is down. */
export interface ReadinessCheck {
  name: string;
  run: () => Promise<void>;
}

export type CheckResult = { status: 'up' } | { status: 'down'; error: string };

export interface ReadinessReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, CheckResult>;
}

/**
 * Runs every check at once, each bounded by `timeoutMs`, and never rejects: a check that throws or
 * hangs is reported down with its reason, so a dead database answers a prompt 503, not a hung probe.
 */
export async function runReadinessChecks(
  checks: readonly ReadinessCheck[],
  timeoutMs: number,
): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (check): Promise<[string, CheckResult]> => {
      try {
        await withTimeout(check.run, timeoutMs);
        return [check.name, { status: 'up' }];
      } catch (error) {
        return [check.name, { status: 'down', error: errorText(error) }];
      }
    }),
  );
  const allUp = results.every(([, result]) => result.status === 'up');
  return { status: allUp ? 'ok' : 'unavailable', checks: Object.fromEntries(results) };
}

/** The report of an app that cannot run its checks yet (booting) or any more (stopping). */
export function unavailableReport(checks: Record<string, string>): ReadinessReport {
  return {
    status: 'unavailable',
    checks: Object.fromEntries(
      Object.entries(checks).map(([name, error]) => [name, { status: 'down', error }]),
    ),
  };
}

async function withTimeout(run: () => Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    // `run` is called inside the race so that a synchronous throw is reported like a rejection.
    await Promise.race([Promise.resolve().then(run), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
