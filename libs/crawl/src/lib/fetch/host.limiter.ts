export interface HostLimits {
  /** Requests to the host in flight at once (≥ 1). */
  concurrency: number;
  /** Minimum time between two request starts to the host. */
  delayMs: number;
}

interface Waiter {
  limits: HostLimits;
  grant: (release: () => void) => void;
  fail: (error: Error) => void;
}

interface HostState {
  active: number;
  lastStart: number;
  /** The longest delay granted so far: how long the host must be remembered once idle. */
  maxDelayMs: number;
  queue: Waiter[];
  timer?: NodeJS.Timeout;
}

/**
 * Per-host politeness inside one process: at most `concurrency` requests in flight per host and
 * at least `delayMs` between two starts, first come first served. Limits travel with each request
 * (a workflow may override the defaults); a waiter is started only when its own limits allow it.
 * Across replicas each process enforces its own bound: see docs/adr/0006-politeness-across-replicas.md.
 */
export class HostLimiter {
  private readonly hosts = new Map<string, HostState>();
  private closed = false;

  /** Resolves with a release function once the request may start; call it when the request ends. */
  acquire(host: string, limits: HostLimits): Promise<() => void> {
    if (this.closed) return Promise.reject(new Error('the fetcher is closed'));
    let state = this.hosts.get(host);
    if (!state) {
      state = { active: 0, lastStart: Number.NEGATIVE_INFINITY, maxDelayMs: 0, queue: [] };
      this.hosts.set(host, state);
    }
    const current = state;
    return new Promise((grant, fail) => {
      current.queue.push({
        limits: { concurrency: Math.max(1, limits.concurrency), delayMs: Math.max(0, limits.delayMs) },
        grant,
        fail,
      });
      this.pump(host, current);
    });
  }

  /** Hosts with requests in flight or waiting (for metrics and tests). */
  get activeHosts(): number {
    return this.hosts.size;
  }

  close(): void {
    this.closed = true;
    for (const state of this.hosts.values()) {
      if (state.timer) clearTimeout(state.timer);
      for (const waiter of state.queue.splice(0)) waiter.fail(new Error('the fetcher is closed'));
    }
    this.hosts.clear();
  }

  private pump(host: string, state: HostState): void {
    while (state.queue.length > 0) {
      const head = state.queue[0];
      if (state.active >= head.limits.concurrency) return;
      const wait = state.lastStart + head.limits.delayMs - performance.now();
      if (wait > 0) {
        if (!state.timer) {
          state.timer = setTimeout(() => {
            state.timer = undefined;
            this.pump(host, state);
          }, wait);
        }
        return;
      }
      state.queue.shift();
      state.active += 1;
      state.lastStart = performance.now();
      state.maxDelayMs = Math.max(state.maxDelayMs, head.limits.delayMs);
      let released = false;
      head.grant(() => {
        if (released) return;
        released = true;
        state.active -= 1;
        this.pump(host, state);
        this.forgetIfIdle(host, state);
      });
    }
  }

  private forgetIfIdle(host: string, state: HostState): void {
    if (state.active > 0 || state.queue.length > 0 || state.timer) return;
    // The last start still matters to a delay; an idle host with no delay pending is forgotten so
    // the map stays bounded by the hosts actually being crawled.
    const idleTimer = setTimeout(
      () => {
        if (state.active === 0 && state.queue.length === 0 && this.hosts.get(host) === state) {
          this.hosts.delete(host);
        }
      },
      Math.max(0, state.lastStart + Math.max(60_000, state.maxDelayMs) - performance.now()),
    );
    idleTimer.unref();
  }
}
