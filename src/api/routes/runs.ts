/**
 * /api/v1/runs: the flight recorder over HTTP. Paths and shapes here are fixed contracts
 * (issue #2); change them only on purpose.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_EVENTS_PER_BATCH } from '../../config/config.js';
import { MAX_EVENTS_PAGE } from '../../events/readEvents.js';
import { GafferError } from '../../errors.js';
import type { Gaffer } from '../../gaffer.js';
import { createRunSchema, finishRunSchema, listRunsSchema } from '../../runs/runs.js';
import { principalName } from '../auth.js';
import { errorEnvelope, eventView, loadRunView, runView, toRunViews } from '../views.js';

const runParams = z.object({ id: z.uuid() });
const errors = { 400: errorEnvelope, 401: errorEnvelope, 403: errorEnvelope, 404: errorEnvelope };

const appendBody = z.strictObject({
  events: z
    .array(
      z.strictObject({
        type: z.string().min(1).describe("a typed kind (llm_call, tool_call, ...) or a custom kind prefixed 'x-'"),
        payload: z.unknown().describe('validated against the schema of the kind'),
        // Checked (with the field named) by the append itself; not parsed twice on the hot path.
        ts: z.string().optional().describe('ISO 8601 time the event happened; default: when it is appended'),
      }),
    )
    .min(1)
    .max(MAX_EVENTS_PER_BATCH),
  batchId: z.string().min(1).max(200).optional().describe('retrying a batch with the same id appends it once'),
});

const eventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_EVENTS_PAGE).default(100),
  types: z.string().optional().describe('comma-separated event types'),
  resolve: z.enum(['true', 'false']).optional().describe('replace spilled payloads by the full payload'),
});

/** How long an SSE follower waits for a wake-up before re-reading (covers appends by other processes). */
const FOLLOW_POLL_MS = 1_000;
const SSE_PING_MS = 15_000;

export function runRoutes(gaffer: Gaffer): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.post(
      '/runs',
      {
        config: { permission: 'record' },
        schema: { tags: ['runs'], summary: 'Start a run', body: createRunSchema, response: { 201: runView, ...errors } },
      },
      async (request, reply) => {
        const run = await gaffer.runs.create(request.body, principalName(request));
        return reply.code(201).send(await loadRunView(gaffer.resources, run));
      },
    );

    r.get(
      '/runs',
      {
        config: { permission: 'read' },
        schema: {
          tags: ['runs'],
          summary: 'List runs, newest first',
          querystring: listRunsSchema,
          response: { 200: z.object({ runs: z.array(runView), next: z.string().nullable() }), ...errors },
        },
      },
      async (request) => {
        const page = await gaffer.runs.list(request.query);
        return { runs: await toRunViews(gaffer.resources, page.runs), next: page.next };
      },
    );

    r.get(
      '/runs/:id',
      {
        config: { permission: 'read' },
        schema: { tags: ['runs'], summary: 'Get a run', params: runParams, response: { 200: runView, ...errors } },
      },
      async (request) => loadRunView(gaffer.resources, await gaffer.runs.get(request.params.id)),
    );

    r.post(
      '/runs/:id/events',
      {
        config: { permission: 'record' },
        // The hot path: appendBody documents the shape (OpenAPI) but is checked by checkAppendBody
        // and the append itself, which validates every event anyway — not by zod twice.
        validatorCompiler: ({ httpPart }) => (httpPart === 'body' ? checkAppendBody : checkRunParams),
        schema: {
          tags: ['events'],
          summary: 'Append one or a batch of events',
          params: runParams,
          body: appendBody,
          response: {
            200: z.object({ appended: z.number().int(), firstSeq: z.number().int(), lastSeq: z.number().int() }),
            ...errors,
          },
        },
      },
      async (request) => {
        const batchId = request.body.batchId ?? headerString(request.headers['idempotency-key']);
        return gaffer.events.append(request.params.id, request.body.events, batchId ? { batchId } : {});
      },
    );

    r.get(
      '/runs/:id/events',
      {
        config: { permission: 'read' },
        schema: {
          tags: ['events'],
          summary: "Read a run's events in order",
          params: runParams,
          querystring: eventsQuery,
          response: { 200: z.object({ events: z.array(eventView), next: z.number().int().nullable() }), ...errors },
        },
      },
      async (request) =>
        gaffer.events.read(request.params.id, {
          after: request.query.after,
          limit: request.query.limit,
          ...(request.query.types ? { types: request.query.types.split(',').filter(Boolean) } : {}),
          resolveSpilled: request.query.resolve === 'true',
        }),
    );

    r.get(
      '/runs/:id/events/stream',
      {
        config: { permission: 'read' },
        schema: {
          tags: ['events'],
          summary: "Follow a run's events live (server-sent events; ends after run_finished)",
          description: 'Starts after `after`, or after the `Last-Event-ID` header when that is larger (a reconnect resumes).',
          params: runParams,
          querystring: z.strictObject({
            after: z.coerce.number().int().min(0).default(0),
            resolve: z.enum(['true', 'false']).optional().describe('replace spilled payloads by the full payload'),
          }),
        },
      },
      async (request, reply) => {
        const runId = request.params.id;
        const resolveSpilled = request.query.resolve === 'true';
        await gaffer.runs.get(runId); // 404 before the stream starts
        const abort = new AbortController();
        request.raw.on('close', () => abort.abort());
        reply.hijack();
        reply.raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        const ping = setInterval(() => reply.raw.write(': ping\n\n'), SSE_PING_MS);
        let after = Math.max(request.query.after, lastEventId(request.headers['last-event-id']) ?? 0);
        try {
          while (!abort.signal.aborted) {
            const page = await gaffer.events.read(runId, { after, limit: MAX_EVENTS_PAGE, resolveSpilled });
            for (const event of page.events) {
              reply.raw.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
              after = event.seq;
            }
            if (page.next !== null) continue;
            if (page.events.some((e) => e.type === 'run_finished')) break;
            const run = await gaffer.runs.get(runId);
            if (run.status !== 'running' && run.lastSeq <= after) break;
            await gaffer.events.waitFor(runId, after, FOLLOW_POLL_MS, abort.signal);
          }
          if (!abort.signal.aborted) reply.raw.write('event: end\ndata: {}\n\n');
        } catch (err) {
          request.log.warn({ err }, 'event stream ended by an error');
        } finally {
          clearInterval(ping);
          reply.raw.end();
        }
      },
    );

    // In a scope of its own: only this route reads an empty JSON body as `{}` (a finish with
    // every default is a body-less POST for many clients that still send the JSON content type).
    await app.register(async (scoped) => {
      const parseJson = scoped.getDefaultJsonParser(
        scoped.initialConfig.onProtoPoisoning ?? 'error',
        scoped.initialConfig.onConstructorPoisoning ?? 'error',
      );
      scoped.removeContentTypeParser('application/json');
      scoped.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
        const text = body.toString();
        if (text.trim() === '') done(null, {});
        else parseJson(request, text, done);
      });
      scoped.withTypeProvider<ZodTypeProvider>().post(
        '/runs/:id/finish',
        {
          config: { permission: 'record' },
          schema: {
            tags: ['runs'],
            summary: 'Finish a run (once)',
            params: runParams,
            body: finishRunSchema.optional(),
            response: { 200: runView, ...errors, 409: errorEnvelope },
          },
        },
        async (request) => loadRunView(gaffer.resources, await gaffer.runs.finish(request.params.id, request.body ?? {})),
      );
    });
  };
}

/** Shape check for an append body; the append validates each event's type, payload and ts. */
function checkAppendBody(data: unknown): { value?: unknown; error?: Error } {
  const body = data as { events?: unknown; batchId?: unknown } | null;
  const fail = (path: string, message: string): { error: Error } => ({
    error: new GafferError('VALIDATION_FAILED', `body.${path}: ${message}`, { details: { issues: [{ path: `body.${path}`, message }] } }),
  });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail('events', 'send { "events": [...] }');
  for (const key of Object.keys(body)) if (key !== 'events' && key !== 'batchId') return fail(key, 'unknown field');
  if (!Array.isArray(body.events)) return fail('events', 'must be an array of { type, payload, ts? }');
  if (body.events.length === 0) return fail('events', 'must contain at least one event');
  if (body.events.length > MAX_EVENTS_PER_BATCH) return fail('events', `at most ${MAX_EVENTS_PER_BATCH} events per batch; split the batch`);
  if (body.batchId !== undefined && (typeof body.batchId !== 'string' || body.batchId.length === 0 || body.batchId.length > 200)) {
    return fail('batchId', 'must be a string of 1 to 200 characters');
  }
  return { value: body };
}

/** The events route checks its params with the same uuid schema as every other route. */
function checkRunParams(data: unknown): { value: unknown; error?: Error } {
  const parsed = runParams.safeParse(data);
  return parsed.success
    ? { value: parsed.data }
    : { value: undefined, error: new GafferError('VALIDATION_FAILED', `params.id: ${parsed.error.issues[0]?.message ?? 'invalid'}`) };
}

/**
 * The seq in an SSE `Last-Event-ID` header (a reconnecting EventSource sends the last `id:` it
 * saw), or undefined when absent or not a seq; an invalid value is ignored, not an error, since
 * browsers send it on their own.
 */
function lastEventId(value: string | string[] | undefined): number | undefined {
  const text = headerString(value)?.trim();
  if (!text || !/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
