/**
 * Approvals: durable records that hold a task (or a proposed patch, or a tool call) until a
 * person decides. A decision names the approval by its explicit id — or the task's id, which
 * resolves to that task's one pending approval — is made only by a principal allowed to
 * (`operate` permission: operator or admin tokens; the API enforces it), and is audited in the
 * task's log with the principal and the note.
 */
import { and, eq, sql } from 'drizzle-orm';
import { approvals, tasks } from '../db/schema.js';
import type { Executor } from '../db/connection.js';
import { listInbox, type InboxFilter } from '../db/inbox.js';
import type { ApprovalStatus } from '../db/vocabulary.js';
import { GafferError } from '../errors.js';
import type { Resources } from '../resources.js';
import { appendTaskEvent } from '../tasks/taskEvents.js';
import { readyStatus, setTaskStatus } from '../tasks/transitions.js';
import { isUuid } from '../util/ids.js';

export type Approval = typeof approvals.$inferSelect;

export interface DecideInput {
  /** An approval id, or a task id with exactly one pending approval. */
  id: string;
  decision: 'approved' | 'rejected';
  note?: string;
  principal: string;
}

/** Hooks other subsystems register for their own approval kinds (a patch approval applies the patch). */
export type ApprovalHandler = (res: Resources, approval: Approval) => Promise<void>;

export async function decideApproval(res: Resources, input: DecideInput, onApproved?: ApprovalHandler): Promise<Approval> {
  if (!isUuid(input.id)) throw new GafferError('APPROVAL_NOT_FOUND', `'${input.id}' is not an approval or task id`);
  const decided = await res.db.transaction(async (tx) => {
    let [approval] = await tx.select().from(approvals).where(eq(approvals.id, input.id)).for('update');
    if (!approval) {
      const pending = await tx
        .select()
        .from(approvals)
        .where(and(eq(approvals.taskId, input.id), eq(approvals.status, 'pending')))
        .for('update');
      if (pending.length > 1) {
        throw new GafferError('INVALID_STATE', `task ${input.id} has ${pending.length} pending approvals; decide one by its approval id`, {
          details: { approvals: pending.map((a) => ({ id: a.id, kind: a.kind })) },
        });
      }
      approval = pending[0];
    }
    if (!approval) throw new GafferError('APPROVAL_NOT_FOUND', `no approval (or task with a pending approval) with id ${input.id}`);
    if (approval.status !== 'pending') {
      throw new GafferError('INVALID_STATE', `approval ${approval.id} was already ${approval.status}`, { details: { status: approval.status } });
    }
    const [row] = await tx
      .update(approvals)
      .set({ status: input.decision, note: input.note ?? null, decidedAt: sql`now()` as unknown as Date, decidedBy: input.principal })
      .where(eq(approvals.id, approval.id))
      .returning();
    await appendTaskEvent(
      res,
      tx,
      approval.taskId,
      'approval_decided',
      { approvalId: approval.id, kind: approval.kind, decision: input.decision, ...(input.note ? { note: input.note } : {}) },
      input.principal,
    );
    if (approval.kind === 'task') {
      const [task] = await tx.select({ status: tasks.status }).from(tasks).where(eq(tasks.id, approval.taskId)).for('update');
      if (task?.status === 'awaiting_approval') {
        if (input.decision === 'rejected') {
          await setTaskStatus(res, tx, approval.taskId, 'rejected', { reason: input.note ?? 'rejected', principal: input.principal, finished: true });
        } else {
          const next = await readyStatus(tx, approval.taskId);
          await setTaskStatus(res, tx, approval.taskId, next, { reason: 'approved', principal: input.principal, finished: next === 'blocked' });
        }
      }
    }
    if (approval.kind === 'patch') await decidePatch(res, tx, approval, input);
    return row!;
  });
  if (decided.status === 'approved' && onApproved) await onApproved(res, decided);
  return decided;
}

/**
 * A proposed patch decided: rejected, the task is rejected; approved, the task runs again — one
 * more attempt, not counted against its retries — and that attempt applies the approved patch to
 * a fresh workspace and verifies it instead of calling the model (`overrides.applyPatch`).
 */
async function decidePatch(res: Resources, tx: Executor, approval: Approval, input: DecideInput): Promise<void> {
  const [task] = await tx.select().from(tasks).where(eq(tasks.id, approval.taskId)).for('update');
  if (task?.status !== 'awaiting_approval') return;
  if (input.decision === 'rejected') {
    await setTaskStatus(res, tx, task.id, 'rejected', { reason: input.note ?? 'proposed patch rejected', principal: input.principal, finished: true });
    return;
  }
  const request = approval.request as { patchSha256: string };
  const applyPatch = { approvalId: approval.id, patchSha256: request.patchSha256, forAttempt: task.attempt + 1 };
  await tx
    .update(tasks)
    .set({ overrides: { ...(task.overrides as Record<string, unknown>), applyPatch }, maxAttempts: task.maxAttempts + 1 })
    .where(eq(tasks.id, task.id));
  const next = await readyStatus(tx, task.id);
  await setTaskStatus(res, tx, task.id, next, { reason: 'proposed patch approved', principal: input.principal, finished: next === 'blocked' });
}

export async function getApproval(res: Resources, id: string): Promise<Approval> {
  const [row] = isUuid(id) ? await res.db.drizzle.select().from(approvals).where(eq(approvals.id, id)) : [];
  if (!row) throw new GafferError('APPROVAL_NOT_FOUND', `no approval with id ${id}`);
  return row;
}

export type ApprovalFilter = InboxFilter<ApprovalStatus>;

/** Approvals newest first (ids are time-ordered UUIDv7s, so the id orders them). */
export async function listApprovals(res: Resources, filter: ApprovalFilter = {}): Promise<Approval[]> {
  return listInbox(res.db.drizzle, approvals, filter);
}
