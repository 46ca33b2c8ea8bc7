/**
 * A task's story in one list: its own log (submission, status changes, decisions) with the start
 * of each attempt put in by time. The server records a claim (queued → running) in the attempt's
 * run, not in the task's log, so without these rows the log jumps from "queued" to "running → …".
 */

export interface LogEntryLike {
  seq: number;
  ts: string;
}

export interface AttemptStart {
  attempt: number;
  runId: string;
  startedAt: string;
}

export type StoryRow<E extends LogEntryLike> = { kind: 'log'; entry: E } | { kind: 'attempt'; start: AttemptStart };

/**
 * Log entries in seq order with each attempt's start placed before the first entry that is later
 * than it (an entry at the very same instant stays first: it happened before the claim).
 */
export function taskStory<E extends LogEntryLike>(entries: readonly E[], starts: readonly AttemptStart[]): StoryRow<E>[] {
  const pending = [...starts].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || a.attempt - b.attempt);
  const rows: StoryRow<E>[] = [];
  for (const entry of entries) {
    const at = Date.parse(entry.ts);
    while (pending.length && Date.parse(pending[0]!.startedAt) < at) rows.push({ kind: 'attempt', start: pending.shift()! });
    rows.push({ kind: 'log', entry });
  }
  for (const start of pending) rows.push({ kind: 'attempt', start });
  return rows;
}
