/**
 * Reminders: a task of kind 'reminder' whose work is to notify at its time; it runs no agent and
 * has no spec. Stored and logged in one transaction: the task (`scheduled` for a future time,
 * `queued` when the time has come already) and its `task_submitted` event. A worker claims it
 * when run_at comes, records `reminder_due` and succeeds; notifications deliver it from there.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { dbNow } from '../db/clock.js';
import { tasks } from '../db/schema.js';
import type { TaskStatus } from '../db/vocabulary.js';
import { validationError } from '../errors.js';
import type { Resources } from '../resources.js';
import { parseInput } from '../runs/runs.js';
import type { Task } from '../tasks/submitTask.js';
import { appendTaskEvent } from '../tasks/taskEvents.js';
import { uuidv7 } from '../util/ids.js';
import { parseWhen } from './parseWhen.js';

export const MAX_REMINDER_MESSAGE_CHARS = 10_000;

export const submitReminderSchema = z.strictObject({
  /** When: a Date, ISO 8601 with a zone, or a delay from the database's now (`10m`, `2h`, `1d`). */
  at: z.union([z.date(), z.string().min(1).max(100)]),
  message: z.string().trim().min(1).max(MAX_REMINDER_MESSAGE_CHARS),
  /** Where to deliver it (a notification channel name); default: the default channel. */
  to: z.string().trim().min(1).max(200).optional(),
});
export type SubmitReminderInput = z.input<typeof submitReminderSchema>;

/** The input of a reminder task. */
export interface ReminderInput {
  message: string;
  to: string | null;
}

export async function submitReminder(res: Resources, raw: SubmitReminderInput, principal?: string): Promise<Task> {
  const input = parseInput(submitReminderSchema, raw, 'reminder');
  if (input.at instanceof Date && Number.isNaN(input.at.getTime())) {
    throw validationError('reminder', [{ path: 'at', message: 'is an invalid date' }]);
  }
  const task = await res.db.transaction(async (tx) => {
    const now = await dbNow(tx);
    const at = input.at instanceof Date ? input.at : parseWhen(input.at, now, 'at');
    const status: TaskStatus = at.getTime() > now.getTime() ? 'scheduled' : 'queued';
    const reminder: ReminderInput = { message: input.message, to: input.to ?? null };
    const id = uuidv7();
    await tx
      .insert(tasks)
      .values({ id, kind: 'reminder', specId: null, specVersionId: null, input: reminder, status, runAt: at, createdBy: principal ?? null });
    await appendTaskEvent(
      res,
      tx,
      id,
      'task_submitted',
      { kind: 'reminder', status, runAt: at.toISOString(), to: reminder.to },
      principal ?? null,
    );
    // Read back after the event, so last_event_seq is current.
    const [row] = await tx.select().from(tasks).where(eq(tasks.id, id));
    return row!;
  });
  res.logger.info({ taskId: task.id, runAt: task.runAt.toISOString(), to: (task.input as ReminderInput).to, principal }, 'reminder submitted');
  return task;
}
