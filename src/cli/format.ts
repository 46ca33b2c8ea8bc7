/**
 * Human-readable rendering for the CLI: tables and one-line event summaries. `--json` bypasses it.
 */
import type { StoredEvent } from '../events/readEvents.js';
import type { RunView } from '../api/views.js';

export function table(rows: string[][], header: string[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

export function runsTable(runs: RunView[]): string {
  return table(
    runs.map((r) => [
      r.id,
      r.status,
      r.name ?? '',
      r.agent ?? '',
      r.startedAt.replace('T', ' ').slice(0, 19),
      r.durationMs === null ? '' : `${(r.durationMs / 1000).toFixed(1)}s`,
      String(r.turns),
      r.costUsd ? `$${r.costUsd.toFixed(4)}` : '',
    ]),
    ['ID', 'STATUS', 'NAME', 'AGENT', 'STARTED', 'TOOK', 'TURNS', 'COST'],
  );
}

export function runDetail(r: RunView): string {
  const lines: [string, string][] = [
    ['id', r.id],
    ['name', r.name ?? ''],
    ['agent', r.agent ?? ''],
    ['status', r.status + (r.verdict ? ` (verdict ${r.verdict})` : '')],
    ['started', r.startedAt],
    ['finished', r.finishedAt ?? ''],
    ['duration', r.durationMs === null ? '' : `${r.durationMs} ms`],
    ['turns', String(r.turns)],
    ['tokens', `${r.inputTokens} in / ${r.outputTokens} out`],
    ['cost', `$${r.costUsd.toFixed(6)}`],
    ['events', String(r.lastSeq)],
  ];
  if (r.parentRunId) lines.push(['parent', r.parentRunId]);
  if (r.taskId) lines.push(['task', `${r.taskId} (attempt ${r.attempt})`]);
  if (r.failureClass) lines.push(['failure', r.failureClass]);
  if (r.tags.length) lines.push(['tags', r.tags.join(', ')]);
  if (r.error) lines.push(['error', JSON.stringify(r.error)]);
  if (r.output) lines.push(['output', JSON.stringify(r.output)]);
  return lines.filter(([, v]) => v !== '').map(([k, v]) => `${k.padEnd(9)} ${v}`).join('\n');
}

function clip(text: string, max = 100): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

type Payload = Record<string, unknown>;

export function eventLine(e: StoredEvent): string {
  const p = (e.payload ?? {}) as Payload;
  const time = e.ts.slice(11, 23);
  return `#${String(e.seq).padEnd(5)} ${time}  ${e.type.padEnd(16)} ${clip(summary(e.type, p), 120)}`;
}

function summary(type: string, p: Payload): string {
  if ('$spilled' in p) return `(payload of ${(p.$spilled as { bytes: number }).bytes} bytes stored as artifact ${(p.$spilled as { sha256: string }).sha256.slice(0, 12)})`;
  switch (type) {
    case 'log':
      return `[${String(p.level ?? 'info')}] ${String(p.message ?? '')}`;
    case 'llm_call': {
      const u = (p.usage ?? {}) as Payload;
      const err = p.error ? ` ERROR ${JSON.stringify(p.error)}` : '';
      return `${String(p.provider)}/${String(p.model)} ${String(u.inputTokens ?? '?')}→${String(u.outputTokens ?? '?')} tok ${String(p.latencyMs)}ms${p.finishReason ? ` ${String(p.finishReason)}` : ''}${err}`;
    }
    case 'tool_call':
      return `${String(p.name)}(${JSON.stringify(p.arguments)})`;
    case 'tool_result':
      return `${String(p.name)} ${p.denied ? `DENIED: ${(p.denied as Payload).reason}` : p.isError ? 'error' : 'ok'}: ${typeof p.output === 'string' ? p.output : JSON.stringify(p.output)}`;
    case 'decision':
      return `${String(p.decisionType)}: ${JSON.stringify(p.output)}${p.reason ? ` — ${String(p.reason)}` : ''}`;
    case 'status_change':
      return `${String(p.from)} → ${String(p.to)}${p.reason ? ` (${String(p.reason)})` : ''}`;
    case 'artifact':
      return `${String(p.name)} ${String(p.contentType)} ${String(p.bytes)} bytes sha256:${String(p.sha256).slice(0, 12)}`;
    case 'validator_result':
      return `${String(p.validator)} (${String(p.type)}) ${String(p.verdict)} score ${String(p.score)}`;
    case 'run_started':
      return `${p.name ? String(p.name) : ''}${p.agent ? ` by ${String(p.agent)}` : ''}`;
    case 'run_finished':
      return `${String(p.status)}${p.failureClass ? ` (${String(p.failureClass)})` : ''}`;
    default:
      return JSON.stringify(p);
  }
}
