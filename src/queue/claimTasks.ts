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

/**
 * The common claim in one statement: lock the first `limit` claimable tasks (SKIP LOCKED), mark
 * them running with a fresh lease and attempt, and — with runs recorded — open each attempt's run
 * and its run_started event, all or nothing. It claims only when no candidate has a concurrency
 * key; otherwise it changes nothing and says so, and the claim takes the keyed path below (slots
 * need a decision per candidate). Run ids are drawn up front, one per possible claim, and paired
 * with the claimed tasks inside the statement.
 *
 * The CTEs are numbered from parameter `$first` so that a completion can run them in its own
 * statement (completeTask's claimNext: finish one task and take the next in one round trip),
 * claiming only if its `onlyIf` condition holds.
 */
export function claimCtes(first: number, options: { runs: boolean; onlyIf?: string }): string {
  const onlyIf = options.onlyIf ?? 'true';
  const [limit, worker, leaseMs, runIds, recordRuns] = [0, 1, 2, 3, 4].map((i) => `$${first + i}`) as [string, string, string, string, string];
  return `
candidates AS (
  SELECT id, concurrency_key FROM tasks
  WHERE status IN ('queued', 'scheduled', 'retrying') AND run_at <= now()
  ORDER BY priority DESC NULLS LAST, run_at, id
  LIMIT ${limit}
  FOR UPDATE SKIP LOCKED
),
keyed AS (SELECT count(*)::int AS n FROM candidates WHERE concurrency_key IS NOT NULL),
paired AS (
  SELECT c.id, r.run_id
  FROM (SELECT id, row_number() OVER () AS n FROM candidates) c
  LEFT JOIN jsonb_array_elements_text(${runIds}::jsonb) WITH ORDINALITY AS r(run_id, n) USING (n)
  WHERE (SELECT n FROM keyed) = 0 AND ${onlyIf}
),
claimed AS (
  UPDATE tasks SET status = 'running', attempt = attempt + 1, lease_owner = ${worker},
    lease_expires_at = now() + ${leaseMs} * interval '1 millisecond', cancel_requested = false,
    last_run_id = CASE WHEN ${recordRuns} THEN paired.run_id::uuid ELSE tasks.last_run_id END
  FROM paired WHERE tasks.id = paired.id
  RETURNING tasks.*
)${options.runs ? openRunsCtes(worker, recordRuns) : ''}`;
}

/** The claim's CTEs that open each attempt's run; left out of the statement when no runs are recorded. */
function openRunsCtes(worker: string, recordRuns: string): string {
  return `,
opened AS (
  INSERT INTO runs (id, task_id, attempt, spec_version_id, agent, name, last_seq, created_by)
  SELECT c.last_run_id, c.id, c.attempt, c.spec_version_id, CASE WHEN c.kind = 'reminder' THEN 'reminder' ELSE 'worker' END,
    'attempt ' || c.attempt, 1, 'worker:' || ${worker}
  FROM claimed c WHERE ${recordRuns}
  RETURNING id, task_id, attempt
),
started AS (
  INSERT INTO events (run_id, seq, type, ts, payload)
  SELECT o.id, 1, 'run_started', now(), jsonb_build_object('taskId', o.task_id, 'attempt', o.attempt, 'worker', ${worker}::text)
  FROM opened o
)`;
}

/** The claim's result columns: the claimed tasks (none: one row of NULLs) and the keyed count. */
export const CLAIM_SELECT = 'SELECT claimed.*, keyed.n AS keyed_candidates FROM keyed LEFT JOIN claimed ON true';

/**
 * Each statement in two variants, with and without the run bookkeeping: every table a statement
 * writes is opened and locked (with its indexes) on every execution, used or not — about a third
 * of a claim's cost when no run is recorded.
 */
const CLAIM_SQL = {
  runs: `WITH ${claimCtes(1, { runs: true })}\n${CLAIM_SELECT}`,
  noRuns: `WITH ${claimCtes(1, { runs: false })}\n${CLAIM_SELECT}`,
};

/** The claim's five parameters, in claimCtes' order. */
export function claimParams(options: ClaimOptions): unknown[] {
  // Run ids only when runs are recorded (the queue-only path pays for none).
  const runIds = options.recordRuns ? Array.from({ length: options.limit }, () => uuidv7()) : [];
  return [options.limit, options.workerId, options.leaseMs, JSON.stringify(runIds), options.recordRuns ?? false];
}

export type ClaimRow = Record<string, unknown> & { keyed_candidates: number };

/** The claims of a claim statement's rows; undefined when a keyed candidate calls for claimKeyed. */
export function claimsOf(rows: ClaimRow[], options: ClaimOptions): ClaimedTask[] | undefined {
  if ((rows[0]?.keyed_candidates ?? 0) > 0) return undefined;
  return inClaimOrder(
    rows.filter((row) => row.id !== null).map((row) => {
      const task = toTask(row);
      return { task, attempt: task.attempt, runId: options.recordRuns ? task.lastRunId : null };
    }),
  );
}

export async function claimTasks(res: Resources, options: ClaimOptions): Promise<ClaimedTask[]> {
  if (options.limit <= 0) return [];
  const rows = options.recordRuns
    ? await res.db.query<ClaimRow>('gaffer_claim', CLAIM_SQL.runs, claimParams(options))
    : await res.db.query<ClaimRow>('gaffer_claim_no_runs', CLAIM_SQL.noRuns, claimParams(options));
  return claimsOf(rows, options) ?? claimKeyed(res, options);
}

/** The claim when candidates carry concurrency keys: a transaction that takes a slot per key. */
export async function claimKeyed(res: Resources, options: ClaimOptions): Promise<ClaimedTask[]> {
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
  return inClaimOrder(claimed);
}

/** Claim order (the UPDATE's RETURNING order is not guaranteed). */
function inClaimOrder(claimed: ClaimedTask[]): ClaimedTask[] {
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
