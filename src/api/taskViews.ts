/**
 * Response shapes for specs, profiles, tasks and approvals (one zod schema each, used to
 * serialise and to document), and the few reads and decisions built from several facade calls.
 * The API routes and the CLI's local mode both call these, so a command prints the same JSON
 * whether it talked to a server or opened the database itself.
 */
import { inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Approval } from '../approvals/approvals.js';
import { tasks } from '../db/schema.js';
import { APPROVAL_KINDS, APPROVAL_STATUSES, FAILURE_CLASSES, MODES, TASK_KINDS, TASK_STATUSES } from '../db/vocabulary.js';
import { GafferError } from '../errors.js';
import type { Gaffer } from '../gaffer.js';
import { versionRefs, type ProfileVersionRecord, type SpecVersionRecord, type VersionRef } from '../specs/specStore.js';
import type { Task } from '../tasks/submitTask.js';
import type { TaskEvent } from '../tasks/taskEvents.js';
import { runView, toRunViews } from './views.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export const specView = z
  .object({
    specId: z.uuid(),
    specVersionId: z.uuid(),
    name: z.string(),
    version: z.number().int(),
    executor: z.enum(['shell', 'agent', 'cli_agent']),
    description: z.string().nullable(),
    definition: z.record(z.string(), z.unknown()).describe('the definition as applied, with defaults filled in'),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
  })
  .describe('SpecVersion');
export type SpecView = z.infer<typeof specView>;

export function toSpecView(r: SpecVersionRecord): SpecView {
  return {
    specId: r.specId,
    specVersionId: r.specVersionId,
    name: r.name,
    version: r.version,
    executor: r.definition.executor,
    description: r.definition.description ?? null,
    definition: r.definition as Record<string, unknown>,
    createdAt: r.createdAt.toISOString(),
    createdBy: r.createdBy,
  };
}

export const profileView = z
  .object({
    profileId: z.uuid(),
    profileVersionId: z.uuid(),
    name: z.string(),
    version: z.number().int(),
    model: z.string(),
    description: z.string().nullable(),
    definition: z.record(z.string(), z.unknown()).describe('the definition as applied, with defaults filled in'),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
  })
  .describe('ProfileVersion');
export type ProfileView = z.infer<typeof profileView>;

export function toProfileView(r: ProfileVersionRecord): ProfileView {
  return {
    profileId: r.profileId,
    profileVersionId: r.profileVersionId,
    name: r.name,
    version: r.version,
    model: r.definition.model,
    description: r.definition.description ?? null,
    definition: r.definition as Record<string, unknown>,
    createdAt: r.createdAt.toISOString(),
    createdBy: r.createdBy,
  };
}

export const taskView = z
  .object({
    id: z.uuid(),
    kind: z.enum(TASK_KINDS),
    status: z.enum(TASK_STATUSES),
    spec: z.string().nullable().describe('name of the spec (null for reminders)'),
    specVersion: z.number().int().nullable(),
    specId: z.uuid().nullable(),
    specVersionId: z.uuid().nullable(),
    input: z.unknown(),
    result: z.unknown(),
    lastError: z.unknown(),
    failureClass: z.enum(FAILURE_CLASSES).nullable(),
    attempt: z.number().int().describe('attempts started so far; the fencing token of the current one'),
    maxAttempts: z.number().int(),
    priority: z.number().int(),
    runAt: z.string().describe('not claimable before this time (deferred tasks, retry backoff)'),
    concurrencyKey: z.string().nullable(),
    concurrencyLimit: z.number().int(),
    idempotencyKey: z.string().nullable(),
    needsApproval: z.boolean(),
    mode: z.enum(MODES).nullable().describe("a mode the submitter lowered the spec's mode to"),
    timeoutMs: z.number().int().nullable(),
    cancelRequested: z.boolean(),
    leaseOwner: z.string().nullable(),
    leaseExpiresAt: z.string().nullable(),
    scheduleId: z.uuid().nullable(),
    fireTime: z.string().nullable(),
    parentTaskId: z.uuid().nullable(),
    lastRunId: z.uuid().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .describe('Task');
export type TaskView = z.infer<typeof taskView>;

export function toTaskView(t: Task, spec?: VersionRef): TaskView {
  return {
    id: t.id,
    kind: t.kind,
    status: t.status,
    spec: spec?.name ?? null,
    specVersion: spec?.version ?? null,
    specId: t.specId,
    specVersionId: t.specVersionId,
    input: t.input,
    result: t.result,
    lastError: t.lastError,
    failureClass: t.failureClass,
    attempt: t.attempt,
    maxAttempts: t.maxAttempts,
    priority: t.priority,
    runAt: t.runAt.toISOString(),
    concurrencyKey: t.concurrencyKey,
    concurrencyLimit: t.concurrencyLimit,
    idempotencyKey: t.idempotencyKey,
    needsApproval: t.needsApproval,
    mode: t.mode,
    timeoutMs: t.timeoutMs,
    cancelRequested: t.cancelRequested,
    leaseOwner: t.leaseOwner,
    leaseExpiresAt: iso(t.leaseExpiresAt),
    scheduleId: t.scheduleId,
    fireTime: iso(t.fireTime),
    parentTaskId: t.parentTaskId,
    lastRunId: t.lastRunId,
    createdBy: t.createdBy,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    finishedAt: iso(t.finishedAt),
  };
}

/** Task views with their spec names; one lookup per distinct spec version on the page. */
export async function toTaskViews(gaffer: Gaffer, tasks: readonly Task[]): Promise<TaskView[]> {
  const refs = await versionRefs(gaffer.resources, { specVersionIds: tasks.map((t) => t.specVersionId) });
  return tasks.map((t) => toTaskView(t, t.specVersionId ? refs.specs.get(t.specVersionId) : undefined));
}

export async function loadTaskView(gaffer: Gaffer, id: string): Promise<TaskView> {
  const [view] = await toTaskViews(gaffer, [await gaffer.tasks.get(id)]);
  return view!;
}

export const approvalView = z
  .object({
    id: z.uuid(),
    taskId: z.uuid(),
    runId: z.uuid().nullable(),
    kind: z.enum(APPROVAL_KINDS),
    status: z.enum(APPROVAL_STATUSES),
    request: z.unknown().describe('what is to be approved: the reason, a patch artifact, the tool call'),
    note: z.string().nullable(),
    requestedAt: z.string(),
    decidedAt: z.string().nullable(),
    decidedBy: z.string().nullable().describe('principal that decided: `scope:name` of a token'),
  })
  .describe('Approval');
export type ApprovalView = z.infer<typeof approvalView>;

export function toApprovalView(a: Approval): ApprovalView {
  return {
    id: a.id,
    taskId: a.taskId,
    runId: a.runId,
    kind: a.kind,
    status: a.status,
    request: a.request,
    note: a.note,
    requestedAt: a.requestedAt.toISOString(),
    decidedAt: iso(a.decidedAt),
    decidedBy: a.decidedBy,
  };
}

/** An approval in the inbox: with what its task is asked to do, so a card needs no request of its own. */
export const approvalInboxView = approvalView
  .extend({
    task: z
      .object({ spec: z.object({ name: z.string(), version: z.number().int() }).nullable(), status: z.enum(TASK_STATUSES), input: z.unknown() })
      .nullable()
      .describe('the task now: its spec version, status and input'),
  })
  .describe('ApprovalInboxItem');
export type ApprovalInboxView = z.infer<typeof approvalInboxView>;

/** What an inbox row says of its task now: spec version, status, attempts, input. */
export interface TaskSummary {
  spec: VersionRef | null;
  status: Task['status'];
  attempt: number;
  maxAttempts: number;
  input: unknown;
}

/** The summaries of these tasks by id, in two queries whatever the count (for inbox lists). */
export async function taskSummaries(gaffer: Gaffer, taskIds: readonly string[]): Promise<Map<string, TaskSummary>> {
  const ids = [...new Set(taskIds)];
  const rows = ids.length
    ? await gaffer.db.drizzle
        .select({ id: tasks.id, specVersionId: tasks.specVersionId, status: tasks.status, attempt: tasks.attempt, maxAttempts: tasks.maxAttempts, input: tasks.input })
        .from(tasks)
        .where(inArray(tasks.id, ids))
    : [];
  const refs = await versionRefs(gaffer.resources, { specVersionIds: rows.map((r) => r.specVersionId) });
  return new Map(rows.map(({ id, specVersionId, ...rest }) => [id, { spec: (specVersionId && refs.specs.get(specVersionId)) || null, ...rest }]));
}

/** Approvals with their tasks' summaries (two queries per list). */
export async function toApprovalInboxViews(gaffer: Gaffer, list: readonly Approval[]): Promise<ApprovalInboxView[]> {
  const summaries = await taskSummaries(gaffer, list.map((a) => a.taskId));
  return list.map((a) => {
    const t = summaries.get(a.taskId);
    return { ...toApprovalView(a), task: t ? { spec: t.spec, status: t.status, input: t.input } : null };
  });
}

export const taskEventView = z
  .object({
    seq: z.number().int(),
    type: z.string(),
    ts: z.string(),
    payload: z.unknown(),
    principal: z.string().nullable().describe('who caused it: `scope:name` of a token, `worker:<id>`, `scheduler`, `system`'),
  })
  .describe('TaskEvent');
export type TaskEventView = z.infer<typeof taskEventView>;

export function toTaskEventView(e: TaskEvent): TaskEventView {
  return { seq: e.seq, type: e.type, ts: e.ts, payload: e.payload, principal: e.principal };
}

const taskRef = z.object({ id: z.uuid(), status: z.enum(TASK_STATUSES) });

export const taskDetailView = z
  .object({
    task: taskView,
    attempts: z.array(runView).describe('one run per attempt, oldest first'),
    dependsOn: z.array(taskRef),
    dependents: z.array(taskRef),
    approvals: z.array(approvalView),
  })
  .describe('TaskDetail');
export type TaskDetailView = z.infer<typeof taskDetailView>;

export async function loadTaskDetail(gaffer: Gaffer, id: string): Promise<TaskDetailView> {
  const detail = await gaffer.tasks.detail(id);
  const [task] = await toTaskViews(gaffer, [detail.task]);
  return {
    task: task!,
    attempts: await toRunViews(gaffer.resources, detail.attempts),
    dependsOn: detail.dependsOn,
    dependents: detail.dependents,
    approvals: detail.approvals.map(toApprovalView),
  };
}

export const decisionView = z.object({ approval: approvalView, task: taskView }).describe('ApprovalDecision');
export type DecisionView = z.infer<typeof decisionView>;

export interface DecideOptions {
  decision: 'approved' | 'rejected';
  principal: string;
  note?: string | undefined;
}

/** Decides an approval named by its own id; returns it and the task it held. */
export async function decideApprovalById(gaffer: Gaffer, approvalId: string, options: DecideOptions): Promise<DecisionView> {
  const approval = await gaffer.approvals.get(approvalId); // 404 for a task id: this path takes approval ids only
  return decide(gaffer, approval.id, options);
}

/**
 * Decides a task's pending approval. A task with none says what it is instead (409), so
 * "approve" on a task that already runs is not a puzzling 404.
 */
export async function decideTaskApproval(gaffer: Gaffer, taskId: string, options: DecideOptions): Promise<DecisionView> {
  const task = await gaffer.tasks.get(taskId);
  const pending = await gaffer.approvals.list({ taskId, status: 'pending' });
  if (pending.length === 0) {
    throw new GafferError('INVALID_STATE', `task ${taskId} has no pending approval (it is ${task.status})`, {
      details: { status: task.status },
    });
  }
  // With several pending approvals decideApproval refuses and lists them (decide one by its id).
  return decide(gaffer, taskId, options);
}

async function decide(gaffer: Gaffer, id: string, options: DecideOptions): Promise<DecisionView> {
  const approval = await gaffer.approvals.decide({
    id,
    decision: options.decision,
    principal: options.principal,
    ...(options.note === undefined ? {} : { note: options.note }),
  });
  return { approval: toApprovalView(approval), task: await loadTaskView(gaffer, approval.taskId) };
}
