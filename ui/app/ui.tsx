/** Shared pieces: data loading hooks, status badges, times, JSON, diffs, errors. */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, artifactText } from './api.js';
import { classifyDiffLine } from './diff.js';
import { relativeTime } from './format.js';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  reload(): void;
}

/** Loads with `load`, again whenever `deps` change, and every `pollMs` when given. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], pollMs?: number): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    const run = (): void => {
      load().then(
        (d) => live && (setData(d), setError(undefined)),
        (err: unknown) => live && setError(err instanceof ApiError ? `${err.message} (${err.code})` : String(err)),
      );
    };
    run();
    const timer = pollMs ? setInterval(run, pollMs) : undefined;
    return () => {
      live = false;
      if (timer) clearInterval(timer);
    };
  }, [...deps, tick]);
  return { data, error, reload: () => setTick((t) => t + 1) };
}

export function ErrorBox({ error }: { error: string | undefined }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

export function Loading({ what }: { what: string }) {
  return <p class="muted">Loading {what}…</p>;
}

export function Status({ status, testId }: { status: string | null | undefined; testId?: string }) {
  return (
    <span class={`badge s-${status ?? 'none'}`} data-testid={testId}>
      {status ?? '—'}
    </span>
  );
}

export function Time({ iso }: { iso: string | null | undefined }) {
  return iso ? (
    <time dateTime={iso} title={new Date(iso).toLocaleString()}>
      {relativeTime(iso)}
    </time>
  ) : (
    <span class="muted">—</span>
  );
}

export function Json({ value }: { value: unknown }) {
  return <pre class="json">{typeof value === 'string' ? value : JSON.stringify(value, null, 2)}</pre>;
}

export function DiffView({ text }: { text: string }) {
  return (
    <pre class="diff" data-testid="diff">
      {text.split('\n').map((line, i) => (
        <span key={i} class={`d-${classifyDiffLine(line)}`}>
          {line}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}

/** A text/x-diff artifact rendered as a diff. */
export function ArtifactDiff({ sha256 }: { sha256: string }) {
  const { data, error } = useLoad(() => artifactText(sha256), [sha256]);
  if (error) return <ErrorBox error={error} />;
  return data === undefined ? <Loading what="the diff" /> : <DiffView text={data} />;
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="card">
      <header class="card-h">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function KeyValues({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="kv">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
