/**
 * Claiming tasks: the queue's hot path.
 *
 * Locking: candidates are selected in claim order (priority, then run_at, then id — FIFO within
 * a priority) with FOR UPDATE SKIP LOCKED, so concurrent workers never wait on each other and
 * never take the same task. A candidate with a concurrency key must also win a slot: an upsert on
 * concurrency_slots that only increments below the limit, under that row's lock — exact across
 * any number of workers (a count of running tasks would race). The claim bumps `attempt`, the
 * fencing token every later write for this attempt must present.
 *
 * With `recordRuns`, each claim also opens the attempt's run (with its run_started event) in the
 * same transaction.
 */
import { sql } from 'drizzle-orm';
import { execRows, type Executor } from '../db/connection.js';
import type { Resources } from '../resources.js';
import { uuidv7 } from '../util/ids.js';
import type { Task } from '../tasks/submitTask.js';

export interface ClaimOptions {
  workerId: string;
  limit: number;
  leaseMs: number;
  /** Open a run for each claimed attempt (the full path); false for queue-only use. */
  recordRuns?: boolean;
}

export interface ClaimedTask {
  task: Task;
  /** The fencing token: the attempt number this claim owns. */
  attempt: number;
  runId: string | null;
}

/** Candidates fetched per wanted task, so keyed tasks at their limit do not starve the claim. */
const OVERFETCH = 4;

interface CandidateRow {
  id: string;
  concurrency_key: string | null;
  concurrency_limit: number;
}

export async function claimTasks(res: Resources, options: ClaimOptions): Promise<ClaimedTask[]> {
  if (options.limit <= 0) return [];
  const claimed = await res.db.transaction(async (tx) => {
    const candidates = await execRows<CandidateRow>(
      tx,
      sql`SELECT id, concurrency_key, concurrency_limit FROM tasks
          WHERE status IN ('queued', 'scheduled', 'retrying') AND run_at <= now()
          -- NULLS LAST matches tasks_claim_idx; plain DESC (NULLS FIRST) made Postgres sort the
          -- whole backlog on every claim instead of reading the index (0.81 ms vs 0.06 ms at 2,000).
          ORDER BY priority DESC NULLS LAST, run_at, id
          LIMIT ${options.limit * OVERFETCH}
          FOR UPDATE SKIP LOCKED`,
    );
    const chosen: string[] = [];
    for (const candidate of candidates) {
      if (chosen.length >= options.limit) break;
      if (candidate.concurrency_key === null || (await takeSlot(tx, candidate.concurrency_key, candidate.concurrency_limit))) {
        chosen.push(candidate.id);
      }
    }
    if (chosen.length === 0) return [];
    const ids = JSON.stringify(chosen);
    const rows = await execRows<Record<string, unknown>>(
      tx,
      sql`UPDATE tasks SET status = 'running', attempt = attempt + 1, lease_owner = ${options.workerId},
            lease_expires_at = now() + ${options.leaseMs} * interval '1 millisecond', cancel_requested = false
          WHERE id IN (SELECT jsonb_array_elements_text(${ids}::jsonb)::uuid)
          RETURNING *`,
    );
    const tasks = rows.map(toTask);
    const runIds = new Map<string, string>();
    if (options.recordRuns) await openRuns(tx, tasks, runIds, options.workerId);
    return tasks.map((task) => ({ task, attempt: task.attempt, runId: runIds.get(task.id) ?? null }));
  });
  // Keep claim order (the UPDATE's RETURNING order is not guaranteed).
  return claimed.sort((a, b) => b.task.priority - a.task.priority || a.task.runAt.getTime() - b.task.runAt.getTime() || (a.task.id < b.task.id ? -1 : 1));
}

async function takeSlot(tx: Executor, key: string, limit: number): Promise<boolean> {
  const rows = await execRows<{ running: number }>(
    tx,
    sql`INSERT INTO concurrency_slots (key, running) VALUES (${key}, 1)
        ON CONFLICT (key) DO UPDATE SET running = concurrency_slots.running + 1
        WHERE concurrency_slots.running < ${limit}
        RETURNING running`,
  );
  return rows.length > 0;
}

export async function releaseSlot(tx: Executor, key: string | null): Promise<void> {
  if (key === null) return;
  await tx.execute(sql`UPDATE concurrency_slots SET running = greatest(running - 1, 0) WHERE key = ${key}`);
}

/** One run per claimed attempt, each with its run_started event, in two statements. */
async function openRuns(tx: Executor, tasks: Task[], runIds: Map<string, string>, workerId: string): Promise<void> {
  const rows = tasks.map((t) => {
    const id = uuidv7();
    runIds.set(t.id, id);
    return { id, task_id: t.id, attempt: t.attempt, spec_version_id: t.specVersionId, agent: t.kind === 'reminder' ? 'reminder' : 'worker' };
  });
  const json = JSON.stringify(rows);
  await tx.execute(sql`INSERT INTO runs (id, task_id, attempt, spec_version_id, agent, name, last_seq, created_by)
    SELECT x.id, x.task_id, x.attempt, x.spec_version_id, x.agent, 'attempt ' || x.attempt, 1, ${`worker:${workerId}`}
    FROM jsonb_to_recordset(${json}::jsonb) AS x(id uuid, task_id uuid, attempt int, spec_version_id uuid, agent text)`);
  await tx.execute(sql`INSERT INTO events (run_id, seq, type, ts, payload)
    SELECT x.id, 1, 'run_started', now(), jsonb_build_object('taskId', x.task_id, 'attempt', x.attempt, 'worker', ${workerId}::text)
    FROM jsonb_to_recordset(${json}::jsonb) AS x(id uuid, task_id uuid, attempt int)`);
  await tx.execute(sql`UPDATE tasks SET last_run_id = x.id
    FROM jsonb_to_recordset(${json}::jsonb) AS x(id uuid, task_id uuid) WHERE tasks.id = x.task_id`);
}

/** Raw SQL rows (snake_case) to the schema's Task shape. */
export function toTask(row: Record<string, unknown>): Task {
  const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));
  return {
    id: row.id as string,
    kind: row.kind as Task['kind'],
    specId: row.spec_id as string | null,
    specVersionId: row.spec_version_id as string | null,
    input: row.input,
    status: row.status as Task['status'],
    priority: row.priority as number,
    runAt: date(row.run_at)!,
    idempotencyKey: row.idempotency_key as string | null,
    concurrencyKey: row.concurrency_key as string | null,
    concurrencyLimit: row.concurrency_limit as number,
    needsApproval: row.needs_approval as boolean,
    attempt: row.attempt as number,
    maxAttempts: row.max_attempts as number,
    timeoutMs: row.timeout_ms as number | null,
    mode: row.mode as Task['mode'],
    leaseOwner: row.lease_owner as string | null,
    leaseExpiresAt: date(row.lease_expires_at),
    cancelRequested: row.cancel_requested as boolean,
    scheduleId: row.schedule_id as string | null,
    fireTime: date(row.fire_time),
    parentTaskId: row.parent_task_id as string | null,
    lastRunId: row.last_run_id as string | null,
    result: row.result,
    lastError: row.last_error,
    failureClass: row.failure_class as Task['failureClass'],
    overrides: row.overrides,
    lastEventSeq: Number(row.last_event_seq),
    createdBy: row.created_by as string | null,
    createdAt: date(row.created_at)!,
    updatedAt: date(row.updated_at)!,
    finishedAt: date(row.finished_at),
  };
}
