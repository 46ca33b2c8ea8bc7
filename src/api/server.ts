/**
 * The Fastify server: every route under /api/v1, the OpenAPI 3.1 document at
 * /api/v1/openapi.json, /healthz, /readyz, /metrics, and the dashboard at `/`. Every error leaves as
 * `{ "error": { "code", "message", "details" } }`.
 */
import fastifySwagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { sql } from 'drizzle-orm';
import { MAX_REQUEST_BODY_BYTES } from '../config/config.js';
import { SQLSTATE, databaseError } from '../db/sqlstate.js';
import { GafferError, type FieldIssue } from '../errors.js';
import type { Gaffer } from '../gaffer.js';
import { authHook } from './auth.js';
import { createMetrics } from './metrics.js';
import { artifactRoutes } from './routes/artifacts.js';
import { runRoutes } from './routes/runs.js';
import { tokenRoutes } from './routes/tokens.js';
import { approvalRoutes } from './routes/approvals.js';
import { decisionRoutes, statsRoutes } from './routes/decisions.js';
import { escalationRoutes } from './routes/escalations.js';
import { hookRoutes } from './routes/hooks.js';
import { scheduleRoutes } from './routes/schedules.js';
import { specRoutes } from './routes/specs.js';
import { taskRoutes } from './routes/tasks.js';
import { defaultUiDir, uiRoutes } from './ui.js';

export const API_PREFIX = '/api/v1';

export interface BuildServerOptions {
  /** Log requests through the gaffer logger. Default false (the CLI turns it on). */
  logRequests?: boolean;
  version?: string;
  /** Directory of the built dashboard served at `/` (default: dist/ui, see defaultUiDir). */
  uiDir?: string;
}

export async function buildServer(gaffer: Gaffer, options: BuildServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: gaffer.resources.logger,
    logController: new LogController({ disableRequestLogging: !options.logRequests }),
    bodyLimit: MAX_REQUEST_BODY_BYTES,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gaffer API',
        version: options.version ?? '0.1.0',
        description: 'Control plane and flight recorder for autonomous AI agents.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [{ url: '/' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });

  const metrics = createMetrics(gaffer);
  app.addHook('onRequest', authHook(gaffer));
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    if (route === `${API_PREFIX}/runs/:id/events` && request.method === 'POST' && reply.statusCode === 200) {
      metrics.eventsAppended.inc((request.body as { events?: unknown[] } | undefined)?.events?.length ?? 0);
    }
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const envelope = toGafferError(err);
    if (envelope.status >= 500) request.log.error({ err }, 'request failed');
    return reply.code(envelope.status).send(envelope.toJSON());
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(new GafferError('NOT_FOUND', `no route ${request.method} ${request.url}; see ${API_PREFIX}/openapi.json`).toJSON()),
  );

  await app.register(
    async (api) => {
      await api.register(runRoutes(gaffer));
      await api.register(artifactRoutes(gaffer));
      await api.register(tokenRoutes(gaffer));
      await api.register(specRoutes(gaffer));
      await api.register(taskRoutes(gaffer));
      await api.register(approvalRoutes(gaffer));
      await api.register(decisionRoutes(gaffer));
      await api.register(statsRoutes(gaffer));
      await api.register(escalationRoutes(gaffer));
      await api.register(hookRoutes(gaffer));
      await api.register(scheduleRoutes(gaffer));
    },
    { prefix: API_PREFIX },
  );

  await app.register(uiRoutes(options.uiDir ?? defaultUiDir()));
  app.get(`${API_PREFIX}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await gaffer.db.rows(sql`SELECT 1`);
      return { status: 'ready', database: gaffer.db.kind };
    } catch (err) {
      return reply
        .code(503)
        .send(new GafferError('DATABASE_UNAVAILABLE', `database not reachable: ${(err as Error).message}`).toJSON());
    }
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  return app as unknown as FastifyInstance;
}

/**
 * The rules the database itself enforces (migrations 0001 and 0003): an append-only log, a final
 * run status, the task state machine. Breaking one is the caller asking for a change the state
 * does not allow, not a server fault.
 */
const STATE_RULE_SQLSTATES: ReadonlySet<string> = new Set([
  SQLSTATE.eventsImmutable,
  SQLSTATE.runStatusRule,
  SQLSTATE.taskTransitionRule,
]);

/**
 * Maps any error to a GafferError: ours as they are, request validation as VALIDATION_FAILED, a
 * database state rule as INVALID_STATE.
 */
function toGafferError(err: FastifyError): GafferError {
  if (err instanceof GafferError) return err;
  const dbError = databaseError(err);
  if (dbError && STATE_RULE_SQLSTATES.has(dbError.code)) {
    // The trigger's message names the row and the refused change (ours, written for callers).
    return new GafferError('INVALID_STATE', dbError.message, { details: { sqlstate: dbError.code }, cause: err });
  }
  if (err.validation) {
    const where = err.validationContext ?? 'body';
    const issues: FieldIssue[] = err.validation.map((v) => {
      const params = v.params as { issue?: { path?: PropertyKey[] } } | undefined;
      const path = params?.issue?.path?.length
        ? params.issue.path.map(String).join('.')
        : v.instancePath.replace(/^\//, '').replaceAll('/', '.');
      return { path: path ? `${where}.${path}` : where, message: v.message ?? 'is invalid' };
    });
    const first = issues[0]!;
    return new GafferError('VALIDATION_FAILED', `${first.path}: ${first.message}`, { details: { issues } });
  }
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new GafferError('PAYLOAD_TOO_LARGE', `request body larger than ${MAX_REQUEST_BODY_BYTES} bytes; split it`);
  }
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err.statusCode === 400) {
    return new GafferError('VALIDATION_FAILED', `body: ${err.message}`, {
      details: { issues: [{ path: 'body', message: err.message }] },
    });
  }
  if (err.statusCode === 415) return new GafferError('VALIDATION_FAILED', `content-type: ${err.message}`);
  return new GafferError('INTERNAL', 'internal error; see the server log', { cause: err });
}
