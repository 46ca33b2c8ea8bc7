/**
 * The Gaffer dashboard: sign in with a token, then read and operate the control plane through
 * /api/v1 with that token (ui/src/api.ts). Hash routes (router.ts) pick the page. Built by
 * scripts/build-ui.mjs into dist/ui and served by `gaffer serve` under a strict CSP: no inline
 * script, nothing from another origin. See docs/dashboard.md.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { onUnauthorized, tokenStore, whoami } from './api.js';
import { Shell } from './components/Shell.js';
import { SignIn } from './pages/SignIn.js';
import { SessionContext } from './session.js';
import type { Principal } from './types.js';
import './styles.css';

type AuthState = { state: 'checking' } | { state: 'signed_out'; message?: string } | { state: 'signed_in'; me: Principal };

function App() {
  const [auth, setAuth] = useState<AuthState>(() => (tokenStore.get() ? { state: 'checking' } : { state: 'signed_out' }));

  useEffect(() => {
    onUnauthorized((message) => {
      tokenStore.clear();
      setAuth({ state: 'signed_out', message: `Signed out: ${message}` });
    });
    if (!tokenStore.get()) return;
    whoami().then(
      (me) => setAuth({ state: 'signed_in', me }),
      (err: unknown) => {
        // A 401 was handled by onUnauthorized; anything else (server down) keeps the token.
        setAuth((a) => (a.state === 'checking' ? { state: 'signed_out', message: err instanceof Error ? err.message : String(err) } : a));
      },
    );
  }, []);

  if (auth.state === 'checking') {
    return (
      <main id="main" class="signin">
        <p role="status">Signing in…</p>
      </main>
    );
  }
  if (auth.state === 'signed_out') {
    return (
      <SignIn
        message={auth.message}
        onSignedIn={(me, token) => {
          tokenStore.set(token);
          setAuth({ state: 'signed_in', me });
        }}
      />
    );
  }
  return (
    <SessionContext.Provider value={auth.me}>
      <Shell
        me={auth.me}
        onSignOut={() => {
          tokenStore.clear();
          setAuth({ state: 'signed_out', message: 'You signed out.' });
        }}
      />
    </SessionContext.Provider>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
