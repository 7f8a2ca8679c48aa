import { useEffect, useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { ConfirmDialog } from '../components/confirm';
import { Pager, useCursorPages } from '../components/pager';
import { Empty, ErrorBanner, Loading, ProgressBar, Section, StatusBadge } from '../components/status';
import { api, query } from '../lib/api';
import {
  allowedActions,
  cellText,
  checkpointLines,
  count,
  dateTime,
  duration,
  isFinished,
  type JobAction,
  jobPace,
  objectOf,
  recordColumns,
  stepRows,
} from '../lib/format';
import { usePoll } from '../lib/poll';
import type { ExecutionContext, Item, Job, JobDetail, Page, StepResult, Task } from '../lib/types';
import { useWorkflowNames } from './jobs';

const LIVE_MS = 2000;
const PAGE_SIZE = 50;

const ACTIONS: Record<JobAction, { label: string; question: string; danger?: boolean }> = {
  cancel: {
    label: 'Cancel',
    question: 'Cancel this job? Its waiting tasks are dropped and it ends CANCELLED.',
    danger: true,
  },
  pause: {
    label: 'Pause',
    question: 'Pause this job? Tasks in flight finish; nothing new is dispatched until it is resumed.',
  },
  resume: { label: 'Resume', question: 'Resume this job from its checkpoint?' },
  retry: { label: 'Retry', question: 'Start a RETRY job for the failed tasks of this job?' },
};

export function JobPage({ id }: { id: string }) {
  const [, navigate] = useLocation();
  const [asking, setAsking] = useState<JobAction | null>(null);
  const [actionError, setActionError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [ended, setEnded] = useState(false);
  // Live while it runs; a finished job changes no more (a retry is a new job).
  const detail = usePoll(() => api<JobDetail>(`/jobs/${id}`), ended ? 0 : LIVE_MS, `job-${id}`);
  const finishedNow = detail.data ? isFinished(detail.data.status) : false;
  useEffect(() => setEnded(finishedNow), [finishedNow]);
  const { names } = useWorkflowNames();
  const job = detail.data;

  const act = async (action: JobAction) => {
    setAsking(null);
    setBusy(true);
    setActionError(undefined);
    try {
      const answer = await api<Job>(`/jobs/${id}/${action}`, { method: 'POST' });
      if (action === 'retry') navigate(`/jobs/${answer.id}`);
      else detail.reload();
    } catch (error) {
      setActionError(error as Error);
    } finally {
      setBusy(false);
    }
  };

  if (!job) {
    return (
      <>
        <h1>Job #{id}</h1>
        <ErrorBanner error={detail.error} />
        {!detail.error && <Loading what="the job" />}
      </>
    );
  }

  const execution = job.execution;
  const context = objectOf<ExecutionContext>(execution?.context);
  const steps = stepRows(
    objectOf<Record<string, StepResult>>(execution?.step_results) as Record<string, StepResult>,
  );
  // An archived job is read-only: its tasks and items left the live tables with it.
  const allowed = job.archived ? new Set<JobAction>() : allowedActions(job, execution?.status);
  const pace = jobPace(job);
  const paused = job.status === 'RUNNING' && execution?.status === 'PAUSED';
  const checkpoint = checkpointLines(context);

  return (
    <>
      <header class="page-head">
        <div>
          <p class="crumbs">
            <Link href="/jobs">Jobs</Link> / #{job.id}
          </p>
          <h1>
            Job #{job.id} <StatusBadge status={paused ? 'PAUSED' : job.status} />
          </h1>
          <p class="muted">
            <Link href={`/workflows/${job.workflow_id}`}>
              {names.get(job.workflow_id) ?? `workflow #${job.workflow_id}`}
            </Link>{' '}
            v{job.workflow_version} · {job.job_type} · priority {job.priority}
            {job.schedule_id && (
              <>
                {' '}
                · schedule <Link href={`/schedules/${job.schedule_id}`}>#{job.schedule_id}</Link>
              </>
            )}
            {job.target_id && <> · target #{job.target_id}</>}
          </p>
        </div>
        <div class="actions" role="group" aria-label="Job controls">
          {(Object.keys(ACTIONS) as JobAction[]).map((action) => (
            <button
              key={action}
              type="button"
              class={`button ${ACTIONS[action].danger ? 'button-danger' : ''}`}
              disabled={busy || !allowed.has(action)}
              title={allowed.has(action) ? undefined : whyNot(action, job)}
              onClick={() => setAsking(action)}
            >
              {ACTIONS[action].label}
            </button>
          ))}
        </div>
      </header>
      <ErrorBanner error={actionError} />
      <ErrorBanner error={detail.error} />
      <ConfirmDialog
        open={asking !== null}
        title={asking ? `${ACTIONS[asking].label} job #${job.id}?` : ''}
        confirmLabel={asking ? `${ACTIONS[asking].label} job` : ''}
        danger={asking ? ACTIONS[asking].danger : false}
        onCancel={() => setAsking(null)}
        onConfirm={() => asking && void act(asking)}
      >
        {asking && <p>{ACTIONS[asking].question}</p>}
      </ConfirmDialog>

      <Section title="Progress">
        <ProgressBar fraction={pace.fraction} label={`Progress of job ${job.id}`} />
        <dl class="facts">
          <Fact
            term="Processed"
            value={`${count(job.processed_items)} of ${job.total_items > 0 ? count(job.total_items) : 'unknown'}`}
          />
          <Fact term="Succeeded" value={count(job.success_count)} />
          <Fact term="Failed" value={count(job.failed_count)} />
          <Fact term="Rate" value={pace.rate === null ? '—' : `${pace.rate.toFixed(1)} items/s`} />
          <Fact term="ETA" value={isFinished(job.status) ? 'finished' : duration(pace.etaSeconds)} />
          <Fact term="Ran for" value={duration(pace.elapsedSeconds)} />
          <Fact term="Created" value={dateTime(job.created_at)} />
          <Fact term="Started" value={dateTime(job.started_at)} />
          <Fact term="Completed" value={dateTime(job.completed_at)} />
          <Fact term="Current step" value={execution?.current_step ?? '—'} />
          {context.stored && (
            <Fact
              term="Stored"
              value={`${count(context.stored.inserted)} new, ${count(context.stored.updated)} changed, ${count(context.stored.unchanged)} unchanged`}
            />
          )}
        </dl>
      </Section>

      <Section title="Steps">
        {steps.length === 0 ? (
          <Empty>No step has reported yet.</Empty>
        ) : (
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Step</th>
                  <th scope="col" class="num">
                    Tasks
                  </th>
                  <th scope="col" class="num">
                    Succeeded
                  </th>
                  <th scope="col" class="num">
                    Failed
                  </th>
                  <th scope="col" class="num">
                    Retried
                  </th>
                  <th scope="col" class="num">
                    Records
                  </th>
                  <th scope="col" class="num">
                    Avg time
                  </th>
                  <th scope="col" class="num">
                    Total time
                  </th>
                </tr>
              </thead>
              <tbody>
                {steps.map((step) => (
                  <tr key={step.step}>
                    <th scope="row">{step.step}</th>
                    <td class="num">{count(step.tasks)}</td>
                    <td class="num">{count(step.succeeded)}</td>
                    <td class="num">{count(step.failed)}</td>
                    <td class="num">{count(step.retried)}</td>
                    <td class="num">{count(step.records)}</td>
                    <td class="num">{step.avgMs === null ? '—' : `${step.avgMs} ms`}</td>
                    <td class="num">{duration(step.total_ms / 1000)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>

      <div class="columns">
        <Section title="Errors">
          {!job.error_summary && (context.errors ?? []).length === 0 && !context.fail_reason ? (
            <Empty>No error.</Empty>
          ) : (
            <>
              {context.fail_reason && <p class="error">{context.fail_reason}</p>}
              {job.error_summary && <pre class="pre">{job.error_summary}</pre>}
              {(context.errors ?? []).length > 0 && (
                <ul class="plain">
                  {(context.errors ?? []).map((reason, index) => (
                    <li key={index}>{reason}</li>
                  ))}
                </ul>
              )}
            </>
          )}
        </Section>
        <Section title="Checkpoint">
          {checkpoint.length === 0 ? (
            <Empty>No checkpoint yet.</Empty>
          ) : (
            <ul class="plain">
              {checkpoint.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          )}
        </Section>
      </div>

      {job.archived ? (
        <Section title="Tasks and items">
          <Empty>This job is archived: its tasks and items are no longer in the live tables.</Empty>
        </Section>
      ) : (
        <>
          <TasksTable jobId={job.id} live={!isFinished(job.status)} />
          <ItemsTable jobId={job.id} live={!isFinished(job.status)} />
        </>
      )}
    </>
  );
}

/** Why a control is disabled, as its tooltip. */
function whyNot(action: JobAction, job: JobDetail): string {
  if (job.archived) return 'The job is archived.';
  switch (action) {
    case 'cancel':
      return `The job has already ended ${job.status}.`;
    case 'pause':
      return 'Only a running job that is not paused can be paused.';
    case 'resume':
      return 'Only a paused job can be resumed.';
    case 'retry':
      return isFinished(job.status)
        ? 'The job has no failed tasks to retry.'
        : 'A job is retried once it has ended.';
  }
}

function Fact({ term, value }: { term: string; value: string }) {
  return (
    <div class="fact">
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function TasksTable({ jobId, live }: { jobId: string; live: boolean }) {
  const pages = useCursorPages(jobId);
  const tasks = usePoll(
    () => api<Page<Task>>(`/jobs/${jobId}/tasks${query({ limit: PAGE_SIZE, cursor: pages.cursor })}`),
    live ? LIVE_MS * 2 : 0,
    `tasks-${jobId}-${pages.cursor ?? ''}-${live}`,
  );
  return (
    <Section title="Tasks">
      <ErrorBanner error={tasks.error} />
      {!tasks.data ? (
        <Loading what="tasks" />
      ) : tasks.data.data.length === 0 ? (
        <Empty>No task yet.</Empty>
      ) : (
        <>
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Task</th>
                  <th scope="col">Type</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="wide">
                    URL
                  </th>
                  <th scope="col" class="num">
                    Attempts
                  </th>
                  <th scope="col" class="num">
                    Response
                  </th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {tasks.data.data.map((task) => (
                  <tr key={task.id}>
                    <td>#{task.id}</td>
                    <td>{task.task_type}</td>
                    <td>
                      <StatusBadge status={task.status} />
                    </td>
                    <td class="url" title={task.target_url ?? ''}>
                      {task.target_url ?? '—'}
                    </td>
                    <td class="num">{task.started_at || task.retry_count > 0 ? task.retry_count + 1 : 0}</td>
                    <td class="num">
                      {task.response_time_ms === null ? '—' : `${task.response_time_ms} ms`}
                    </td>
                    <td class="error-cell">{task.error_message ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            label="Tasks"
            page={pages.page}
            hasNext={tasks.data.next_cursor !== null}
            onNext={() => tasks.data?.next_cursor && pages.next(tasks.data.next_cursor)}
            onPrevious={pages.previous}
          />
        </>
      )}
    </Section>
  );
}

function ItemsTable({ jobId, live }: { jobId: string; live: boolean }) {
  const pages = useCursorPages(jobId);
  const items = usePoll(
    () =>
      api<Page<Item> & { source?: string }>(
        `/jobs/${jobId}/items${query({ limit: PAGE_SIZE, cursor: pages.cursor })}`,
      ),
    live ? LIVE_MS * 3 : 0,
    `items-${jobId}-${pages.cursor ?? ''}-${live}`,
  );
  const rows = items.data?.data ?? [];
  const records = rows.map((row) => row.data);
  const columns = recordColumns(records);
  const stored = items.data?.source === 'crawled_items';
  return (
    <Section title="Items">
      <ErrorBanner error={items.error} />
      {!items.data ? (
        <Loading what="items" />
      ) : rows.length === 0 ? (
        <Empty>No record yet.</Empty>
      ) : (
        <>
          <p class="muted small">
            {stored
              ? 'Stored records (crawled_items) this job wrote.'
              : "The last step's records (the workflow stores nothing)."}
          </p>
          <div class="table-wrap">
            <table class="table" aria-label="Items">
              <thead>
                <tr>
                  {stored && <th scope="col">Key</th>}
                  {columns.map((column) => (
                    <th key={column} scope="col">
                      {column}
                    </th>
                  ))}
                  {stored && <th scope="col">Last seen</th>}
                </tr>
              </thead>
              <tbody>
                {rows.map((row, index) => {
                  const record = (
                    row.data && typeof row.data === 'object' ? row.data : { value: row.data }
                  ) as Record<string, unknown>;
                  return (
                    <tr key={row.id ?? `${cellText(row.task_id)}-${index}`}>
                      {stored && <td class="mono">{cellText(row.item_key, 48)}</td>}
                      {columns.map((column) => (
                        <td key={column}>{cellText(record[column])}</td>
                      ))}
                      {stored && <td>{dateTime(row.last_seen_at)}</td>}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Pager
            label="Items"
            page={pages.page}
            hasNext={items.data.next_cursor !== null}
            onNext={() => items.data?.next_cursor && pages.next(items.data.next_cursor)}
            onPrevious={pages.previous}
          />
        </>
      )}
    </Section>
  );
}
