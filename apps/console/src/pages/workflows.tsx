import { diffLines } from 'diff';
import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { Pager, useCursorPages } from '../components/pager';
import { Empty, ErrorBanner, Loading, Section, StatusBadge } from '../components/status';
import { api, ApiError, query } from '../lib/api';
import { dateTime } from '../lib/format';
import { usePoll } from '../lib/poll';
import type { Job, Page, Workflow, WorkflowVersion } from '../lib/types';

const PAGE_SIZE = 50;

export function WorkflowsPage() {
  const pages = useCursorPages('workflows');
  const workflows = usePoll(
    () => api<Page<Workflow>>(`/workflows${query({ limit: PAGE_SIZE, cursor: pages.cursor })}`),
    15_000,
    `workflows-${pages.cursor ?? ''}`,
  );
  return (
    <>
      <h1>Workflows</h1>
      <ErrorBanner error={workflows.error} />
      {!workflows.data ? (
        <Loading what="workflows" />
      ) : workflows.data.data.length === 0 ? (
        <Empty>
          No workflow yet: <code>crawlctl workflow apply -f workflow.json</code> or{' '}
          <code>POST /api/workflows</code> creates one.
        </Empty>
      ) : (
        <div class="card">
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Workflow</th>
                  <th scope="col">Type</th>
                  <th scope="col">Active</th>
                  <th scope="col" class="num">
                    Version
                  </th>
                  <th scope="col">Changed</th>
                  <th scope="col">Jobs</th>
                </tr>
              </thead>
              <tbody>
                {workflows.data.data.map((workflow) => (
                  <tr key={workflow.id}>
                    <td>
                      <Link href={`/workflows/${workflow.id}`}>{workflow.workflow_name}</Link>{' '}
                      <span class="muted">#{workflow.id}</span>
                    </td>
                    <td>{workflow.workflow_type}</td>
                    <td>{workflow.is_active ? 'yes' : 'no'}</td>
                    <td class="num">v{workflow.version}</td>
                    <td>{dateTime(workflow.updated_at)}</td>
                    <td>
                      <Link href={`/jobs?workflow_id=${workflow.id}`}>its jobs</Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            label="Workflows"
            page={pages.page}
            hasNext={workflows.data.next_cursor !== null}
            onNext={() => workflows.data?.next_cursor && pages.next(workflows.data.next_cursor)}
            onPrevious={pages.previous}
          />
        </div>
      )}
    </>
  );
}

export function WorkflowPage({ id }: { id: string }) {
  const workflow = usePoll(() => api<Workflow>(`/workflows/${id}`), 0, `workflow-${id}`);
  const versions = usePoll(
    () => api<Page<WorkflowVersion>>(`/workflows/${id}/versions`),
    0,
    `versions-${id}`,
  );
  const data = workflow.data;
  return (
    <>
      <p class="crumbs">
        <Link href="/workflows">Workflows</Link> / #{id}
      </p>
      <h1>
        {data ? data.workflow_name : `Workflow #${id}`}{' '}
        {data && <StatusBadge status={data.is_active ? 'ACTIVE' : 'INACTIVE'} />}
      </h1>
      <ErrorBanner error={workflow.error} />
      {!data ? (
        !workflow.error && <Loading what="the workflow" />
      ) : (
        <>
          <p class="muted">
            {data.workflow_type} · version {data.version} of {dateTime(data.version_created_at)} ·{' '}
            <Link href={`/jobs?workflow_id=${data.id}`}>its jobs</Link>
          </p>
          <div class="columns">
            <RunForm workflow={data} />
            <Section title="Definition">
              <pre class="pre code">{JSON.stringify(data.workflow_definition, null, 2)}</pre>
            </Section>
          </div>
          <Section title="Versions">
            <ErrorBanner error={versions.error} />
            {!versions.data ? (
              <Loading what="versions" />
            ) : (
              <VersionDiff workflowId={id} versions={versions.data.data} />
            )}
          </Section>
        </>
      )}
    </>
  );
}

function RunForm({ workflow }: { workflow: Workflow }) {
  const [, navigate] = useLocation();
  const [params, setParams] = useState('{}');
  const [priority, setPriority] = useState('5');
  const [target, setTarget] = useState('');
  const [error, setError] = useState<Error | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const targets = usePoll(
    () => api<Page<{ id: string; name: string | null; url: string }>>('/targets?limit=100'),
    0,
    'targets',
  );

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    let parsed: unknown;
    try {
      parsed = params.trim() === '' ? undefined : JSON.parse(params);
    } catch (caught) {
      setError(new ApiError(400, `params is not JSON: ${(caught as Error).message}`, 'body.params'));
      return;
    }
    setBusy(true);
    try {
      const job = await api<Job>(`/workflows/${workflow.id}/jobs`, {
        method: 'POST',
        body: { params: parsed, priority: Number(priority), ...(target ? { target_id: target } : {}) },
      });
      navigate(`/jobs/${job.id}`);
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section title="Run">
      <form
        class="form"
        onSubmit={(event) => void submit(event)}
        aria-label={`Run ${workflow.workflow_name}`}
      >
        <label for="run-params">Params (JSON object)</label>
        <textarea
          id="run-params"
          rows={5}
          class="mono"
          value={params}
          onInput={(event) => setParams((event.target as HTMLTextAreaElement).value)}
        />
        <div class="form-row">
          <label>
            Priority
            <input
              type="number"
              min={1}
              max={10}
              value={priority}
              onInput={(event) => setPriority((event.target as HTMLInputElement).value)}
            />
          </label>
          <label>
            Target
            <select value={target} onChange={(event) => setTarget((event.target as HTMLSelectElement).value)}>
              <option value="">none</option>
              {(targets.data?.data ?? []).map((item) => (
                <option key={item.id} value={item.id}>
                  {item.name ?? item.url} (#{item.id})
                </option>
              ))}
            </select>
          </label>
        </div>
        <ErrorBanner error={error} />
        <button type="submit" class="button button-primary" disabled={busy || !workflow.is_active}>
          Start a job
        </button>
        {!workflow.is_active && <p class="muted small">The workflow is inactive: it starts no job.</p>}
      </form>
    </Section>
  );
}

function VersionDiff({ workflowId, versions }: { workflowId: string; versions: WorkflowVersion[] }) {
  const newest = versions[0]?.version ?? 1;
  const [from, setFrom] = useState(String(Math.max(1, newest - 1)));
  const [to, setTo] = useState(String(newest));
  const diff = usePoll(
    async () => {
      const [left, right] = await Promise.all([
        api<Workflow>(`/workflows/${workflowId}?version=${from}`),
        api<Workflow>(`/workflows/${workflowId}?version=${to}`),
      ]);
      return diffLines(
        JSON.stringify(left.workflow_definition, null, 2),
        JSON.stringify(right.workflow_definition, null, 2),
      );
    },
    0,
    `diff-${workflowId}-${from}-${to}`,
  );
  return (
    <>
      <ul class="plain versions">
        {versions.map((version) => (
          <li key={version.version}>
            v{version.version} · {dateTime(version.created_at)}
            {version.is_current && <strong> (current)</strong>}
          </li>
        ))}
      </ul>
      {versions.length < 2 ? (
        <Empty>One version only: nothing to compare.</Empty>
      ) : (
        <>
          <div class="form-row">
            <label>
              From
              <select value={from} onChange={(event) => setFrom((event.target as HTMLSelectElement).value)}>
                {versions.map((version) => (
                  <option key={version.version} value={version.version}>
                    v{version.version}
                  </option>
                ))}
              </select>
            </label>
            <label>
              To
              <select value={to} onChange={(event) => setTo((event.target as HTMLSelectElement).value)}>
                {versions.map((version) => (
                  <option key={version.version} value={version.version}>
                    v{version.version}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <ErrorBanner error={diff.error} />
          {diff.data && (
            <div role="region" aria-label={`Changes from v${from} to v${to}`}>
              <pre class="pre code diff">
                {diff.data.every((part) => !part.added && !part.removed) ? (
                  <span class="muted">The two versions have the same definition.</span>
                ) : (
                  diff.data.map((part, index) => (
                    <span
                      key={index}
                      class={part.added ? 'diff-add' : part.removed ? 'diff-del' : 'diff-same'}
                    >
                      {prefixLines(part.value, part.added ? '+ ' : part.removed ? '- ' : '  ')}
                    </span>
                  ))
                )}
              </pre>
            </div>
          )}
        </>
      )}
    </>
  );
}

function prefixLines(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line, index, lines) => (index === lines.length - 1 && line === '' ? '' : `${prefix}${line}\n`))
    .join('');
}
