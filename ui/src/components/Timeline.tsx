/**
 * A run's events as a timeline. Each kind has its own view: model calls open to their messages,
 * tool calls show their arguments with the paired result (by callId), decisions their inputs and
 * output, checks their verdict and evidence, artifacts a download (diffs rendered as diffs).
 */
import type { ComponentChildren } from 'preact';
import { bytes, count, duration, preview, shortId, usd } from '../lib/format.js';
import { plural, statusWord } from '../lib/words.js';
import { href } from '../router.js';
import type { RunEvent } from '../types.js';
import { ArtifactView, DownloadButton } from './Artifact.js';
import { Json, Status, Time } from './common.js';
import { decisionSummary } from './Decisions.js';
import { Message } from './Messages.js';

type P = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): P | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as P) : undefined);

export interface Pairs {
  resultByCall: Map<string, RunEvent>;
  callSeqByCall: Map<string, number>;
}

export function pairToolEvents(events: readonly RunEvent[]): Pairs {
  const resultByCall = new Map<string, RunEvent>();
  const callSeqByCall = new Map<string, number>();
  for (const e of events) {
    const callId = str(e.payload.callId);
    if (!callId) continue;
    if (e.type === 'tool_call') callSeqByCall.set(callId, e.seq);
    else if (e.type === 'tool_result') resultByCall.set(callId, e);
  }
  return { resultByCall, callSeqByCall };
}

function Spilled({ p }: { p: P }) {
  const s = obj(p.$spilled);
  if (!s) return null;
  const sha = str(s.sha256) ?? '';
  const unresolved = str(s.unresolved);
  return (
    <p class="small">
      The payload ({bytes(num(s.bytes) ?? 0)}) is stored as an artifact
      {unresolved ? <> that could not be read back: {unresolved}</> : <>. <DownloadButton sha256={sha} name={`payload-${sha.slice(0, 12)}.json`} /></>}
    </p>
  );
}

function resultState(r: P | undefined): { label: string; cls: string } {
  if (!r) return { label: 'no result yet', cls: 'pending' };
  if (obj(r.denied)) return { label: 'denied', cls: 'bad' };
  if (r.isError === true) return { label: 'error', cls: 'bad' };
  return { label: 'ok', cls: 'good' };
}

function outputText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v, null, 2);
}

function LlmCall({ p }: { p: P }) {
  const usage = obj(p.usage);
  const request = obj(p.request);
  const response = obj(p.response);
  const error = obj(p.error);
  const messages = Array.isArray(request?.messages) ? (request.messages as unknown[]) : [];
  const choices = Array.isArray(response?.choices) ? (response.choices as unknown[]) : [];
  const tools = Array.isArray(request?.tools) ? (request.tools as unknown[]) : [];
  const toolNames = tools.map((t) => str(obj(obj(t)?.function)?.name) ?? str(obj(t)?.name) ?? '?');
  return (
    <details class="ev-details">
      <summary>
        Model call <span class="mono">{str(p.model) ?? '?'}</span>
        {usage ? (
          <span class="chip">
            {count(num(usage.inputTokens) ?? 0)} → {count(num(usage.outputTokens) ?? 0)} tok
          </span>
        ) : null}
        {num(p.costUsd) !== undefined ? <span class="chip">{usd(num(p.costUsd))}</span> : null}
        <span class="chip">{duration(num(p.latencyMs))}</span>
        {str(p.finishReason) ? <span class="chip">{str(p.finishReason)}</span> : null}
        {error ? <span class="chip bad">error</span> : null}
      </summary>
      <div class="detail-body">
        <p class="small muted">
          {str(p.provider) ? `${str(p.provider)} · ` : ''}
          {str(p.operation) ?? 'chat'}
          {p.stream === true ? ' · streamed' : ''}
          {num(p.timeToFirstTokenMs) !== undefined ? ` · first token ${duration(num(p.timeToFirstTokenMs))}` : ''}
          {usage && num(usage.cachedInputTokens) ? ` · ${count(num(usage.cachedInputTokens))} cached` : ''}
          {usage && num(usage.reasoningTokens) ? ` · ${count(num(usage.reasoningTokens))} reasoning` : ''}
          {toolNames.length ? ` · tools offered: ${toolNames.join(', ')}` : ''}
        </p>
        {error ? (
          <p class="error">
            {str(error.message) ?? 'error'}
            {error.status !== undefined ? ` (status ${String(error.status)})` : ''}
          </p>
        ) : null}
        <h4>Request: {plural(messages.length, 'message')}</h4>
        <div class="messages">
          {messages.map((m, i) => (
            <Message key={i} message={m} />
          ))}
        </div>
        {choices.length ? (
          <>
            <h4>Response</h4>
            <div class="messages">
              {choices.map((c, i) => (
                <Message key={i} message={obj(c)?.message} response />
              ))}
            </div>
          </>
        ) : null}
        <details>
          <summary>Raw payload</summary>
          <Json value={p} />
        </details>
      </div>
    </details>
  );
}

function ToolCall({ p, result }: { p: P; result: RunEvent | undefined }) {
  const r = result?.payload;
  const state = resultState(r);
  const denied = obj(r?.denied);
  return (
    <details class="ev-details">
      <summary>
        Tool call <span class="mono strong">{str(p.name)}</span>
        <span class="mono small args">({preview(p.arguments, 90)})</span>
        {str(p.risk) ? <span class="chip">{str(p.risk)}</span> : null}
        <span class={`chip ${state.cls}`}>{state.label}</span>
        {r && num(r.durationMs) !== undefined ? <span class="chip">{duration(num(r.durationMs))}</span> : null}
      </summary>
      <div class="detail-body">
        <h4>Arguments</h4>
        <Json value={p.arguments} />
        {denied ? <p class="error">Denied: {str(denied.reason) ?? 'by the tool policy'}</p> : null}
        {r ? (
          <>
            <h4>
              Output{' '}
              <a href={`#e${result?.seq ?? ''}`} class="small" onClick={(e) => jumpTo(e, result?.seq)}>(event #{result?.seq})</a>
            </h4>
            <pre class={`code${r.isError === true ? ' code-error' : ''}`} tabIndex={0}>
              {outputText(r.output)}
            </pre>
          </>
        ) : (
          <p class="muted">No result recorded yet.</p>
        )}
        <p class="small muted mono">call id {str(p.callId)}</p>
      </div>
    </details>
  );
}

/** In-page jumps must not change the hash (it holds the route). */
function jumpTo(e: Event, seq: number | undefined): void {
  e.preventDefault();
  if (seq === undefined) return;
  const el = document.getElementById(`e${seq}`);
  el?.scrollIntoView({ block: 'center' });
  el?.focus();
}

function ToolResult({ p, callSeq }: { p: P; callSeq: number | undefined }) {
  const state = resultState(p);
  const denied = obj(p.denied);
  return (
    <details class="ev-details">
      <summary>
        Result of <span class="mono strong">{str(p.name)}</span>{' '}
        {callSeq !== undefined ? (
          <a href={`#e${callSeq}`} class="small" onClick={(e) => jumpTo(e, callSeq)}>
            (call #{callSeq})
          </a>
        ) : null}
        <span class={`chip ${state.cls}`}>{state.label}</span>
        {num(p.durationMs) !== undefined ? <span class="chip">{duration(num(p.durationMs))}</span> : null}
        <span class="muted small args">{preview(denied ? denied.reason : p.output, 100)}</span>
      </summary>
      <div class="detail-body">
        {denied ? <p class="error">Denied: {str(denied.reason)}</p> : null}
        <pre class={`code${p.isError === true ? ' code-error' : ''}`} tabIndex={0}>
          {outputText(p.output)}
        </pre>
      </div>
    </details>
  );
}

function DecisionEvent({ p }: { p: P }) {
  const type = str(p.decisionType) ?? 'decision';
  const { inputs, output, reason, decisionType: _t, confidence, ...rest } = p;
  void _t;
  return (
    <details class="ev-details">
      <summary>
        Decision <span class="badge dt">{type}</span> <span class="strong">{decisionSummary(type, output)}</span>
        {str(reason) ? <span class="muted"> — {str(reason)}</span> : null}
        {num(confidence) !== undefined ? <span class="chip">confidence {num(confidence)}</span> : null}
      </summary>
      <div class="detail-body two">
        <div>
          <h4>Inputs</h4>
          <Json value={inputs ?? {}} />
        </div>
        <div>
          <h4>Output</h4>
          <Json value={output} />
        </div>
        {Object.keys(rest).length ? (
          <div class="span2">
            <h4>Also recorded</h4>
            <Json value={rest} />
          </div>
        ) : null}
      </div>
    </details>
  );
}

function Stream({ label, s }: { label: string; s: unknown }) {
  const o = obj(s);
  if (!o) return s === undefined || s === null ? null : (
    <>
      <h4>{label}</h4>
      <pre class="code">{outputText(s)}</pre>
    </>
  );
  const tail = str(o.tail) ?? '';
  const sha = str(o.sha256);
  return (
    <>
      <h4>
        {label}{' '}
        <span class="muted small">
          {bytes(num(o.bytes) ?? tail.length)}
          {num(o.droppedBytes) ? `, first ${bytes(num(o.droppedBytes) ?? 0)} not shown` : ''}
        </span>{' '}
        {sha && (num(o.bytes) ?? 0) > 0 ? <DownloadButton sha256={sha} name={`${label.toLowerCase()}.log`} /> : null}
      </h4>
      {tail ? <pre class="code" tabIndex={0}>{tail}</pre> : <p class="muted small">(empty)</p>}
    </>
  );
}

function ValidatorResult({ p }: { p: P }) {
  const ev = obj(p.evidence) ?? {};
  const { stdout, stderr, explanation, argv, exitCode, ...rest } = ev;
  const verdict = str(p.verdict) ?? (p.passed ? 'passed' : 'failed');
  return (
    <details class="ev-details" open={verdict !== 'passed'}>
      <summary>
        Check <span class="strong">{str(p.validator)}</span> <span class="muted">({str(p.type)})</span> <Status status={verdict} />
        <span class="chip">score {num(p.score) ?? '?'}</span>
        {p.required === true ? <span class="chip">required</span> : null}
        <span class="chip">{duration(num(p.durationMs))}</span>
      </summary>
      <div class="detail-body">
        {str(explanation) ? <p class="wrap">{str(explanation)}</p> : null}
        {Array.isArray(argv) ? (
          <p class="mono small">
            $ {(argv as unknown[]).map(String).join(' ')}
            {num(exitCode) !== undefined ? <span class="muted"> → exit {num(exitCode)}</span> : null}
          </p>
        ) : null}
        <Stream label="Stdout" s={stdout} />
        <Stream label="Stderr" s={stderr} />
        {Object.keys(rest).length ? (
          <details>
            <summary>All evidence</summary>
            <Json value={rest} />
          </details>
        ) : null}
      </div>
    </details>
  );
}

function Log({ p }: { p: P }) {
  const level = str(p.level) ?? 'info';
  return (
    <div>
      <span class={`lvl lvl-${level}`}>{level}</span> <span class="wrap">{str(p.message) ?? preview(p.message)}</span>
      {p.data !== undefined ? (
        <details>
          <summary>Data</summary>
          <Json value={p.data} />
        </details>
      ) : null}
    </div>
  );
}

/**
 * The run's last event in words: the run's error and output are shown in full (in words, with the
 * raw JSON) at the top of the run's page, so they are not repeated here.
 */
function RunFinished({ p }: { p: P }) {
  const error = obj(p.error);
  const output = obj(p.output);
  const line = str(error?.message) ?? str(p.error) ?? str(output?.summary) ?? str(p.output);
  return (
    <div>
      Run finished <Status status={str(p.status) ?? '?'} />
      {str(p.verdict) ? <span class="chip">verdict {str(p.verdict)}</span> : null}
      {str(p.failureClass) ? <span class="badge fc">{str(p.failureClass)}</span> : null}
      {line ? <p class={`wrap${error ? ' bad-text' : ''}`}>{line}</p> : null}
      {error || output ? <p class="small muted">The run's {error ? 'error' : 'output'} is shown in full at the top of this page.</p> : null}
    </div>
  );
}

/** The run's first event in words: the task and attempt it is, and the worker that runs it. */
function RunStarted({ p }: { p: P }) {
  const { taskId, attempt, worker, ...rest } = p;
  const task = str(taskId);
  return (
    <div>
      Run started
      {task ? (
        <>
          {' '}
          for <a href={href('tasks', task)}>task <span class="mono">{shortId(task)}</span></a>
        </>
      ) : null}
      {num(attempt) !== undefined ? <>, attempt {num(attempt)}</> : null}
      {str(worker) ? (
        <>
          {' '}
          on worker <span class="mono">{str(worker)}</span>
        </>
      ) : null}
      {Object.keys(rest).length ? (
        <details>
          <summary>Also recorded</summary>
          <Json value={rest} />
        </details>
      ) : null}
    </div>
  );
}

function Generic({ title, p }: { title: ComponentChildren; p: P }) {
  return (
    <details class="ev-details">
      <summary>
        {title} <span class="muted small args">{preview(p, 120)}</span>
      </summary>
      <Json value={p} />
    </details>
  );
}

function Body({ event, pairs }: { event: RunEvent; pairs: Pairs }) {
  const p = event.payload;
  if (obj(p.$spilled)) return <Spilled p={p} />;
  switch (event.type) {
    case 'llm_call':
      return <LlmCall p={p} />;
    case 'tool_call':
      return <ToolCall p={p} result={pairs.resultByCall.get(str(p.callId) ?? '')} />;
    case 'tool_result':
      return <ToolResult p={p} callSeq={pairs.callSeqByCall.get(str(p.callId) ?? '')} />;
    case 'decision':
      return <DecisionEvent p={p} />;
    case 'validator_result':
      return <ValidatorResult p={p} />;
    case 'artifact':
      return <ArtifactView sha256={str(p.sha256) ?? ''} name={str(p.name) ?? 'artifact'} contentType={str(p.contentType) ?? 'application/octet-stream'} size={num(p.bytes) ?? 0} />;
    case 'log':
      return <Log p={p} />;
    case 'run_finished':
      return <RunFinished p={p} />;
    case 'status_change':
      return (
        <div>
          {statusWord(str(p.from) ?? '∅')} → <Status status={str(p.to) ?? '?'} />
          {str(p.reason) ? <span class="muted"> — {str(p.reason)}</span> : null}
        </div>
      );
    case 'run_started':
      return <RunStarted p={p} />;
    default:
      return <Generic title={<span class="mono">{event.type}</span>} p={p} />;
  }
}

const TYPE_LABEL: Record<string, string> = {
  llm_call: 'model',
  tool_call: 'tool',
  tool_result: 'result',
  decision: 'decision',
  validator_result: 'check',
  artifact: 'artifact',
  log: 'log',
  run_started: 'start',
  run_finished: 'finish',
  status_change: 'status',
};

export function Timeline({ events, startedAt }: { events: RunEvent[]; startedAt: string | undefined }) {
  const pairs = pairToolEvents(events);
  const t0 = startedAt ? Date.parse(startedAt) : undefined;
  return (
    <ol class="timeline">
      {events.map((e) => (
        <li key={e.seq} id={`e${e.seq}`} tabIndex={-1} class={`ev ev-${e.type}`} data-testid="event" data-type={e.type}>
          <div class="ev-meta">
            <span class="ev-seq num">#{e.seq}</span>
            <span class="ev-type">{TYPE_LABEL[e.type] ?? e.type}</span>
            <span class="ev-time small muted">
              <Time iso={e.ts} />
              {t0 !== undefined ? <span class="num"> +{duration(Math.max(0, Date.parse(e.ts) - t0))}</span> : null}
            </span>
          </div>
          <div class="ev-body">
            <Body event={e} pairs={pairs} />
          </div>
        </li>
      ))}
    </ol>
  );
}
