import type { ComponentChildren } from 'preact';
import { ApiError } from '../lib/api';
import { percent } from '../lib/format';

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status.toLowerCase()}`}>{status}</span>;
}

/** processed / total as a bar; indeterminate while the total is unknown. */
export function ProgressBar({ fraction, label }: { fraction: number | null; label: string }) {
  const value = fraction === null ? undefined : Math.round(fraction * 1000) / 10;
  return (
    <div
      class="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={value}
    >
      <div
        class={`progress-fill${value === undefined ? ' progress-unknown' : ''}`}
        style={{ width: `${value ?? 100}%` }}
      />
      <span class="progress-text">{value === undefined ? 'total not known yet' : percent(fraction)}</span>
    </div>
  );
}

export function ErrorBanner({ error }: { error: Error | undefined }) {
  if (!error) return null;
  const where = error instanceof ApiError && error.path ? ` (at ${error.path})` : '';
  const status = error instanceof ApiError ? `${error.status}: ` : '';
  return (
    <p class="error" role="alert">
      {status}
      {error.message}
      {where}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Section({
  title,
  children,
  actions,
}: {
  title: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <section class="card" aria-label={title}>
      <header class="card-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="muted empty">{children}</p>;
}
