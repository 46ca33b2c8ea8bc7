/**
 * Buttons that change something on the server. Each shows that it is working, and the server's
 * message when it refuses (a 403 says which permission was missing). Pages render them only for
 * scopes that may operate; the server checks again on every request.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { errorMessage } from '../api.js';

export function useAction(): {
  busy: string | null;
  error: string | null;
  run(name: string, action: () => Promise<unknown>): Promise<boolean>;
  clear(): void;
} {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  return {
    busy,
    error,
    clear: () => setError(null),
    async run(name, action) {
      setBusy(name);
      setError(null);
      try {
        await action();
        return true;
      } catch (err) {
        setError(errorMessage(err));
        return false;
      } finally {
        setBusy(null);
      }
    },
  };
}

export function ActionButton({
  label,
  busyLabel,
  busy,
  onClick,
  kind = 'default',
  disabled,
}: {
  label: string;
  busyLabel?: string;
  busy: string | null;
  onClick(): void;
  kind?: 'default' | 'primary' | 'danger';
  disabled?: boolean;
}) {
  return (
    <button type="button" class={`btn ${kind === 'default' ? '' : kind}`} disabled={disabled || busy !== null} aria-busy={busy === label} onClick={onClick}>
      {busy === label ? (busyLabel ?? `${label}…`) : label}
    </button>
  );
}

export function ActionError({ error }: { error: string | null }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

/** A labelled note box ("Note"), its id unique per card. */
export function NoteField({ id, value, onInput, hint }: { id: string; value: string; onInput(v: string): void; hint?: ComponentChildren }) {
  return (
    <div class="field">
      <label for={id}>Note</label>
      <textarea id={id} rows={2} maxLength={2000} value={value} onInput={(e) => onInput((e.currentTarget as HTMLTextAreaElement).value)} />
      {hint ? <p class="hint">{hint}</p> : null}
    </div>
  );
}
