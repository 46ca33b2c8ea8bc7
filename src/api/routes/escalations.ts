/**
 * /api/v1/escalations: the people's inbox. Reading needs 'read'; acknowledging, resolving and
 * dismissing need 'operate' (operator or admin tokens — never an agent's), and every step records
 * the token's principal in the escalation and in the task's log.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ESCALATION_OPTIONS, ESCALATION_STATUSES, ESCALATION_TRIGGERS, FAILURE_CLASSES, TASK_STATUSES } from '../../db/vocabulary.js';
import type { Escalation } from '../../escalations/escalations.js';
import type { Gaffer } from '../../gaffer.js';
import { principalName } from '../auth.js';
import { taskSummaries } from '../taskViews.js';
import { cursorId, pageOf } from '../../util/ids.js';
import { cursorQuery, errorEnvelope, statusesQuery } from '../views.js';
import { noteBody } from './tasks.js';

const errors = { 400: errorEnvelope, 401: errorEnvelope, 403: errorEnvelope, 404: errorEnvelope, 409: errorEnvelope };
const params = z.object({ id: z.uuid() });
const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export const escalationView = z.object({
  id: z.uuid(),
  taskId: z.uuid(),
  runId: z.uuid().nullable(),
  status: z.enum(ESCALATION_STATUSES),
  trigger: z.enum(ESCALATION_TRIGGERS),
  failureClass: z.enum(FAILURE_CLASSES).nullable(),
  evidence: z.unknown(),
  options: z.array(z.looseObject({ option: z.enum(ESCALATION_OPTIONS), label: z.string() })),
  openedAt: z.string(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  resolvedBy: z.string().nullable(),
  resolution: z.enum(ESCALATION_OPTIONS).nullable(),
  note: z.string().nullable(),
  task: z
    .object({ spec: z.object({ name: z.string(), version: z.number().int() }).nullable(), status: z.enum(TASK_STATUSES), attempt: z.number().int(), maxAttempts: z.number().int() })
    .nullable()
    .describe('the escalated task now: its spec version, status, and attempts used of those allowed'),
});
export type EscalationView = z.infer<typeof escalationView>;

/** Escalations as the API shows them, each with its task's summary (two queries per list). */
export async function toEscalationViews(gaffer: Gaffer, list: readonly Escalation[]): Promise<EscalationView[]> {
  const summaries = await taskSummaries(gaffer, list.map((e) => e.taskId));
  return list.map((e) => {
    const t = summaries.get(e.taskId);
    return { ...toEscalationView(e), task: t ? { spec: t.spec, status: t.status, attempt: t.attempt, maxAttempts: t.maxAttempts } : null };
  });
}

export async function loadEscalationView(gaffer: Gaffer, e: Escalation): Promise<EscalationView> {
  return (await toEscalationViews(gaffer, [e]))[0]!;
}

function toEscalationView(e: Escalation): Omit<EscalationView, 'task'> {
  return {
    id: e.id,
    taskId: e.taskId,
    runId: e.runId,
    status: e.status,
    trigger: e.trigger,
    failureClass: e.failureClass,
    evidence: e.evidence,
    options: e.options as EscalationView['options'],
    openedAt: e.openedAt.toISOString(),
    acknowledgedAt: iso(e.acknowledgedAt),
    acknowledgedBy: e.acknowledgedBy,
    resolvedAt: iso(e.resolvedAt),
    resolvedBy: e.resolvedBy,
    resolution: e.resolution,
    note: e.note,
  };
}

export const listEscalationsQuery = z.strictObject({
  status: statusesQuery(ESCALATION_STATUSES),
  taskId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: cursorQuery,
});

const resolveBody = z.strictObject({
  option: z.enum(ESCALATION_OPTIONS).describe('one of the options the escalation offers'),
  note: z.string().max(2_000).optional(),
});

export function escalationRoutes(gaffer: Gaffer): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/escalations',
      {
        config: { permission: 'read' },
        schema: {
          tags: ['escalations'],
          summary: 'The inbox, newest first (?status=open,acknowledged for what waits), paged by cursor',
          querystring: listEscalationsQuery,
          response: { 200: z.object({ escalations: z.array(escalationView), next: z.string().nullable().describe('pass as `cursor` for the next page; null at the end') }), ...errors },
        },
      },
      async (request) => {
        const { cursor, limit, ...filter } = request.query;
        const { page, next } = pageOf(await gaffer.escalations.list({ ...filter, limit: limit + 1, before: cursorId(cursor) }), limit);
        return { escalations: await toEscalationViews(gaffer, page), next };
      },
    );
    r.get(
      '/escalations/:id',
      { config: { permission: 'read' }, schema: { tags: ['escalations'], summary: 'One escalation with its evidence and options', params, response: { 200: escalationView, ...errors } } },
      async (request) => loadEscalationView(gaffer, await gaffer.escalations.get(request.params.id)),
    );
    r.post(
      '/escalations/:id/ack',
      { config: { permission: 'operate' }, schema: { tags: ['escalations'], summary: 'Acknowledge: someone is on it', params, body: noteBody, response: { 200: escalationView, ...errors } } },
      async (request) =>
        loadEscalationView(gaffer, await gaffer.escalations.acknowledge({ id: request.params.id, principal: principalName(request) ?? 'api', ...(request.body?.note ? { note: request.body.note } : {}) })),
    );
    r.post(
      '/escalations/:id/resolve',
      {
        config: { permission: 'operate' },
        schema: {
          tags: ['escalations'],
          summary: 'Resolve with an option: a retry option re-queues the task with it applied; abort cancels the task',
          params,
          body: resolveBody,
          response: { 200: z.object({ escalation: escalationView, task: z.object({ id: z.uuid(), status: z.string() }) }), ...errors },
        },
      },
      async (request) => {
        const { escalation, task } = await gaffer.escalations.resolve({
          id: request.params.id,
          option: request.body.option,
          principal: principalName(request) ?? 'api',
          ...(request.body.note ? { note: request.body.note } : {}),
        });
        return { escalation: await loadEscalationView(gaffer, escalation), task: { id: task.id, status: task.status } };
      },
    );
    r.post(
      '/escalations/:id/dismiss',
      { config: { permission: 'operate' }, schema: { tags: ['escalations'], summary: 'Dismiss: nothing more is tried; the task ends failed', params, body: noteBody, response: { 200: escalationView, ...errors } } },
      async (request) =>
        loadEscalationView(gaffer, await gaffer.escalations.dismiss({ id: request.params.id, principal: principalName(request) ?? 'api', ...(request.body?.note ? { note: request.body.note } : {}) })),
    );
  };
}
