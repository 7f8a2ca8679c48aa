import type { Stage } from '@crawlflow/contracts';
import type { MetricsService } from '@crawlflow/observability';
import type { TransportMetrics } from './transport-metrics';

/** The transport's figures as Prometheus series (tasks per second by stage and outcome, etc.). */
export function prometheusTransportMetrics(metrics: MetricsService): TransportMetrics {
  const published = metrics.counter({
    name: 'crawlflow_tasks_published_total',
    help: 'Ledger entries published to the task queues',
    labelNames: ['stage'],
  });
  const results = metrics.counter({
    name: 'crawlflow_task_results_total',
    help: 'Task results applied to the ledger',
    labelNames: ['stage', 'outcome'],
  });
  const dead = metrics.counter({
    name: 'crawlflow_dead_lettered_total',
    help: 'Messages dead-lettered with a reason',
    labelNames: ['queue'],
  });
  const leases = metrics.counter({
    name: 'crawlflow_leases_recovered_total',
    help: 'In-flight entries dispatched again after their lease ran out',
  });
  const handled = metrics.histogram({
    name: 'crawlflow_task_duration_seconds',
    help: 'Time a worker spent on a task, by stage and outcome',
    labelNames: ['stage', 'outcome'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  const failedRounds = metrics.counter({
    name: 'crawlflow_transport_round_failures_total',
    help: 'Lease sweeps and relay rounds that failed (each is tried again)',
    labelNames: ['kind'],
  });
  return {
    published: (stage: Stage, count: number) => published.inc({ stage }, count),
    resultApplied: (stage, outcome, count) => results.inc({ stage, outcome }, count),
    deadLettered: (queue, count) => dead.inc({ queue }, count),
    leasesRecovered: (count) => leases.inc(count),
    taskHandled: (stage, outcome, seconds) => handled.observe({ stage, outcome }, seconds),
    roundFailed: (kind) => failedRounds.inc({ kind }),
  };
}
