/**
 * /api/v1/tokens (admin only) and /api/v1/whoami.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TOKEN_SCOPES } from '../../db/vocabulary.js';
import { PERMISSIONS, SCOPE_PERMISSIONS } from '../../auth/tokens.js';
import type { Gaffer } from '../../gaffer.js';
import { errorEnvelope, tokenView } from '../views.js';

const errors = { 400: errorEnvelope, 401: errorEnvelope, 403: errorEnvelope, 404: errorEnvelope };
const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function tokenRoutes(gaffer: Gaffer): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.post(
      '/tokens',
      {
        config: { permission: 'admin' },
        schema: {
          tags: ['tokens'],
          summary: 'Create a token (the plaintext is returned once)',
          body: z.strictObject({ name: z.string().min(1).max(200), scope: z.enum(TOKEN_SCOPES) }),
          response: {
            201: z.object({ id: z.uuid(), name: z.string(), scope: z.enum(TOKEN_SCOPES), prefix: z.string(), token: z.string() }),
            ...errors,
          },
        },
      },
      async (request, reply) => reply.code(201).send(await gaffer.tokens.create(request.body)),
    );

    r.get(
      '/tokens',
      {
        config: { permission: 'admin' },
        schema: { tags: ['tokens'], summary: 'List tokens', response: { 200: z.object({ tokens: z.array(tokenView) }), ...errors } },
      },
      async () => ({
        tokens: (await gaffer.tokens.list()).map((t) => ({
          ...t,
          createdAt: t.createdAt.toISOString(),
          lastUsedAt: iso(t.lastUsedAt),
          revokedAt: iso(t.revokedAt),
        })),
      }),
    );

    r.delete(
      '/tokens/:id',
      {
        config: { permission: 'admin' },
        schema: { tags: ['tokens'], summary: 'Revoke a token', params: z.object({ id: z.uuid() }), response: { 204: z.null(), ...errors } },
      },
      async (request, reply) => {
        await gaffer.tokens.revoke(request.params.id);
        return reply.code(204).send(null);
      },
    );

    r.get(
      '/whoami',
      {
        config: { permission: 'read' },
        schema: {
          tags: ['tokens'],
          summary: 'The principal of the calling token',
          response: {
            200: z.object({
              id: z.string(),
              name: z.string(),
              scope: z.enum(TOKEN_SCOPES),
              permissions: z.array(z.enum(PERMISSIONS)).describe("what the scope may do: the routes' `permission`s it passes"),
            }),
            ...errors,
          },
        },
      },
      async (request) => ({ ...request.principal!, permissions: [...SCOPE_PERMISSIONS[request.principal!.scope]] }),
    );
  };
}
