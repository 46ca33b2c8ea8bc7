/**
 * The Gaffer dashboard: sign in with a token, then overview, tasks, runs, the approval and
 * escalation inboxes, schedules, specs and profiles — all read from /api/v1 with that token, so
 * the server decides every permission; the page hides what the token's scope cannot do.
 * Hash routes (#/tasks/<id>) need nothing from the server but the page itself.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, onSignedOut, tokenStore, type Principal } from './api.js';
import { Overview } from './pages/Overview.js';
import { TaskDetail, Tasks } from './pages/Tasks.js';
import { RunDetail } from './pages/Run.js';
import { Approvals, Escalations } from './pages/Inbox.js';
import { Schedules, Specs, Versions } from './pages/Config.js';
import './styles.css';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = (): void => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function SignIn({ message, onSignedIn }: { message?: string; onSignedIn(p: Principal): void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(message);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    try {
      const me = await api<Principal>('/whoami', { token: token.trim() });
      tokenStore.set(token.trim());
      onSignedIn(me);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <main id="main" class="signin">
      <h1>Gaffer</h1>
      <p class="muted">The foreman for autonomous AI agents. Sign in with an API token (the admin token is in the data directory: <code>.gaffer/admin-token</code>).</p>
      <form onSubmit={(e) => void submit(e)}>
        <label for="token">Token</label>
        <input id="token" type="password" autoComplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)} required />
        <button type="submit" class="primary">
          Sign in
        </button>
      </form>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
    </main>
  );
}

const NAV: [string, string][] = [
  ['#/', 'Overview'],
  ['#/tasks', 'Tasks'],
  ['#/approvals', 'Approvals'],
  ['#/escalations', 'Escalations'],
  ['#/schedules', 'Schedules'],
  ['#/specs', 'Specs & profiles'],
];

function Page({ hash, me }: { hash: string; me: Principal }) {
  const [pathPart = '', queryPart = ''] = hash.replace(/^#/, '').split('?');
  const parts = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(queryPart);
  const [section, id] = parts;
  switch (section) {
    case undefined:
      return <Overview />;
    case 'tasks':
      return id ? <TaskDetail id={id} me={me} /> : <Tasks query={query} />;
    case 'runs':
      return id ? <RunDetail id={id} /> : <p>Open a run from a task.</p>;
    case 'approvals':
      return <Approvals me={me} />;
    case 'escalations':
      return <Escalations me={me} />;
    case 'schedules':
      return <Schedules me={me} />;
    case 'specs':
      return id ? <Versions kind="specs" name={id} /> : <Specs />;
    case 'profiles':
      return id ? <Versions kind="profiles" name={id} /> : <Specs />;
    default:
      return <p>No page here. Go to the <a href="#/">overview</a>.</p>;
  }
}

function App() {
  const hash = useHash();
  const [me, setMe] = useState<Principal | null>(null);
  const [checked, setChecked] = useState(false);
  const [signedOutMessage, setSignedOutMessage] = useState<string | undefined>();
  useEffect(() => {
    const off = onSignedOut((reason) => {
      tokenStore.clear();
      setMe(null);
      setSignedOutMessage(`Signed out: ${reason}`);
    });
    if (tokenStore.get()) {
      api<Principal>('/whoami')
        .then(setMe, () => tokenStore.clear())
        .finally(() => setChecked(true));
    } else setChecked(true);
    return off;
  }, []);
  if (!checked) return null;
  if (!me) return <SignIn message={signedOutMessage} onSignedIn={setMe} />;
  const current = '#/' + (hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '');
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/">
          Gaffer
        </a>
        <nav aria-label="Main">
          {NAV.map(([href, label]) => {
            const active = href === '#/' ? current === '#/' : current.startsWith(href) || (href === '#/specs' && current === '#/profiles');
            return (
              <a key={href} href={href} aria-current={active ? 'page' : undefined}>
                {label}
              </a>
            );
          })}
        </nav>
        <div class="me">
          <span data-testid="whoami">
            {me.name} · {me.scope}
          </span>
          <button
            type="button"
            class="link"
            onClick={() => {
              tokenStore.clear();
              setMe(null);
              setSignedOutMessage(undefined);
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page hash={hash} me={me} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
