/**
 * The escalations inbox: tasks Gaffer could not finish, with the evidence (the last attempts,
 * their failing checks and classes) and the options the escalation offers, each with its
 * estimate. Operators acknowledge, resolve with an option, or dismiss, with a note.
 */
import { useState } from 'preact/hooks';
import { post, query } from '../api.js';
import { ActionButton, ActionError, NoteField, useAction } from '../components/Actions.js';
import { Empty, ErrorNote, Facts, Json, Loading, Status, Time } from '../components/common.js';
import { useApi, useTitle } from '../components/hooks.js';
import { Pager, usePages } from '../components/Pager.js';
import { percent, preview, shortId, usd } from '../lib/format.js';
import { href } from '../router.js';
import { useSession } from '../session.js';
import type { Escalation, EscalationOption, Task, TaskDetail } from '../types.js';

const PAGE_SIZE = 50;
const FILTERS = ['active', 'open', 'acknowledged', 'resolved', 'dismissed', 'all'] as const;
const RETRIES = new Set(['retry', 'retry_stronger', 'retry_larger_budget', 'amend_spec']);

function estimateText(o: EscalationOption): string {
  const e = o.estimate;
  if (!e) return '';
  if (e.runs === 0) return `no past runs (${e.basis})`;
  return `${percent(e.successRate)} success, ${usd(e.avgCostUsd)} a run, from ${e.runs} run${e.runs === 1 ? '' : 's'} (${e.basis})`;
}

function Evidence({ escalation }: { escalation: Escalation }) {
  return (
    <ol class="evidence">
      {escalation.evidence.map((ev, i) => (
        <li key={ev.runId ?? i}>
          <p>
            Attempt {ev.attempt ?? '?'} {ev.status ? <Status status={ev.status} /> : null} {ev.failureClass ? <span class="badge fc">{ev.failureClass}</span> : null}{' '}
            {ev.runId ? (
              <a href={href('runs', ev.runId)} class="mono">
                run {shortId(ev.runId)}
              </a>
            ) : null}
          </p>
          {ev.summary || ev.message ? <p class="wrap">{ev.summary ?? ev.message}</p> : null}
          {ev.failing?.length ? (
            <ul class="failing">
              {ev.failing.map((f, j) => (
                <li key={j}>
                  <details>
                    <summary>
                      <span class="strong">{f.validator ?? 'check'}</span> <span class="muted">({f.type})</span> {f.verdict ? <Status status={f.verdict} /> : null}{' '}
                      <span class="muted small args">{preview(f.summary ?? '', 90)}</span>
                    </summary>
                    <pre class="code" tabIndex={0}>
                      {f.summary ?? ''}
                    </pre>
                  </details>
                </li>
              ))}
            </ul>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

interface Notice {
  id: string;
  taskId: string;
  what: string;
  retried: boolean;
}

/** What an action did, from its response: `{ escalation, task }` for resolve, the Escalation otherwise. */
function noticeOf(result: unknown): Notice | undefined {
  const r = result as { escalation?: Escalation; task?: Task } & Partial<Escalation>;
  const e = r.escalation ?? (r.id ? (r as Escalation) : undefined);
  if (!e) return undefined;
  const what = e.status === 'resolved' ? `Resolved with ${e.resolution ?? '?'}` : e.status === 'dismissed' ? 'Dismissed' : e.status === 'acknowledged' ? 'Acknowledged' : e.status;
  return { id: e.id, taskId: e.taskId, what, retried: e.status === 'resolved' && RETRIES.has(e.resolution ?? '') };
}

function EscalationCard({ escalation, onChanged }: { escalation: Escalation; onChanged(notice: Notice): void }) {
  const { operate } = useSession();
  const e = escalation;
  const [option, setOption] = useState(e.options[0]?.option ?? '');
  const [note, setNote] = useState('');
  const action = useAction();
  const active = e.status === 'open' || e.status === 'acknowledged';
  // The escalation names its task; the task says which spec and input it is.
  const task = useApi<TaskDetail>(`/tasks/${e.taskId}`, active ? 10_000 : undefined).data?.task;
  const body = (): { note?: string } => (note.trim() ? { note: note.trim() } : {});
  const chosen = e.options.find((o) => o.option === option);
  const act = (label: string, path: string, payload: object): void => {
    void action.run(label, async () => {
      const notice = noticeOf(await post(`/escalations/${e.id}/${path}`, payload));
      setNote('');
      if (notice) onChanged(notice);
    });
  };
  return (
    <article class="card" data-testid="escalation" aria-labelledby={`es-${e.id}`}>
      <header class="card-head">
        <h2 id={`es-${e.id}`}>
          {e.failureClass ? <span class="badge fc">{e.failureClass}</span> : null} {e.trigger.replace(/_/g, ' ')}
        </h2>
        <Status status={e.status} />
      </header>
      <Facts
        rows={[
          ['Task', <a href={href('tasks', e.taskId)} class="mono">{e.taskId}</a>, 'wide'],
          ['Spec', task?.spec ? <a href={href('specs', task.spec)}>{`${task.spec} v${task.specVersion ?? '?'}`}</a> : null],
          ['Task status', task ? <Status status={task.status} /> : null],
          ['Attempts', task ? `${task.attempt} of ${task.maxAttempts}` : null],
          ['Opened', <Time iso={e.openedAt} />],
          ['Acknowledged', e.acknowledgedAt ? <><Time iso={e.acknowledgedAt} /> by <span class="mono">{e.acknowledgedBy}</span></> : null],
          ['Closed', e.resolvedAt ? <><Time iso={e.resolvedAt} /> by <span class="mono">{e.resolvedBy}</span>{e.resolution ? <> with <strong>{e.resolution}</strong></> : null}</> : null],
          ['Note', e.note],
        ]}
      />
      {task ? (
        <details>
          <summary>Input</summary>
          <Json value={task.input} label="input" />
        </details>
      ) : null}
      <h3>Evidence</h3>
      <Evidence escalation={e} />
      <h3>Options</h3>
      <ul class="options">
        {e.options.map((o) => (
          <li key={o.option}>
            <span class="mono strong">{o.option}</span> — {o.label}
            {o.estimate ? <span class="muted small"> · {estimateText(o)}</span> : null}
          </li>
        ))}
      </ul>
      {active && operate ? (
        <div class="decide">
          <div class="field">
            <label for={`opt-${e.id}`}>Option</label>
            <select id={`opt-${e.id}`} value={option} onChange={(ev) => setOption((ev.currentTarget as HTMLSelectElement).value)}>
              {e.options.map((o) => (
                <option key={o.option} value={o.option}>
                  {o.option}
                </option>
              ))}
            </select>
            {chosen ? <p class="hint">{chosen.label}</p> : null}
          </div>
          <NoteField id={`note-${e.id}`} value={note} onInput={setNote} />
          <div class="buttons">
            {e.status === 'open' ? <ActionButton label="Acknowledge" busyLabel="Acknowledging…" busy={action.busy} onClick={() => act('Acknowledge', 'ack', body())} /> : null}
            <ActionButton label="Resolve" busyLabel="Resolving…" kind="primary" busy={action.busy} disabled={!option} onClick={() => act('Resolve', 'resolve', { option, ...body() })} />
            <ActionButton label="Dismiss" busyLabel="Dismissing…" kind="danger" busy={action.busy} onClick={() => act('Dismiss', 'dismiss', body())} />
          </div>
          <p class="hint">Resolve applies the option (a retry queues the task again; abort cancels it). Dismiss ends the task failed.</p>
          <ActionError error={action.error} />
        </div>
      ) : null}
    </article>
  );
}

export function Escalations({ params }: { params: URLSearchParams }) {
  useTitle('Escalations');
  const filter = params.get('status') ?? 'active';
  const pages = usePages(filter);
  const status = filter === 'active' ? 'open,acknowledged' : filter === 'all' ? undefined : filter;
  const list = useApi<{ escalations: Escalation[]; next: string | null }>(
    `/escalations${query({ status, limit: PAGE_SIZE, cursor: pages.cursor })}`,
    pages.cursor ? undefined : 5000,
  );
  const [done, setDone] = useState<Notice[]>([]);
  const shown = list.data?.escalations ?? [];
  return (
    <>
      <div class="page-head">
        <h1>Escalations</h1>
        <div class="field inline">
          <label for="es-status">Status</label>
          <select id="es-status" value={filter} onChange={(e) => (location.hash = `#/escalations?status=${(e.currentTarget as HTMLSelectElement).value}`)}>
            {FILTERS.map((s) => (
              <option key={s} value={s}>
                {s === 'active' ? 'open or acknowledged' : s}
              </option>
            ))}
          </select>
        </div>
      </div>
      {done.length ? (
        <ul class="notices" aria-live="polite">
          {done.map((d, i) => (
            <li key={`${d.id}-${i}`} class="notice">
              {d.what}: {d.retried ? 'the task is queued for another attempt — ' : ''}
              <a href={href('tasks', d.taskId)}>{d.retried ? 'follow' : 'open'} task {shortId(d.taskId)}</a>
            </li>
          ))}
        </ul>
      ) : null}
      <ErrorNote error={list.error} />
      {!list.data ? (
        list.error ? null : <Loading what="escalations" />
      ) : shown.length === 0 ? (
        <Empty>{filter === 'active' ? 'Nothing is escalated. Tasks Gaffer cannot finish land here with their evidence.' : 'No escalations with this status.'}</Empty>
      ) : (
        <div class="cards">
          {shown.map((e) => (
            <EscalationCard
              key={e.id}
              escalation={e}
              onChanged={(notice) => {
                setDone((d) => [notice, ...d]);
                list.reload();
              }}
            />
          ))}
        </div>
      )}
      <Pager pages={pages} next={list.data?.next} />
    </>
  );
}
