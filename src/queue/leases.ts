/**
 * Leases. A running attempt's lease is renewed by its worker's heartbeat; the heartbeat also
 * carries back a cancellation request. An attempt whose lease expired (its worker died or lost
 * the database) is reclaimed by any worker's reaper: its run is marked lost, its concurrency slot
 * released, and the task goes back to the queue while attempts remain — else it fails as an
 * orchestration error. `releaseTask` hands an attempt back on graceful shutdown without using up
 * an attempt.
 */
import { and, eq, sql } from 'drizzle-orm';
import { execRows } from '../db/connection.js';
import { specVersions, tasks } from '../db/schema.js';
import { openEscalation } from '../escalations/escalations.js';
import type { SpecDefinition } from '../specs/definitions.js';
import type { Resources } from '../resources.js';
import { appendTaskEvent } from '../tasks/taskEvents.js';
import { setTaskStatus } from '../tasks/transitions.js';
import { closeRun } from './completeTask.js';
import { releaseSlot } from './claimTasks.js';

export interface HeartbeatResult {
  /** False: the lease is gone (expired and reclaimed, or the task was finished elsewhere). */
  held: boolean;
  cancelRequested: boolean;
}

export async function heartbeat(
  res: Resources,
  input: { taskId: string; attempt: number; workerId: string; leaseMs: number },
): Promise<HeartbeatResult> {
  const rows = await execRows<{ cancel_requested: boolean }>(
    res.db.drizzle,
    sql`UPDATE tasks SET lease_expires_at = now() + ${input.leaseMs} * interval '1 millisecond'
        WHERE id = ${input.taskId} AND attempt = ${input.attempt} AND status = 'running' AND lease_owner = ${input.workerId}
        RETURNING cancel_requested`,
  );
  return rows[0] ? { held: true, cancelRequested: rows[0].cancel_requested } : { held: false, cancelRequested: false };
}

/** Reclaims up to `limit` expired leases; returns how many. Safe to run from every worker at once. */
export async function reapExpiredLeases(res: Resources, limit = 100): Promise<number> {
  return res.db.transaction(async (tx) => {
    const expired = await execRows<{ id: string; attempt: number; max_attempts: number; concurrency_key: string | null; last_run_id: string | null; lease_owner: string | null }>(
      tx,
      sql`SELECT id, attempt, max_attempts, concurrency_key, last_run_id, lease_owner FROM tasks
          WHERE status = 'running' AND lease_expires_at < now()
          ORDER BY lease_expires_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`,
    );
    for (const task of expired) {
      await releaseSlot(tx, task.concurrency_key);
      const reason = `lease of worker ${task.lease_owner ?? '?'} expired`;
      await closeRun(res, tx, task.last_run_id, { status: 'lost', reason });
      await appendTaskEvent(res, tx, task.id, 'lease_expired', { attempt: task.attempt, worker: task.lease_owner }, 'system');
      await tx.update(tasks).set({ leaseOwner: null, leaseExpiresAt: null }).where(eq(tasks.id, task.id));
      if (task.attempt < task.max_attempts) {
        await setTaskStatus(res, tx, task.id, 'queued', { principal: 'system', reason });
      } else {
        const [row] = await tx
          .update(tasks)
          .set({ failureClass: 'orchestration_error', lastError: { message: reason, attempt: task.attempt } })
          .where(eq(tasks.id, task.id))
          .returning();
        if (row!.kind === 'work') {
          // Like any attempt that leaves nothing automatic to try: the people's inbox.
          const [version] = await tx.select({ definition: specVersions.definition }).from(specVersions).where(eq(specVersions.id, row!.specVersionId!));
          const spec = version?.definition as SpecDefinition | undefined;
          await openEscalation(res, tx, row!, { trigger: 'retries_exhausted', failureClass: 'orchestration_error', runId: task.last_run_id, spec, principal: 'system' });
        } else {
          await setTaskStatus(res, tx, task.id, 'failed', { principal: 'system', reason, finished: true });
        }
      }
    }
    return expired.length;
  });
}

/**
 * Hands a claimed attempt back (graceful shutdown): the run ends lost, the task is queued again,
 * and max_attempts grows by one so the handed-back attempt does not count against its retries.
 */
export async function releaseTask(res: Resources, input: { taskId: string; attempt: number; runId: string | null; reason: string }): Promise<boolean> {
  return res.db.transaction(async (tx) => {
    const [task] = await tx
      .select()
      .from(tasks)
      .where(and(eq(tasks.id, input.taskId), eq(tasks.attempt, input.attempt), eq(tasks.status, 'running')))
      .for('update');
    if (!task) return false;
    await releaseSlot(tx, task.concurrencyKey);
    await closeRun(res, tx, input.runId, { status: 'lost', reason: input.reason });
    await tx
      .update(tasks)
      .set({ leaseOwner: null, leaseExpiresAt: null, maxAttempts: task.maxAttempts + 1 })
      .where(eq(tasks.id, task.id));
    await setTaskStatus(res, tx, task.id, 'queued', { principal: 'system', reason: input.reason });
    return true;
  });
}
