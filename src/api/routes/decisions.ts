/**
 * /api/v1/decisions — the decision log (src/decisions/decisions.ts), newest first, with filters and
 * a keyset cursor — and /api/v1/stats, the outcomes summed up. Both need 'read'.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_DECISIONS_PAGE } from '../../decisions/decisions.js';
import { STATS_GROUPINGS } from '../../outcomes/stats.js';
import type { Gaffer } from '../../gaffer.js';
import { errorEnvelope, timeOf, timeQuery } from '../views.js';

const errors = { 400: errorEnvelope, 401: errorEnvelope, 403: errorEnvelope };

export const listDecisionsQuery = z.strictObject({
  type: z.string().min(1).max(100).optional().describe('decisionType: routing, gate, refinement_cycle, retry, fallback, escalation, skip, or custom'),
  taskId: z.uuid().optional(),
  runId: z.uuid().optional(),
  since: timeQuery('only decisions at or after this time'),
  limit: z.coerce.number().int().min(1).max(MAX_DECISIONS_PAGE).default(100),
  cursor: z.string().min(1).optional().describe('the `next` of the previous page'),
});

export const decisionRecordView = z.object({
  source: z.enum(['run', 'task']),
  runId: z.uuid().nullable(),
  taskId: z.uuid().nullable(),
  seq: z.number().int(),
  ts: z.string(),
  decisionType: z.string(),
  inputs: z.unknown(),
  output: z.unknown(),
  confidence: z.number().nullable(),
  reason: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()),
});

export function decisionRoutes(gaffer: Gaffer): FastifyPluginAsync {
  return async (app) => {
    app.withTypeProvider<ZodTypeProvider>().get(
      '/decisions',
      {
        config: { permission: 'read' },
        schema: {
          tags: ['decisions'],
          summary: 'The decision log, newest first: routing, gate, refinement_cycle, retry, fallback and custom decisions',
          querystring: listDecisionsQuery,
          response: { 200: z.object({ decisions: z.array(decisionRecordView), next: z.string().nullable() }), ...errors },
        },
      },
      async (request) => {
        const q = request.query;
        return gaffer.decisions.list({
          limit: q.limit,
          ...(q.type ? { type: q.type } : {}),
          ...(q.taskId ? { taskId: q.taskId } : {}),
          ...(q.runId ? { runId: q.runId } : {}),
          ...(q.since ? { since: timeOf(q.since) } : {}),
          ...(q.cursor ? { cursor: q.cursor } : {}),
        });
      },
    );
  };
}

const statsFigures = {
  runs: z.number().int(),
  successes: z.number().int(),
  failures: z.number().int(),
  successRate: z.number().nullable(),
  costUsd: z.number(),
  avgCostUsd: z.number().nullable(),
  avgDurationMs: z.number().nullable(),
};

export const statsQuery = z.strictObject({
  by: z.enum(STATS_GROUPINGS).default('profile'),
  since: timeQuery('default: 7 days before until'),
  until: timeQuery('default: now'),
});

/** GET /api/v1/stats: success rates and cost from outcomes, by profile, spec, failure class or day. */
export function statsRoutes(gaffer: Gaffer): FastifyPluginAsync {
  return async (app) => {
    app.withTypeProvider<ZodTypeProvider>().get(
      '/stats',
      {
        config: { permission: 'read' },
        schema: {
          tags: ['stats'],
          summary: 'Success rates and cost of finished runs, by profile, spec, failure class or day, over a time window',
          querystring: statsQuery,
          response: {
            200: z.object({
              by: z.enum(STATS_GROUPINGS),
              since: z.string(),
              until: z.string(),
              total: z.object(statsFigures),
              groups: z.array(z.object({ key: z.string(), ...statsFigures })),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const q = request.query;
        return gaffer.stats({ by: q.by, ...(q.since ? { since: timeOf(q.since) } : {}), ...(q.until ? { until: timeOf(q.until) } : {}) });
      },
    );
  };
}
