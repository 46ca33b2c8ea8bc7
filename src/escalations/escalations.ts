/**
 * Escalations — the people's inbox. A task Gaffer could not finish (its retries and fallback
 * exhausted, a class that skips retries, or no progress between attempts) is escalated: the task
 * goes `running → escalated` and an escalation records the trigger, the failure class, the evidence
 * of the last attempts and the options a person has, each with an estimate from past outcomes.
 *
 *   open ──ack──▶ acknowledged ──resolve(option)──▶ resolved
 *     └──────────────┴────────────dismiss──────────▶ dismissed
 *
 * Resolving with a retry option re-queues the task for one more attempt with the option applied
 * (`overrides.profile`, `overrides.budgets`, or the spec's latest version); `abort` cancels it;
 * dismissing leaves it failed. Every step names its principal in the task's log (a `decision` of
 * type `escalation`); only operator and admin tokens may change an escalation (the API checks).
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { listInbox, type InboxFilter } from '../db/inbox.js';
import { execRows, type Executor } from '../db/connection.js';
import { escalations, profiles, profileVersions, tasks } from '../db/schema.js';
import {
  DEFAULT_NO_RETRY_CLASSES,
  type EscalationOption,
  type EscalationStatus,
  type EscalationTrigger,
  type FailureClass,
} from '../db/vocabulary.js';
import { GafferError, validationError } from '../errors.js';
import type { Resources } from '../resources.js';
import { byStrongest, routeCandidate } from '../routing/router.js';
import type { SpecDefinition } from '../specs/definitions.js';
import { profileRecord } from '../specs/specStore.js';
import { notify } from '../notifications/notifications.js';
import { appendTaskEvent } from '../tasks/taskEvents.js';
import type { Task } from '../tasks/submitTask.js';
import { setTaskStatus } from '../tasks/transitions.js';
import { isUuid, uuidv7 } from '../util/ids.js';

export type Escalation = typeof escalations.$inferSelect;

/** Past outcomes behind an option: how often that kind of run succeeded, and what it cost. */
export interface Estimate {
  runs: number;
  successRate: number | null;
  avgCostUsd: number | null;
  /** What the estimate is over, in words. */
  basis: string;
}

export interface OfferedOption {
  option: EscalationOption;
  label: string;
  /** retry_stronger: the profile the retry runs with. */
  profile?: string;
  /** retry_larger_budget: the budgets the retry runs with. */
  budgets?: Record<string, number>;
  estimate?: Estimate;
}

/** How far back estimates look. */
const ESTIMATE_WINDOW_DAYS = 30;
const EVIDENCE_ATTEMPTS = 3;

export function noRetryClasses(spec: SpecDefinition | undefined): readonly FailureClass[] {
  return spec?.acceptance.noRetryClasses ?? DEFAULT_NO_RETRY_CLASSES;
}

/**
 * Opens an escalation for a task that just failed for good (inside the completion's transaction:
 * every read goes through `tx`). Moves the task running → escalated.
 */
export async function openEscalation(
  res: Resources,
  tx: Executor,
  task: Task,
  input: { trigger: EscalationTrigger; failureClass: FailureClass | null; runId: string | null; spec: SpecDefinition | undefined; principal: string },
): Promise<Escalation> {
  const evidence = await execRows<Record<string, unknown>>(
    tx,
    sql`SELECT id AS "runId", attempt, status, verdict, failure_class AS "failureClass",
               error->>'message' AS message, error->'verification'->'failing' AS failing,
               error->'classification'->'context'->>'summary' AS summary
        FROM runs WHERE task_id = ${task.id} ORDER BY attempt DESC LIMIT ${EVIDENCE_ATTEMPTS}`,
  );
  const options = await offeredOptions(tx, task, input.spec, input.runId);
  const id = uuidv7();
  const [row] = await tx
    .insert(escalations)
    .values({ id, taskId: task.id, runId: input.runId, trigger: input.trigger, failureClass: input.failureClass, evidence, options })
    .returning();
  await setTaskStatus(res, tx, task.id, 'escalated', { principal: input.principal, reason: `escalated: ${input.trigger}` });
  await appendTaskEvent(
    res,
    tx,
    task.id,
    'decision',
    {
      decisionType: 'escalation',
      inputs: { trigger: input.trigger, failureClass: input.failureClass, attempts: task.attempt },
      output: { escalationId: id, status: 'open', options: options.map((o) => o.option) },
      reason: triggerReason(input.trigger, task),
    },
    input.principal,
  );
  await notify(res, tx, 'escalation_opened', { escalationId: id, taskId: task.id, trigger: input.trigger, failureClass: input.failureClass, options: options.map((o) => o.option) });
  return row!;
}

/** Why the task is in the inbox, in words that fit its attempts. */
function triggerReason(trigger: EscalationTrigger, task: Task): string {
  if (trigger === 'no_retry_class') return `attempt ${task.attempt} failed with a failure class that is not retried automatically`;
  if (trigger === 'no_progress') return `attempt ${task.attempt} failed the same checks the same way as the one before`;
  return task.maxAttempts <= 1 ? 'the attempt failed and the spec allows no retries' : `all ${task.attempt} attempts failed`;
}

async function offeredOptions(tx: Executor, task: Task, spec: SpecDefinition | undefined, runId: string | null): Promise<OfferedOption[]> {
  const options: OfferedOption[] = [];
  const specEstimate = await estimate(tx, sql`o.spec_version_id IN (SELECT id FROM spec_versions WHERE spec_id = ${task.specId})`, 'runs of this spec');
  if (spec && spec.profiles.length > 0) {
    const rows = await tx
      .select({ v: profileVersions, name: profiles.name })
      .from(profiles)
      .innerJoin(profileVersions, and(eq(profileVersions.profileId, profiles.id), eq(profileVersions.version, profiles.latestVersion)))
      .where(inArray(profiles.name, spec.profiles));
    const profileCandidates = rows.map((r) => {
      const record = profileRecord(r.name, r.v);
      return routeCandidate(record.name, record.version, record.definition);
    });
    const [last] = runId
      ? await execRows<{ name: string | null }>(
          tx,
          sql`SELECT p.name FROM runs r LEFT JOIN profile_versions pv ON pv.id = r.profile_version_id LEFT JOIN profiles p ON p.id = pv.profile_id WHERE r.id = ${runId}`,
        )
      : [];
    const current = profileCandidates.find((p) => p.name === last?.name);
    const stronger = profileCandidates.filter((p) => !current || byStrongest(p, current) < 0).sort(byStrongest)[0];
    if (stronger && stronger.name !== current?.name) {
      options.push({
        option: 'retry_stronger',
        label: `retry with the stronger profile '${stronger.name}'`,
        profile: stronger.name,
        estimate: await estimate(tx, sql`o.profile_version_id IN (SELECT pv.id FROM profile_versions pv JOIN profiles p ON p.id = pv.profile_id WHERE p.name = ${stronger.name})`, `runs with profile '${stronger.name}'`),
      });
    }
  }
  const budgets = Object.fromEntries(Object.entries(spec?.budgets ?? {}).filter((e): e is [string, number] => typeof e[1] === 'number').map(([k, v]) => [k, v * 2]));
  if (Object.keys(budgets).length > 0) {
    options.push({ option: 'retry_larger_budget', label: 'retry with twice the budgets', budgets, estimate: specEstimate });
  }
  options.push({ option: 'retry', label: 'retry as it is', estimate: specEstimate });
  options.push({ option: 'amend_spec', label: 'apply a new version of the spec, then retry with it' });
  options.push({ option: 'abort', label: 'give up: cancel the task' });
  return options;
}

async function estimate(tx: Executor, where: ReturnType<typeof sql>, basis: string): Promise<Estimate> {
  const [row] = await execRows<{ runs: number; successes: number; cost: number | null }>(
    tx,
    sql`SELECT count(*)::int AS runs, count(*) FILTER (WHERE o.success)::int AS successes, avg(o.cost_usd)::float8 AS cost
        FROM outcomes o WHERE ${where} AND o.finished_at > now() - ${ESTIMATE_WINDOW_DAYS} * interval '1 day'`,
  );
  const runs = row?.runs ?? 0;
  return {
    runs,
    successRate: runs ? Math.round(((row!.successes ?? 0) / runs) * 1000) / 1000 : null,
    avgCostUsd: runs && row!.cost !== null ? Math.round(row!.cost * 1e6) / 1e6 : null,
    basis: `${basis}, last ${ESTIMATE_WINDOW_DAYS} days`,
  };
}

export type EscalationFilter = InboxFilter<EscalationStatus>;

/** The inbox newest first (ids are time-ordered UUIDv7s, so the id orders them). */
export async function listEscalations(res: Resources, filter: EscalationFilter = {}): Promise<Escalation[]> {
  return listInbox(res.db.drizzle, escalations, filter);
}

export async function getEscalation(res: Resources, id: string): Promise<Escalation> {
  const [row] = isUuid(id) ? await res.db.drizzle.select().from(escalations).where(eq(escalations.id, id)) : [];
  if (!row) throw new GafferError('ESCALATION_NOT_FOUND', `no escalation with id ${id}`);
  return row;
}

export async function acknowledgeEscalation(res: Resources, input: { id: string; principal: string; note?: string }): Promise<Escalation> {
  return res.db.transaction(async (tx) => {
    const esc = await locked(tx, input.id, ['open'], 'acknowledge');
    const [row] = await tx
      .update(escalations)
      .set({ status: 'acknowledged', acknowledgedAt: sql`now()` as unknown as Date, acknowledgedBy: input.principal, ...(input.note ? { note: input.note } : {}) })
      .where(eq(escalations.id, esc.id))
      .returning();
    await logStep(res, tx, esc, { status: 'acknowledged' }, input.principal, input.note);
    return row!;
  });
}

/** Resolves with one of the offered options and applies it to the task. */
export async function resolveEscalation(
  res: Resources,
  input: { id: string; option: EscalationOption; principal: string; note?: string },
): Promise<{ escalation: Escalation; task: Task }> {
  return res.db.transaction(async (tx) => {
    const esc = await locked(tx, input.id, ['open', 'acknowledged'], 'resolve');
    const offered = (esc.options as OfferedOption[]).find((o) => o.option === input.option);
    if (!offered) {
      throw validationError('escalation', [
        { path: 'option', message: `'${input.option}' is not offered by escalation ${esc.id}; choose one of ${(esc.options as OfferedOption[]).map((o) => o.option).join(', ')}` },
      ]);
    }
    const [task] = await tx.select().from(tasks).where(eq(tasks.id, esc.taskId)).for('update');
    if (!task || task.status !== 'escalated') throw new GafferError('INVALID_STATE', `task ${esc.taskId} is ${task?.status ?? 'gone'}, not escalated`);
    const [row] = await tx
      .update(escalations)
      .set({ status: 'resolved', resolution: input.option, resolvedAt: sql`now()` as unknown as Date, resolvedBy: input.principal, note: input.note ?? esc.note })
      .where(eq(escalations.id, esc.id))
      .returning();
    if (input.option === 'abort') {
      await setTaskStatus(res, tx, task.id, 'cancelled', { principal: input.principal, reason: 'escalation resolved: abort', finished: true });
    } else {
      const overrides = { ...(task.overrides as Record<string, unknown>) };
      const set: Partial<typeof tasks.$inferInsert> = { maxAttempts: task.attempt + 1, finishedAt: null, runAt: sql`now()` as unknown as Date };
      if (input.option === 'retry_stronger') overrides['profile'] = offered.profile;
      if (input.option === 'retry_larger_budget') {
        overrides['budgets'] = offered.budgets;
        if (offered.budgets?.['wallTimeMs']) set.timeoutMs = offered.budgets['wallTimeMs'];
      }
      if (input.option === 'amend_spec') {
        const [latest] = await execRows<{ id: string }>(
          tx,
          sql`SELECT sv.id FROM spec_versions sv JOIN specs s ON s.id = sv.spec_id AND sv.version = s.latest_version WHERE s.id = ${task.specId}`,
        );
        if (latest) set.specVersionId = latest.id;
      }
      await tx.update(tasks).set({ ...set, overrides }).where(eq(tasks.id, task.id));
      await setTaskStatus(res, tx, task.id, 'queued', { principal: input.principal, reason: `escalation resolved: ${input.option}` });
    }
    await logStep(res, tx, esc, { status: 'resolved', resolution: input.option, ...(offered.profile ? { profile: offered.profile } : {}) }, input.principal, input.note);
    const [after] = await tx.select().from(tasks).where(eq(tasks.id, task.id));
    return { escalation: row!, task: after! };
  });
}

/** Dismisses: nothing more will be tried; the task ends failed. */
export async function dismissEscalation(res: Resources, input: { id: string; principal: string; note?: string }): Promise<Escalation> {
  return res.db.transaction(async (tx) => {
    const esc = await locked(tx, input.id, ['open', 'acknowledged'], 'dismiss');
    const [row] = await tx
      .update(escalations)
      .set({ status: 'dismissed', resolvedAt: sql`now()` as unknown as Date, resolvedBy: input.principal, note: input.note ?? esc.note })
      .where(eq(escalations.id, esc.id))
      .returning();
    const [task] = await tx.select({ status: tasks.status }).from(tasks).where(eq(tasks.id, esc.taskId)).for('update');
    if (task?.status === 'escalated') await setTaskStatus(res, tx, esc.taskId, 'failed', { principal: input.principal, reason: 'escalation dismissed', finished: true });
    await logStep(res, tx, esc, { status: 'dismissed' }, input.principal, input.note);
    return row!;
  });
}

async function locked(tx: Executor, id: string, from: EscalationStatus[], action: string): Promise<Escalation> {
  const [esc] = isUuid(id) ? await tx.select().from(escalations).where(eq(escalations.id, id)).for('update') : [];
  if (!esc) throw new GafferError('ESCALATION_NOT_FOUND', `no escalation with id ${id}`);
  if (!from.includes(esc.status)) {
    throw new GafferError('INVALID_STATE', `escalation ${esc.id} is ${esc.status}; only ${from.join(' or ')} escalations can ${action}`, { details: { status: esc.status } });
  }
  return esc;
}

async function logStep(res: Resources, tx: Executor, esc: Escalation, output: Record<string, unknown>, principal: string, note?: string): Promise<void> {
  if (output['status'] === 'resolved' || output['status'] === 'dismissed') {
    await notify(res, tx, 'escalation_resolved', { escalationId: esc.id, taskId: esc.taskId, status: output['status'], resolution: output['resolution'] ?? null, by: principal });
  }
  await appendTaskEvent(
    res,
    tx,
    esc.taskId,
    'decision',
    { decisionType: 'escalation', inputs: { escalationId: esc.id, trigger: esc.trigger }, output: { escalationId: esc.id, ...output }, ...(note ? { reason: note } : {}) },
    principal,
  );
}
