/**
 * Recording the end of an attempt. Fenced: only the worker holding the attempt it claimed, on a
 * task still running, may record it — a worker whose lease expired gets LEASE_LOST and changes
 * nothing. In one transaction: the attempt's run is closed, the concurrency slot released, and
 * the task moves on: succeeded; cancelled; or, on failure, retrying (per the spec's retry policy,
 * with a `retry` decision in the task log) or failed.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../db/connection.js';
import { runs, tasks } from '../db/schema.js';
import type { FailureClass, RunStatus, TaskStatus, Verdict } from '../db/vocabulary.js';
import { insertBatch, prepareBatch } from '../events/appendEvents.js';
import { GafferError } from '../errors.js';
import type { Resources } from '../resources.js';
import type { SpecDefinition } from '../specs/definitions.js';
import { appendTaskEvent } from '../tasks/taskEvents.js';
import { setTaskStatus } from '../tasks/transitions.js';
import { releaseSlot } from './claimTasks.js';
import { specVersionCached } from './specCache.js';

export type AttemptOutcome =
  | { status: 'succeeded'; output?: unknown; verdict?: Verdict }
  | {
      status: 'failed' | 'timed_out';
      error: Record<string, unknown>;
      failureClass?: FailureClass;
      verdict?: Verdict;
      /** False when retrying cannot help (the failure issue decides per class). Default true. */
      retryable?: boolean;
    }
  | { status: 'cancelled'; reason?: string };

export interface CompleteInput {
  taskId: string;
  /** The task's spec version, when the caller has it (saves a read). */
  specVersionId?: string | null;
  /** The fencing token from the claim. */
  attempt: number;
  runId: string | null;
  outcome: AttemptOutcome;
  principal?: string;
}

export interface CompleteResult {
  status: TaskStatus;
  retryAt?: Date;
}

type RetryPolicy = SpecDefinition['acceptance']['retry'];

/** Delay before retry number `retry` (1-based): fixed, or exponential capped, with jitter. */
export function retryDelayMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const base = policy.policy === 'exponential' ? Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (retry - 1)) : policy.backoffMs;
  // Jitter shortens a delay by up to its share, so delays never exceed the cap.
  return Math.round(base * (1 - policy.jitter * random()));
}

export async function completeTask(res: Resources, input: CompleteInput): Promise<CompleteResult> {
  const spec = await specFor(res, input.taskId, input.specVersionId);
  const principal = input.principal ?? 'worker';
  return res.db.transaction(async (tx) => {
    const [task] = await tx.select().from(tasks).where(eq(tasks.id, input.taskId)).for('update');
    if (!task || task.status !== 'running' || task.attempt !== input.attempt) {
      throw new GafferError(
        'LEASE_LOST',
        `attempt ${input.attempt} of task ${input.taskId} no longer holds the task (it is ${task?.status ?? 'gone'}, attempt ${task?.attempt ?? '?'}); its result is not recorded`,
        { details: { status: task?.status, attempt: task?.attempt } },
      );
    }
    await releaseSlot(tx, task.concurrencyKey);
    const { outcome } = input;
    await closeRun(res, tx, input.runId, outcome);
    await tx.update(tasks).set({ leaseOwner: null, leaseExpiresAt: null }).where(eq(tasks.id, task.id));

    if (outcome.status === 'succeeded') {
      await tx.update(tasks).set({ result: outcome.output ?? null, lastError: null, failureClass: null }).where(eq(tasks.id, task.id));
      await setTaskStatus(res, tx, task.id, 'succeeded', { principal, finished: true });
      return { status: 'succeeded' };
    }
    if (outcome.status === 'cancelled') {
      await setTaskStatus(res, tx, task.id, 'cancelled', { principal, reason: outcome.reason ?? 'cancelled', finished: true });
      return { status: 'cancelled' };
    }
    const failureClass = outcome.failureClass ?? (outcome.status === 'timed_out' ? 'timeout' : null);
    await tx
      .update(tasks)
      .set({ lastError: res.redactor.value(outcome.error), failureClass })
      .where(eq(tasks.id, task.id));
    const policy = spec?.acceptance.retry;
    const canRetry = outcome.retryable !== false && policy !== undefined && policy.policy !== 'none' && task.attempt < task.maxAttempts;
    if (canRetry) {
      const delayMs = retryDelayMs(policy, task.attempt);
      const [row] = await tx
        .update(tasks)
        .set({ runAt: sql`now() + ${delayMs} * interval '1 millisecond'` as unknown as Date })
        .where(eq(tasks.id, task.id))
        .returning({ runAt: tasks.runAt });
      await appendTaskEvent(
        res,
        tx,
        task.id,
        'decision',
        {
          decisionType: 'retry',
          inputs: { attempt: task.attempt, maxAttempts: task.maxAttempts, failureClass, policy: policy.policy },
          output: { retry: true, nextAttempt: task.attempt + 1, delayMs, runAt: row!.runAt.toISOString() },
          reason: `attempt ${task.attempt} of ${task.maxAttempts} ${outcome.status === 'timed_out' ? 'timed out' : 'failed'}`,
        },
        principal,
      );
      await setTaskStatus(res, tx, task.id, 'retrying', { principal, reason: `retry in ${delayMs} ms` });
      return { status: 'retrying', retryAt: row!.runAt };
    }
    await setTaskStatus(res, tx, task.id, 'failed', {
      principal,
      finished: true,
      reason: task.attempt >= task.maxAttempts && task.maxAttempts > 1 ? `all ${task.maxAttempts} attempts failed` : outcome.status,
    });
    return { status: 'failed' };
  });
}

const RUN_STATUS_OF: Record<AttemptOutcome['status'], RunStatus> = {
  succeeded: 'succeeded',
  failed: 'failed',
  timed_out: 'timed_out',
  cancelled: 'cancelled',
};

/** Closes the attempt's run with its outcome and a run_finished event (same transaction). */
export async function closeRun(
  res: Resources,
  tx: Executor,
  runId: string | null,
  outcome: AttemptOutcome | { status: 'lost'; reason: string },
): Promise<void> {
  if (runId === null) return;
  const status: RunStatus = outcome.status === 'lost' ? 'lost' : RUN_STATUS_OF[outcome.status];
  const error =
    outcome.status === 'failed' || outcome.status === 'timed_out'
      ? res.redactor.value(outcome.error)
      : outcome.status === 'lost' || outcome.status === 'cancelled'
        ? { reason: outcome.reason ?? outcome.status }
        : null;
  const verdict = 'verdict' in outcome ? (outcome.verdict ?? null) : null;
  const failureClass = 'failureClass' in outcome ? (outcome.failureClass ?? null) : outcome.status === 'timed_out' ? 'timeout' : null;
  const updated = await tx
    .update(runs)
    .set({
      status,
      verdict,
      failureClass,
      error,
      output: outcome.status === 'succeeded' ? (outcome.output ?? null) : null,
      finishedAt: sql`now()` as unknown as Date,
      durationMs: sql`(extract(epoch from now() - started_at) * 1000)::bigint` as unknown as number,
    })
    .where(and(eq(runs.id, runId), eq(runs.status, 'running')))
    .returning({ id: runs.id });
  if (updated.length === 0) return;
  const payload: Record<string, unknown> = { status };
  if (verdict) payload.verdict = verdict;
  if (failureClass) payload.failureClass = failureClass;
  if (error) payload.error = error;
  await insertBatch(res, tx, runId, prepareBatch(res, [{ type: 'run_finished', payload }]));
}

async function specFor(res: Resources, taskId: string, known?: string | null): Promise<SpecDefinition | undefined> {
  if (known !== undefined) return known === null ? undefined : (await specVersionCached(res, known)).definition;
  const [task] = await res.db.drizzle.select({ specVersionId: tasks.specVersionId }).from(tasks).where(eq(tasks.id, taskId));
  if (!task?.specVersionId) return undefined;
  return (await specVersionCached(res, task.specVersionId)).definition;
}
