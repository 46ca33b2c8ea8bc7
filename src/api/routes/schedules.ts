/**
 * /api/v1/schedules and /api/v1/reminders: cron schedules that materialise tasks, and one-off
 * reminders. Reading needs 'read'; creating, pausing, resuming, deleting and reminding 'operate'.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MISSED_RUN_POLICIES, TASK_STATUSES } from '../../db/vocabulary.js';
import type { Gaffer } from '../../gaffer.js';
import { submitReminder, type ReminderInput } from '../../scheduler/reminders.js';
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  pauseSchedule,
  resumeSchedule,
  type Schedule,
} from '../../scheduler/schedules.js';
import type { Task } from '../../tasks/submitTask.js';
import { principalName } from '../auth.js';
import { errorEnvelope } from '../views.js';

export const scheduleView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    spec: z.string().describe('spec name'),
    specId: z.uuid(),
    cron: z.string(),
    timezone: z.string(),
    input: z.unknown(),
    missed: z.enum(MISSED_RUN_POLICIES),
    priority: z.number().int(),
    paused: z.boolean(),
    nextFireAt: z.string().nullable(),
    lastFireAt: z.string().nullable(),
    deletedAt: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    nextFireTimes: z.array(z.string()).describe('upcoming fire times (ISO 8601); empty while paused or deleted'),
  })
  .describe('Schedule');
export type ScheduleView = z.infer<typeof scheduleView>;

export function toScheduleView(s: Schedule): ScheduleView {
  return {
    id: s.id,
    name: s.name,
    spec: s.spec,
    specId: s.specId,
    cron: s.cron,
    timezone: s.timezone,
    input: s.input,
    missed: s.missed,
    priority: s.priority,
    paused: s.paused,
    nextFireAt: s.nextFireAt ? s.nextFireAt.toISOString() : null,
    lastFireAt: s.lastFireAt ? s.lastFireAt.toISOString() : null,
    deletedAt: s.deletedAt ? s.deletedAt.toISOString() : null,
    createdBy: s.createdBy,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
    nextFireTimes: s.nextFireTimes.map((t) => t.toISOString()),
  };
}

export const reminderView = z
  .object({
    id: z.uuid().describe('the reminder task id'),
    kind: z.literal('reminder'),
    status: z.enum(TASK_STATUSES),
    runAt: z.string(),
    message: z.string(),
    to: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
  })
  .describe('Reminder');
export type ReminderView = z.infer<typeof reminderView>;

export function toReminderView(task: Task): ReminderView {
  const input = task.input as ReminderInput;
  return {
    id: task.id,
    kind: 'reminder',
    status: task.status,
    runAt: task.runAt.toISOString(),
    message: input.message,
    to: input.to,
    createdBy: task.createdBy,
    createdAt: task.createdAt.toISOString(),
  };
}

// Request schemas are written out here (not reused from the services) so the OpenAPI document
// shows plain JSON types: the services re-validate everything anyway.
const createBody = z.strictObject({
  name: z.string().min(1).max(100).optional().describe('unique among live schedules; default <spec>-<id suffix>'),
  spec: z.string().min(1).describe('spec name or id; each fire runs its latest version'),
  cron: z.string().min(1).max(200).describe('5 fields (minute hour day month weekday), 6 with seconds first, or @daily etc.'),
  timezone: z.string().min(1).max(100).optional().describe("IANA time zone, default 'UTC'"),
  input: z.unknown().optional().describe("the tasks' input, checked against the spec inputSchema"),
  missed: z.enum(MISSED_RUN_POLICIES).optional().describe("fire times missed while no scheduler ran: 'skip' (default), 'once' or 'all'"),
  priority: z.number().int().min(-1000).max(1000).optional().describe("tasks' priority; default the spec's"),
});

const reminderBody = z.strictObject({
  at: z.string().min(1).max(100).describe('ISO 8601 with a zone, or a delay from now: 10m, 2h, 1d'),
  message: z.string().min(1),
  to: z.string().min(1).max(200).optional().describe('notification channel'),
});

const scheduleParams = z.object({ id: z.string().min(1).max(200).describe('schedule id, or name of a live schedule') });
const listQuery = z.strictObject({
  includeDeleted: z.enum(['true', 'false']).optional(),
  nextFireTimes: z.coerce.number().int().min(0).max(100).optional().describe('how many upcoming fire times (default 3)'),
});
const errors = { 400: errorEnvelope, 401: errorEnvelope, 403: errorEnvelope, 404: errorEnvelope, 409: errorEnvelope };

export function scheduleRoutes(gaffer: Gaffer): FastifyPluginAsync {
  const res = gaffer.resources;
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.post(
      '/schedules',
      {
        config: { permission: 'operate' },
        schema: { tags: ['schedules'], summary: 'Create a schedule', body: createBody, response: { 201: scheduleView, ...errors } },
      },
      async (request, reply) => {
        const created = await createSchedule(res, request.body, principalName(request));
        return reply.code(201).send(toScheduleView(created));
      },
    );

    r.get(
      '/schedules',
      {
        config: { permission: 'read' },
        schema: {
          tags: ['schedules'],
          summary: 'List schedules with their next fire times',
          querystring: listQuery,
          response: { 200: z.object({ schedules: z.array(scheduleView) }), ...errors },
        },
      },
      async (request) => {
        const list = await listSchedules(res, {
          includeDeleted: request.query.includeDeleted === 'true',
          ...(request.query.nextFireTimes === undefined ? {} : { nextFireTimes: request.query.nextFireTimes }),
        });
        return { schedules: list.map(toScheduleView) };
      },
    );

    r.get(
      '/schedules/:id',
      {
        config: { permission: 'read' },
        schema: { tags: ['schedules'], summary: 'Get a schedule', params: scheduleParams, response: { 200: scheduleView, ...errors } },
      },
      async (request) => toScheduleView(await getSchedule(res, request.params.id)),
    );

    r.post(
      '/schedules/:id/pause',
      {
        config: { permission: 'operate' },
        schema: { tags: ['schedules'], summary: 'Pause a schedule', params: scheduleParams, response: { 200: scheduleView, ...errors } },
      },
      async (request) => toScheduleView(await pauseSchedule(res, request.params.id, principalName(request))),
    );

    r.post(
      '/schedules/:id/resume',
      {
        config: { permission: 'operate' },
        schema: {
          tags: ['schedules'],
          summary: 'Resume a schedule from its next fire time after now (the paused period is not replayed)',
          params: scheduleParams,
          response: { 200: scheduleView, ...errors },
        },
      },
      async (request) => toScheduleView(await resumeSchedule(res, request.params.id, principalName(request))),
    );

    r.delete(
      '/schedules/:id',
      {
        config: { permission: 'operate' },
        schema: {
          tags: ['schedules'],
          summary: 'Delete a schedule (it never fires again; its tasks stay)',
          params: scheduleParams,
          response: { 200: scheduleView, ...errors },
        },
      },
      async (request) => toScheduleView(await deleteSchedule(res, request.params.id, principalName(request))),
    );

    r.post(
      '/reminders',
      {
        config: { permission: 'operate' },
        schema: { tags: ['reminders'], summary: 'Create a reminder', body: reminderBody, response: { 201: reminderView, ...errors } },
      },
      async (request, reply) => {
        const task = await submitReminder(res, request.body, principalName(request));
        return reply.code(201).send(toReminderView(task));
      },
    );
  };
}
