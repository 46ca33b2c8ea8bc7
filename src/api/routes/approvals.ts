/**
 * /api/v1/approvals: what waits for a person, and the decisions. Reading needs 'read'; deciding
 * needs 'operate' (operator or admin tokens — never an agent's), and the decision records the
 * deciding principal in the approval and in the task's log.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { APPROVAL_STATUSES } from '../../db/vocabulary.js';
import type { Gaffer } from '../../gaffer.js';
import { principalName } from '../auth.js';
import { approvalInboxView, decideApprovalById, decisionView, toApprovalInboxViews } from '../taskViews.js';
import { cursorId, pageOf } from '../../util/ids.js';
import { cursorQuery, errorEnvelope, statusesQuery } from '../views.js';
import { noteBody } from './tasks.js';

const errors = { 400: errorEnvelope, 401: errorEnvelope, 403: errorEnvelope, 404: errorEnvelope, 409: errorEnvelope };
const approvalParams = z.object({ id: z.uuid() });

export const listApprovalsQuery = z.strictObject({
  status: statusesQuery(APPROVAL_STATUSES),
  taskId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: cursorQuery,
});

export function approvalRoutes(gaffer: Gaffer): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/approvals',
      {
        config: { permission: 'read' },
        schema: {
          tags: ['approvals'],
          summary: 'List approvals, newest first (?status=pending for what waits), paged by cursor',
          querystring: listApprovalsQuery,
          response: { 200: z.object({ approvals: z.array(approvalInboxView), next: z.string().nullable().describe('pass as `cursor` for the next page; null at the end') }), ...errors },
        },
      },
      async (request) => {
        const { cursor, limit, ...filter } = request.query;
        const { page, next } = pageOf(await gaffer.approvals.list({ ...filter, limit: limit + 1, before: cursorId(cursor) }), limit);
        return { approvals: await toApprovalInboxViews(gaffer, page), next };
      },
    );

    r.get(
      '/approvals/:id',
      {
        config: { permission: 'read' },
        schema: { tags: ['approvals'], summary: 'Get an approval', params: approvalParams, response: { 200: approvalInboxView, ...errors } },
      },
      async (request) => (await toApprovalInboxViews(gaffer, [await gaffer.approvals.get(request.params.id)]))[0]!,
    );

    for (const [action, decision] of [
      ['approve', 'approved'],
      ['reject', 'rejected'],
    ] as const) {
      r.post(
        `/approvals/:id/${action}`,
        {
          config: { permission: 'operate' },
          schema: {
            tags: ['approvals'],
            summary: `${action === 'approve' ? 'Approve' : 'Reject'} an approval (once)`,
            params: approvalParams,
            body: noteBody,
            response: { 200: decisionView, ...errors },
          },
        },
        async (request) =>
          decideApprovalById(gaffer, request.params.id, { decision, principal: principalName(request) ?? 'api', note: request.body?.note }),
      );
    }
  };
}
