/**
 * A task's result or last error (and a run's output or error) read into what a person needs:
 * the message, the agent's summary, the failure class with the classifier's reading, the failing
 * checks, the changed files, command output and counters. The shapes come from the executors
 * (src/executor/verify.ts, shellExecutor.ts, cliAgentExecutor.ts) and stay open: anything not
 * known here is kept as plain facts, and the page keeps the whole value as raw JSON beside it.
 */

type P = Record<string, unknown>;
const obj = (v: unknown): P | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as P) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : []);

export interface FailingCheck {
  validator: string;
  type?: string;
  verdict?: string;
  summary: string;
}

export interface ClassificationView {
  failureClass?: string;
  confidence?: number;
  decidedBy?: string;
  failingTests: string[];
  file?: string;
  line?: number;
  column?: number;
  errorCodes: string[];
  missingModule?: string;
  missingProgram?: string;
  summary?: string;
}

export interface OutcomeView {
  message?: string;
  summary?: string;
  classification?: ClassificationView;
  verdict?: string;
  score?: number;
  reasons: string[];
  failing: FailingCheck[];
  files: { path: string; status?: string; additions?: number; deletions?: number }[];
  branch?: string;
  command?: string;
  exitCode?: number | null;
  signal?: string;
  streams: { label: string; text: string }[];
  counters?: { turns?: number; inputTokens?: number; outputTokens?: number; costUsd?: number; elapsedMs?: number };
  /** Other plain fields, as label → text. */
  facts: [string, string][];
  /** A value that is only text (an SDK run's output). */
  text?: string;
}

const KNOWN = new Set(['message', 'summary', 'classification', 'verification', 'diff', 'counters', 'stdout', 'stderr', 'command', 'exitCode', 'signal', 'context']);

/** "finishedBy" → "finished by". */
export function humanKey(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase();
}

function streamText(v: unknown): string | undefined {
  return str(v) ?? str(obj(v)?.tail);
}

function readClassification(v: unknown): ClassificationView | undefined {
  const c = obj(v);
  if (!c) return undefined;
  const ctx = obj(c.context) ?? {};
  const view: ClassificationView = { failingTests: strings(ctx.failingTests), errorCodes: strings(ctx.errorCodes) };
  const set = <K extends keyof ClassificationView>(k: K, value: ClassificationView[K] | undefined): void => {
    if (value !== undefined) view[k] = value;
  };
  set('failureClass', str(c.failureClass));
  set('confidence', num(c.confidence));
  set('decidedBy', str(c.decidedBy));
  set('file', str(ctx.file));
  set('line', num(ctx.line));
  set('column', num(ctx.column));
  set('missingModule', str(ctx.missingModule));
  set('missingProgram', str(ctx.missingProgram));
  set('summary', str(ctx.summary));
  return view;
}

export function readOutcome(value: unknown): OutcomeView {
  const view: OutcomeView = { reasons: [], failing: [], files: [], streams: [], facts: [] };
  if (typeof value === 'string') return { ...view, text: value };
  const o = obj(value);
  if (!o) return value === null || value === undefined ? view : { ...view, facts: [['value', JSON.stringify(value)]] };
  const message = str(o.message);
  const summary = str(o.summary);
  if (message) view.message = message;
  if (summary && summary !== message) view.summary = summary;
  // A CLI agent's error carries the classifier's context without the class around it.
  const classification = readClassification(o.classification) ?? (obj(o.context) ? readClassification({ context: o.context }) : undefined);
  if (classification) view.classification = classification;
  const verification = obj(o.verification);
  if (verification) {
    const verdict = str(verification.verdict);
    if (verdict) view.verdict = verdict;
    const score = num(verification.score);
    if (score !== undefined) view.score = score;
    view.reasons = strings(verification.reasons);
    view.failing = (Array.isArray(verification.failing) ? verification.failing : []).flatMap((f): FailingCheck[] => {
      const c = obj(f);
      if (!c) return [];
      const check: FailingCheck = { validator: str(c.validator) ?? 'check', summary: str(c.summary) ?? '' };
      if (str(c.type)) check.type = str(c.type);
      if (str(c.verdict)) check.verdict = str(c.verdict);
      return [check];
    });
  }
  const diff = obj(o.diff);
  if (diff) {
    view.files = (Array.isArray(diff.files) ? diff.files : []).flatMap((f) => {
      if (typeof f === 'string') return [{ path: f }];
      const file = obj(f);
      const path = str(file?.path);
      if (!file || !path) return [];
      return [{ path, ...(str(file.status) ? { status: str(file.status) } : {}), ...(num(file.additions) !== undefined ? { additions: num(file.additions) } : {}), ...(num(file.deletions) !== undefined ? { deletions: num(file.deletions) } : {}) }];
    });
    if (str(diff.branch)) view.branch = str(diff.branch);
  }
  if (Array.isArray(o.command)) view.command = o.command.map(String).join(' ');
  else if (str(o.command)) view.command = str(o.command);
  if (o.exitCode === null || num(o.exitCode) !== undefined) view.exitCode = o.exitCode as number | null;
  if (str(o.signal)) view.signal = str(o.signal);
  for (const [key, label] of [['stdout', 'Output (stdout)'], ['stderr', 'Errors (stderr)']] as const) {
    const text = streamText(o[key]);
    if (text) view.streams.push({ label, text });
  }
  const counters = obj(o.counters);
  if (counters) {
    view.counters = {};
    for (const k of ['turns', 'inputTokens', 'outputTokens', 'costUsd', 'elapsedMs'] as const) {
      const n = num(counters[k]);
      if (n !== undefined) view.counters[k] = n;
    }
  }
  for (const [k, v] of Object.entries(o)) {
    if (KNOWN.has(k)) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') view.facts.push([humanKey(k), String(v)]);
  }
  return view;
}
