import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { Chart } from '../components/chart';
import { Empty, ErrorBanner, Loading, Section } from '../components/status';
import { api } from '../lib/api';
import { duration, percent, shortDuration } from '../lib/format';
import { usePoll } from '../lib/poll';
import { TIERS, type Alert, type Job, type Overview, type Page, type Tier } from '../lib/types';
import { JobsTable, useWorkflowNames } from './jobs';

const REFRESH_MS = 5000;
/** Queue depth has no history on the server: the page keeps what it saw (about 30 minutes). */
const DEPTH_SAMPLES = 360;

export function OverviewPage() {
  const overview = usePoll(() => api<Overview>('/stats/overview?hours=24'), REFRESH_MS, 'overview');
  const alerts = usePoll(
    () => api<{ threshold: number; window_minutes: number; data: Alert[] }>('/stats/alerts'),
    REFRESH_MS,
    'alerts',
  );
  const running = usePoll(() => api<Page<Job>>('/jobs?status=RUNNING&limit=20'), REFRESH_MS, 'running');
  const { names } = useWorkflowNames();
  const data = overview.data;
  const [depth, setDepth] = useState<DepthHistory>({ times: [], values: { high: [], normal: [], low: [] } });
  useEffect(() => {
    if (data) setDepth((seen) => withSample(seen, data.current.queue_depth));
  }, [data]);
  const hours = data?.trend.map((point) => Math.floor(Date.parse(point.hour) / 1000)) ?? [];
  const totalDepth = data ? TIERS.reduce((sum, tier) => sum + (data.current.queue_depth[tier] ?? 0), 0) : 0;

  return (
    <>
      <h1>Overview</h1>
      <ErrorBanner error={overview.error} />
      {!data ? (
        <Loading what="the key figures" />
      ) : (
        <div class="figures">
          <Figure
            title="Job success rate"
            value={percent(data.current.job_success_rate)}
            note="jobs finished in the last hour"
          >
            <Chart
              title="Job success rate per hour, last 24 hours"
              times={hours}
              series={[
                {
                  label: 'success rate',
                  color: '#1f8a4c',
                  values: data.trend.map((p) => (p.success_rate === null ? null : p.success_rate * 100)),
                },
              ]}
              format={(v) => `${Math.round(v)}%`}
              range={[0, 100]}
            />
          </Figure>
          <Figure
            title="Average execution time"
            value={duration(data.current.avg_execution_sec)}
            note="jobs finished in the last hour"
          >
            <Chart
              title="Average execution time per hour, last 24 hours"
              times={hours}
              series={[
                { label: 'seconds', color: '#2b63c6', values: data.trend.map((p) => p.avg_execution_sec) },
              ]}
              format={shortDuration}
            />
          </Figure>
          <Figure
            title="Queue depth"
            value={totalDepth.toLocaleString('en-US')}
            note={TIERS.map(
              (tier) => `${tier} ${(data.current.queue_depth[tier] ?? 0).toLocaleString('en-US')}`,
            ).join(' · ')}
          >
            <Chart
              title="Queue depth per tier since this page opened"
              times={depth.times}
              series={[
                { label: 'high', color: '#c2410c', values: depth.values.high },
                { label: 'normal', color: '#2b63c6', values: depth.values.normal },
                { label: 'low', color: '#6b7280', values: depth.values.low },
              ]}
              format={(v) => String(Math.round(v))}
            />
          </Figure>
          <Figure
            title="Retry rate"
            value={percent(data.current.retry_rate)}
            note="tasks created in the last hour"
          >
            <Chart
              title="Task retry rate per hour, last 24 hours"
              times={hours}
              series={[
                {
                  label: 'retry rate',
                  color: '#b45309',
                  values: data.trend.map((p) => (p.retry_rate === null ? null : p.retry_rate * 100)),
                },
              ]}
              format={(v) => `${Math.round(v)}%`}
              range={[0, 100]}
            />
          </Figure>
        </div>
      )}

      <Section title="Failure-rate alerts">
        <ErrorBanner error={alerts.error} />
        {!alerts.data ? (
          <Loading what="alerts" />
        ) : alerts.data.data.length === 0 ? (
          <Empty>
            No workflow failed more than {alerts.data.threshold}% of its jobs in the last{' '}
            {alerts.data.window_minutes} minutes.
          </Empty>
        ) : (
          <ul class="alerts">
            {alerts.data.data.map((alert) => (
              <li key={alert.workflow_id} class="alert" role="alert">
                <strong>
                  <Link href={`/jobs?workflow_id=${alert.workflow_id}&status=FAILED`}>
                    {alert.workflow_name}
                  </Link>
                </strong>{' '}
                failed {alert.failed_jobs} of {alert.total_jobs} jobs ({alert.failure_rate}%) in the last{' '}
                {alerts.data?.window_minutes} minutes
              </li>
            ))}
          </ul>
        )}
      </Section>

      <Section
        title={`Running now${data ? ` (${data.current.running_jobs})` : ''}`}
        actions={<Link href="/jobs?status=RUNNING">All running jobs</Link>}
      >
        <ErrorBanner error={running.error} />
        {!running.data ? (
          <Loading what="running jobs" />
        ) : running.data.data.length === 0 ? (
          <Empty>No job is running.</Empty>
        ) : (
          <JobsTable jobs={running.data.data} names={names} />
        )}
      </Section>
    </>
  );
}

interface DepthHistory {
  times: number[];
  values: Record<Tier, number[]>;
}

function withSample(seen: DepthHistory, depth: Record<Tier, number>): DepthHistory {
  const values = {} as Record<Tier, number[]>;
  for (const tier of TIERS) values[tier] = [...seen.values[tier], depth[tier] ?? 0].slice(-DEPTH_SAMPLES);
  return { times: [...seen.times, Date.now() / 1000].slice(-DEPTH_SAMPLES), values };
}

function Figure({
  title,
  value,
  note,
  children,
}: {
  title: string;
  value: string;
  note: string;
  children: preact.ComponentChildren;
}) {
  return (
    <section class="card figure" aria-label={title}>
      <h2 class="figure-title">{title}</h2>
      <p class="figure-value">{value}</p>
      <p class="muted small">{note}</p>
      {children}
    </section>
  );
}
