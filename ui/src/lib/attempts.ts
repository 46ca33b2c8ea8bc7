/**
 * Which attempt a thing speaks of. An escalation tells the story of when it was opened, so once
 * it is closed its attempt counts come from its own evidence, not from the task now (a retry
 * since has added attempts). A task's last error names the attempt it came from, so it is not
 * read as the current attempt's while a retry runs. Pure, so test/ui checks them.
 */
import type { Escalation, Run } from '../types.js';

export interface AttemptCount {
  attempt: number;
  /** Undefined when the escalation does not say how many were allowed when it was opened. */
  maxAttempts: number | undefined;
}

/**
 * The attempt counts an escalation speaks of: the task's current ones while it is open or
 * acknowledged (nothing has run since); once resolved or dismissed, the newest attempt in its
 * evidence. "Retries exhausted" means that attempt was the last one allowed then.
 */
export function escalationAttempts(e: Pick<Escalation, 'status' | 'trigger' | 'evidence' | 'task'>): AttemptCount | undefined {
  if (e.status === 'open' || e.status === 'acknowledged') return e.task ? { attempt: e.task.attempt, maxAttempts: e.task.maxAttempts } : undefined;
  const numbers = e.evidence.map((ev) => ev.attempt).filter((n): n is number => typeof n === 'number' && Number.isFinite(n));
  if (!numbers.length) return undefined;
  const attempt = Math.max(...numbers);
  return { attempt, maxAttempts: e.trigger === 'retries_exhausted' ? attempt : undefined };
}

/** "1 of 1", or "2" when the allowed number is not known. */
export function attemptText(count: AttemptCount): string {
  return count.maxAttempts === undefined ? String(count.attempt) : `${count.attempt} of ${count.maxAttempts}`;
}

/** Run statuses that end an attempt with an error (a task's last error comes from one of them). */
const ERRORED = new Set<string>(['failed', 'cancelled', 'timed_out', 'lost']);

/** The attempt a task's last error came from: its newest attempt that ended in an error. */
export function lastErrorAttempt(attempts: readonly Pick<Run, 'attempt' | 'status'>[]): number | undefined {
  let newest: number | undefined;
  for (const r of attempts) if (ERRORED.has(r.status) && (newest === undefined || r.attempt > newest)) newest = r.attempt;
  return newest;
}
