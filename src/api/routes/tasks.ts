/**
 * /api/v1/tasks: submit work, read it (with its attempts, dependencies, approvals and log),
 * cancel it, and decide its approval. Agents may submit ('record'); only people's tokens
 * ('operate': operator, admin) may cancel, approve or reject — the server checks, every request.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TASK_KINDS, TASK_STATUSES } from '../../db/vocabulary.js';
import type { Gaffer } from '../../gaffer.js';
import { submitTaskSchema } from '../../tasks/submitTask.js';
import { listTasksSchema } from '../../tasks/tasks.js';
import { principalName } from '../auth.js';
import { decideTaskApproval, decisionView, loadTaskDetail, loadTaskView, taskDetailView, taskEventView, taskView, toTaskEventView, toTaskViews } from '../taskViews.js';
import { errorEnvelope } from '../views.js';

const errors = { 400: errorEnvelope, 401: errorEnvelope, 403: errorEnvelope, 404: errorEnvelope, 409: errorEnvelope };
const taskParams = z.object({ id: z.uuid() });

/** Task log entries per page. */
export const MAX_TASK_EVENTS_PAGE = 1_000;

/**
 * What a caller may submit: the submit schema without the fields only Gaffer sets (the
 * scheduler's scheduleId and fireTime, the fallback's parentTaskId), and with runAt as an ISO
 * 8601 string carrying its offset — an API should not guess a time zone.
 */
export const submitTaskBody = submitTaskSchema.omit({ scheduleId: true, fireTime: true, parentTaskId: true }).extend({
  runAt: z.iso.datetime({ offset: true }).optional().describe('not before this time (ISO 8601 with Z or an offset)'),
});

const submitted = z.object({
  task: taskView,
  existing: z.boolean().describe('true: the idempotency key matched a task submitted before; nothing new was made'),
  approvalId: z.uuid().optional().describe('the pending approval, when the task awaits one'),
});

export const listTasksQuery = listTasksSchema.extend({
  spec: z.string().min(1).max(200).optional().describe('only tasks of this spec (name or id)'),
});

/** The optional body of an approve or reject (a body-less POST is fine too). */
export const noteBody = z.strictObject({ note: z.string().max(2_000).optional().describe('why; kept with the decision and in the task log') }).nullish();

export function taskRoutes(gaffer: Gaffer): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.post(
      '/tasks',
      {
        config: { permission: 'record' },
        schema: {
          tags: ['tasks'],
          summary: 'Submit a task',
          body: submitTaskBody,
          response: { 200: submitted.describe('an existing task (same idempotency key)'), 201: submitted.describe('a new task'), ...errors },
        },
      },
      async (request, reply) => {
        const result = await gaffer.tasks.submit(request.body, principalName(request));
        const [task] = await toTaskViews(gaffer, [result.task]);
        return reply.code(result.existing ? 200 : 201).send({
          task: task!,
          existing: result.existing,
          ...(result.approvalId ? { approvalId: result.approvalId } : {}),
        });
      },
    );

    r.get(
      '/tasks',
      {
        config: { permission: 'read' },
        schema: {
          tags: ['tasks'],
          summary: 'List tasks, newest first',
          querystring: listTasksQuery,
          response: { 200: z.object({ tasks: z.array(taskView), next: z.string().nullable() }), ...errors },
        },
      },
      async (request) => {
        const { spec, ...query } = request.query;
        const specId = spec === undefined ? query.specId : (await gaffer.specs.get(spec)).specId;
        const page = await gaffer.tasks.list({ ...query, ...(specId ? { specId } : {}) });
        return { tasks: await toTaskViews(gaffer, page.tasks), next: page.next };
      },
    );

    r.get(
      '/tasks/counts',
      {
        config: { permission: 'read' },
        schema: {
          tags: ['tasks'],
          summary: 'How many tasks are in each status',
          querystring: z.strictObject({ kind: z.enum(TASK_KINDS).optional().describe('only tasks of this kind') }),
          response: {
            200: z.object({ counts: z.record(z.enum(TASK_STATUSES), z.number().int()), total: z.number().int() }),
            ...errors,
          },
        },
      },
      async (request) => {
        const counts = await gaffer.tasks.counts(request.query.kind);
        return { counts, total: Object.values(counts).reduce((sum, n) => sum + n, 0) };
      },
    );

    r.get(
      '/tasks/:id',
      {
        config: { permission: 'read' },
        schema: {
          tags: ['tasks'],
          summary: 'Get a task with its attempts, dependencies and approvals',
          params: taskParams,
          response: { 200: taskDetailView, ...errors },
        },
      },
      async (request) => loadTaskDetail(gaffer, request.params.id),
    );

    r.get(
      '/tasks/:id/events',
      {
        config: { permission: 'read' },
        schema: {
          tags: ['tasks'],
          summary: "Read a task's log (submission, status changes, approval decisions, retry decisions)",
          params: taskParams,
          querystring: z.strictObject({
            after: z.coerce.number().int().min(0).default(0),
            limit: z.coerce.number().int().min(1).max(MAX_TASK_EVENTS_PAGE).default(500),
          }),
          response: {
            200: z.object({ events: z.array(taskEventView), next: z.number().int().nullable().describe('pass as `after` for the next page; null at the end') }),
            ...errors,
          },
        },
      },
      async (request) => {
        await gaffer.tasks.get(request.params.id); // 404 for an unknown task, not an empty log
        const { after, limit } = request.query;
        const events = await gaffer.tasks.events(request.params.id, after, limit);
        return { events: events.map(toTaskEventView), next: events.length === limit ? events.at(-1)!.seq : null };
      },
    );

    r.post(
      '/tasks/:id/cancel',
      {
        config: { permission: 'operate' },
        schema: {
          tags: ['tasks'],
          summary: 'Cancel a task (a running one stops at its next heartbeat)',
          params: taskParams,
          body: z.strictObject({ reason: z.string().max(2_000).optional() }).nullish(),
          response: { 200: z.object({ task: taskView }), ...errors },
        },
      },
      async (request) => {
        await gaffer.tasks.cancel(request.params.id, principalName(request) ?? 'api', request.body?.reason);
        return { task: await loadTaskView(gaffer, request.params.id) };
      },
    );

    for (const [action, decision] of [
      ['approve', 'approved'],
      ['reject', 'rejected'],
    ] as const) {
      r.post(
        `/tasks/:id/${action}`,
        {
          config: { permission: 'operate' },
          schema: {
            tags: ['approvals'],
            summary: `${action === 'approve' ? 'Approve' : 'Reject'} the task's pending approval`,
            params: taskParams,
            body: noteBody,
            response: { 200: decisionView, ...errors },
          },
        },
        async (request) =>
          decideTaskApproval(gaffer, request.params.id, { decision, principal: principalName(request) ?? 'api', note: request.body?.note }),
      );
    }
  };
}
