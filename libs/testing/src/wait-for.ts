export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Named in the error when time runs out. */
  what?: string;
}

/** Polls until `check` returns a truthy value (returned), failing after a bounded time. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${options.what ?? 'a condition'}${detail}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * For "nothing happens" assertions: polls `check` throughout `durationMs` and fails at the first
 * time it does not hold.
 */
export async function holdsFor(
  check: () => boolean | Promise<boolean>,
  options: { durationMs: number; intervalMs?: number; what?: string },
): Promise<void> {
  const end = Date.now() + options.durationMs;
  do {
    if (!(await check())) throw new Error(`${options.what ?? 'a condition'} stopped holding`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  } while (Date.now() < end);
}
