/**
 * One escalation as a card: why the task is here (the trigger in words, the failure class), the
 * evidence of its last attempts (failing checks with their output), the options with their
 * estimates, and — for operators, while it is open or acknowledged — Acknowledge, Resolve with an
 * option and a note, and Dismiss. The inbox (pages/Escalations.tsx) and the escalated task's own
 * page (pages/Task.tsx) both show it, so a task can be retried where it is read.
 */
import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { attemptText, escalationAttempts } from '../lib/attempts.js';
import { percent, shortId, usd } from '../lib/format.js';
import { plural, triggerText } from '../lib/words.js';
import { href } from '../router.js';
import { useSession } from '../session.js';
import type { Escalation, EscalationOption, Task, TaskDetail } from '../types.js';
import { ActionButton, ActionError, NoteField, useAction } from './Actions.js';
import { ErrorNote, Facts, Loading, Status, Time } from './common.js';
import { useApi } from './hooks.js';
import { FailingChecks, InputView } from './Outcome.js';

const RETRIES = new Set(['retry', 'retry_stronger', 'retry_larger_budget', 'amend_spec']);

export interface EscalationNotice {
  id: string;
  taskId: string;
  what: string;
  retried: boolean;
}

function estimateText(o: EscalationOption): string {
  const e = o.estimate;
  if (!e) return '';
  if (e.runs === 0) return `no past runs (${e.basis})`;
  return `${percent(e.successRate)} success, ${usd(e.avgCostUsd)} a run, from ${plural(e.runs, 'run')} (${e.basis})`;
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
          {ev.message ? <p class="wrap">{ev.message}</p> : null}
          {/* The evidence's summary is the classifier's decisive line of the output. */}
          {ev.summary && ev.summary !== ev.message ? (
            <p>
              <span class="muted">Decisive line: </span>
              <code class="wrap">{ev.summary}</code>
            </p>
          ) : null}
          {ev.failing?.length ? (
            <FailingChecks checks={ev.failing.map((f) => ({ validator: f.validator ?? 'check', summary: f.summary ?? '', ...(f.type ? { type: f.type } : {}), ...(f.verdict ? { verdict: f.verdict } : {}) }))} />
          ) : null}
        </li>
      ))}
    </ol>
  );
}

/** What an action did, from its response: `{ escalation, task }` for resolve, the Escalation otherwise. */
function noticeOf(result: unknown): EscalationNotice | undefined {
  const r = result as { escalation?: Escalation; task?: Task } & Partial<Escalation>;
  const e = r.escalation ?? (r.id ? (r as Escalation) : undefined);
  if (!e) return undefined;
  const what = e.status === 'resolved' ? `Resolved with ${e.resolution ?? '?'}` : e.status === 'dismissed' ? 'Dismissed' : e.status === 'acknowledged' ? 'Acknowledged' : e.status;
  return { id: e.id, taskId: e.taskId, what, retried: e.status === 'resolved' && RETRIES.has(e.resolution ?? '') };
}

/**
 * `task`: the escalated task when the page has it already (the task page); the card then leaves
 * out what that page shows (task id, spec, input) and does not fetch the task again.
 */
export function EscalationCard({ escalation, task: given, onChanged }: { escalation: Escalation; task?: Task; onChanged(notice: EscalationNotice): void }) {
  const { operate } = useSession();
  const e = escalation;
  const [option, setOption] = useState(e.options[0]?.option ?? '');
  const [note, setNote] = useState('');
  const action = useAction();
  // The escalation carries its task's summary (spec, status, attempts); the input is read only
  // when someone opens it, so a page of cards is one request, not one per card.
  const task = given ? { spec: given.spec ? { name: given.spec, version: given.specVersion ?? 0 } : null, status: given.status, attempt: given.attempt, maxAttempts: given.maxAttempts } : e.task;
  const onTaskPage = given !== undefined;
  const active = e.status === 'open' || e.status === 'acknowledged';
  // Open: the task's counts now. Closed: the counts when it was opened, from its own evidence.
  const attempts = escalationAttempts({ ...e, task });
  const [showInput, setShowInput] = useState(false);
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
          {e.failureClass ? <span class="badge fc">{e.failureClass}</span> : null} {triggerText(e.trigger, e.failureClass, attempts?.attempt, attempts?.maxAttempts)}
        </h2>
        <Status status={e.status} />
      </header>
      <Facts
        rows={[
          ['Task', onTaskPage ? null : <a href={href('tasks', e.taskId)} class="mono">{e.taskId}</a>, 'wide'],
          ['Spec', !onTaskPage && task?.spec ? <a href={href('specs', task.spec.name)}>{`${task.spec.name} v${task.spec.version}`}</a> : null],
          ['Task status', !onTaskPage && task ? <Status status={task.status} /> : null],
          [active ? 'Attempts' : 'Attempts when opened', attempts ? attemptText(attempts) : null],
          ['Opened', <Time iso={e.openedAt} />],
          ['Acknowledged', e.acknowledgedAt ? <><Time iso={e.acknowledgedAt} /> by <span class="mono">{e.acknowledgedBy}</span></> : null],
          ['Closed', e.resolvedAt ? <><Time iso={e.resolvedAt} /> by <span class="mono">{e.resolvedBy}</span>{e.resolution ? <> with <strong>{e.resolution}</strong></> : null}</> : null],
          ['Note', e.note],
        ]}
      />
      {!onTaskPage ? (
        <details onToggle={(ev) => setShowInput((ev.currentTarget as HTMLDetailsElement).open)}>
          <summary>Input</summary>
          {showInput ? <TaskInput taskId={e.taskId} /> : null}
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

/** The escalated task's input, read when the card's Input is opened. */
function TaskInput({ taskId }: { taskId: string }) {
  const detail = useApi<TaskDetail>(`/tasks/${taskId}`);
  if (detail.error) return <ErrorNote error={detail.error} />;
  return detail.data ? <InputView input={detail.data.task.input} /> : <Loading what="the input" />;
}
