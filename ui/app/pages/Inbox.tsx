import { useState } from 'preact/hooks';
import { api, ApiError, canOperate, type Principal } from '../api.js';
import { pct, shortId, usd } from '../format.js';
import type { Approval, Escalation } from '../types.js';
import { ArtifactDiff, ErrorBox, Loading, Status, Time, useLoad } from '../ui.js';

function errorText(err: unknown): string {
  return err instanceof ApiError ? `${err.message} (${err.code})` : String(err);
}

export function Approvals({ me }: { me: Principal | null }) {
  const pending = useLoad(() => api<{ approvals: Approval[] }>('/approvals?status=pending'), [], 3000);
  const [done, setDone] = useState<{ taskId: string; decision: string }[]>([]);
  return (
    <>
      <h1>Approvals</h1>
      <ErrorBox error={pending.error} />
      {done.map((d) => (
        <p key={d.taskId} class="notice" role="status">
          {d.decision} — <a href={`#/tasks/${d.taskId}`}>open task {shortId(d.taskId)}</a>
        </p>
      ))}
      {!pending.data ? (
        <Loading what="approvals" />
      ) : pending.data.approvals.length === 0 ? (
        <p class="muted">Nothing waits for approval.</p>
      ) : (
        pending.data.approvals.map((a) => (
          <ApprovalCard key={a.id} approval={a} me={me} onDecided={(decision) => (setDone((prev) => [{ taskId: a.taskId, decision }, ...prev]), pending.reload())} />
        ))
      )}
    </>
  );
}

function ApprovalCard({ approval: a, me, onDecided }: { approval: Approval; me: Principal | null; onDecided(decision: string): void }) {
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const decide = async (action: 'approve' | 'reject'): Promise<void> => {
    setBusy(true);
    try {
      await api(`/approvals/${a.id}/${action}`, { method: 'POST', body: note ? { note } : {} });
      onDecided(action === 'approve' ? 'Approved' : 'Rejected');
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const patch = a.kind === 'patch' ? (a.request as { patchSha256?: string; files?: string[]; summary?: string; attempt?: number; runId?: string }) : undefined;
  const noteId = `note-${a.id}`;
  return (
    <article class="card" data-testid="approval">
      <header class="card-h">
        <h2>
          {a.kind === 'patch' ? 'Proposed patch' : 'Task'} for <a href={`#/tasks/${a.taskId}`}>{a.taskId}</a>
        </h2>
        <Time iso={a.requestedAt} />
      </header>
      {patch ? (
        <p>
          attempt {patch.attempt ?? '—'} proposes changes to {(patch.files ?? []).join(', ') || 'no files'}
          {patch.summary ? <span class="muted"> — {patch.summary}</span> : null}
          {a.runId ?? patch.runId ? (
            <>
              {' '}
              · <a href={`#/runs/${a.runId ?? patch.runId}`}>its run</a>
            </>
          ) : null}
        </p>
      ) : (
        <p>
          spec <strong>{a.request.spec ?? '—'}</strong> {a.request.reason ? <span class="muted">— {a.request.reason}</span> : null}
        </p>
      )}
      {patch?.patchSha256 ? <ArtifactDiff sha256={patch.patchSha256} /> : null}
      <ErrorBox error={error} />
      {canOperate(me) ? (
        <div class="decide">
          <label for={noteId}>Note</label>
          <textarea id={noteId} rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          <div class="buttons">
            <button type="button" class="primary" disabled={busy} onClick={() => void decide('approve')}>
              Approve
            </button>
            <button type="button" class="danger" disabled={busy} onClick={() => void decide('reject')}>
              Reject
            </button>
          </div>
        </div>
      ) : (
        <p class="muted">Your token can read but not decide.</p>
      )}
    </article>
  );
}

export function Escalations({ me }: { me: Principal | null }) {
  const [status, setStatus] = useState('active');
  const list = useLoad(() => api<{ escalations: Escalation[] }>(`/escalations?limit=100${status === 'active' || status === 'all' ? '' : `&status=${status}`}`), [status], 3000);
  const rows = (list.data?.escalations ?? []).filter((e) => status !== 'active' || e.status === 'open' || e.status === 'acknowledged');
  return (
    <>
      <h1>Escalations</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Show
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="active">open and acknowledged</option>
            <option value="resolved">resolved</option>
            <option value="dismissed">dismissed</option>
            <option value="all">all</option>
          </select>
        </label>
      </form>
      <ErrorBox error={list.error} />
      {!list.data ? <Loading what="escalations" /> : rows.length === 0 ? <p class="muted">The inbox is empty.</p> : rows.map((e) => <EscalationCard key={e.id} e={e} me={me} onChanged={list.reload} />)}
    </>
  );
}

function EscalationCard({ e, me, onChanged }: { e: Escalation; me: Principal | null; onChanged(): void }) {
  const [option, setOption] = useState(e.options[0]?.option ?? '');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [result, setResult] = useState<string | undefined>();
  const act = async (path: string, body: Record<string, unknown>, what: string): Promise<void> => {
    try {
      await api(`/escalations/${e.id}/${path}`, { method: 'POST', body: { ...body, ...(note ? { note } : {}) } });
      setResult(what);
      onChanged();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const active = e.status === 'open' || e.status === 'acknowledged';
  return (
    <article class="card" data-testid="escalation">
      <header class="card-h">
        <h2>
          Task <a href={`#/tasks/${e.taskId}`}>{e.taskId}</a>
        </h2>
        <span>
          <Status status={e.status} /> <Time iso={e.openedAt} />
        </span>
      </header>
      <p>
        <span class="tag">{e.trigger.replace(/_/g, ' ')}</span> {e.failureClass ? <span class="tag bad">{e.failureClass}</span> : null}{' '}
        {e.acknowledgedBy ? <span class="muted">acknowledged by {e.acknowledgedBy}</span> : null}
        {e.resolution ? (
          <span class="muted">
            {' '}
            resolved with {e.resolution} by {e.resolvedBy}
            {e.note ? ` — “${e.note}”` : ''}
          </span>
        ) : null}
      </p>
      <details open={active}>
        <summary>Evidence: the last {e.evidence.length} attempt(s)</summary>
        <ul class="plain">
          {e.evidence.map((ev) => (
            <li key={ev.runId}>
              <a href={`#/runs/${ev.runId}`}>attempt {ev.attempt}</a> <Status status={ev.status} /> {ev.failureClass ? <span class="tag">{ev.failureClass}</span> : null} {ev.summary}
              {(ev.failing ?? []).map((f, i) => (
                <details key={i}>
                  <summary>
                    check {f.validator ?? f.type} failed
                  </summary>
                  <pre class="json">{f.summary}</pre>
                </details>
              ))}
            </li>
          ))}
        </ul>
      </details>
      {result ? (
        <p class="notice" role="status">
          {result} — <a href={`#/tasks/${e.taskId}`}>open the task</a>
        </p>
      ) : null}
      <ErrorBox error={error} />
      {active && canOperate(me) ? (
        <div class="decide">
          <label for={`opt-${e.id}`}>Option</label>
          <select id={`opt-${e.id}`} value={option} onChange={(ev) => setOption(ev.currentTarget.value)}>
            {e.options.map((o) => (
              <option key={o.option} value={o.option}>
                {o.label}
                {o.estimate && o.estimate.runs > 0 ? ` — ${pct(o.estimate.successRate)} of ${o.estimate.runs} runs passed, avg ${usd(o.estimate.avgCostUsd)}` : ''}
              </option>
            ))}
          </select>
          <label for={`note-${e.id}`}>Note</label>
          <textarea id={`note-${e.id}`} rows={2} value={note} onInput={(ev) => setNote(ev.currentTarget.value)} />
          <div class="buttons">
            {e.status === 'open' ? (
              <button type="button" onClick={() => void act('ack', {}, 'Acknowledged')}>
                Acknowledge
              </button>
            ) : null}
            <button type="button" class="primary" disabled={!option} onClick={() => void act('resolve', { option }, `Resolved with ${option}`)}>
              Resolve
            </button>
            <button type="button" class="danger" onClick={() => void act('dismiss', {}, 'Dismissed')}>
              Dismiss
            </button>
          </div>
        </div>
      ) : null}
    </article>
  );
}
