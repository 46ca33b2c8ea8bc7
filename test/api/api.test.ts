/**
 * The HTTP API over a real socket, on both backends: the fixed-contract paths, auth and scopes,
 * the error envelope, a rejected batch writing nothing, artifacts, SSE follow, health and metrics.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import type { Gaffer } from '../../src/gaffer.js';
import { MAX_EVENT_PAYLOAD_BYTES } from '../../src/config/config.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';

const ENV_TOKEN = 'env-admin-token-0123456789abcdef';

describe.each(testBackends())('HTTP API on $name', (backend) => {
  let gaffer: Gaffer;
  let app: FastifyInstance;
  let base: string;
  const tokens: Record<string, string> = {};

  async function call(method: string, path: string, options: { token?: string | null; body?: unknown; raw?: Buffer } = {}) {
    const token = options.token === undefined ? tokens.agent : options.token;
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | Buffer | undefined;
    if (options.raw) {
      headers['content-type'] = 'application/octet-stream';
      body = options.raw;
    } else if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const res = await fetch(`${base}${path}`, { method, headers, body });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json: json as Record<string, any>, text, headers: res.headers }; // eslint-disable-line @typescript-eslint/no-explicit-any
  }

  beforeAll(async () => {
    gaffer = await openTestGaffer(backend, { config: { adminToken: ENV_TOKEN } });
    app = await buildServer(gaffer);
    // Test only: runs a statement that breaks a rule the database enforces, so the API's error
    // handler meets the real driver error (wrapped by drizzle) the way a route would.
    app.post<{ Body: { statement: 'update-event' | 'refinish-run' | 'skip-task-state'; id: string } }>(
      '/test/break-rule',
      { schema: { hide: true } },
      async (request) => {
        const { statement, id } = request.body;
        const statements: Record<typeof statement, SQL> = {
          'update-event': sql`UPDATE events SET payload = '{}'::jsonb WHERE run_id = ${id}`,
          'refinish-run': sql`UPDATE runs SET status = 'failed' WHERE id = ${id}`,
          'skip-task-state': sql`UPDATE tasks SET status = 'succeeded' WHERE id = ${id}`,
        };
        await gaffer.db.rows(statements[statement]);
        return { ok: true };
      },
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    for (const scope of ['admin', 'operator', 'agent', 'viewer'] as const) {
      tokens[scope] = (await gaffer.tokens.create({ name: `${scope}-test`, scope })).token;
    }
  });
  afterAll(async () => {
    await app?.close();
    await gaffer?.close();
  });

  it('records a run end to end through the fixed-contract paths', async () => {
    const created = await call('POST', '/api/v1/runs', { body: { name: 'http-run', agent: 'curl', tags: ['t1'] } });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    expect(created.json).toMatchObject({ name: 'http-run', status: 'running', createdBy: 'agent:agent-test' });

    const appended = await call('POST', `/api/v1/runs/${id}/events`, {
      body: {
        events: [
          { type: 'log', payload: { message: 'hello' } },
          { type: 'tool_call', payload: { callId: 'c1', name: 'read_file', arguments: { path: 'a.ts' } }, ts: '2026-01-01T00:00:00Z' },
          { type: 'tool_result', payload: { callId: 'c1', name: 'read_file', output: 'content' } },
        ],
      },
    });
    expect(appended.status).toBe(200);
    expect(appended.json).toEqual({ appended: 3, firstSeq: 2, lastSeq: 4 });

    const page = await call('GET', `/api/v1/runs/${id}/events?after=1&limit=2`, { token: tokens.viewer });
    expect(page.status).toBe(200);
    expect(page.json.events.map((e: { seq: number; type: string }) => [e.seq, e.type])).toEqual([
      [2, 'log'],
      [3, 'tool_call'],
    ]);
    expect(page.json.events[1].ts).toBe('2026-01-01T00:00:00.000Z');
    expect(page.json.next).toBe(3);

    const finished = await call('POST', `/api/v1/runs/${id}/finish`, { body: { status: 'succeeded', output: { ok: true } } });
    expect(finished.status).toBe(200);
    expect(finished.json).toMatchObject({ status: 'succeeded', output: { ok: true } });
    const again = await call('POST', `/api/v1/runs/${id}/finish`, { body: { status: 'failed' } });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('RUN_FINISHED');

    const got = await call('GET', `/api/v1/runs/${id}`, { token: tokens.viewer });
    expect(got.json).toMatchObject({ id, status: 'succeeded', lastSeq: 5 });
    const list = await call('GET', '/api/v1/runs?agent=curl&status=succeeded&limit=10', { token: tokens.viewer });
    expect(list.json.runs.map((r: { id: string }) => r.id)).toContain(id);
  });

  it('requires a token (401), the right scope (403), and accepts GAFFER_TOKEN as admin', async () => {
    expect((await call('GET', '/api/v1/runs', { token: null })).status).toBe(401);
    const bad = await call('GET', '/api/v1/runs', { token: 'gfr_nottherightone_aaaaaaaaaaaaaaaaaaaa' });
    expect(bad.status).toBe(401);
    expect(bad.json.error.code).toBe('UNAUTHENTICATED');
    const viewerWrite = await call('POST', '/api/v1/runs', { token: tokens.viewer, body: { name: 'nope' } });
    expect(viewerWrite.status).toBe(403);
    expect(viewerWrite.json.error).toMatchObject({ code: 'FORBIDDEN', details: { scope: 'viewer', required: 'record' } });
    expect((await call('POST', '/api/v1/tokens', { token: tokens.operator, body: { name: 'x', scope: 'agent' } })).status).toBe(403);
    const created = await call('POST', '/api/v1/tokens', { token: ENV_TOKEN, body: { name: 'ci', scope: 'viewer' } });
    expect(created.status).toBe(201);
    expect(created.json.token).toMatch(/^gfr_/);
    expect((await call('GET', '/api/v1/whoami', { token: created.json.token })).json).toEqual({ id: expect.any(String), scope: 'viewer', name: 'ci', permissions: ['read'] });
    expect((await call('GET', '/api/v1/whoami', { token: tokens.operator })).json).toMatchObject({ scope: 'operator', permissions: ['read', 'record', 'operate'] });
    expect((await call('DELETE', `/api/v1/tokens/${created.json.id}`, { token: tokens.admin })).status).toBe(204);
    expect((await call('GET', '/api/v1/whoami', { token: created.json.token })).status).toBe(401);
  });

  it('answers bad input with 400 naming the field, and a rejected batch writes nothing', async () => {
    const run = (await call('POST', '/api/v1/runs', { body: { name: 'bad-input' } })).json;
    const unknownType = await call('POST', `/api/v1/runs/${run.id}/events`, {
      body: { events: [{ type: 'log', payload: { message: 'ok' } }, { type: 'bogus', payload: {} }] },
    });
    expect(unknownType.status).toBe(400);
    expect(unknownType.json.error.code).toBe('UNKNOWN_EVENT_TYPE');
    expect(unknownType.json.error.message).toContain('events[1].type');
    const badPayload = await call('POST', `/api/v1/runs/${run.id}/events`, {
      body: { events: [{ type: 'tool_call', payload: { name: 'x', arguments: {} } }] },
    });
    expect(badPayload.status).toBe(400);
    expect(badPayload.json.error.message).toContain('events[0].payload.callId');
    const badShape = await call('POST', `/api/v1/runs/${run.id}/events`, { body: { events: 'nope' } });
    expect(badShape.status).toBe(400);
    expect(badShape.json.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(badShape.json.error.message).toMatch(/^body\.events/);
    const badParam = await call('GET', '/api/v1/runs/not-a-uuid');
    expect(badParam.status).toBe(400);
    expect(badParam.json.error.message).toMatch(/^params\.id/);
    const badQuery = await call('GET', '/api/v1/runs?status=sleeping');
    expect(badQuery.json.error.message).toMatch(/^querystring\.status/);
    const events = await call('GET', `/api/v1/runs/${run.id}/events`);
    expect(events.json.events).toHaveLength(1); // only run_started
    const missing = await call('GET', '/api/v1/runs/01930000-0000-7000-8000-00000000abcd');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('RUN_NOT_FOUND');
  });

  it('answers a taskId that names no task with 400 naming taskId, and an event without a type with VALIDATION_FAILED', async () => {
    const noTask = await call('POST', '/api/v1/runs', { body: { name: 'no-task', taskId: '01930000-0000-7000-8000-0000000000fe' } });
    expect(noTask.status).toBe(400);
    expect(noTask.json.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ path: 'taskId' }] } });
    expect(noTask.json.error.message).toContain('taskId');
    const run = (await call('POST', '/api/v1/runs', { body: { name: 'no-type' } })).json;
    const noType = await call('POST', `/api/v1/runs/${run.id}/events`, { body: { events: [{ payload: { message: 'x' } }] } });
    expect(noType.status).toBe(400);
    expect(noType.json.error.code).toBe('VALIDATION_FAILED');
    expect(noType.json.error.message).toMatch(/events\[0\]\.type: is required/);
  });

  it('answers a broken database rule (GF001, GF002, GF003) with 409 INVALID_STATE, not 500', async () => {
    const run = (await call('POST', '/api/v1/runs', { body: { name: 'rules' } })).json;
    await call('POST', `/api/v1/runs/${run.id}/finish`, { body: { status: 'succeeded' } });
    const taskId = '01930000-0000-7000-8000-0000000000fc';
    await gaffer.db.rows(sql`INSERT INTO tasks (id, kind, status) VALUES (${taskId}, 'reminder', 'queued')`);
    const cases = [
      { statement: 'update-event', id: run.id, sqlstate: 'GF001', message: /events are append-only: UPDATE on events is not allowed/ },
      { statement: 'refinish-run', id: run.id, sqlstate: 'GF002', message: /is already succeeded, it cannot become failed/ },
      { statement: 'skip-task-state', id: taskId, sqlstate: 'GF003', message: /cannot go from queued to succeeded/ },
    ];
    for (const c of cases) {
      const res = await call('POST', '/test/break-rule', { body: { statement: c.statement, id: c.id } });
      expect(res.status).toBe(409);
      expect(res.json.error).toMatchObject({ code: 'INVALID_STATE', details: { sqlstate: c.sqlstate } });
      expect(res.json.error.message).toMatch(c.message);
    }
  });

  it('finishes a run on an empty body sent as application/json', async () => {
    const run = (await call('POST', '/api/v1/runs', { body: { name: 'empty-finish' } })).json;
    const res = await fetch(`${base}/api/v1/runs/${run.id}/finish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.agent}`, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: run.id, status: 'succeeded' });
    // Other routes still refuse an empty JSON body, and a bad body here is still refused.
    const empty = await fetch(`${base}/api/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.agent}`, 'content-type': 'application/json' },
    });
    expect(empty.status).toBe(400);
    const other = (await call('POST', '/api/v1/runs', { body: { name: 'bad-finish-body' } })).json;
    const bad = await fetch(`${base}/api/v1/runs/${other.id}/finish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.agent}`, 'content-type': 'application/json' },
      body: '{"status":',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
  });

  it('appends a retried batch once when it carries the same Idempotency batchId', async () => {
    const run = (await call('POST', '/api/v1/runs', { body: { name: 'retry' } })).json;
    const body = { events: [{ type: 'log', payload: { message: 'x' } }], batchId: 'batch-7' };
    const a = await call('POST', `/api/v1/runs/${run.id}/events`, { body });
    const b = await call('POST', `/api/v1/runs/${run.id}/events`, { body });
    expect(b.json).toEqual(a.json);
    expect((await call('GET', `/api/v1/runs/${run.id}`)).json.lastSeq).toBe(2);
  });

  it('stores and serves artifacts by sha256', async () => {
    const bytes = Buffer.from('diff --git a/x b/x\n+fixed\n');
    const put = await call('POST', '/api/v1/artifacts?contentType=text/x-diff', { raw: bytes });
    expect(put.status).toBe(201);
    expect(put.json).toMatchObject({ bytes: bytes.length, contentType: 'text/x-diff' });
    const got = await call('GET', `/api/v1/artifacts/${put.json.sha256}`, { token: tokens.viewer });
    expect(got.status).toBe(200);
    expect(got.text).toBe(bytes.toString());
    expect(got.headers.get('content-type')).toContain('text/x-diff');
    expect((await call('GET', `/api/v1/artifacts/${'a'.repeat(64)}`)).status).toBe(404);
  });

  it('streams events live over server-sent events until the run finishes', async () => {
    const run = (await call('POST', '/api/v1/runs', { body: { name: 'live' } })).json;
    const res = await fetch(`${base}/api/v1/runs/${run.id}/events/stream`, { headers: { authorization: `Bearer ${tokens.viewer}` } });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
      }
    };
    await readUntil('event: run_started');
    await call('POST', `/api/v1/runs/${run.id}/events`, { body: { events: [{ type: 'log', payload: { message: 'live!' } }] } });
    await readUntil('live!');
    await call('POST', `/api/v1/runs/${run.id}/finish`, { body: {} });
    await readUntil('event: end');
    expect(text).toMatch(/id: 2\nevent: log\n/);
    expect(text).toContain('event: run_finished');
  });

  it('resumes an event stream after the Last-Event-ID header, or after ?after= when that is larger', async () => {
    const run = (await call('POST', '/api/v1/runs', { body: { name: 'resume' } })).json;
    await call('POST', `/api/v1/runs/${run.id}/events`, {
      body: { events: ['a', 'b', 'c'].map((message) => ({ type: 'log', payload: { message } })) },
    });
    await call('POST', `/api/v1/runs/${run.id}/finish`, { body: {} });
    const ids = async (query: string, lastEventId?: string): Promise<number[]> => {
      const headers: Record<string, string> = { authorization: `Bearer ${tokens.viewer}` };
      if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
      const text = await (await fetch(`${base}/api/v1/runs/${run.id}/events/stream${query}`, { headers })).text();
      return [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    };
    expect(await ids('')).toEqual([1, 2, 3, 4, 5]);
    expect(await ids('', '3')).toEqual([4, 5]);
    expect(await ids('?after=1', '3')).toEqual([4, 5]);
    expect(await ids('?after=4', '2')).toEqual([5]);
    expect(await ids('?after=1', 'not-a-seq')).toEqual([2, 3, 4, 5]);
  });

  it('streams a spilled payload whole with ?resolve=true, and as its artifact reference without', async () => {
    const run = (await call('POST', '/api/v1/runs', { body: { name: 'spilled-live' } })).json;
    const big = 'x'.repeat(MAX_EVENT_PAYLOAD_BYTES + 10);
    await call('POST', `/api/v1/runs/${run.id}/events`, { body: { events: [{ type: 'log', payload: { message: big } }] } });
    await call('POST', `/api/v1/runs/${run.id}/finish`, { body: {} });
    const logPayload = async (query: string): Promise<Record<string, unknown>> => {
      const text = await (await fetch(`${base}/api/v1/runs/${run.id}/events/stream${query}`, { headers: { authorization: `Bearer ${tokens.viewer}` } })).text();
      const frame = text.split('\n\n').find((f) => f.includes('event: log'))!;
      return (JSON.parse(frame.split('\n').find((l) => l.startsWith('data: '))!.slice(6)) as { payload: Record<string, unknown> }).payload;
    };
    const whole = await logPayload('?resolve=true');
    expect(whole.message === big).toBe(true); // (not toEqual: a failure would print 64 KiB)
    expect(await logPayload('')).toMatchObject({ $spilled: { bytes: expect.any(Number) } });
  });

  it('serves health, readiness and Prometheus metrics', async () => {
    expect((await call('GET', '/healthz', { token: null })).json).toEqual({ status: 'ok' });
    expect((await call('GET', '/readyz', { token: null })).json).toMatchObject({ status: 'ready' });
    const metrics = await call('GET', '/metrics', { token: null });
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.text).toMatch(/gaffer_http_requests_total\{method="POST",route="\/api\/v1\/runs",status="201"\} \d+/);
    expect(metrics.text).toMatch(/gaffer_runs\{status="succeeded"\} [1-9]/);
    expect(metrics.text).toMatch(/gaffer_events_appended_total [1-9]/);
    const unknown = await call('GET', '/api/v1/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('NOT_FOUND');
  });
});
