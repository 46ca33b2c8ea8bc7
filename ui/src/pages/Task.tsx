/**
 * One task: its status (refreshed every 2 s until it is final), attempts with links to their
 * runs, dependencies, approvals, escalations, decisions, its log (with each attempt's start put
 * in), and its input, result and last error in words. Operators can cancel it, decide its pending
 * approval, and act on its open escalation (retry with a stronger profile, …) here too.
 */
import { useState } from 'preact/hooks';
import { isMissing, post, query } from '../api.js';
import { ActionButton, ActionError, useAction } from '../components/Actions.js';
import { Crumbs, Duration, Empty, ErrorNote, Facts, IdLink, Loading, NotFound, Section, Status, Time } from '../components/common.js';
import { DecideApproval } from '../components/Decide.js';
import { decisionSummary, DecisionList } from '../components/Decisions.js';
import { EscalationCard, type EscalationNotice } from '../components/EscalationCard.js';
import { useApi, useTitle } from '../components/hooks.js';
import { InputView, Outcome } from '../components/Outcome.js';
import { count, duration, preview, shortId, usd } from '../lib/format.js';
import { lastErrorAttempt } from '../lib/attempts.js';
import { taskStory } from '../lib/taskLog.js';
import { statusWord } from '../lib/words.js';
import { href } from '../router.js';
import { useSession } from '../session.js';
import { FINAL_TASK_STATUSES, MOVING_TASK_STATUSES, type Decision, type Escalation, type Run, type Schedule, type Task, type TaskDetail, type TaskLogEntry } from '../types.js';

const LIVE_MS = 2000;

function CancelTask({ task, onDone }: { task: Task; onDone(): void }) {
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const action = useAction();
  if (!confirming) {
    return (
      <button type="button" class="btn danger" onClick={() => setConfirming(true)}>
        Cancel
      </button>
    );
  }
  return (
    <div class="confirm" role="group" aria-label="Cancel this task">
      <div class="field inline">
        <label for="cancel-reason">Reason</label>
        <input id="cancel-reason" value={reason} maxLength={500} onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)} />
      </div>
      <ActionButton
        label="Cancel task"
        busyLabel="Cancelling…"
        kind="danger"
        busy={action.busy}
        onClick={() =>
          void action
            .run('Cancel task', () => post(`/tasks/${task.id}/cancel`, reason.trim() ? { reason: reason.trim() } : {}))
            .then((ok) => {
              if (ok) {
                setConfirming(false);
                onDone();
              }
            })
        }
      />
      <button type="button" class="btn" onClick={() => setConfirming(false)}>
        Keep it
      </button>
      {task.status === 'running' ? <p class="hint">A running task stops at its worker's next heartbeat.</p> : null}
      <ActionError error={action.error} />
    </div>
  );
}

/** In-page jumps must not change the hash (it holds the route). */
function jumpToEscalation(e: Event): void {
  e.preventDefault();
  const el = document.getElementById('escalation-h');
  el?.scrollIntoView({ block: 'start' });
}

function logSummary(e: TaskLogEntry): string {
  const p = e.payload;
  switch (e.type) {
    case 'status_change':
      return `${statusWord(String(p.from ?? '∅'))} → ${statusWord(String(p.to))}${p.reason ? ` (${String(p.reason)})` : ''}`;
    case 'task_submitted':
      return `${p.spec ? `${String(p.spec)} v${String(p.specVersion)} → ` : ''}${statusWord(String(p.status))}`;
    case 'approval_requested':
      return `${String(p.kind ?? 'task')} approval requested${p.reason ? `: ${String(p.reason)}` : ''}`;
    case 'approval_decided':
      return `${String(p.kind ?? 'task')} approval ${String(p.decision)}${p.note ? `: “${String(p.note)}”` : ''}`;
    case 'decision':
      return `${String(p.decisionType)}: ${p.reason ? String(p.reason) : decisionSummary(String(p.decisionType), p.output)}`;
    default:
      return preview(p, 160);
  }
}

function TaskLog({ log, attempts }: { log: { events: TaskLogEntry[]; next: number | null } | undefined; attempts: Run[] }) {
  if (!log) return null;
  const runs = new Map(attempts.map((r) => [r.id, r]));
  const rows = taskStory(log.events, attempts.map((r) => ({ attempt: r.attempt, runId: r.id, startedAt: r.startedAt })));
  return (
    <>
      <div class="table-wrap">
        <table class="table stack log">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When</th>
              <th scope="col">Entry</th>
              <th scope="col">What</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              if (row.kind === 'attempt') {
                const r = runs.get(row.start.runId);
                const ref = runs.get(row.start.runId)?.profile;
                const profile = ref ? `${ref.name} v${ref.version}` : undefined;
                return (
                  <tr key={`a-${row.start.runId}`} class="log-attempt" data-testid="log-attempt">
                    <td data-label="#" class="num muted" title="from the attempt's run: the task's own log does not record the claim">
                      ·
                    </td>
                    <td data-label="When">
                      <Time iso={row.start.startedAt} />
                    </td>
                    <td data-label="Entry">
                      <span class="mono small">attempt started</span>
                    </td>
                    <td data-label="What" class="wrap">
                      Attempt {row.start.attempt} started (queued → running){profile ? <> with profile <strong>{profile}</strong></> : null} · <a href={href('runs', row.start.runId)}>run <span class="mono">{shortId(row.start.runId)}</span></a>
                      {r && r.status !== 'running' ? <> → <Status status={r.status} /></> : null}
                    </td>
                    <td data-label="By" class="mono small">
                      {r?.createdBy ?? r?.agent ?? ''}
                    </td>
                  </tr>
                );
              }
              const e = row.entry;
              return (
                <tr key={e.seq}>
                  <td data-label="#" class="num">
                    {e.seq}
                  </td>
                  <td data-label="When">
                    <Time iso={e.ts} />
                  </td>
                  <td data-label="Entry">
                    <span class="mono small">{statusWord(e.type)}</span>
                  </td>
                  <td data-label="What" class="wrap">
                    {logSummary(e)}
                  </td>
                  <td data-label="By" class="mono small">
                    {e.principal}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {log.next ? <p class="hint">The log has more entries than shown (the first 1,000).</p> : null}
    </>
  );
}

/** Decisions and the log, read once each; the log's attempt rows name the profile each ran on. */
function TaskHistory({ id, live, attempts }: { id: string; live: boolean; attempts: Run[] }) {
  const decisions = useApi<{ decisions: Decision[]; next: string | null }>(`/decisions${query({ taskId: id, limit: 200 })}`, live ? LIVE_MS * 2 : undefined);
  const log = useApi<{ events: TaskLogEntry[]; next: number | null }>(`/tasks/${id}/events?limit=1000`, live ? LIVE_MS : undefined);
  return (
    <>
      <Section title="Decisions">
        <ErrorNote error={decisions.error} />
        {!decisions.data ? (
          decisions.error ? null : <Loading what="decisions" />
        ) : decisions.data.decisions.length === 0 ? (
          <Empty>No decisions recorded.</Empty>
        ) : (
          <DecisionList decisions={decisions.data.decisions} />
        )}
      </Section>
      <Section title="Log">
        <ErrorNote error={log.error} />
        {!log.data && !log.error ? <Loading what="the log" /> : null}
        <TaskLog log={log.data} attempts={attempts} />
      </Section>
    </>
  );
}

/**
 * The task's escalations: an open or acknowledged one as the inbox's card, to act on here; the
 * closed ones as a line each.
 */
function TaskEscalations({ task, live, onChanged }: { task: Task; live: boolean; onChanged(): void }) {
  const esc = useApi<{ escalations: Escalation[] }>(`/escalations${query({ taskId: task.id })}`, live ? LIVE_MS * 2 : undefined);
  const [notices, setNotices] = useState<EscalationNotice[]>([]);
  const all = esc.data?.escalations ?? [];
  const active = all.filter((e) => e.status === 'open' || e.status === 'acknowledged');
  const closed = all.filter((e) => !active.includes(e));
  if (all.length === 0 && notices.length === 0) return null;
  return (
    <>
      {notices.length ? (
        <ul class="notices" aria-live="polite">
          {notices.map((n, i) => (
            <li key={`${n.id}-${i}`} class="notice" data-testid="escalation-notice">
              {n.what}
              {n.retried ? ': the task is queued for another attempt; it shows under Attempts when it starts.' : '.'}
            </li>
          ))}
        </ul>
      ) : null}
      {active.length ? (
        <Section title="Escalation: waiting for a person" id="escalation">
          <div class="cards">
            {active.map((e) => (
              <EscalationCard
                key={e.id}
                escalation={e}
                task={task}
                onChanged={(n) => {
                  setNotices((prev) => [n, ...prev]);
                  esc.reload();
                  onChanged();
                }}
              />
            ))}
          </div>
        </Section>
      ) : null}
      {closed.length ? (
        <Section title="Escalations" actions={<a href="#/escalations?status=all">Inbox</a>}>
          <ul class="rows">
            {closed.map((e) => (
              <li key={e.id}>
                <Status status={e.status} /> <span class="badge fc">{e.failureClass ?? e.trigger}</span> opened <Time iso={e.openedAt} />
                {e.resolution ? (
                  <>
                    {' '}
                    · resolved with <strong>{e.resolution}</strong> by <span class="mono small">{e.resolvedBy}</span>
                  </>
                ) : null}
                {e.note ? <span class="muted"> — “{e.note}”</span> : null}
              </li>
            ))}
          </ul>
        </Section>
      ) : null}
    </>
  );
}

/** "Last error — attempt 1": the attempt it came from, so it is not read as a running retry's. */
function lastErrorTitle(attempts: Run[]): string {
  const n = lastErrorAttempt(attempts);
  return n === undefined ? 'Last error' : `Last error — attempt ${n}`;
}

function ScheduleName({ id }: { id: string }) {
  const schedule = useApi<Schedule>(`/schedules/${encodeURIComponent(id)}`).data;
  return (
    <a href={`#/tasks?schedule=${encodeURIComponent(id)}`} title="tasks of this schedule">
      {schedule?.name ?? shortId(id)}
    </a>
  );
}

export function TaskPage({ id }: { id: string }) {
  const { operate } = useSession();
  const [pollMs, setPollMs] = useState<number | undefined>(LIVE_MS);
  const detail = useApi<TaskDetail>(`/tasks/${encodeURIComponent(id)}`, pollMs);
  useTitle(detail.data ? `Task ${shortId(id)}` : isMissing(detail.error) ? 'Not found' : 'Task');
  const task = detail.data?.task;
  const final = task ? FINAL_TASK_STATUSES.includes(task.status) : false;
  if (task && final && pollMs !== undefined) setPollMs(undefined);
  if (task && !final && pollMs === undefined) setPollMs(LIVE_MS);
  if (!task && isMissing(detail.error) && pollMs !== undefined) setPollMs(undefined);
  // Refreshed while not final (an escalation or approval can be decided elsewhere), but "live"
  // only while something moves: a task waiting for a person is not.
  const live = !final;
  const moving = task ? MOVING_TASK_STATUSES.includes(task.status) : false;

  if (!detail.data) {
    if (isMissing(detail.error)) {
      return (
        <NotFound back="#/tasks" backLabel="All tasks">
          No task with id <code>{id}</code>.
        </NotFound>
      );
    }
    return (
      <>
        <Crumbs items={[['#/tasks', 'Tasks']]} />
        <h1>Task</h1>
        <ErrorNote error={detail.error} />
        {detail.error ? null : <Loading what="the task" />}
      </>
    );
  }
  const { attempts, dependsOn, dependents, approvals } = detail.data;
  const t = detail.data.task;
  const pending = approvals.filter((a) => a.status === 'pending');

  return (
    <>
      <div class="page-head">
        <div>
          <Crumbs items={[['#/tasks', 'Tasks']]} />
          <h1>
            Task <span class="mono">{shortId(t.id)}</span> <Status status={t.status} testId="task-status" />
            {moving ? (
              <span class="live-dot" data-testid="task-live" title="refreshing every 2 s while the task is queued or running">
                live
              </span>
            ) : null}
          </h1>
          <p class="mono small muted">{t.id}</p>
        </div>
        {operate && !final ? (
          <div class="head-actions">
            <CancelTask task={t} onDone={detail.reload} />
          </div>
        ) : null}
      </div>
      <ErrorNote error={detail.error} prefix="Refresh failed" />
      {t.status === 'escalated' ? (
        <p class="notice warn" role="status">
          Gaffer could not finish this task. Decide what happens next <a href="#escalation-h" onClick={(ev) => jumpToEscalation(ev)}>below</a> — retry (with a stronger profile or a larger budget), amend the spec, abort or dismiss — or in the <a href="#/escalations">escalations inbox</a>.
        </p>
      ) : null}
      {t.cancelRequested ? (
        <p class="notice" role="status">
          A cancel was requested; the worker stops the attempt at its next heartbeat.
        </p>
      ) : null}

      {operate && pending.length > 0 ? (
        <Section title="Waiting for approval">
          {pending.map((a) => (
            <div key={a.id} class="card">
              <p>
                <span class="badge">{a.kind}</span> requested <Time iso={a.requestedAt} />
                {typeof a.request?.reason === 'string' ? <span class="muted"> — {a.request.reason}</span> : null} · <a href="#/approvals">open in the inbox</a>
              </p>
              <DecideApproval approval={a} onDecided={() => detail.reload()} />
            </div>
          ))}
        </Section>
      ) : null}

      <TaskEscalations task={t} live={live} onChanged={detail.reload} />

      <Section title="Summary">
        <Facts
          rows={[
            ['Spec', t.spec ? <a href={href('specs', t.spec)}>{`${t.spec} v${t.specVersion ?? '?'}`}</a> : t.kind],
            ['Kind', t.kind],
            ['Attempt', `${t.attempt} of ${t.maxAttempts}`],
            ['Priority', String(t.priority)],
            ['Run at', <Time iso={t.runAt} />],
            ['Created', <><Time iso={t.createdAt} /> by <span class="mono">{t.createdBy}</span></>],
            ['Updated', <Time iso={t.updatedAt} />],
            ['Finished', t.finishedAt ? <Time iso={t.finishedAt} /> : null],
            ['Failure class', t.failureClass ? <span class="badge fc">{t.failureClass}</span> : null],
            ['Needs approval', t.needsApproval ? 'yes' : null],
            ['Mode', t.mode],
            ['Timeout', t.timeoutMs ? duration(t.timeoutMs) : null],
            ['Concurrency key', t.concurrencyKey ? `${t.concurrencyKey} (limit ${t.concurrencyLimit ?? 1})` : null],
            ['Idempotency key', t.idempotencyKey],
            ['Worker', t.leaseOwner ? <>{t.leaseOwner}, lease until <Time iso={t.leaseExpiresAt} /></> : null],
            ['Schedule', t.scheduleId ? <><ScheduleName id={t.scheduleId} />{t.fireTime ? <> fired <Time iso={t.fireTime} /></> : null}</> : null],
            ['Fallback of', t.parentTaskId ? <IdLink kind="tasks" id={t.parentTaskId} /> : null],
          ]}
        />
      </Section>

      <Section title={`Attempts (${attempts.length})`}>
        {attempts.length === 0 ? (
          <Empty>No attempt has started.</Empty>
        ) : (
          <div class="table-wrap">
            <table class="table stack">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Run</th>
                  <th scope="col">Profile</th>
                  <th scope="col">Status</th>
                  <th scope="col">Verdict</th>
                  <th scope="col">Failure</th>
                  <th scope="col">Started</th>
                  <th scope="col">Took</th>
                  <th scope="col">Turns</th>
                  <th scope="col">Tokens</th>
                  <th scope="col">Cost</th>
                </tr>
              </thead>
              <tbody>
                {attempts.map((r) => (
                  <tr key={r.id} data-testid="attempt">
                    <td data-label="#" class="num">
                      {r.attempt}
                    </td>
                    <td data-label="Run">
                      <a href={href('runs', r.id)} class="mono" title={r.id}>
                        {shortId(r.id)}
                      </a>
                    </td>
                    <td data-label="Profile">
                      {r.profile ? (
                        <a href={href('profiles', r.profile.name)}>
                          {r.profile.name} <span class="muted">v{r.profile.version}</span>
                        </a>
                      ) : (
                        <span class="muted">—</span>
                      )}
                    </td>
                    <td data-label="Status">
                      <Status status={r.status} />
                    </td>
                    <td data-label="Verdict">{r.verdict ?? <span class="muted">—</span>}</td>
                    <td data-label="Failure">{r.failureClass ? <span class="badge fc">{r.failureClass}</span> : <span class="muted">—</span>}</td>
                    <td data-label="Started">
                      <Time iso={r.startedAt} />
                    </td>
                    <td data-label="Took">
                      <Duration ms={r.durationMs} />
                    </td>
                    <td data-label="Turns" class="num">
                      {r.turns}
                    </td>
                    <td data-label="Tokens" class="num">
                      {count(r.inputTokens)} → {count(r.outputTokens)}
                    </td>
                    <td data-label="Cost" class="num">
                      {usd(r.costUsd)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>

      {dependsOn.length || dependents.length ? (
        <Section title="Dependencies">
          <div class="two">
            <div>
              <h3>Depends on</h3>
              {dependsOn.length ? (
                <ul class="rows">
                  {dependsOn.map((d) => (
                    <li key={d.id}>
                      <IdLink kind="tasks" id={d.id} /> <Status status={d.status} />
                    </li>
                  ))}
                </ul>
              ) : (
                <Empty>Nothing.</Empty>
              )}
            </div>
            <div>
              <h3>Needed by</h3>
              {dependents.length ? (
                <ul class="rows">
                  {dependents.map((d) => (
                    <li key={d.id}>
                      <IdLink kind="tasks" id={d.id} /> <Status status={d.status} />
                    </li>
                  ))}
                </ul>
              ) : (
                <Empty>Nothing.</Empty>
              )}
            </div>
          </div>
        </Section>
      ) : null}

      {approvals.length ? (
        <Section title="Approvals">
          <ul class="rows">
            {approvals.map((a) => (
              <li key={a.id}>
                <span class="badge">{a.kind}</span> <Status status={a.status} /> requested <Time iso={a.requestedAt} />
                {a.decidedBy ? (
                  <>
                    {' '}
                    · decided <Time iso={a.decidedAt} /> by <span class="mono small">{a.decidedBy}</span>
                  </>
                ) : null}
                {a.note ? <span class="muted"> — “{a.note}”</span> : null}
              </li>
            ))}
          </ul>
        </Section>
      ) : null}

      <div class="two">
        <Section title="Input">
          <InputView input={t.input} />
        </Section>
        <Section title={t.lastError ? lastErrorTitle(attempts) : 'Result'}>
          {t.lastError ? (
            <Outcome value={t.lastError} kind="error" failureClass={t.failureClass} label="last error" />
          ) : t.result !== null ? (
            <Outcome value={t.result} kind="result" label="result" />
          ) : (
            <Empty>No result yet.</Empty>
          )}
        </Section>
      </div>
      {t.lastError && t.result !== null ? (
        <Section title="Result">
          <Outcome value={t.result} kind="result" label="result" />
        </Section>
      ) : null}

      <TaskHistory id={t.id} live={live} attempts={attempts} />
    </>
  );
}
