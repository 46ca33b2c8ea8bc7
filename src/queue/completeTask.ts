/**
 * Recording the end of an attempt. Fenced: only the worker holding the attempt it claimed, on a
 * task still running, may record it — a worker whose lease expired gets LEASE_LOST and changes
 * nothing. In one transaction: the attempt's run is closed, the concurrency slot released, and
 * the task moves on: succeeded; cancelled; or, on failure, retrying (per the spec's retry policy,
 * with a `retry` decision in the task log) or failed.
 */
import { and, eq, sql } from 'drizzle-orm';
import { savepoint, type Executor } from '../db/connection.js';
import { isTransientDbError } from '../db/sqlstate.js';
import { approvals, runs, tasks } from '../db/schema.js';
import type { FailureClass, RunStatus, TaskStatus, Verdict } from '../db/vocabulary.js';
import { insertBatch, prepareBatch, recordsetJson, type PreparedBatch } from '../events/appendEvents.js';
import { GafferError } from '../errors.js';
import { classifyFailure } from '../failures/classifier.js';
import type { UserRule } from '../failures/types.js';
import type { Proposal } from '../executor/types.js';
import { uuidv7 } from '../util/ids.js';
import type { Resources, RunEventsAppended } from '../resources.js';
import type { SpecDefinition } from '../specs/definitions.js';
import { appendTaskEvent } from '../tasks/taskEvents.js';
import { submitTaskInTransaction, type Task } from '../tasks/submitTask.js';
import { setTaskStatus } from '../tasks/transitions.js';
import { noRetryClasses, openEscalation } from '../escalations/escalations.js';
import { notify } from '../notifications/notifications.js';
import { claimCtes, claimKeyed, claimParams, claimsOf, releaseSlot, type ClaimedTask, type ClaimOptions, type ClaimRow } from './claimTasks.js';
import { specVersionCached } from './specCache.js';
import { plural } from '../util/plural.js';

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
  | { status: 'cancelled'; reason?: string }
  | { status: 'proposed'; proposal: Proposal; output?: unknown };

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

/** Deliveries retry exponentially, as configured (config notifications.retry). */
function deliveryRetry(res: Resources): RetryPolicy {
  const retry = res.notifications?.retry ?? { maxRetries: 5, backoffMs: 1_000 };
  return { policy: 'exponential', maxRetries: retry.maxRetries, backoffMs: retry.backoffMs, maxBackoffMs: 300_000, jitter: 0.2 };
}

/** Delay before retry number `retry` (1-based): fixed, or exponential capped, with jitter. */
export function retryDelayMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const base = policy.policy === 'exponential' ? Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (retry - 1)) : policy.backoffMs;
  // Jitter shortens a delay by up to its share, so delays never exceed the cap.
  return Math.round(base * (1 - policy.jitter * random()));
}

/** A success to record on the one-statement path (completeSuccesses). */
export interface SuccessInput {
  taskId: string;
  /** The fencing token from the claim. */
  attempt: number;
  runId: string | null;
  output?: unknown;
  verdict?: Verdict;
  principal: string;
  /** Events the attempt recorded and not yet appended: inserted before run_finished. */
  events?: PreparedBatch;
}

/**
 * The common completion — successes of tasks nothing depends on — in one statement for any number
 * of them: each fenced move to succeeded with its result, its task-log entry, the concurrency
 * slots, and each attempt's run closed with its run_finished event, all or nothing. A task it does
 * not complete (its lease is lost, or tasks depend on it and must be released with it) is left to
 * the transaction path, which decides and reports which. With `claimNext` the same statement also
 * claims the worker's next tasks (claimCtes): in a busy queue a worker's slots finishing together
 * cost one round trip, not two per task.
 */
function succeedSql(runs: boolean): string {
  return `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb)
    AS x(task_id uuid, attempt int, output jsonb, run_id uuid, verdict text, principal text, finished jsonb,
         events jsonb, turns int, input_tokens bigint, output_tokens bigint, cost_usd double precision)
),
done AS (
  UPDATE tasks SET status = 'succeeded', finished_at = now(), lease_owner = NULL, lease_expires_at = NULL,
    result = input.output, last_error = NULL, failure_class = NULL, last_event_seq = last_event_seq + 1
  FROM input
  -- The lookup must stay on the primary key (id = ANY): with a plain status = 'running' the
  -- generic plan bitmap-scanned the status index for every running task — and every dead entry a
  -- busy queue leaves there until vacuum (0.2 ms at 4,000). IS TRUE keeps the check, not the scan.
  WHERE tasks.id = ANY(ARRAY(SELECT task_id FROM input)) AND tasks.id = input.task_id
    AND (tasks.status = 'running') IS TRUE AND tasks.attempt = input.attempt
    AND NOT EXISTS (SELECT 1 FROM task_dependencies d WHERE d.depends_on_id = input.task_id)
  RETURNING tasks.id, tasks.last_event_seq, tasks.concurrency_key, input.principal
),
logged AS (
  INSERT INTO task_events (task_id, seq, type, payload, principal)
  SELECT id, last_event_seq, 'status_change', '{"from":"running","to":"succeeded"}'::jsonb, principal FROM done
),
slot AS (
  UPDATE concurrency_slots s SET running = greatest(s.running - k.n, 0)
  FROM (SELECT concurrency_key, count(*)::int AS n FROM done WHERE concurrency_key IS NOT NULL GROUP BY 1) k
  WHERE s.key = k.concurrency_key
),${runs ? `
closed AS (
  UPDATE runs SET status = 'succeeded', verdict = input.verdict, failure_class = NULL, error = NULL, output = input.output,
    finished_at = now(), duration_ms = (extract(epoch from now() - runs.started_at) * 1000)::bigint,
    last_seq = runs.last_seq + 1 + jsonb_array_length(input.events), turns = runs.turns + input.turns,
    input_tokens = runs.input_tokens + input.input_tokens, output_tokens = runs.output_tokens + input.output_tokens,
    cost_usd = runs.cost_usd + input.cost_usd
  FROM input JOIN done ON done.id = input.task_id
  WHERE runs.id = ANY(ARRAY(SELECT run_id FROM input)) AND runs.id = input.run_id AND (runs.status = 'running') IS TRUE
  RETURNING runs.id, runs.last_seq, input.finished, input.events
),
finished AS (
  INSERT INTO events (run_id, seq, type, ts, payload, payload_sha256)
  SELECT c.id, c.last_seq - 1 - jsonb_array_length(c.events) + e.ord, e.type, e.ts, e.payload, e.payload_sha256
  FROM closed c, ROWS FROM (jsonb_to_recordset(c.events) AS (type text, ts timestamptz, payload jsonb, payload_sha256 text))
    WITH ORDINALITY AS e(type, ts, payload, payload_sha256, ord)
  UNION ALL
  SELECT id, last_seq, 'run_finished', now(), finished, NULL FROM closed
),` : ''}${claimCtes(2, { runs })}
SELECT claimed.*, keyed.n AS keyed_candidates, (SELECT coalesce(jsonb_agg(id), '[]') FROM done) AS done_ids,
  ${runs ? `(SELECT coalesce(jsonb_agg(jsonb_build_object('runId', id, 'lastSeq', last_seq)), '[]') FROM closed)` : `'[]'::jsonb`} AS closed_runs
FROM keyed LEFT JOIN claimed ON true`;
}
/** With and without the run bookkeeping (see CLAIM_SQL in claimTasks.ts). */
const SUCCEED_SQL = { runs: succeedSql(true), noRuns: succeedSql(false) };

/** A task's output as stored, serialised once: redacted only when the cheap check says it may hold a secret. */
function outputJson(res: Resources, output: unknown): string {
  const json = JSON.stringify(output ?? null);
  return res.redactor.jsonNeedsRedaction(json) ? JSON.stringify(res.redactor.value(output)) : json;
}

const NO_CLAIM: ClaimOptions = { workerId: '', limit: 0, leaseMs: 0, recordRuns: false };

export async function completeSuccesses(
  res: Resources,
  items: readonly SuccessInput[],
  claimNext?: ClaimOptions,
): Promise<{ done: Set<string>; next: ClaimedTask[] }> {
  const rows = items.map((item) => {
    const delta = item.events?.delta;
    const row = JSON.stringify({
      task_id: item.taskId,
      attempt: item.attempt,
      run_id: item.runId,
      verdict: item.verdict ?? null,
      principal: item.principal,
      finished: item.runId ? { status: 'succeeded', ...(item.verdict ? { verdict: item.verdict } : {}) } : null,
      turns: delta?.turns ?? 0,
      input_tokens: delta?.inputTokens ?? 0,
      output_tokens: delta?.outputTokens ?? 0,
      cost_usd: delta?.costUsd ?? 0,
    });
    // The output and the events' payloads are spliced in as the JSON text each was serialised to once.
    return `${row.slice(0, -1)},"output":${outputJson(res, item.output)},"events":${recordsetJson(item.events?.events ?? [])}}`;
  });
  const input = `[${rows.join(',')}]`;
  const claim = claimNext && claimNext.limit > 0 ? claimNext : NO_CLAIM;
  const runs = items.some((item) => item.runId !== null) || claim.recordRuns === true;
  const result = await res.db.query<ClaimRow & { done_ids: string[]; closed_runs: RunEventsAppended[] }>(
    runs ? 'gaffer_succeed' : 'gaffer_succeed_no_runs',
    runs ? SUCCEED_SQL.runs : SUCCEED_SQL.noRuns,
    [
      input,
      ...claimParams(claim),
    ],
  );
  const done = new Set(result[0]!.done_ids);
  for (const appended of result[0]!.closed_runs) res.bus.emitAppended(appended);
  if (claim.limit === 0) return { done, next: [] };
  return { done, next: claimsOf(result, claim) ?? (await claimKeyed(res, claim)) };
}

export async function completeTask(res: Resources, input: CompleteInput): Promise<CompleteResult> {
  const principal = input.principal ?? 'worker';
  const { outcome } = input;
  if (outcome.status === 'succeeded') {
    const item: SuccessInput = { taskId: input.taskId, attempt: input.attempt, runId: input.runId, output: outcome.output, principal };
    if (outcome.verdict) item.verdict = outcome.verdict;
    const { done } = await completeSuccesses(res, [item]);
    if (done.has(input.taskId)) return { status: 'succeeded' };
  }
  return completeInTransaction(res, input, principal);
}

/**
 * Every failed attempt leaves with a failure class and its context, stored in the error as
 * `classification` — `{ failureClass, confidence, context, decidedBy }`, its failureClass always
 * the attempt's own — so it is on the run, in its run_finished event, and in the task's lastError
 * for the next attempt. An executor that classified its failure keeps its class: a verification
 * that brings its own classification (from the failing check's output) keeps it whole; otherwise
 * the classifier reads what the error holds (the command, exit code, signal, stdout and stderr
 * tails, the message) for the context, and where it would have answered otherwise its answer is
 * kept beside as `classifierGuess`.
 */
export function classified(outcome: AttemptOutcome, rules: readonly UserRule[] = []): AttemptOutcome {
  if (outcome.status !== 'failed' && outcome.status !== 'timed_out') return outcome;
  const own = (outcome.error as { classification?: { failureClass?: unknown } }).classification;
  if (outcome.failureClass && own && own.failureClass === outcome.failureClass) return outcome;
  const e = outcome.error as { message?: unknown; command?: unknown; exitCode?: unknown; signal?: unknown; stdout?: unknown; stderr?: unknown; stage?: unknown };
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const stderr = [text(e.stderr), text(e.message)].filter(Boolean).join('\n');
  const result = classifyFailure({
    ...(text(e.stage) ? { stage: text(e.stage)! } : {}),
    ...(Array.isArray(e.command) || typeof e.command === 'string' ? { command: e.command as string | string[] } : {}),
    ...(typeof e.exitCode === 'number' || e.exitCode === null ? { exitCode: e.exitCode as number | null } : {}),
    ...(typeof e.signal === 'string' ? { signal: e.signal } : {}),
    stdout: text(e.stdout) ?? '',
    stderr,
  }, { rules });
  const decidedBy = outcome.failureClass ? 'executor' : outcome.status === 'timed_out' ? 'timeout' : 'classifier';
  const failureClass = outcome.failureClass ?? (outcome.status === 'timed_out' ? 'timeout' : result.failureClass);
  const agrees = failureClass === result.failureClass;
  return {
    ...outcome,
    failureClass,
    error: {
      ...outcome.error,
      classification: {
        failureClass,
        confidence: agrees ? result.confidence : 1,
        context: result.context,
        decidedBy,
        ...(agrees ? {} : { classifierGuess: { failureClass: result.failureClass, confidence: result.confidence } }),
      },
    },
  };
}

/** Every completion the one-statement path does not take: failures, retries, dependents, fencing. */
async function completeInTransaction(res: Resources, input: CompleteInput, principal: string): Promise<CompleteResult> {
  const spec = await specFor(res, input.taskId, input.specVersionId);
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
    const outcome = classified(input.outcome, res.classifierRules);
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
    if (outcome.status === 'proposed') {
      // The attempt did its part; the task waits for a person to approve or reject the patch.
      const approvalId = uuidv7();
      const request = { ...outcome.proposal, runId: input.runId, attempt: task.attempt, ...(spec ? { spec: spec.name } : {}) };
      await tx.insert(approvals).values({ id: approvalId, taskId: task.id, kind: 'patch', request });
      await setTaskStatus(res, tx, task.id, 'awaiting_approval', { principal, reason: 'a proposed patch waits for approval' });
      await appendTaskEvent(res, tx, task.id, 'approval_requested', { approvalId, kind: 'patch', reason: 'propose mode', files: outcome.proposal.files }, principal);
      await notify(res, tx, 'approval_needed', { taskId: task.id, approvalId, kind: 'patch', files: outcome.proposal.files });
      return { status: 'awaiting_approval' };
    }
    const failureClass = outcome.failureClass ?? (outcome.status === 'timed_out' ? 'timeout' : null);
    await tx
      .update(tasks)
      .set({ lastError: res.redactor.value(outcome.error), failureClass })
      .where(eq(tasks.id, task.id));
    const policy = spec?.acceptance.retry ?? (task.kind === 'delivery' ? deliveryRetry(res) : undefined);
    // Some classes are not worth retrying (a broken contract, a spent budget, an unknown cause):
    // they go to a person at once.
    const skipRetry = task.kind === 'work' && failureClass !== null && noRetryClasses(spec).includes(failureClass);
    const canRetry = !skipRetry && outcome.retryable !== false && policy !== undefined && policy.policy !== 'none' && task.attempt < task.maxAttempts;
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
    const fallbackSpec = spec?.acceptance.fallbackSpec;
    if (task.kind === 'work' && !fallbackSpec) {
      // Nothing automatic is left: the people's inbox. The task goes running → escalated (not
      // through failed), so tasks that depend on it wait for the person's decision instead of
      // being blocked at once; dismissing or aborting blocks them then.
      const noProgress = (outcome.error as { noProgress?: unknown }).noProgress === true;
      const trigger = skipRetry ? 'no_retry_class' : noProgress ? 'no_progress' : 'retries_exhausted';
      await openEscalation(res, tx, task, { trigger, failureClass, runId: input.runId, spec, principal });
      return { status: 'escalated' };
    }
    await setTaskStatus(res, tx, task.id, 'failed', {
      principal,
      finished: true,
      reason: task.attempt >= task.maxAttempts && task.maxAttempts > 1 ? `all ${task.maxAttempts} attempts failed` : outcome.status,
    });
    if (fallbackSpec && task.kind === 'work') await submitFallback(res, tx, task, fallbackSpec, failureClass, principal);
    // A failed delivery announcing its own failure would never end.
    if (task.kind !== 'delivery') await notify(res, tx, 'task_failed', { taskId: task.id, kind: task.kind, failureClass, attempts: task.attempt });
    return { status: 'failed' };
  });
}

/**
 * The spec's fallback, once its retries are spent: a new task of the fallback spec with the same
 * input, linked to the failed one (parentTaskId), created in the same transaction as the failure
 * — a `fallback` decision in the failed task's log names it. A fallback that cannot be submitted
 * (its spec now rejects the input) is logged as a decision with the reason; the failure stands.
 */
async function submitFallback(res: Resources, tx: Executor, task: Task, fallbackSpec: string, failureClass: FailureClass | null, principal: string): Promise<void> {
  const inputs = { attempts: task.attempt, failureClass, fallbackSpec };
  try {
    // A savepoint: a fallback that fails to insert must not take the failure's record with it.
    const submitted = await savepoint(tx, (sp) =>
      submitTaskInTransaction(res, sp, { spec: fallbackSpec, input: task.input ?? {}, parentTaskId: task.id }, principal),
    );
    await appendTaskEvent(res, tx, task.id, 'decision', {
      decisionType: 'fallback',
      inputs,
      output: { taskId: submitted.task.id, spec: fallbackSpec, status: submitted.task.status },
      reason: `${task.maxAttempts === 1 ? 'the attempt' : `all ${plural(task.maxAttempts, 'attempt')}`} failed; the fallback spec '${fallbackSpec}' takes over`,
    }, principal);
  } catch (err) {
    // A deadlock or a lost connection is no reason to give up the fallback: the whole completion
    // runs again (withTransientRetry). Only a fallback that cannot be submitted is logged as such.
    if (isTransientDbError(err)) throw err;
    await appendTaskEvent(res, tx, task.id, 'decision', {
      decisionType: 'fallback',
      inputs,
      output: { taskId: null, error: err instanceof Error ? err.message : String(err) },
      reason: `the fallback spec '${fallbackSpec}' could not be submitted`,
    }, principal);
  }
}

const RUN_STATUS_OF: Record<AttemptOutcome['status'], RunStatus> = {
  succeeded: 'succeeded',
  failed: 'failed',
  timed_out: 'timed_out',
  cancelled: 'cancelled',
  proposed: 'succeeded',
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
      output: outcome.status === 'succeeded' ? (outcome.output ?? null) : outcome.status === 'proposed' ? { ...(outcome.output as object), proposal: outcome.proposal } : null,
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
