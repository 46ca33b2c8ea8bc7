/**
 * Reading tasks, and cancelling them: a task that is not running is cancelled at once; a running
 * one gets cancel_requested, which its worker sees at its next heartbeat and aborts the executor.
 */
import { and, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { execRows } from '../db/connection.js';
import { approvals, runs, taskDependencies, tasks } from '../db/schema.js';
import { TASK_KINDS, TASK_STATUSES, type TaskKind } from '../db/vocabulary.js';
import { GafferError } from '../errors.js';
import type { Resources } from '../resources.js';
import { parseInput } from '../runs/runs.js';
import { cursorId, isUuid, pageOf } from '../util/ids.js';
import type { Task } from './submitTask.js';
import { appendTaskEvent } from './taskEvents.js';
import { setTaskStatus } from './transitions.js';

export async function getTask(res: Resources, id: string): Promise<Task> {
  const [task] = isUuid(id) ? await res.db.drizzle.select().from(tasks).where(eq(tasks.id, id)) : [];
  if (!task) throw new GafferError('TASK_NOT_FOUND', `no task with id ${id}`);
  return task;
}

export const listTasksSchema = z.strictObject({
  status: z.enum(TASK_STATUSES).optional(),
  specId: z.uuid().optional(),
  scheduleId: z.uuid().optional(),
  kind: z.enum(TASK_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().optional(),
});
export type ListTasksInput = z.input<typeof listTasksSchema>;

export async function listTasks(res: Resources, raw: ListTasksInput = {}): Promise<{ tasks: Task[]; next: string | null }> {
  const q = parseInput(listTasksSchema, raw, 'query');
  const where: SQL[] = [];
  if (q.status) where.push(eq(tasks.status, q.status));
  if (q.specId) where.push(eq(tasks.specId, q.specId));
  if (q.scheduleId) where.push(eq(tasks.scheduleId, q.scheduleId));
  if (q.kind) where.push(eq(tasks.kind, q.kind));
  const before = cursorId(q.cursor);
  if (before) where.push(lt(tasks.id, before));
  const rows = await res.db.drizzle
    .select()
    .from(tasks)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(tasks.id))
    .limit(q.limit + 1);
  const { page, next } = pageOf(rows, q.limit);
  return { tasks: page, next };
}

/** How many tasks are in each status (every status listed, zeros included), by kind when given. */
export async function countTasks(res: Resources, kind?: TaskKind): Promise<Record<(typeof TASK_STATUSES)[number], number>> {
  const rows = await res.db.drizzle
    .select({ status: tasks.status, n: sql<number>`count(*)::int` })
    .from(tasks)
    .where(kind ? eq(tasks.kind, kind) : undefined)
    .groupBy(tasks.status);
  const counts = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<(typeof TASK_STATUSES)[number], number>;
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}

/** A task with what a person needs to see it whole: attempts, dependencies, approvals. */
export async function getTaskDetail(res: Resources, id: string) {
  const task = await getTask(res, id);
  const db = res.db.drizzle;
  const [attempts, dependsOn, dependents, taskApprovals] = await Promise.all([
    db.select().from(runs).where(eq(runs.taskId, id)).orderBy(runs.attempt),
    db.select({ id: tasks.id, status: tasks.status }).from(taskDependencies).innerJoin(tasks, eq(tasks.id, taskDependencies.dependsOnId)).where(eq(taskDependencies.taskId, id)),
    db.select({ id: tasks.id, status: tasks.status }).from(taskDependencies).innerJoin(tasks, eq(tasks.id, taskDependencies.taskId)).where(eq(taskDependencies.dependsOnId, id)),
    db.select().from(approvals).where(eq(approvals.taskId, id)).orderBy(approvals.requestedAt),
  ]);
  return { task, attempts, dependsOn, dependents, approvals: taskApprovals };
}

const CANCEL_NOW = ['awaiting_approval', 'waiting', 'scheduled', 'queued', 'retrying', 'escalated'] as const;

export async function cancelTask(res: Resources, id: string, principal: string, reason?: string): Promise<Task> {
  await getTask(res, id);
  await res.db.transaction(async (tx) => {
    const [task] = await tx.select().from(tasks).where(eq(tasks.id, id)).for('update');
    if (!task) throw new GafferError('TASK_NOT_FOUND', `no task with id ${id}`);
    if ((CANCEL_NOW as readonly string[]).includes(task.status)) {
      await tx.update(approvals).set({ status: 'cancelled' }).where(and(eq(approvals.taskId, id), eq(approvals.status, 'pending')));
      await setTaskStatus(res, tx, id, 'cancelled', { reason: reason ?? 'cancelled', principal, finished: true });
    } else if (task.status === 'running') {
      if (!task.cancelRequested) {
        await execRows(tx, sql`UPDATE tasks SET cancel_requested = true WHERE id = ${id}`);
        await appendTaskEvent(res, tx, id, 'cancel_requested', { reason: reason ?? 'cancelled', attempt: task.attempt }, principal);
      }
    } else {
      throw new GafferError('INVALID_STATE', `task ${id} is ${task.status}; only unfinished tasks can be cancelled`, { details: { status: task.status } });
    }
  });
  return getTask(res, id);
}
