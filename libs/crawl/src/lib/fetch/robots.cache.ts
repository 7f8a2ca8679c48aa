import { permanent, TaskFailure, transient } from '@crawlflow/contracts';
import robotsParser from 'robots-parser';

type Robots = ReturnType<typeof robotsParser>;

/** Fetches `robots.txt` (through the guarded fetcher); resolves with its text, or throws a TaskFailure. */
export type RobotsLoader = (robotsUrl: string) => Promise<string>;

export interface RobotsCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
  /** How long "robots.txt is unavailable" is remembered before asking the site again. */
  unavailableTtlMs?: number;
}

interface Entry {
  /** Parsed rules; undefined means "no usable robots.txt: everything allowed". */
  robots?: Robots;
  /** Set while the site answers 5xx/429 or cannot be reached and no earlier copy is known. */
  unavailable?: TaskFailure;
  expiresAt: number;
}

/**
 * robots.txt per origin, fetched once and cached (TTL, LRU-bounded), with concurrent first
 * requests to one origin sharing a single fetch. Status handling follows Google's documented
 * behaviour (developers.google.com/search/docs/crawling-indexing/robots/robots_txt):
 * - 2xx: the rules apply;
 * - 4xx other than 429 (and redirect loops, oversized or non-text answers): as if there were no
 *   robots.txt — everything is allowed;
 * - 429, 5xx, or the site unreachable: everything is disallowed for now — the page fails with a
 *   transient `ROBOTS_UNAVAILABLE`, so the engine retries it later — unless an earlier good copy is
 *   cached, which keeps applying (Google keeps using its last copy too).
 */
export class RobotsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly unavailableTtlMs: number;

  constructor(
    private readonly load: RobotsLoader,
    private readonly userAgent: string,
    options: RobotsCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 3_600_000;
    this.maxEntries = options.maxEntries ?? 1_000;
    this.unavailableTtlMs = options.unavailableTtlMs ?? 60_000;
  }

  /** Throws a permanent `ROBOTS_DISALLOWED` (or transient `ROBOTS_UNAVAILABLE`) failure. */
  async check(url: URL): Promise<void> {
    if (url.pathname === '/robots.txt') return;
    const entry = await this.entryFor(url.origin);
    if (entry.unavailable) throw entry.unavailable;
    if (entry.robots && entry.robots.isAllowed(url.href, this.userAgent) === false) {
      throw permanent(
        `robots.txt of ${url.origin} disallows ${url.href} for this crawler`,
        'ROBOTS_DISALLOWED',
      );
    }
  }

  private async entryFor(origin: string): Promise<Entry> {
    const cached = this.entries.get(origin);
    if (cached && cached.expiresAt > Date.now()) {
      this.entries.delete(origin);
      this.entries.set(origin, cached);
      return cached;
    }
    let pending = this.loading.get(origin);
    if (!pending) {
      pending = this.fetchEntry(origin, cached).finally(() => this.loading.delete(origin));
      this.loading.set(origin, pending);
    }
    return pending;
  }

  private async fetchEntry(origin: string, previous: Entry | undefined): Promise<Entry> {
    const robotsUrl = `${origin}/robots.txt`;
    let entry: Entry;
    try {
      const text = await this.load(robotsUrl);
      entry = { robots: robotsParser(robotsUrl, text), expiresAt: Date.now() + this.ttlMs };
    } catch (error) {
      const failure = error instanceof TaskFailure ? error : undefined;
      const code = failure?.code ?? '';
      const unavailable = !failure || failure.errorClass === 'transient' || /^HTTP_(429|5\d\d)$/.test(code);
      if (!unavailable) {
        entry = { expiresAt: Date.now() + this.ttlMs };
      } else if (previous?.robots) {
        entry = { robots: previous.robots, expiresAt: Date.now() + this.unavailableTtlMs };
      } else {
        const reason = error instanceof Error ? error.message : String(error);
        entry = {
          unavailable: transient(
            `robots.txt of ${origin} is unavailable (${reason}); not crawling the site until it answers`,
            'ROBOTS_UNAVAILABLE',
            failure?.retryAfterMs ?? this.unavailableTtlMs,
          ),
          expiresAt: Date.now() + this.unavailableTtlMs,
        };
      }
    }
    this.entries.delete(origin);
    this.entries.set(origin, entry);
    while (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
    return entry;
  }
}
