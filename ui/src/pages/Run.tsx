/**
 * One run: its status and counters, and its event timeline. Events are read a page at a time
 * (`/runs/{id}/events`, with spilled payloads resolved); while the run is going the page then
 * follows the live stream from the last seq it has (sse.ts) and shows that it is live, reading the
 * run again as events arrive (its counters never shown below what the events add up to).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorMessage, isMissing } from '../api.js';
import { Crumbs, Duration, ErrorNote, Facts, IdLink, Loading, NotFound, Section, Status, Time } from '../components/common.js';
import { useApi, useMounted, useTitle } from '../components/hooks.js';
import { Outcome } from '../components/Outcome.js';
import { Timeline } from '../components/Timeline.js';
import { count, shortId, usd } from '../lib/format.js';
import { liveCounters } from '../lib/runCounters.js';
import { href } from '../router.js';
import { followRunEvents } from '../sse.js';
import type { Run, RunEvent } from '../types.js';

const PAGE = 500;
/** While live, the run (its counters) is read again at most this often as events arrive. */
const COUNTER_REFRESH_MS = 1000;
/** Events read before asking to load more (a finished run with a long log). */
const AUTO_LOAD = 2000;

type Live = 'off' | 'connecting' | 'live' | 'reconnecting';

export function RunPage({ id }: { id: string }) {
  const mounted = useMounted();
  const [live, setLive] = useState<Live>('off');
  const run = useApi<Run>(`/runs/${encodeURIComponent(id)}`, live === 'off' ? undefined : 3000);
  const missing = !run.data && isMissing(run.error);
  useTitle(missing ? 'Not found' : `Run ${shortId(id)}`);
  const [events, setEvents] = useState<RunEvent[]>([]);
  const [after, setAfter] = useState<number | null>(0); // null: read to the end
  const [loadError, setLoadError] = useState<unknown>();
  const [streamError, setStreamError] = useState<string>();
  const [loading, setLoading] = useState(false);
  const [typeFilter, setTypeFilter] = useState('');
  const stream = useRef<AbortController | null>(null);
  const lastSeq = useRef(0);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const lastRefresh = useRef(0);

  /** Reads the run again after live events, at most once every COUNTER_REFRESH_MS. */
  const refreshRun = (): void => {
    if (refreshTimer.current !== undefined) return;
    const wait = Math.max(0, lastRefresh.current + COUNTER_REFRESH_MS - Date.now());
    refreshTimer.current = setTimeout(() => {
      refreshTimer.current = undefined;
      lastRefresh.current = Date.now();
      if (mounted.current) run.reload();
    }, wait);
  };

  const append = (batch: RunEvent[]): void => {
    const fresh = batch.filter((e) => e.seq > lastSeq.current);
    if (!fresh.length) return;
    lastSeq.current = fresh[fresh.length - 1]?.seq ?? lastSeq.current;
    setEvents((prev) => [...prev, ...fresh]);
  };

  const loadPages = async (from: number, budget: number): Promise<number | null> => {
    let cursor: number | null = from;
    let read = 0;
    setLoading(true);
    try {
      while (cursor !== null && read < budget) {
        const page: { events: RunEvent[]; next: number | null } = await api(`/runs/${encodeURIComponent(id)}/events?after=${cursor}&limit=${PAGE}&resolve=true`);
        if (!mounted.current) return null;
        append(page.events);
        read += page.events.length;
        cursor = page.next;
      }
      setLoadError(undefined);
    } catch (err) {
      if (mounted.current) setLoadError(err);
      throw err;
    } finally {
      if (mounted.current) setLoading(false);
    }
    if (mounted.current) setAfter(cursor);
    return cursor;
  };

  const follow = (): void => {
    if (stream.current) return;
    const controller = new AbortController();
    stream.current = controller;
    setLive('connecting');
    void followRunEvents(id, lastSeq.current, controller.signal, {
      onEvents: (batch) => {
        append(batch);
        if (batch.some((e) => e.type === 'run_finished')) run.reload();
        else refreshRun();
      },
      onConnected: (connected) => {
        if (!controller.signal.aborted) setLive(connected ? 'live' : 'reconnecting');
      },
      onEnd: () => {
        stream.current = null;
        setLive('off');
        setStreamError(undefined);
        run.reload();
      },
      onError: (message) => {
        if (!controller.signal.aborted) setStreamError(message);
      },
    }).finally(() => {
      if (stream.current === controller) {
        stream.current = null;
        if (mounted.current) setLive('off');
      }
    });
  };

  // First read: every page (up to AUTO_LOAD events), then the stream if the run is going.
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      try {
        const next = await loadPages(0, AUTO_LOAD);
        if (cancelled || next !== null) return;
        const current = await api<Run>(`/runs/${encodeURIComponent(id)}`);
        if (!cancelled && current.status === 'running') follow();
      } catch {
        // shown as loadError
      }
    })();
    return () => {
      cancelled = true;
      stream.current?.abort();
      stream.current = null;
      clearTimeout(refreshTimer.current);
      refreshTimer.current = undefined;
    };
  }, [id]);

  const r = run.data;
  // The run's counters are read a moment behind the streamed events: never show fewer than they add up to.
  const counters = r ? liveCounters(r, events) : undefined;
  const types = [...new Set(events.map((e) => e.type))];
  const shown = typeFilter ? events.filter((e) => e.type === typeFilter || (typeFilter === 'tool_call' && e.type === 'tool_result')) : events;

  if (missing || (!r && isMissing(loadError))) {
    return (
      <NotFound back="#/runs" backLabel="All runs">
        No run with id <code>{id}</code>.
      </NotFound>
    );
  }

  return (
    <>
      <div class="page-head">
        <div>
          <Crumbs items={r?.taskId ? [['#/tasks', 'Tasks'], [href('tasks', r.taskId), <>task <span class="mono">{shortId(r.taskId)}</span></>]] : [['#/runs', 'Runs']]} />
          <h1>
            Run <span class="mono">{shortId(id)}</span> {r ? <Status status={r.status} testId="run-status" /> : null}
            {live === 'live' ? (
              <span class="live-dot" data-testid="live" role="status">
                live
              </span>
            ) : live === 'connecting' || live === 'reconnecting' ? (
              <span class="live-dot off" role="status">
                {live}…
              </span>
            ) : null}
          </h1>
          <p class="mono small muted">{id}</p>
        </div>
      </div>
      <ErrorNote error={run.error} />
      {r ? (
        <Section title={r.name ?? 'Run'}>
          <Facts
            rows={[
              ['Task', r.taskId ? <>
                  <IdLink kind="tasks" id={r.taskId} /> attempt {r.attempt}
                </> : null],
              ['Spec', r.spec ? <a href={href('specs', r.spec.name)}>{r.spec.name} v{r.spec.version}</a> : null],
              ['Profile', r.profile ? <a href={href('profiles', r.profile.name)}>{r.profile.name} v{r.profile.version}</a> : null],
              ['Agent', r.agent],
              ['Started', <Time iso={r.startedAt} />],
              ['Finished', r.finishedAt ? <Time iso={r.finishedAt} /> : null],
              ['Took', r.durationMs !== null ? <Duration ms={r.durationMs} /> : null],
              ['Verdict', r.verdict],
              ['Failure class', r.failureClass ? <span class="badge fc">{r.failureClass}</span> : null],
              ['Model turns', count(counters?.turns)],
              ['Tokens', `${count(counters?.inputTokens)} in → ${count(counters?.outputTokens)} out`],
              ['Cost', usd(counters?.costUsd)],
              ['Events', <span data-testid="run-events">{count(counters?.events)}</span>],
              ['Created by', r.createdBy ? <span class="mono">{r.createdBy}</span> : null],
              ['Parent run', r.parentRunId ? <IdLink kind="runs" id={r.parentRunId} /> : null],
              ['Tags', r.tags.length ? r.tags.join(', ') : null],
            ]}
          />
          {r.error !== null && r.error !== undefined ? (
            <>
              <h3>Error</h3>
              <Outcome value={r.error} kind="error" failureClass={r.failureClass} label="error" />
            </>
          ) : null}
          {r.output !== null && r.output !== undefined ? (
            <>
              <h3>Output</h3>
              <Outcome value={r.output} kind="result" label="output" />
            </>
          ) : null}
        </Section>
      ) : run.error ? null : (
        <Loading what="the run" />
      )}

      <Section
        title={`Timeline (${events.length}${counters && counters.events > events.length ? ` of ${counters.events}` : ''})`}
        actions={
          <div class="field inline">
            <label for="ev-type">Show</label>
            <select id="ev-type" value={typeFilter} onChange={(e) => setTypeFilter((e.currentTarget as HTMLSelectElement).value)}>
              <option value="">all events</option>
              {types
                .filter((t) => t !== 'tool_result')
                .map((t) => (
                  <option key={t} value={t}>
                    {t === 'tool_call' ? 'tool calls and results' : t}
                  </option>
                ))}
            </select>
          </div>
        }
      >
        {loadError ? (
          <p class="error" role="alert">
            {errorMessage(loadError)}
          </p>
        ) : null}
        {streamError && live !== 'off' ? (
          <p class="notice" role="status">
            Live stream interrupted ({streamError}); reconnecting after event #{lastSeq.current}.
          </p>
        ) : null}
        {events.length === 0 && loading ? <Loading what="events" /> : null}
        {events.length === 0 && !loading && !loadError ? <p class="empty">No events recorded.</p> : null}
        <Timeline events={shown} startedAt={r?.startedAt} />
        {after !== null && !loading ? (
          <button type="button" class="btn" onClick={() =>
              void loadPages(after, AUTO_LOAD).then(
                (next) => {
                  if (next === null && run.data?.status === 'running') follow();
                },
                () => undefined,
              )
            }>
            {loadError ? 'Try again' : 'Load more events'}
          </button>
        ) : null}
        {loading && events.length > 0 ? <Loading what="more events" /> : null}
      </Section>
    </>
  );
}
