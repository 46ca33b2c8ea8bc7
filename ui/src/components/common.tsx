/** Small pieces every page uses: times, status badges, errors, JSON, ids. */
import type { ComponentChildren } from 'preact';
import { errorMessage } from '../api.js';
import { absoluteTime, duration, relativeTime, shortId } from '../lib/format.js';
import { statusWord } from '../lib/words.js';
import { href } from '../router.js';

/** A relative time ("3 min ago") with the absolute one in its title. */
export function Time({ iso, fallback = '—' }: { iso: string | null | undefined; fallback?: string }) {
  if (!iso) return <span class="muted">{fallback}</span>;
  return (
    <time dateTime={iso} title={absoluteTime(iso)}>
      {relativeTime(iso)}
    </time>
  );
}

export function Duration({ ms }: { ms: number | null | undefined }) {
  return <span class="num">{duration(ms)}</span>;
}

/** A status in words ("awaiting approval") with its colour from the code (`s-awaiting_approval`). */
export function Status({ status, testId }: { status: string; testId?: string }) {
  return (
    <span class={`badge s-${status}`} data-testid={testId} data-status={status}>
      {statusWord(status)}
    </span>
  );
}

/**
 * The page for an id or name that is not there: one heading, one sentence, a way back. Nothing
 * under it (no empty timeline, no second copy of the error).
 */
export function NotFound({ children, back, backLabel }: { children: ComponentChildren; back: string; backLabel: string }) {
  return (
    <section class="not-found" data-testid="not-found" aria-labelledby="nf-h">
      <h1 id="nf-h">Not found</h1>
      <p>{children}</p>
      <p>
        <a href={back}>← {backLabel}</a>
      </p>
    </section>
  );
}

/** The trail above a page's heading: links to where it sits, separated, with no trailing slash. */
export function Crumbs({ items }: { items: [string, ComponentChildren][] }) {
  return (
    <nav class="crumbs" aria-label="Breadcrumb">
      {items.map(([link, label], i) => (
        <span key={link}>
          {i > 0 ? <span class="sep" aria-hidden="true"> / </span> : null}
          <a href={link}>{label}</a>
        </span>
      ))}
    </nav>
  );
}

export function ErrorNote({ error, prefix }: { error: unknown; prefix?: string }) {
  if (error === undefined || error === null) return null;
  return (
    <p class="error" role="alert">
      {prefix ? `${prefix}: ` : ''}
      {errorMessage(error)}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** Pretty JSON in a scrolling block. */
export function Json({ value, label }: { value: unknown; label?: string }) {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return (
    <pre class="code" tabIndex={0} aria-label={label}>
      {text ?? 'null'}
    </pre>
  );
}

/** A link to a task or run by its short id, the full id in the title. */
export function IdLink({ kind, id }: { kind: 'tasks' | 'runs'; id: string }) {
  return (
    <a href={href(kind, id)} title={id} class="mono">
      {shortId(id)}
    </a>
  );
}

/** A definition list of label → value rows, skipping empty values. */
export function Facts({ rows }: { rows: ([string, ComponentChildren] | [string, ComponentChildren, 'wide'])[] }) {
  return (
    <dl class="facts">
      {rows
        .filter(([, v]) => v !== null && v !== undefined && v !== '')
        .map(([k, v, wide]) => (
          <div key={k} class={wide ? 'wide' : undefined}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
    </dl>
  );
}

export function Section({ title, children, actions, id }: { title: string; children: ComponentChildren; actions?: ComponentChildren; id?: string }) {
  return (
    <section class="panel" aria-labelledby={id ? `${id}-h` : undefined}>
      <header class="panel-head">
        <h2 id={id ? `${id}-h` : undefined}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}
