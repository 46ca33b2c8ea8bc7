/**
 * A run's counters while it is followed live. The run's own counters (turns, tokens, cost, events)
 * are read with the run, a moment behind the events streamed to the page; the page shows the
 * larger of them and of what its events add up to, so the summary never says fewer than the
 * timeline under it. Pure, so test/ui checks it.
 */
import type { Run, RunEvent } from '../types.js';

export interface RunCounters {
  events: number;
  turns: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** What the events add up to: one turn per model call (`llm_call`), with its usage and cost, as the server counts them. */
export function countEvents(events: readonly RunEvent[]): RunCounters {
  const c: RunCounters = { events: 0, turns: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
  for (const e of events) {
    c.events = Math.max(c.events, e.seq);
    if (e.type !== 'llm_call') continue;
    const usage = e.payload.usage && typeof e.payload.usage === 'object' ? (e.payload.usage as Record<string, unknown>) : {};
    c.turns += 1;
    c.inputTokens += num(usage.inputTokens);
    c.outputTokens += num(usage.outputTokens);
    c.costUsd += num(e.payload.costUsd);
  }
  return c;
}

/** The run's counters, raised to what the page's events add up to where the run's lag behind. */
export function liveCounters(run: Pick<Run, 'lastSeq' | 'turns' | 'inputTokens' | 'outputTokens' | 'costUsd'>, events: readonly RunEvent[]): RunCounters {
  const seen = countEvents(events);
  return {
    events: Math.max(run.lastSeq, seen.events),
    turns: Math.max(run.turns, seen.turns),
    inputTokens: Math.max(run.inputTokens, seen.inputTokens),
    outputTokens: Math.max(run.outputTokens, seen.outputTokens),
    costUsd: Math.max(run.costUsd, seen.costUsd),
  };
}
