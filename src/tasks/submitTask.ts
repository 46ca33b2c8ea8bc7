/**
 * Submitting a task: validate against the spec version, decide its first status, store it with
 * its dependencies, approval record and first events — one transaction. An idempotency key
 * returns the task that already has it.
 *
 *   needs approval  → awaiting_approval (with a pending approval)
 *   a dependency failed already → blocked
 *   dependencies not yet succeeded → waiting
 *   run_at in the future → scheduled
 *   otherwise → queued
 */
import { eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { dbNow } from '../db/clock.js';
import type { Executor } from '../db/connection.js';
import { approvals, taskDependencies, tasks } from '../db/schema.js';
import { MODES, type Mode, type TaskStatus } from '../db/vocabulary.js';
import { GafferError, validationError } from '../errors.js';
import type { Resources } from '../resources.js';
import { parseInput } from '../runs/runs.js';
import { approvalRequired, getSpec, validateTaskInput, type SpecVersionRecord } from '../specs/specStore.js';
import { uuidv7 } from '../util/ids.js';
import { renderTemplate } from '../util/template.js';
import { toTask } from '../queue/claimTasks.js';
import { notify } from '../notifications/notifications.js';
import { appendTaskEvent } from './taskEvents.js';

export type Task = typeof tasks.$inferSelect;

export const submitTaskSchema = z.strictObject({
  /** Spec name or id. */
  spec: z.string().min(1),
  /** A specific version (default: the latest). */
  specVersion: z.number().int().min(1).optional(),
  input: z.unknown().optional().describe('the task input, checked against the spec inputSchema'),
  /** Not before this time (ISO 8601). */
  runAt: z.coerce.date().optional(),
  /** Not before this many ms from now (the database clock). */
  delayMs: z.number().int().min(0).optional(),
  priority: z.number().int().min(-1000).max(1000).optional(),
  /** Ask for a person's approval whatever the spec's policy says. */
  approval: z.boolean().optional(),
  idempotencyKey: z.string().min(1).max(500).optional(),
  concurrencyKey: z.string().min(1).max(500).optional(),
  dependsOn: z.array(z.uuid()).max(100).optional(),
  /** Lower the spec's mode for this task (never raise it). */
  mode: z.enum(MODES).optional(),
  /** Set by the scheduler. */
  scheduleId: z.uuid().optional(),
  fireTime: z.coerce.date().optional(),
  /** The task this one is a fallback of. */
  parentTaskId: z.uuid().optional(),
});
export type SubmitTaskInput = z.input<typeof submitTaskSchema>;

export interface SubmitResult {
  task: Task;
  /** True when an idempotency key (or schedule fire time) matched an existing task. */
  existing: boolean;
  approvalId?: string;
}

const MODE_RANK: Record<Mode, number> = { observe: 0, propose: 1, autonomous: 2 };

export async function submitTask(res: Resources, raw: SubmitTaskInput, principal?: string): Promise<SubmitResult> {
  const prepared = await prepareSubmit(res, raw);
  const { input, needsApproval } = prepared;
  if (!needsApproval && !input.dependsOn?.length) {
    const task = await insertReadyTask(res, prepared, principal);
    if (task) return { task, existing: false };
    // An idempotency key or a schedule's fire time already taken: the transaction says which.
  }
  for (;;) {
    try {
      return await res.db.transaction((tx) => insertTask(res, tx, prepared, principal));
    } catch (err) {
      // Two submits with one idempotency key raced: the loser returns the winner's task.
      if (err instanceof GafferError && err.code === 'CONFLICT' && input.idempotencyKey) continue;
      throw err;
    }
  }
}

/**
 * Submits a task inside the caller's transaction (a fallback task created with the failure of
 * the task it stands in for): all of its reads go through `tx`.
 */
export async function submitTaskInTransaction(res: Resources, tx: Executor, raw: SubmitTaskInput, principal?: string): Promise<SubmitResult> {
  return insertTask(res, tx, await prepareSubmit(res, raw, tx), principal);
}

/** Checks a submission against its spec and works out what the task row needs. */
async function prepareSubmit(res: Resources, raw: SubmitTaskInput, db?: Executor): Promise<Prepared> {
  const input = parseInput(submitTaskSchema, raw, 'task');
  const spec = await getSpec(res, input.spec, input.specVersion, db);
  const taskInput = input.input ?? {};
  validateTaskInput(spec, taskInput);
  if (input.runAt && input.delayMs !== undefined) {
    throw validationError('task', [{ path: 'runAt', message: 'give runAt or delayMs, not both' }]);
  }
  const specMode = spec.definition.toolPolicy.mode;
  if (input.mode && MODE_RANK[input.mode] > MODE_RANK[specMode]) {
    throw validationError('task', [
      { path: 'mode', message: `spec '${spec.name}' runs in '${specMode}' mode; a task may lower it, never raise it to '${input.mode}'` },
    ]);
  }
  const concurrencyKey =
    input.concurrencyKey ??
    (spec.definition.concurrency.key ? renderTemplate(spec.definition.concurrency.key, { input: taskInput }, 'concurrency.key') : undefined);
  const needsApproval = input.approval === true || approvalRequired(spec, taskInput);
  const retry = spec.definition.acceptance.retry;
  const maxAttempts = 1 + (retry.policy === 'none' ? 0 : retry.maxRetries);

  return { input, spec, taskInput, concurrencyKey, needsApproval, maxAttempts };
}

/**
 * The common submit — nothing holds the task (no approval, no dependencies) — as one prepared
 * statement: the task queued (or scheduled, when its time is still to come by the database clock)
 * with its task_submitted entry. Returns undefined, having written nothing, when a unique key is
 * taken (idempotency key, schedule fire time).
 */
const INSERT_READY_SQL = `
WITH task AS (
  INSERT INTO tasks (id, kind, spec_id, spec_version_id, input, status, priority, run_at, idempotency_key,
    concurrency_key, concurrency_limit, needs_approval, max_attempts, timeout_ms, mode, schedule_id, fire_time,
    parent_task_id, created_by, last_event_seq)
  SELECT $1, 'work', $2, $3, $4::jsonb, CASE WHEN at.run_at > now() THEN 'scheduled' ELSE 'queued' END, $5, at.run_at, $6,
    $7, $8, false, $9, $10, $11, $12, $13, $14, $15, 1
  FROM (SELECT coalesce($16::timestamptz, now() + coalesce($17::int, 0) * interval '1 millisecond') AS run_at) at
  ON CONFLICT DO NOTHING
  RETURNING *
),
logged AS (
  INSERT INTO task_events (task_id, seq, type, payload, principal)
  SELECT id, 1, 'task_submitted', $18::jsonb || jsonb_build_object('status', status,
    'runAt', to_char(run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), $15
  FROM task
)
SELECT * FROM task`;

async function insertReadyTask(res: Resources, p: Prepared, principal?: string): Promise<Task | undefined> {
  const { input, spec } = p;
  const priority = input.priority ?? spec.definition.priority;
  const logged = res.redactor.value({ spec: spec.name, specVersion: spec.version, priority, dependsOn: [] });
  const [row] = await res.db.query<Record<string, unknown>>('gaffer_submit', INSERT_READY_SQL, [
    uuidv7(),
    spec.specId,
    spec.specVersionId,
    JSON.stringify(p.taskInput),
    priority,
    input.idempotencyKey ?? null,
    p.concurrencyKey ?? null,
    spec.definition.concurrency.limit,
    p.maxAttempts,
    spec.definition.timeoutMs ?? spec.definition.budgets.wallTimeMs ?? null,
    input.mode ?? null,
    input.scheduleId ?? null,
    input.fireTime?.toISOString() ?? null,
    input.parentTaskId ?? null,
    principal ?? null,
    input.runAt?.toISOString() ?? null,
    input.delayMs ?? null,
    JSON.stringify(logged),
  ]);
  return row ? toTask(row) : undefined;
}

interface Prepared {
  input: z.output<typeof submitTaskSchema>;
  spec: SpecVersionRecord;
  taskInput: unknown;
  concurrencyKey: string | undefined;
  needsApproval: boolean;
  maxAttempts: number;
}

async function insertTask(res: Resources, tx: Executor, p: Prepared, principal?: string): Promise<SubmitResult> {
  const { input, spec } = p;
  if (input.idempotencyKey) {
    const [found] = await tx.select().from(tasks).where(eq(tasks.idempotencyKey, input.idempotencyKey));
    if (found) return { task: found, existing: true };
  }
  const now = await dbNow(tx);
  const runAt = input.runAt ?? (input.delayMs !== undefined ? new Date(now.getTime() + input.delayMs) : now);

  let depsState: 'none' | 'pending' | 'done' | 'failed' = 'none';
  const dependsOn = [...new Set(input.dependsOn ?? [])];
  if (dependsOn.length) {
    const deps = await tx.select({ id: tasks.id, status: tasks.status }).from(tasks).where(inArray(tasks.id, dependsOn));
    const missing = dependsOn.filter((id) => !deps.some((d) => d.id === id));
    if (missing.length) {
      throw validationError('task', missing.map((id) => ({ path: `dependsOn[${dependsOn.indexOf(id)}]`, message: `no task with id ${id}` })));
    }
    if (deps.some((d) => ['failed', 'cancelled', 'rejected', 'blocked'].includes(d.status))) depsState = 'failed';
    else depsState = deps.every((d) => d.status === 'succeeded') ? 'done' : 'pending';
  }
  const status: TaskStatus = p.needsApproval
    ? 'awaiting_approval'
    : depsState === 'failed'
      ? 'blocked'
      : depsState === 'pending'
        ? 'waiting'
        : runAt.getTime() > now.getTime()
          ? 'scheduled'
          : 'queued';

  const id = uuidv7();
  const inserted = await tx
    .insert(tasks)
    .values({
      id,
      kind: 'work',
      specId: spec.specId,
      specVersionId: spec.specVersionId,
      input: p.taskInput,
      status,
      priority: input.priority ?? spec.definition.priority,
      runAt,
      idempotencyKey: input.idempotencyKey ?? null,
      concurrencyKey: p.concurrencyKey ?? null,
      concurrencyLimit: spec.definition.concurrency.limit,
      needsApproval: p.needsApproval,
      maxAttempts: p.maxAttempts,
      timeoutMs: spec.definition.timeoutMs ?? spec.definition.budgets.wallTimeMs ?? null,
      mode: input.mode ?? null,
      scheduleId: input.scheduleId ?? null,
      fireTime: input.fireTime ?? null,
      parentTaskId: input.parentTaskId ?? null,
      createdBy: principal ?? null,
      finishedAt: status === 'blocked' ? now : null,
    })
    .onConflictDoNothing()
    .returning();
  const task = inserted[0];
  if (!task) {
    if (input.scheduleId && input.fireTime) {
      // This schedule already fired at this time (another scheduler got there first).
      const [found] = await tx.select().from(tasks).where(sql`${tasks.scheduleId} = ${input.scheduleId} AND ${tasks.fireTime} = ${input.fireTime}`);
      if (found) return { task: found, existing: true };
    }
    throw new GafferError('CONFLICT', 'a task with this idempotency key was submitted at the same moment');
  }
  if (dependsOn.length) await tx.insert(taskDependencies).values(dependsOn.map((dependsOnId) => ({ taskId: id, dependsOnId })));
  await appendTaskEvent(
    res,
    tx,
    id,
    'task_submitted',
    { spec: spec.name, specVersion: spec.version, status, runAt: runAt.toISOString(), priority: task.priority, dependsOn },
    principal ?? null,
  );
  let approvalId: string | undefined;
  if (status === 'awaiting_approval') {
    approvalId = uuidv7();
    const reason = input.approval ? 'requested at submit' : `spec '${spec.name}' approval policy`;
    await tx.insert(approvals).values({ id: approvalId, taskId: id, kind: 'task', request: { reason, spec: spec.name, specVersion: spec.version } });
    await appendTaskEvent(res, tx, id, 'approval_requested', { approvalId, kind: 'task', reason }, principal ?? null);
    await notify(res, tx, 'approval_needed', { taskId: id, approvalId, kind: 'task', spec: spec.name, reason });
  }
  return { task, existing: false, ...(approvalId ? { approvalId } : {}) };
}
