import { Link, useLocation, useSearch } from 'wouter-preact';
import { Pager, useCursorPages } from '../components/pager';
import { Empty, ErrorBanner, Loading, ProgressBar, StatusBadge } from '../components/status';
import { api, query } from '../lib/api';
import { count, dateTime, duration, jobPace } from '../lib/format';
import { usePoll } from '../lib/poll';
import { JOB_STATUSES, type Job, type Page, type Workflow } from '../lib/types';

const PAGE_SIZE = 25;
const REFRESH_MS = 3000;

/** Every workflow's name by id, for the filter and the tables (the first 100 workflows). */
export function useWorkflowNames() {
  const workflows = usePoll(() => api<Page<Workflow>>('/workflows?limit=100'), 30_000, 'workflow-names');
  const names = new Map(
    (workflows.data?.data ?? []).map((workflow) => [workflow.id, workflow.workflow_name]),
  );
  return { workflows: workflows.data?.data ?? [], names };
}

export function JobsPage() {
  const search = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const status = search.get('status') ?? '';
  const workflowId = search.get('workflow_id') ?? '';
  const filters = `${status}|${workflowId}`;
  const pages = useCursorPages(filters);
  const { workflows, names } = useWorkflowNames();
  const jobs = usePoll(
    () =>
      api<Page<Job>>(
        `/jobs${query({ status, workflow_id: workflowId, limit: PAGE_SIZE, cursor: pages.cursor })}`,
      ),
    REFRESH_MS,
    `${filters}|${pages.cursor ?? ''}`,
  );

  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(name, value);
    else next.delete(name);
    const text = next.toString();
    navigate(text ? `/jobs?${text}` : '/jobs');
  };

  return (
    <>
      <h1>Jobs</h1>
      <form class="filters" onSubmit={(event) => event.preventDefault()} aria-label="Job filters">
        <label>
          Status
          <select
            value={status}
            onChange={(event) => setFilter('status', (event.target as HTMLSelectElement).value)}
          >
            <option value="">any</option>
            {JOB_STATUSES.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
        <label>
          Workflow
          <select
            value={workflowId}
            onChange={(event) => setFilter('workflow_id', (event.target as HTMLSelectElement).value)}
          >
            <option value="">any</option>
            {workflows.map((workflow) => (
              <option key={workflow.id} value={workflow.id}>
                {workflow.workflow_name} (#{workflow.id})
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorBanner error={jobs.error} />
      {!jobs.data ? (
        <Loading what="jobs" />
      ) : jobs.data.data.length === 0 ? (
        <Empty>No job matches these filters.</Empty>
      ) : (
        <div class="card">
          <JobsTable jobs={jobs.data.data} names={names} />
          <Pager
            label="Jobs"
            page={pages.page}
            hasNext={jobs.data.next_cursor !== null}
            onNext={() => jobs.data?.next_cursor && pages.next(jobs.data.next_cursor)}
            onPrevious={pages.previous}
          />
        </div>
      )}
    </>
  );
}

export function JobsTable({ jobs, names }: { jobs: Job[]; names?: Map<string, string> }) {
  return (
    <div class="table-wrap">
      <table class="table">
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Workflow</th>
            <th scope="col" class="narrow-hide">
              Type
            </th>
            <th scope="col">Status</th>
            <th scope="col" class="wide">
              Progress
            </th>
            <th scope="col" class="num">
              Rate
            </th>
            <th scope="col" class="num">
              ETA
            </th>
            <th scope="col" class="narrow-hide">
              Created
            </th>
            <th scope="col" class="num">
              Ran for
            </th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => {
            const pace = jobPace(job);
            return (
              <tr key={job.id}>
                <td>
                  <Link href={`/jobs/${job.id}`}>#{job.id}</Link>
                </td>
                <td>
                  <Link href={`/workflows/${job.workflow_id}`}>
                    {names?.get(job.workflow_id) ?? `workflow #${job.workflow_id}`}
                  </Link>
                  <span class="muted"> v{job.workflow_version}</span>
                </td>
                <td class="narrow-hide">{job.job_type}</td>
                <td>
                  <StatusBadge status={job.status} />
                </td>
                <td>
                  <ProgressBar fraction={pace.fraction} label={`Progress of job ${job.id}`} />
                  <span class="small muted">
                    {count(job.processed_items)} / {job.total_items > 0 ? count(job.total_items) : '?'}
                    {job.failed_count > 0 ? `, ${count(job.failed_count)} failed` : ''}
                  </span>
                </td>
                <td class="num">
                  {pace.rate === null ? '—' : `${pace.rate.toFixed(pace.rate < 10 ? 1 : 0)}/s`}
                </td>
                <td class="num">{duration(pace.etaSeconds)}</td>
                <td class="narrow-hide">{dateTime(job.created_at)}</td>
                <td class="num">{duration(pace.elapsedSeconds)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
