import { useEffect, useState } from 'preact/hooks';
import { Link, Route, Router, Switch, useRoute } from 'wouter-preact';
import { api, ApiError, onUnauthorized, storedToken, storeToken } from './lib/api';
import { JobPage } from './pages/job';
import { JobsPage } from './pages/jobs';
import { OverviewPage } from './pages/overview';
import { QueuesPage } from './pages/queues';
import { SchedulePage, SchedulesPage } from './pages/schedules';
import { WorkflowPage, WorkflowsPage } from './pages/workflows';

/** The console's root: asks for the API token when the server wants one, then the pages. */
export function App() {
  const [access, setAccess] = useState<'checking' | 'granted' | 'needs-token'>('checking');

  useEffect(() => {
    const off = onUnauthorized(() => setAccess('needs-token'));
    // One cheap call tells whether the server wants a token and whether the stored one is right.
    api('/queues')
      .then(() => setAccess('granted'))
      .catch((error: unknown) =>
        setAccess(error instanceof ApiError && error.status === 401 ? 'needs-token' : 'granted'),
      );
    return off;
  }, []);

  if (access === 'checking') return <p class="muted boot">Connecting…</p>;
  if (access === 'needs-token') return <SignIn onSignedIn={() => setAccess('granted')} />;
  return (
    <Router base="/console">
      <Shell
        signedIn={storedToken() !== null}
        onSignOut={() => {
          storeToken(null);
          setAccess('needs-token');
        }}
      >
        <Switch>
          <Route path="/" component={OverviewPage} />
          <Route path="/jobs" component={JobsPage} />
          <Route path="/jobs/:id">{(params: { id: string }) => <JobPage id={params.id} />}</Route>
          <Route path="/workflows" component={WorkflowsPage} />
          <Route path="/workflows/:id">{(params: { id: string }) => <WorkflowPage id={params.id} />}</Route>
          <Route path="/schedules" component={SchedulesPage} />
          <Route path="/schedules/:id">{(params: { id: string }) => <SchedulePage id={params.id} />}</Route>
          <Route path="/queues" component={QueuesPage} />
          <Route>
            <h1>Not found</h1>
            <p>
              There is no console page here. <Link href="/">Back to the overview</Link>
            </p>
          </Route>
        </Switch>
      </Shell>
    </Router>
  );
}

const NAV = [
  { href: '/', label: 'Overview', match: '/' },
  { href: '/jobs', label: 'Jobs', match: '/jobs/*?' },
  { href: '/workflows', label: 'Workflows', match: '/workflows/*?' },
  { href: '/schedules', label: 'Schedules', match: '/schedules/*?' },
  { href: '/queues', label: 'Queues', match: '/queues' },
];

function NavLink({ href, label, match }: { href: string; label: string; match: string }) {
  const [active] = useRoute(match);
  return (
    <Link href={href} class={`nav-link${active ? ' active' : ''}`} aria-current={active ? 'page' : undefined}>
      {label}
    </Link>
  );
}

function Shell({
  children,
  signedIn,
  onSignOut,
}: {
  children: preact.ComponentChildren;
  signedIn: boolean;
  onSignOut: () => void;
}) {
  return (
    <div class="shell">
      <header class="topbar">
        <Link href="/" class="brand">
          crawlflow <span class="brand-sub">console</span>
        </Link>
        <nav class="nav" aria-label="Pages">
          {NAV.map((item) => (
            <NavLink key={item.href} {...item} />
          ))}
        </nav>
        <span class="spacer" />
        {/* The API docs page takes no token from the console: linked only where none is asked. */}
        {!signedIn && (
          <a class="nav-link" href="/api/docs" target="_blank" rel="noreferrer">
            API docs
          </a>
        )}
        {signedIn && (
          <button type="button" class="button button-quiet" onClick={onSignOut}>
            Sign out
          </button>
        )}
      </header>
      <main class="main">{children}</main>
    </div>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('/queues', { token });
      storeToken(token);
      onSignedIn();
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.status === 401
          ? 'Wrong token: the server refused it.'
          : `Cannot reach the API: ${(caught as Error).message}`,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <form class="card signin-card" onSubmit={(event) => void submit(event)}>
        <h1>
          crawlflow <span class="brand-sub">console</span>
        </h1>
        <p>
          This server asks for its API token (the <code>API_TOKEN</code> setting).
        </p>
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="current-password"
          value={token}
          onInput={(event) => setToken((event.target as HTMLInputElement).value)}
          required
          autoFocus
        />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="button button-primary" disabled={busy || token === ''}>
          Sign in
        </button>
        <p class="muted small">The token is kept for this browser tab's session only.</p>
      </form>
    </main>
  );
}
