/** The sign-in form: a token is checked with /whoami before it is kept. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage, whoami } from '../api.js';
import { useTitle } from '../components/hooks.js';
import type { Principal } from '../types.js';

export function SignIn({ message, onSignedIn }: { message?: string | undefined; onSignedIn(me: Principal, token: string): void }) {
  useTitle('Sign in');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  // The one thing to do here is paste a token: start in its field.
  useEffect(() => field.current?.focus(), []);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const value = token.trim();
    if (!value) {
      setError('Paste an API token first.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await whoami(value), value);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <form class="signin-card" onSubmit={(e) => void submit(e)}>
        <h1>
          <span class="brand-mark" aria-hidden="true">
            G
          </span>{' '}
          Gaffer
        </h1>
        <p class="muted">Sign in with an API token. The admin token of a new server is in its data directory, in the file <code>admin-token</code>.</p>
        {message && !error ? (
          <p class="notice" role="status">
            {message}
          </p>
        ) : null}
        <div class="field">
          <label for="token">Token</label>
          <input id="token" ref={field} autoFocus type="password" autoComplete="off" spellcheck={false} placeholder="gfr_…" value={token} onInput={(e) => setToken((e.currentTarget as HTMLInputElement).value)} />
        </div>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" class="btn primary" disabled={busy}>
          Sign in
        </button>
        <p class="hint">The token is kept in this browser's local storage until you sign out.</p>
      </form>
    </main>
  );
}
