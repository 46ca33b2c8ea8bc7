/**
 * /api/v1/artifacts: upload raw bytes (content-addressed), download by sha256.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Gaffer } from '../../gaffer.js';
import { GafferError } from '../../errors.js';
import { artifactMetaView, errorEnvelope } from '../views.js';

const errors = { 400: errorEnvelope, 401: errorEnvelope, 403: errorEnvelope, 404: errorEnvelope };

export function artifactRoutes(gaffer: Gaffer): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    // Artifact bodies are raw bytes, whatever their type; JSON keeps its own parser for the API.
    app.addContentTypeParser(['application/octet-stream', 'text/plain'], { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );

    r.post(
      '/artifacts',
      {
        config: { permission: 'record' },
        schema: {
          tags: ['artifacts'],
          summary: 'Store bytes as an artifact (send Content-Type: application/octet-stream)',
          querystring: z.strictObject({
            contentType: z.string().min(1).max(200).default('application/octet-stream').describe("the artifact's own content type"),
          }),
          response: { 201: artifactMetaView, ...errors },
        },
      },
      async (request, reply) => {
        if (!Buffer.isBuffer(request.body)) {
          throw new GafferError('VALIDATION_FAILED', 'body: send the artifact as raw bytes with Content-Type: application/octet-stream', {
            details: { issues: [{ path: 'body', message: 'must be raw bytes' }] },
          });
        }
        const meta = await gaffer.artifacts.put(request.body, request.query.contentType);
        return reply.code(201).send(meta);
      },
    );

    r.get(
      '/artifacts/:sha256',
      {
        config: { permission: 'read' },
        schema: {
          tags: ['artifacts'],
          summary: 'Download an artifact by sha256',
          params: z.object({ sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters') }),
          response: { 200: z.any().describe('the raw bytes, with the stored Content-Type'), ...errors },
        },
      },
      async (request, reply) => {
        const { meta, content } = await gaffer.artifacts.get(request.params.sha256);
        return reply
          .header('content-type', meta.contentType)
          .header('etag', `"${meta.sha256}"`)
          .header('cache-control', 'public, max-age=31536000, immutable')
          .send(content);
      },
    );
  };
}
