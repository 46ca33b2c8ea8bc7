/**
 * A task's own append-only log: submission, status changes, approval decisions (naming the
 * principal), retry decisions, reminders due. Sequenced per task like run events: the bump of
 * tasks.last_event_seq and the insert are one statement, so the sequence has no gaps.
 */
import { sql } from 'drizzle-orm';
import { execRows, type Executor } from '../db/connection.js';
import { GafferError } from '../errors.js';
import type { Resources } from '../resources.js';

export const TASK_EVENT_TYPES = [
  'task_submitted',
  'status_change',
  'approval_requested',
  'approval_decided',
  'decision',
  'lease_expired',
  'cancel_requested',
  'reminder_due',
  'escalation_opened',
  'escalation_updated',
  'log',
] as const;
export type TaskEventType = (typeof TASK_EVENT_TYPES)[number];

export interface TaskEvent {
  seq: number;
  type: string;
  ts: string;
  payload: unknown;
  principal: string | null;
}

export async function appendTaskEvent(
  res: Resources,
  tx: Executor,
  taskId: string,
  type: TaskEventType,
  payload: Record<string, unknown>,
  principal: string | null,
): Promise<number> {
  const json = JSON.stringify(res.redactor.value(payload));
  const [row] = await execRows<{ seq: number }>(
    tx,
    sql`WITH bumped AS (UPDATE tasks SET last_event_seq = last_event_seq + 1 WHERE id = ${taskId} RETURNING last_event_seq)
        INSERT INTO task_events (task_id, seq, type, payload, principal)
        SELECT ${taskId}::uuid, bumped.last_event_seq, ${type}, ${json}::jsonb, ${principal} FROM bumped
        RETURNING seq`,
  );
  if (!row) throw new GafferError('TASK_NOT_FOUND', `no task with id ${taskId}`);
  return row.seq;
}

export async function readTaskEvents(res: Resources, taskId: string, after = 0, limit = 500): Promise<TaskEvent[]> {
  const rows = await execRows<{ seq: number; type: string; ts: Date; payload: unknown; principal: string | null }>(
    res.db.drizzle,
    sql`SELECT seq, type, ts, payload, principal FROM task_events WHERE task_id = ${taskId} AND seq > ${after} ORDER BY seq LIMIT ${limit}`,
  );
  return rows.map((r) => ({ ...r, ts: new Date(r.ts).toISOString() }));
}
