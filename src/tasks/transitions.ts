/**
 * Moving tasks between statuses, with the side effects that belong to a status change: a task
 * log entry, releasing concurrency slots, and settling dependent tasks (a success may release
 * them; a final failure blocks them, transitively). The database trigger refuses any change not
 * in TASK_TRANSITIONS, so a bug here surfaces as an error, never as a silently wrong state.
 */
import { sql } from 'drizzle-orm';
import { execRows, type Executor } from '../db/connection.js';
import type { TaskStatus } from '../db/vocabulary.js';
import type { Resources } from '../resources.js';
import { appendTaskEvent } from './taskEvents.js';

const FAILED_FOR_DEPENDENTS: readonly TaskStatus[] = ['failed', 'cancelled', 'rejected', 'blocked'];

export interface TransitionOptions {
  reason?: string;
  principal?: string | null;
  /** Extra column values to set with the status (snake_case SQL fragments are not accepted). */
  finished?: boolean;
}

/** Sets a task's status (from whatever it is) and logs it; returns the previous status. */
export async function setTaskStatus(
  res: Resources,
  tx: Executor,
  taskId: string,
  to: TaskStatus,
  options: TransitionOptions = {},
): Promise<TaskStatus> {
  const [row] = await execRows<{ from: TaskStatus }>(
    tx,
    sql`UPDATE tasks t SET status = ${to},
          finished_at = CASE WHEN ${options.finished ?? false} THEN now() ELSE t.finished_at END
        FROM (SELECT id, status AS from_status FROM tasks WHERE id = ${taskId} FOR UPDATE) old
        WHERE t.id = old.id RETURNING old.from_status AS "from"`,
  );
  const from = row!.from;
  await appendTaskEvent(res, tx, taskId, 'status_change', { from, to, ...(options.reason ? { reason: options.reason } : {}) }, options.principal ?? null);
  if (FAILED_FOR_DEPENDENTS.includes(to)) await blockDependents(res, tx, taskId);
  if (to === 'succeeded') await releaseDependents(res, tx, taskId);
  return from;
}

/** Tasks waiting on one that can no longer succeed are blocked (and so are theirs). */
async function blockDependents(res: Resources, tx: Executor, taskId: string): Promise<void> {
  const dependents = await execRows<{ id: string }>(
    tx,
    sql`SELECT t.id FROM task_dependencies d JOIN tasks t ON t.id = d.task_id
        WHERE d.depends_on_id = ${taskId} AND t.status IN ('waiting', 'awaiting_approval') FOR UPDATE OF t`,
  );
  for (const { id } of dependents) {
    await setTaskStatus(res, tx, id, 'blocked', { reason: `dependency ${taskId} did not succeed`, principal: 'system', finished: true });
  }
}

/** Waiting tasks whose every dependency has now succeeded become scheduled or queued. */
async function releaseDependents(res: Resources, tx: Executor, taskId: string): Promise<void> {
  const ready = await execRows<{ id: string; future: boolean }>(
    tx,
    sql`SELECT t.id, t.run_at > now() AS future FROM task_dependencies d JOIN tasks t ON t.id = d.task_id
        WHERE d.depends_on_id = ${taskId} AND t.status = 'waiting'
          AND NOT EXISTS (SELECT 1 FROM task_dependencies d2 JOIN tasks dep ON dep.id = d2.depends_on_id
                          WHERE d2.task_id = t.id AND dep.status <> 'succeeded')
        FOR UPDATE OF t`,
  );
  for (const { id, future } of ready) {
    await setTaskStatus(res, tx, id, future ? 'scheduled' : 'queued', { reason: 'dependencies succeeded', principal: 'system' });
  }
}

/** Where a task goes once nothing (approval) holds it any more: waiting, scheduled or queued. */
export async function readyStatus(tx: Executor, taskId: string): Promise<TaskStatus> {
  const [row] = await execRows<{ pending: number; failed: number; future: boolean }>(
    tx,
    sql`SELECT
          (SELECT count(*)::int FROM task_dependencies d JOIN tasks dep ON dep.id = d.depends_on_id
            WHERE d.task_id = ${taskId} AND dep.status <> 'succeeded' AND dep.status NOT IN ('failed', 'cancelled', 'rejected', 'blocked')) AS pending,
          (SELECT count(*)::int FROM task_dependencies d JOIN tasks dep ON dep.id = d.depends_on_id
            WHERE d.task_id = ${taskId} AND dep.status IN ('failed', 'cancelled', 'rejected', 'blocked')) AS failed,
          (SELECT run_at > now() FROM tasks WHERE id = ${taskId}) AS future`,
  );
  if (row!.failed > 0) return 'blocked';
  if (row!.pending > 0) return 'waiting';
  return row!.future ? 'scheduled' : 'queued';
}
