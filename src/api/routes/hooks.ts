/**
 * Inbound webhooks that submit tasks (config `hooks`, docs/api.md#inbound-webhooks). They carry
 * no bearer token: the signature over the exact bytes received is the authentication, so these
 * routes read the raw body (their own JSON parser, kept to this plugin) and check it before
 * anything else. Bad or missing signature → 401, malformed → 400; either way nothing is created.
 *
 *   POST /api/v1/hooks/github          X-Hub-Signature-256: sha256=HMAC(secret, body); the first
 *                                      configured route matching X-GitHub-Event (and action,
 *                                      label) submits a task; idempotent on X-GitHub-Delivery.
 *   POST /api/v1/hooks/generic/<name>  X-Gaffer-Timestamp: unix seconds (within 5 minutes, so a
 *                                      captured request cannot be replayed later) and
 *                                      X-Gaffer-Signature: sha256=HMAC(secret, "<timestamp>.<body>");
 *                                      the body is the task's input; idempotent on X-Gaffer-Delivery.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { GafferError, validationError } from '../../errors.js';
import type { Gaffer } from '../../gaffer.js';

/** How far a generic hook's timestamp may be from now. */
export const HOOK_TOLERANCE_SECONDS = 300;

export function hmacHex(secret: string, data: string | Buffer): string {
  return createHmac('sha256', secret).update(data).digest('hex');
}

function signatureMatches(header: string | undefined, expectedHex: string): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const given = Buffer.from(header.slice(7), 'hex');
  const expected = Buffer.from(expectedHex, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function secretFrom(envName: string): string {
  const secret = process.env[envName];
  if (!secret) throw new GafferError('UNAUTHENTICATED', `this hook is not usable: its secret (environment variable ${envName}) is not set on the server`);
  return secret;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw validationError('hook', [{ path: 'body', message: 'must be a JSON object' }]);
}

export function hookRoutes(gaffer: Gaffer): FastifyPluginAsync {
  return async (app) => {
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const raw = (request: FastifyRequest): Buffer => (Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0));

    app.post('/hooks/github', { schema: { hide: true } }, async (request, reply) => {
      const config = gaffer.config.hooks.github;
      if (!config) throw new GafferError('NOT_FOUND', 'no GitHub hook is configured (config hooks.github)');
      const body = raw(request);
      if (!signatureMatches(header(request, 'x-hub-signature-256'), hmacHex(secretFrom(config.secretEnv), body))) {
        throw new GafferError('UNAUTHENTICATED', 'X-Hub-Signature-256 is missing or does not match the body; check the webhook secret');
      }
      const event = header(request, 'x-github-event');
      const delivery = header(request, 'x-github-delivery');
      if (!event || !delivery) throw validationError('hook', [{ path: event ? 'X-GitHub-Delivery' : 'X-GitHub-Event', message: 'header is required' }]);
      const payload = parseJson(body);
      const action = typeof payload['action'] === 'string' ? payload['action'] : undefined;
      const item = (payload['issue'] ?? payload['pull_request']) as { number?: number; title?: string; body?: string | null; html_url?: string; labels?: { name?: string }[] } | undefined;
      const added = (payload['label'] as { name?: string } | undefined)?.name;
      const route = config.routes.find(
        (r) =>
          r.event === event &&
          (r.action === undefined || r.action === action) &&
          (r.label === undefined || added === r.label || (r.action !== 'labeled' && (item?.labels ?? []).some((l) => l.name === r.label))),
      );
      if (!route) return reply.code(202).send({ ignored: true, reason: `no route for event '${event}'${action ? ` action '${action}'` : ''}` });
      const input = {
        source: 'github',
        event,
        ...(action ? { action } : {}),
        delivery,
        repository: (payload['repository'] as { full_name?: string } | undefined)?.full_name ?? null,
        ...(item ? { title: item.title ?? '', body: item.body ?? '', number: item.number ?? null, url: item.html_url ?? null } : {}),
        sender: (payload['sender'] as { login?: string } | undefined)?.login ?? null,
      };
      const submitted = await gaffer.tasks.submit({ spec: route.spec, input, idempotencyKey: `github:${delivery}` }, 'hook:github');
      return reply.code(202).send({ taskId: submitted.task.id, existing: submitted.existing, spec: route.spec });
    });

    app.post<{ Params: { name: string } }>('/hooks/generic/:name', { schema: { hide: true } }, async (request, reply) => {
      const hook = gaffer.config.hooks.generic?.[request.params.name];
      if (!hook) throw new GafferError('NOT_FOUND', `no generic hook named '${request.params.name}' is configured (config hooks.generic)`);
      const body = raw(request);
      const timestamp = header(request, 'x-gaffer-timestamp');
      const seconds = Number(timestamp);
      if (!timestamp || !Number.isInteger(seconds)) throw new GafferError('UNAUTHENTICATED', 'X-Gaffer-Timestamp (unix seconds) is required and signed');
      if (Math.abs(Date.now() / 1000 - seconds) > HOOK_TOLERANCE_SECONDS) {
        throw new GafferError('UNAUTHENTICATED', `X-Gaffer-Timestamp is more than ${HOOK_TOLERANCE_SECONDS} s from now: a stale or replayed request`);
      }
      const expected = hmacHex(secretFrom(hook.secretEnv), Buffer.concat([Buffer.from(`${timestamp}.`), body]));
      if (!signatureMatches(header(request, 'x-gaffer-signature'), expected)) {
        throw new GafferError('UNAUTHENTICATED', 'X-Gaffer-Signature is missing or does not match "<timestamp>.<body>"; check the secret');
      }
      const input = parseJson(body);
      const delivery = header(request, 'x-gaffer-delivery');
      const submitted = await gaffer.tasks.submit(
        { spec: hook.spec, input, ...(delivery ? { idempotencyKey: `hook:${request.params.name}:${delivery}` } : {}) },
        `hook:${request.params.name}`,
      );
      return reply.code(202).send({ taskId: submitted.task.id, existing: submitted.existing, spec: hook.spec });
    });
  };
}
