import type { Stage } from '@crawlflow/contracts';

/** What the transport reports; the apps bind it to Prometheus, tests may leave it out. */
export interface TransportMetrics {
  published(stage: Stage, count: number): void;
  resultApplied(stage: Stage, outcome: 'completed' | 'failed' | 'retried' | 'duplicate', count: number): void;
  deadLettered(queue: string, count: number): void;
  leasesRecovered(count: number): void;
  taskHandled(stage: Stage, outcome: 'success' | 'failed' | 'duplicate', seconds: number): void;
  /** A lease sweep or a relay round that failed (it is tried again). */
  roundFailed(kind: 'sweep' | 'relay'): void;
}

export const noMetrics: TransportMetrics = {
  published: () => undefined,
  resultApplied: () => undefined,
  deadLettered: () => undefined,
  leasesRecovered: () => undefined,
  taskHandled: () => undefined,
  roundFailed: () => undefined,
};
