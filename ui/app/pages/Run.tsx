import { useEffect, useState } from 'preact/hooks';
import { api, downloadArtifact, tokenStore } from '../api.js';
import { duration, shortId, usd } from '../format.js';
import { followRun } from '../sse.js';
import type { Run, RunEvent } from '../types.js';
import { ArtifactDiff, ErrorBox, Json, KeyValues, Loading, Status, Time, useLoad } from '../ui.js';

/** The run's timeline: every event, then live over SSE while the run is going. */
export function RunDetail({ id }: { id: string }) {
  const [events, setEvents] = useState<RunEvent[]>([]);
  const [live, setLive] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [ended, setEnded] = useState(0);
  const run = useLoad(() => api<Run>(`/runs/${id}`), [id, ended], live ? 2000 : undefined);

  useEffect(() => {
    const abort = new AbortController();
    setEvents([]);
    setLive(false);
    (async () => {
      let after = 0;
      const all: RunEvent[] = [];
      for (;;) {
        const page = await api<{ events: RunEvent[]; next: string | number | null }>(`/runs/${id}/events?after=${after}&limit=1000`, { signal: abort.signal });
        all.push(...page.events);
        if (!page.next || page.events.length === 0) break;
        after = page.events.at(-1)!.seq;
      }
      if (abort.signal.aborted) return;
      setEvents([...all]);
      const current = await api<Run>(`/runs/${id}`, { signal: abort.signal });
      if (current.status !== 'running' || all.some((e) => e.type === 'run_finished')) return;
      setLive(true);
      await followRun<RunEvent>(id, all.at(-1)?.seq ?? 0, tokenStore.get() ?? '', abort.signal, {
        onEvent: (e) => setEvents((prev) => (prev.some((p) => p.seq === e.seq) ? prev : [...prev, e])),
        onEnd: () => {
          setLive(false);
          setEnded((n) => n + 1);
        },
        onError: (message) => setError(message),
      });
      setLive(false);
    })().catch((err: unknown) => {
      if (!abort.signal.aborted) setError(err instanceof Error ? err.message : String(err));
    });
    return () => abort.abort();
  }, [id]);

  const r = run.data;
  return (
    <>
      <h1>
        Run {shortId(id)} {r ? <Status status={r.status} testId="run-status" /> : null}{' '}
        {live ? (
          <span class="live" data-testid="live" role="status">
            ● live
          </span>
        ) : null}
      </h1>
      <ErrorBox error={run.error ?? error} />
      {r ? (
        <KeyValues
          rows={[
            ['task', r.taskId ? <a href={`#/tasks/${r.taskId}`}>{shortId(r.taskId)}</a> : '—'],
            ['attempt', String(r.attempt ?? '—')],
            ['verdict', r.verdict ?? '—'],
            ['failure class', r.failureClass ?? '—'],
            ['started', <Time iso={r.startedAt} />],
            ['took', duration(r.durationMs)],
            ['model turns', String(r.turns ?? 0)],
            ['tokens', `${r.inputTokens ?? 0} in, ${r.outputTokens ?? 0} out`],
            ['cost', usd(r.costUsd)],
          ]}
        />
      ) : (
        <Loading what="the run" />
      )}
      <h2>Timeline</h2>
      <ol class="timeline" aria-live="polite">
        {events.map((e) => (
          <li key={e.seq} data-testid="event" data-type={e.type} class={`ev ev-${e.type}`}>
            <span class="seq">#{e.seq}</span>
            <span class="tag">{e.type}</span>
            <span class="ts" title={e.ts}>
              {new Date(e.ts).toLocaleTimeString()}
            </span>
            <div class="body">
              <EventBody event={e} />
            </div>
          </li>
        ))}
      </ol>
      {events.length === 0 ? <p class="muted">No events yet.</p> : null}
    </>
  );
}

interface ChatMessage {
  role?: string;
  content?: unknown;
  tool_calls?: { function?: { name?: string; arguments?: string } }[];
  tool_call_id?: string;
}

function Message({ m, response }: { m: ChatMessage; response?: boolean }) {
  const text = typeof m.content === 'string' ? m.content : m.content == null ? '' : JSON.stringify(m.content, null, 2);
  return (
    <div class={`msg role-${m.role ?? 'unknown'}${response ? ' response' : ''}`} data-testid="message" data-role={m.role ?? 'unknown'}>
      <div class="role">
        {m.role}
        {response ? ' (response)' : ''}
        {m.tool_call_id ? ` · ${m.tool_call_id}` : ''}
      </div>
      {text ? <pre>{text}</pre> : null}
      {(m.tool_calls ?? []).map((c, i) => (
        <pre key={i} class="toolcall">
          → {c.function?.name}({c.function?.arguments})
        </pre>
      ))}
    </div>
  );
}

function EventBody({ event }: { event: RunEvent }) {
  const p = event.payload;
  switch (event.type) {
    case 'llm_call': {
      const usage = (p.usage ?? {}) as { inputTokens?: number; outputTokens?: number };
      const request = (p.request ?? {}) as { messages?: ChatMessage[] };
      const response = (p.response ?? {}) as { choices?: { message?: ChatMessage }[] };
      const reply = response.choices?.[0]?.message;
      return (
        <details>
          <summary>
            Model call {String(p.model ?? '')} · {usage.inputTokens ?? 0}→{usage.outputTokens ?? 0} tok · {duration(p.latencyMs as number)} · {usd(p.costUsd as number)}
            {p.finishReason ? ` · ${String(p.finishReason)}` : ''}
            {p.error ? ' · error' : ''}
          </summary>
          <div class="messages">
            {(request.messages ?? []).map((m, i) => (
              <Message key={i} m={m} />
            ))}
            {reply ? <Message m={reply} response /> : null}
            {p.error ? <Json value={p.error} /> : null}
          </div>
        </details>
      );
    }
    case 'tool_call':
      return (
        <span>
          <strong>{String(p.name)}</strong> <code>{JSON.stringify(p.arguments)}</code> {p.risk ? <span class="muted">({String(p.risk)})</span> : null}
        </span>
      );
    case 'tool_result': {
      const denied = p.denied as { reason?: string } | undefined;
      return (
        <details>
          <summary>
            <strong>{String(p.name)}</strong> {denied ? <span class="bad">denied: {denied.reason}</span> : p.isError ? <span class="bad">error</span> : 'ok'} {p.durationMs !== undefined ? duration(p.durationMs as number) : ''}
          </summary>
          <Json value={p.output} />
        </details>
      );
    }
    case 'decision':
      return (
        <details>
          <summary>
            <strong>{String(p.decisionType)}</strong>: {summarizeDecision(p)} {p.reason ? <span class="muted">— {String(p.reason)}</span> : null}
          </summary>
          <Json value={{ inputs: p.inputs, output: p.output, confidence: p.confidence, candidates: p.candidates }} />
        </details>
      );
    case 'validator_result':
      return (
        <details>
          <summary>
            <strong>{String(p.validator)}</strong> ({String(p.type)}) <Status status={String(p.verdict)} /> score {String(p.score)} · {duration(p.durationMs as number)}
          </summary>
          <Json value={p.evidence} />
        </details>
      );
    case 'artifact': {
      const sha = String(p.sha256);
      const name = String(p.name);
      return (
        <div>
          <strong>{name}</strong> <span class="muted">{String(p.contentType)} · {String(p.bytes)} bytes</span>{' '}
          <button type="button" class="link" onClick={() => void downloadArtifact(sha, name)}>
            Download {name}
          </button>
          {p.contentType === 'text/x-diff' ? <ArtifactDiff sha256={sha} /> : null}
        </div>
      );
    }
    case 'log':
      return (
        <span>
          <span class="tag">{String(p.level ?? 'info')}</span> {String(p.message)}
        </span>
      );
    case 'run_finished':
      return (
        <span>
          <Status status={String(p.status)} /> {p.verdict ? `verdict ${String(p.verdict)}` : ''} {p.failureClass ? <span class="tag">{String(p.failureClass)}</span> : null}{' '}
          {p.error ? <Json value={p.error} /> : null}
        </span>
      );
    default:
      return <code>{JSON.stringify(p)}</code>;
  }
}

function summarizeDecision(p: Record<string, unknown>): string {
  const out = (p.output ?? {}) as Record<string, unknown>;
  switch (p.decisionType) {
    case 'routing':
      return `${String(out.profile)} (${String(out.rule)})`;
    case 'gate':
      return `${String(out.verdict)}${out.score !== undefined ? ` score ${String(out.score)}` : ''}`;
    case 'retry':
      return out.retry ? `retry as attempt ${String(out.nextAttempt)}` : 'no retry';
    default:
      return JSON.stringify(out).slice(0, 120);
  }
}
