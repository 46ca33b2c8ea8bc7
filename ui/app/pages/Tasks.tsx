import { useState } from 'preact/hooks';
import { api, ApiError, canOperate, type Principal } from '../api.js';
import { duration, shortId, usd } from '../format.js';
import type { Decision, RunEvent, Task, TaskDetail as Detail } from '../types.js';
import { ErrorBox, Json, KeyValues, Loading, Section, Status, Time, useLoad } from '../ui.js';

const STATUSES = ['', 'awaiting_approval', 'waiting', 'scheduled', 'queued', 'running', 'retrying', 'succeeded', 'failed', 'escalated', 'cancelled', 'rejected', 'blocked'];
const FINAL = ['succeeded', 'failed', 'cancelled', 'rejected', 'blocked'];

export function Tasks({ query }: { query: URLSearchParams }) {
  const status = query.get('status') ?? '';
  const spec = query.get('spec') ?? '';
  const schedule = query.get('schedule') ?? '';
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const params = new URLSearchParams({ limit: '50', kind: 'work' });
  if (status) params.set('status', status);
  if (spec) params.set('spec', spec);
  if (schedule) params.set('scheduleId', schedule);
  if (cursor) params.set('cursor', cursor);
  const list = useLoad(() => api<{ tasks: Task[]; next: string | null }>(`/tasks?${params.toString()}`), [status, spec, schedule, cursor], 4000);
  const specs = useLoad(() => api<{ specs: { name: string }[] }>('/specs'), []);
  const go = (next: Record<string, string>): void => {
    const q = new URLSearchParams({ status, spec, ...next });
    for (const [k, v] of [...q.entries()]) if (!v) q.delete(k);
    setCursors([]);
    location.hash = `#/tasks${q.toString() ? `?${q.toString()}` : ''}`;
  };
  return (
    <>
      <h1>Tasks</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={status} onChange={(e) => go({ status: e.currentTarget.value })}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s || 'any'}
              </option>
            ))}
          </select>
        </label>
        <label>
          Spec
          <select value={spec} onChange={(e) => go({ spec: e.currentTarget.value })}>
            <option value="">any</option>
            {(specs.data?.specs ?? []).map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorBox error={list.error} />
      {!list.data ? (
        <Loading what="tasks" />
      ) : list.data.tasks.length === 0 ? (
        <p class="muted">No tasks match.</p>
      ) : (
        <div class="scroll">
          <table class="rows">
            <thead>
              <tr>
                <th>task</th>
                <th>status</th>
                <th>spec</th>
                <th>attempt</th>
                <th>created</th>
                <th>by</th>
              </tr>
            </thead>
            <tbody>
              {list.data.tasks.map((t) => (
                <tr key={t.id} data-testid="task-row">
                  <td data-label="task">
                    <a href={`#/tasks/${t.id}`}>{shortId(t.id)}</a>
                  </td>
                  <td data-label="status">
                    <Status status={t.status} />
                  </td>
                  <td data-label="spec">
                    {t.spec} v{t.specVersion}
                  </td>
                  <td data-label="attempt">
                    {t.attempt}/{t.maxAttempts}
                  </td>
                  <td data-label="created">
                    <Time iso={t.createdAt} />
                  </td>
                  <td data-label="by">{t.createdBy}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="pager">
        {cursors.length > 0 ? (
          <button type="button" onClick={() => setCursors(cursors.slice(0, -1))}>
            Newer
          </button>
        ) : null}
        {list.data?.next ? (
          <button type="button" onClick={() => setCursors([...cursors, list.data!.next!])}>
            Older
          </button>
        ) : null}
      </p>
    </>
  );
}

export function TaskDetail({ id, me }: { id: string; me: Principal | null }) {
  const detail = useLoad(() => api<Detail>(`/tasks/${id}`), [id], 2500);
  const decisions = useLoad(() => api<{ decisions: Decision[] }>(`/decisions?taskId=${id}&limit=100`), [id], 5000);
  const log = useLoad(() => api<{ events: RunEvent[] & { principal?: string }[] }>(`/tasks/${id}/events?limit=500`), [id], 5000);
  const [actionError, setActionError] = useState<string | undefined>();
  if (detail.error && !detail.data) return <ErrorBox error={detail.error} />;
  if (!detail.data) return <Loading what="the task" />;
  const { task, attempts, dependsOn, dependents, approvals } = detail.data;
  const cancel = async (): Promise<void> => {
    try {
      await api(`/tasks/${id}/cancel`, { method: 'POST', body: {} });
      detail.reload();
    } catch (err) {
      setActionError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <>
      <h1>
        Task {shortId(task.id)} <Status status={task.status} testId="task-status" />
      </h1>
      <ErrorBox error={actionError} />
      <KeyValues
        rows={[
          ['id', <code>{task.id}</code>],
          ['spec', `${task.spec ?? '—'} v${task.specVersion ?? '—'}`],
          ['attempt', `${task.attempt} of ${task.maxAttempts}`],
          ['created', <span>
            <Time iso={task.createdAt} /> by {task.createdBy}
          </span>],
          ['finished', <Time iso={task.finishedAt} />],
          ['failure class', task.failureClass ?? '—'],
          ...(task.parentTaskId ? [['fallback of', <a href={`#/tasks/${task.parentTaskId}`}>{shortId(task.parentTaskId)}</a>] as [string, preact.ComponentChildren]] : []),
        ]}
      />
      {canOperate(me) && !FINAL.includes(task.status) ? (
        <p>
          <button type="button" class="danger" onClick={() => void cancel()}>
            Cancel
          </button>
        </p>
      ) : null}
      <Section title={`Attempts (${attempts.length})`}>
        {attempts.length === 0 ? <p class="muted">No attempt yet.</p> : null}
        <ol class="plain">
          {attempts.map((r) => (
            <li key={r.id} data-testid="attempt" class="attempt">
              <a href={`#/runs/${r.id}`}>attempt {r.attempt}</a> <Status status={r.status} /> {r.verdict ? <span class="muted">verdict {r.verdict}</span> : null}{' '}
              {r.failureClass ? <span class="tag">{r.failureClass}</span> : null} <span class="muted">{duration(r.durationMs)}</span>{' '}
              {r.costUsd ? <span class="muted">{usd(r.costUsd)}</span> : null}
            </li>
          ))}
        </ol>
      </Section>
      <div class="grid2">
        <Section title="Input">
          <Json value={task.input ?? null} />
        </Section>
        <Section title={task.lastError ? 'Last error' : 'Result'}>
          <Json value={task.lastError ?? task.result ?? null} />
        </Section>
      </div>
      <Section title="Dependencies">
        {dependsOn.length + dependents.length === 0 ? <p class="muted">None.</p> : null}
        <ul class="plain">
          {dependsOn.map((d) => (
            <li key={d.id}>
              depends on <a href={`#/tasks/${d.id}`}>{shortId(d.id)}</a> <Status status={d.status} />
            </li>
          ))}
          {dependents.map((d) => (
            <li key={d.id}>
              needed by <a href={`#/tasks/${d.id}`}>{shortId(d.id)}</a> <Status status={d.status} />
            </li>
          ))}
        </ul>
      </Section>
      {approvals.length ? (
        <Section title="Approvals">
          <ul class="plain">
            {approvals.map((a) => (
              <li key={a.id}>
                {a.kind} <Status status={a.status} /> {a.decidedBy ? `by ${a.decidedBy}` : ''} {a.note ? `“${a.note}”` : ''} <Time iso={a.decidedAt ?? a.requestedAt} />
                {a.status === 'pending' ? <a href="#/approvals"> decide in Approvals</a> : null}
              </li>
            ))}
          </ul>
        </Section>
      ) : null}
      <Section title="Decisions">
        <ErrorBox error={decisions.error} />
        {(decisions.data?.decisions ?? []).length === 0 ? <p class="muted">None yet.</p> : null}
        <ul class="plain">
          {(decisions.data?.decisions ?? []).map((d) => (
            <li key={`${d.source}-${d.runId ?? ''}-${d.seq}`}>
              <span class="tag">{d.decisionType}</span> {d.reason} {d.runId ? <a href={`#/runs/${d.runId}`}>run {shortId(d.runId)}</a> : null} <Time iso={d.ts} />
            </li>
          ))}
        </ul>
      </Section>
      <Section title="Task log">
        <ol class="plain log">
          {(log.data?.events ?? []).map((e) => (
            <li key={e.seq}>
              <span class="muted">#{e.seq}</span> <span class="tag">{e.type}</span> <code>{JSON.stringify(e.payload)}</code> <Time iso={e.ts} />
            </li>
          ))}
        </ol>
      </Section>
    </>
  );
}
