/**
 * Every run, newest first: task attempts and runs that agents record themselves over the SDK or
 * HTTP (those belong to no task, so this is the way to them). Filtered by status, agent and
 * failure class, paged with the API's cursor.
 */
import { useState } from 'preact/hooks';
import { query } from '../api.js';
import { Crumbs, Duration, Empty, ErrorNote, IdLink, Loading, Status, Time } from '../components/common.js';
import { useApi, useTitle } from '../components/hooks.js';
import { count, usd } from '../lib/format.js';
import type { Run } from '../types.js';

const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'lost'] as const;
const FAILURE_CLASSES = [
  'compile_error',
  'test_fail',
  'lint_error',
  'dependency_missing',
  'contract_violation',
  'orchestration_error',
  'budget_exceeded',
  'timeout',
  'resource_exhausted',
  'provider_error',
  'unknown',
] as const;

function setFilter(params: URLSearchParams, key: string, value: string): void {
  const next = new URLSearchParams(params);
  if (value) next.set(key, value);
  else next.delete(key);
  const q = next.toString();
  location.hash = `#/runs${q ? `?${q}` : ''}`;
}

export function RunsPage({ params }: { params: URLSearchParams }) {
  useTitle('Runs');
  const status = params.get('status') ?? '';
  const agent = params.get('agent') ?? '';
  const failureClass = params.get('failureClass') ?? '';
  const [cursors, setCursors] = useState<string[]>([]);
  const key = `${status}|${agent}|${failureClass}`;
  const [lastKey, setLastKey] = useState(key);
  if (key !== lastKey) {
    setLastKey(key);
    setCursors([]);
  }
  const cursor = cursors[cursors.length - 1];
  const runs = useApi<{ runs: Run[]; next: string | null }>(`/runs${query({ status, agent, failureClass, limit: 50, cursor })}`, cursor ? undefined : 5000);
  const [agentDraft, setAgentDraft] = useState(agent);
  return (
    <>
      <Crumbs items={[['#/tasks', 'Tasks']]} />
      <h1>Runs</h1>
      <form
        class="filters"
        aria-label="Filter runs"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(params, 'agent', agentDraft.trim());
        }}
      >
        <div class="field inline">
          <label for="r-status">Status</label>
          <select id="r-status" value={status} onChange={(e) => setFilter(params, 'status', (e.currentTarget as HTMLSelectElement).value)}>
            <option value="">any</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div class="field inline">
          <label for="r-class">Failure class</label>
          <select id="r-class" value={failureClass} onChange={(e) => setFilter(params, 'failureClass', (e.currentTarget as HTMLSelectElement).value)}>
            <option value="">any</option>
            {FAILURE_CLASSES.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <div class="field inline">
          <label for="r-agent">Agent</label>
          <input id="r-agent" value={agentDraft} size={12} onInput={(e) => setAgentDraft((e.currentTarget as HTMLInputElement).value)} />
          <button type="submit" class="btn small">
            Filter
          </button>
        </div>
        {status || agent || failureClass ? (
          <a class="btn small" href="#/runs">
            Clear filters
          </a>
        ) : null}
      </form>
      <ErrorNote error={runs.error} />
      {!runs.data ? (
        runs.error ? null : <Loading what="runs" />
      ) : runs.data.runs.length === 0 ? (
        <Empty>No runs{status || agent || failureClass ? ' match these filters' : ' yet'}.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="table stack">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Task</th>
                <th scope="col">Agent</th>
                <th scope="col">Started</th>
                <th scope="col">Took</th>
                <th scope="col">Turns</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody>
              {runs.data.runs.map((r) => (
                <tr key={r.id}>
                  <td data-label="Run">
                    <IdLink kind="runs" id={r.id} />
                  </td>
                  <td data-label="Name" class="wrap">
                    {r.name ?? <span class="muted">—</span>}
                  </td>
                  <td data-label="Status">
                    <Status status={r.status} />
                    {r.failureClass ? <span class="badge fc">{r.failureClass}</span> : null}
                  </td>
                  <td data-label="Task">{r.taskId ? <IdLink kind="tasks" id={r.taskId} /> : <span class="muted">—</span>}</td>
                  <td data-label="Agent" class="mono small">
                    {r.agent ?? '—'}
                    {r.profile ? <span class="muted"> · {r.profile.name}</span> : null}
                  </td>
                  <td data-label="Started">
                    <Time iso={r.startedAt} />
                  </td>
                  <td data-label="Took">
                    <Duration ms={r.durationMs} />
                  </td>
                  <td data-label="Turns" class="num">
                    {count(r.turns)}
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
      <nav class="pager" aria-label="Pages">
        <button type="button" class="btn small" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
          ← Newer
        </button>
        <span class="muted small">Page {cursors.length + 1}</span>
        <button
          type="button"
          class="btn small"
          disabled={!runs.data?.next}
          onClick={() => {
            const next = runs.data?.next;
            if (next) setCursors((c) => [...c, next]);
          }}
        >
          Older →
        </button>
      </nav>
    </>
  );
}
