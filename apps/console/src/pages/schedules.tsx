import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { Chart } from '../components/chart';
import { Pager, useCursorPages } from '../components/pager';
import { Empty, ErrorBanner, Loading, Section, StatusBadge } from '../components/status';
import { api, query } from '../lib/api';
import { dateTime, duration, shortDuration } from '../lib/format';
import { usePoll } from '../lib/poll';
import type { Page, Schedule, ScheduleDetail } from '../lib/types';
import { useWorkflowNames } from './jobs';

const PAGE_SIZE = 50;

function describe(schedule: Schedule): string {
  if (schedule.schedule_type === 'FIXED')
    return `cron ${schedule.cron_expression ?? ''} (${schedule.timezone})`;
  if (schedule.schedule_type === 'DYNAMIC') {
    return `every ${duration(schedule.interval_seconds)} (${duration(schedule.min_interval_seconds)}–${duration(schedule.max_interval_seconds)})`;
  }
  return 'manual: runs when fired';
}

export function SchedulesPage() {
  const pages = useCursorPages('schedules');
  const { names } = useWorkflowNames();
  const schedules = usePoll(
    () => api<Page<Schedule>>(`/schedules${query({ limit: PAGE_SIZE, cursor: pages.cursor })}`),
    10_000,
    `schedules-${pages.cursor ?? ''}`,
  );
  return (
    <>
      <h1>Schedules</h1>
      <ErrorBanner error={schedules.error} />
      {!schedules.data ? (
        <Loading what="schedules" />
      ) : schedules.data.data.length === 0 ? (
        <Empty>No schedule yet.</Empty>
      ) : (
        <div class="card">
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Schedule</th>
                  <th scope="col">Workflow</th>
                  <th scope="col">Type</th>
                  <th scope="col">When</th>
                  <th scope="col">State</th>
                  <th scope="col">Next run</th>
                  <th scope="col">Last run</th>
                </tr>
              </thead>
              <tbody>
                {schedules.data.data.map((schedule) => (
                  <tr key={schedule.id}>
                    <td>
                      <Link href={`/schedules/${schedule.id}`}>#{schedule.id}</Link>
                    </td>
                    <td>
                      <Link href={`/workflows/${schedule.workflow_id}`}>
                        {names.get(schedule.workflow_id) ?? `workflow #${schedule.workflow_id}`}
                      </Link>
                    </td>
                    <td>{schedule.schedule_type}</td>
                    <td>{describe(schedule)}</td>
                    <td>
                      <StatusBadge status={schedule.is_active ? 'ACTIVE' : 'PAUSED'} />
                    </td>
                    <td>{dateTime(schedule.next_run_at, schedule.timezone)}</td>
                    <td>{dateTime(schedule.last_run_at, schedule.timezone)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            label="Schedules"
            page={pages.page}
            hasNext={schedules.data.next_cursor !== null}
            onNext={() => schedules.data?.next_cursor && pages.next(schedules.data.next_cursor)}
            onPrevious={pages.previous}
          />
        </div>
      )}
    </>
  );
}

export function SchedulePage({ id }: { id: string }) {
  const detail = usePoll(() => api<ScheduleDetail>(`/schedules/${id}`), 10_000, `schedule-${id}`);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const schedule = detail.data;

  const setActive = async (active: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      await api(`/schedules/${id}`, { method: 'PATCH', body: { is_active: active } });
      detail.reload();
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <p class="crumbs">
        <Link href="/schedules">Schedules</Link> / #{id}
      </p>
      <header class="page-head">
        <h1>
          Schedule #{id} {schedule && <StatusBadge status={schedule.is_active ? 'ACTIVE' : 'PAUSED'} />}
        </h1>
        {schedule && (
          <div class="actions" role="group" aria-label="Schedule controls">
            <button
              type="button"
              class="button"
              disabled={busy || !schedule.is_active}
              onClick={() => void setActive(false)}
            >
              Pause
            </button>
            <button
              type="button"
              class="button"
              disabled={busy || schedule.is_active}
              onClick={() => void setActive(true)}
            >
              Resume
            </button>
          </div>
        )}
      </header>
      <ErrorBanner error={error} />
      <ErrorBanner error={detail.error} />
      {!schedule ? (
        !detail.error && <Loading what="the schedule" />
      ) : (
        <>
          <p class="muted">
            {schedule.schedule_type} · {describe(schedule)} · priority {schedule.priority} · overlap{' '}
            {schedule.overlap_policy} · missed runs {schedule.missed_run_policy} ·{' '}
            <Link href={`/workflows/${schedule.workflow_id}`}>workflow #{schedule.workflow_id}</Link>
          </p>
          <div class="columns">
            <Section title={`Next fire times (${schedule.timezone})`}>
              {schedule.next_fire_times.length === 0 ? (
                <Empty>
                  {schedule.is_active ? 'Nothing is due: it runs when fired.' : 'Paused: nothing fires.'}
                </Empty>
              ) : (
                <ol class="plain">
                  {schedule.next_fire_times.map((at) => (
                    <li key={at}>
                      <time dateTime={at}>{dateTime(at, schedule.timezone)}</time>
                    </li>
                  ))}
                </ol>
              )}
            </Section>
            <Section title="Recent decisions">
              {schedule.recent_decisions.length === 0 ? (
                <Empty>No decision yet.</Empty>
              ) : (
                <div class="table-wrap">
                  <table class="table">
                    <thead>
                      <tr>
                        <th scope="col">Due</th>
                        <th scope="col">Decision</th>
                        <th scope="col">Job</th>
                        <th scope="col">Reason</th>
                      </tr>
                    </thead>
                    <tbody>
                      {schedule.recent_decisions.map((decision) => (
                        <tr key={decision.id}>
                          <td>{dateTime(decision.due_at ?? decision.created_at, schedule.timezone)}</td>
                          <td>{decision.decision}</td>
                          <td>
                            {decision.job_id ? (
                              <Link href={`/jobs/${decision.job_id}`}>#{decision.job_id}</Link>
                            ) : (
                              '—'
                            )}
                          </td>
                          <td>{decision.reason ?? ''}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </Section>
          </div>
          {schedule.schedule_type === 'DYNAMIC' && <IntervalHistory schedule={schedule} />}
        </>
      )}
    </>
  );
}

function IntervalHistory({ schedule }: { schedule: ScheduleDetail }) {
  const history = [...schedule.interval_history].sort(
    (a, b) => Date.parse(a.created_at) - Date.parse(b.created_at),
  );
  return (
    <Section title="Interval history">
      {history.length === 0 ? (
        <Empty>The interval has not changed yet (now {duration(schedule.interval_seconds)}).</Empty>
      ) : (
        <>
          <Chart
            title="Revisit interval after each job"
            height={160}
            stepped
            times={history.map((change) => Date.parse(change.created_at) / 1000)}
            series={[
              {
                label: 'interval',
                color: '#2b63c6',
                values: history.map((change) => change.new_interval_seconds),
              },
            ]}
            format={shortDuration}
          />
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Job</th>
                  <th scope="col" class="num">
                    Changed items
                  </th>
                  <th scope="col" class="num">
                    Interval
                  </th>
                </tr>
              </thead>
              <tbody>
                {history
                  .slice()
                  .reverse()
                  .map((change) => (
                    <tr key={change.id}>
                      <td>{dateTime(change.created_at, schedule.timezone)}</td>
                      <td>
                        <Link href={`/jobs/${change.job_id}`}>#{change.job_id}</Link> {change.job_status}
                      </td>
                      <td class="num">{change.changed_items}</td>
                      <td class="num">
                        {duration(change.old_interval_seconds)} → {duration(change.new_interval_seconds)}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Section>
  );
}
