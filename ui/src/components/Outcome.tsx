/**
 * Results, errors and inputs in words (lib/outcome.ts reads them), with the whole value kept
 * under a collapsed "Raw JSON". Failing checks show their output as it was printed: a monospace
 * block that keeps its lines.
 */
import { duration, excerpt } from '../lib/format.js';
import { readOutcome, type ClassificationView, type FailingCheck } from '../lib/outcome.js';
import { inputEntries } from '../lib/words.js';
import { Facts, Json, Status } from './common.js';

/** The failing checks of a verification: name, kind, verdict, and the output they printed. */
export function FailingChecks({ checks, open = false }: { checks: FailingCheck[]; open?: boolean }) {
  return (
    <ul class="failing" aria-label="failing checks">
      {checks.map((f, i) => (
        <li key={i} data-testid="failing-check">
          <details open={open}>
            <summary>
              <span class="strong">{f.validator}</span> {f.type ? <span class="muted">({f.type})</span> : null} {f.verdict ? <Status status={f.verdict} /> : null}{' '}
              {open ? null : <span class="muted small args">{excerpt(f.summary, 110)}</span>}
            </summary>
            {f.summary ? (
              <pre class="code small-pre" tabIndex={0} aria-label={`output of ${f.validator}`}>
                {f.summary}
              </pre>
            ) : null}
          </details>
        </li>
      ))}
    </ul>
  );
}

function Classification({ c, failureClass, message }: { c: ClassificationView | undefined; failureClass: string | null | undefined; message: string | undefined }) {
  const cls = failureClass ?? c?.failureClass;
  if (!cls && !c) return null;
  const where = c?.file ? `${c.file}${c.line !== undefined ? `:${c.line}${c.column !== undefined ? `:${c.column}` : ''}` : ''}` : undefined;
  return (
    <div class="classification" data-testid="classification">
      <p>
        {cls ? <span class="badge fc">{cls}</span> : null}
        {c?.confidence !== undefined ? <span class="muted small"> classifier confidence {Math.round(c.confidence * 100)}%</span> : null}
        {c?.decidedBy ? <span class="muted small"> · decided by the {c.decidedBy}</span> : null}
      </p>
      {c?.summary && c.summary !== message ? (
        <p>
          <span class="muted">Decisive line: </span>
          <code class="wrap">{c.summary}</code>
        </p>
      ) : null}
      {c?.failingTests.length ? (
        <>
          <h4>Failing tests</h4>
          <ul class="tests" data-testid="failing-tests">
            {c.failingTests.map((t) => (
              <li key={t} class="mono small">
                {t}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <Facts
        rows={[
          ['Where', where ? <span class="mono">{where}</span> : null],
          ['Error codes', c?.errorCodes.length ? <span class="mono">{c.errorCodes.join(', ')}</span> : null],
          ['Missing module', c?.missingModule ? <span class="mono">{c.missingModule}</span> : null],
          ['Missing program', c?.missingProgram ? <span class="mono">{c.missingProgram}</span> : null],
        ]}
      />
    </div>
  );
}

/**
 * A result or error in words. `failureClass` is the task's (or run's) class; the server keeps
 * the classification's class equal to it, and the classification adds its confidence and context.
 */
export function Outcome({ value, kind, failureClass, label }: { value: unknown; kind: 'error' | 'result'; failureClass?: string | null | undefined; label: string }) {
  const o = readOutcome(value);
  const c = o.counters;
  return (
    <div class="outcome" data-testid={kind === 'error' ? 'outcome-error' : 'outcome-result'}>
      {o.text ? <pre class="code">{o.text}</pre> : null}
      {o.message ? (
        <p class={kind === 'error' ? 'outcome-message bad-text' : 'outcome-message'} data-testid="outcome-message">
          {o.message}
        </p>
      ) : null}
      {o.summary ? (
        <>
          <h4>The agent's summary</h4>
          <p class="wrap">{o.summary}</p>
        </>
      ) : null}
      {kind === 'error' ? (
        <>
          {failureClass || o.classification ? <h4>Failure class</h4> : null}
          <Classification c={o.classification} failureClass={failureClass} message={o.message} />
        </>
      ) : null}
      {o.failing.length ? (
        <>
          <h4>Failing checks ({o.failing.length})</h4>
          <FailingChecks checks={o.failing} open />
        </>
      ) : null}
      {o.verdict && !o.failing.length ? (
        <p>
          Checks: <Status status={o.verdict} /> {o.reasons.length ? <span class="muted">— {o.reasons.join('; ')}</span> : null}
        </p>
      ) : null}
      {o.files.length ? (
        <>
          <h4>Changed files{o.branch ? <span class="muted small"> on branch <span class="mono">{o.branch}</span></span> : null}</h4>
          <ul class="files">
            {o.files.map((f) => (
              <li key={f.path} class="mono small">
                {f.status ?? 'changed'} {f.path}
                {f.additions !== undefined ? <span class="add"> +{f.additions}</span> : null}
                {f.deletions !== undefined ? <span class="del"> −{f.deletions}</span> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {o.command ? (
        <p class="mono small">
          $ {o.command}
          {o.exitCode !== undefined ? <span class="muted"> → exit {o.exitCode === null ? `by signal ${o.signal ?? '?'}` : o.exitCode}</span> : null}
        </p>
      ) : null}
      {o.streams.map((s) => (
        <div key={s.label}>
          <h4>{s.label}</h4>
          <pre class="code" tabIndex={0}>
            {s.text}
          </pre>
        </div>
      ))}
      {/* The agent's own turns, tokens and cost are the run's counters, shown with the run (and
          in the task's attempts): not repeated here. Its elapsed time is its loop alone, shorter
          than the run's duration (which adds the checks), so it is labelled for what it is. */}
      {c?.elapsedMs !== undefined || o.facts.length ? (
        <Facts
          rows={[
            ['Agent loop', c?.elapsedMs !== undefined ? duration(c.elapsedMs) : null],
            ...o.facts.map(([k, v]): [string, string] => [k, v]),
          ]}
        />
      ) : null}
      <details class="raw">
        <summary>Raw JSON</summary>
        <Json value={value} label={label} />
      </details>
    </div>
  );
}

/** A task's input as label → value rows (text keeps its lines), with the raw JSON under it. */
export function InputView({ input, raw = true }: { input: unknown; raw?: boolean }) {
  const o = input && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>) : undefined;
  if (!o) return <Json value={input} label="input" />;
  const entries = inputEntries(o);
  return (
    <div class="input-view" data-testid="input-view">
      {entries.length === 0 ? (
        <p class="empty">No input.</p>
      ) : (
        <dl class="kv">
          {entries.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd class={typeof v === 'string' ? 'wrap' : 'mono small'}>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
            </div>
          ))}
        </dl>
      )}
      {raw && entries.length ? (
        <details class="raw">
          <summary>Raw JSON</summary>
          <Json value={input} label="input" />
        </details>
      ) : null}
    </div>
  );
}
