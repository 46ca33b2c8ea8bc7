/**
 * Specs, profiles, tasks and approvals over real HTTP, on both backends, with a real worker
 * running shell tasks: versioned apply with reference checks, submit by an agent, input checked
 * against the spec, approvals decided only by people's tokens (the server refuses the others),
 * cancel, list filters and cursors, a task's detail after it ran. Also: the state machine diagram
 * in docs/state-machines.md is exactly TASK_TRANSITIONS, and the OpenAPI document with these
 * routes still lints clean.
 */
import fs from 'node:fs';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalRoutes } from '../../src/api/routes/approvals.js';
import { specRoutes } from '../../src/api/routes/specs.js';
import { taskRoutes } from '../../src/api/routes/tasks.js';
import { API_PREFIX, buildServer } from '../../src/api/server.js';
import { RUN_STATUSES, TASK_STATUSES, TASK_TRANSITIONS } from '../../src/db/vocabulary.js';
import { ShellExecutor } from '../../src/executor/shellExecutor.js';
import { createGaffer, type Gaffer } from '../../src/gaffer.js';
import { silentLogger } from '../../src/resources.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

/** Builds the server and mounts these routes unless server.ts already does. */
async function serverWithRoutes(gaffer: Gaffer): Promise<FastifyInstance> {
  const app = await buildServer(gaffer);
  const mounts: [string, ReturnType<typeof specRoutes>][] = [
    ['/specs', specRoutes(gaffer)],
    ['/tasks', taskRoutes(gaffer)],
    ['/approvals', approvalRoutes(gaffer)],
  ];
  const missing = mounts.filter(([path]) => !app.hasRoute({ method: 'GET', url: `${API_PREFIX}${path}` }));
  if (missing.length) {
    await app.register(
      async (api) => {
        for (const [, plugin] of missing) await api.register(plugin);
      },
      { prefix: API_PREFIX },
    );
  }
  return app;
}


const ENV_TOKEN = 'env-admin-token-0123456789abcdef';
const NO_SUCH_ID = '01930000-0000-7000-8000-00000000abcd';
const nameSchema = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.each(testBackends())('specs, tasks and approvals API on $name', (backend) => {
  let gaffer: Gaffer;
  let app: FastifyInstance;
  let base: string;
  const tokens: Record<string, string> = {};

  async function call(method: string, path: string, options: { token?: string; body?: unknown } = {}) {
    const headers: Record<string, string> = { authorization: `Bearer ${options.token ?? tokens.operator}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}${API_PREFIX}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : undefined) as Json };
  }

  beforeAll(async () => {
    gaffer = await openTestGaffer(backend, { config: { adminToken: ENV_TOKEN } });
    app = await serverWithRoutes(gaffer);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    for (const scope of ['admin', 'operator', 'agent', 'viewer'] as const) {
      tokens[scope] = (await gaffer.tokens.create({ name: `${scope}-test`, scope })).token;
    }
    const worker = gaffer.createWorker({ executors: [new ShellExecutor()], pollMs: 100, concurrency: 4 });
    await worker.start();
    // The specs every task test uses (applying them is tested below).
    await gaffer.specs.apply({ name: 'hello', executor: 'shell', command: ['echo', 'hello {{input.name}}'], inputSchema: nameSchema });
    await gaffer.specs.apply({ name: 'later', executor: 'shell', command: ['true'] });
  });
  afterAll(async () => {
    await app?.close();
    await gaffer?.close();
  });

  it('applies a spec: a new version only when it changed, every version kept, references checked', async () => {
    const def = { name: 'api-echo', executor: 'shell', command: ['echo', 'one'], description: 'first' };
    const created = await call('POST', '/specs', { body: def });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ changed: true, spec: { name: 'api-echo', version: 1, executor: 'shell', createdBy: 'operator:operator-test' } });
    expect(created.json.spec.definition).toMatchObject({ command: ['echo', 'one'], approval: 'never' }); // defaults filled in

    const same = await call('POST', '/specs', { body: { ...def } });
    expect(same.status).toBe(200);
    expect(same.json).toMatchObject({ changed: false, spec: { version: 1, specVersionId: created.json.spec.specVersionId } });

    const changed = await call('POST', '/specs', { body: { ...def, command: ['echo', 'two'] } });
    expect(changed.status).toBe(201);
    expect(changed.json.spec.version).toBe(2);

    expect((await call('GET', '/specs/api-echo', { token: tokens.viewer })).json).toMatchObject({ version: 2, definition: { command: ['echo', 'two'] } });
    expect((await call('GET', '/specs/api-echo?version=1', { token: tokens.viewer })).json.definition.command).toEqual(['echo', 'one']);
    const versions = await call('GET', '/specs/api-echo/versions', { token: tokens.viewer });
    expect(versions.json.versions.map((v: Json) => [v.version, v.definition.command[1]])).toEqual([
      [2, 'two'],
      [1, 'one'],
    ]);
    expect((await call('GET', '/specs', { token: tokens.viewer })).json.specs.map((s: Json) => s.name)).toContain('api-echo');
    const missingVersion = await call('GET', '/specs/api-echo?version=7');
    expect(missingVersion.status).toBe(404);
    expect(missingVersion.json.error.message).toContain('latest is 2');

    const noProfile = await call('POST', '/specs', { body: { ...def, name: 'api-bad', profiles: ['ghost'] } });
    expect(noProfile.status).toBe(400);
    expect(noProfile.json.error.message).toContain('profiles[0]');
    const noFallback = await call('POST', '/specs', { body: { ...def, name: 'api-bad', acceptance: { fallbackSpec: 'ghost' } } });
    expect(noFallback.status).toBe(400);
    expect(noFallback.json.error.message).toContain('acceptance.fallbackSpec');
    const noCommand = await call('POST', '/specs', { body: { name: 'api-bad', executor: 'shell' } });
    expect(noCommand.status).toBe(400);
    expect(noCommand.json.error.message).toContain('command');
    expect((await call('GET', '/specs/api-bad')).status).toBe(404);

    expect((await call('POST', '/specs', { token: tokens.agent, body: def })).status).toBe(403);
  });

  it('applies a mixed batch: profiles first, each fallback before its users, all or nothing on bad shapes', async () => {
    const documents = [
      { kind: 'Spec', name: 'batch-main', executor: 'shell', command: ['true'], profiles: ['batch-model'], acceptance: { fallbackSpec: 'batch-fallback' } },
      { kind: 'Spec', name: 'batch-fallback', executor: 'shell', command: ['true'] },
      { name: 'batch-model', model: 'some-model', description: 'kind inferred from model' },
    ];
    const applied = await call('POST', '/apply', { body: { documents } });
    expect(applied.status).toBe(201);
    expect(applied.json.results.map((r: Json) => [r.document, r.kind, r.name, r.version, r.changed])).toEqual([
      [0, 'Spec', 'batch-main', 1, true],
      [1, 'Spec', 'batch-fallback', 1, true],
      [2, 'Profile', 'batch-model', 1, true],
    ]);
    const again = await call('POST', '/apply', { body: { documents } });
    expect(again.status).toBe(200);
    expect(again.json.results.every((r: Json) => r.changed === false)).toBe(true);

    expect((await call('GET', '/profiles/batch-model', { token: tokens.viewer })).json).toMatchObject({ name: 'batch-model', model: 'some-model', version: 1 });
    expect((await call('GET', '/profiles', { token: tokens.viewer })).json.profiles.map((p: Json) => p.name)).toEqual(['batch-model']);
    const profile2 = await call('POST', '/profiles', { body: { name: 'batch-model', model: 'bigger-model' } });
    expect(profile2.status).toBe(201);
    expect((await call('GET', '/profiles/batch-model/versions')).json.versions.map((v: Json) => v.model)).toEqual(['bigger-model', 'some-model']);

    const bad = await call('POST', '/apply', {
      body: { documents: [{ kind: 'Spec', name: 'batch-ok', executor: 'shell', command: ['true'] }, { kind: 'Spec', name: 'batch-broken', executor: 'shell' }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('documents[1].command');
    expect(bad.json.error.details).toMatchObject({ document: 1, issues: [{ document: 1, field: 'command' }] });
    expect((await call('GET', '/specs/batch-ok')).status).toBe(404); // the valid first document was not applied

    const unknownKind = await call('POST', '/apply', { body: { documents: [{ name: 'what' }] } });
    expect(unknownKind.status).toBe(400);
    expect(unknownKind.json.error.message).toContain('documents[0].kind');
    const badRef = await call('POST', '/apply', { body: { documents: [{ kind: 'Spec', name: 'batch-ref', executor: 'shell', command: ['true'], profiles: ['nobody'] }] } });
    expect(badRef.status).toBe(400);
    expect(badRef.json.error.message).toMatch(/documents\[0\].*profiles\[0\]/);
  });

  it('lets an agent submit, checks the input against the spec, and returns the same task for a repeated idempotency key', async () => {
    const submitted = await call('POST', '/tasks', { token: tokens.agent, body: { spec: 'hello', input: { name: 'agent' }, idempotencyKey: 'idem-1', priority: 5 } });
    expect(submitted.status).toBe(201);
    expect(submitted.json.existing).toBe(false);
    expect(submitted.json.task).toMatchObject({ spec: 'hello', specVersion: 1, input: { name: 'agent' }, priority: 5, createdBy: 'agent:agent-test', idempotencyKey: 'idem-1' });
    expect(submitted.json.task.runAt).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
    const again = await call('POST', '/tasks', { token: tokens.agent, body: { spec: 'hello', input: { name: 'agent' }, idempotencyKey: 'idem-1' } });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ existing: true, task: { id: submitted.json.task.id } });

    const badInput = await call('POST', '/tasks', { token: tokens.agent, body: { spec: 'hello', input: { name: 3 } } });
    expect(badInput.status).toBe(400);
    expect(badInput.json.error.message).toContain('input.name');
    const missingInput = await call('POST', '/tasks', { token: tokens.agent, body: { spec: 'hello', input: {} } });
    expect(missingInput.json.error.message).toContain('input.name');
    const noSpec = await call('POST', '/tasks', { token: tokens.agent, body: { spec: 'ghost' } });
    expect(noSpec.status).toBe(404);
    expect(noSpec.json.error.code).toBe('SPEC_NOT_FOUND');
    const localTime = await call('POST', '/tasks', { body: { spec: 'later', runAt: '2031-01-01T09:00:00' } });
    expect(localTime.status).toBe(400);
    expect(localTime.json.error.message).toMatch(/^body\.runAt/);
    const internalField = await call('POST', '/tasks', { body: { spec: 'later', scheduleId: NO_SUCH_ID } });
    expect(internalField.status).toBe(400); // set by the scheduler only
    expect((await call('POST', '/tasks', { token: tokens.viewer, body: { spec: 'later' } })).status).toBe(403);

    const at = '2031-01-01T09:00:00.000Z';
    const scheduled = await call('POST', '/tasks', { body: { spec: 'later', runAt: at } });
    expect(scheduled.json.task).toMatchObject({ status: 'scheduled', runAt: at });
  });

  it('holds a task for approval; agents and viewers may not decide (403); an operator approves and is named in the log', async () => {
    const submitted = await call('POST', '/tasks', { token: tokens.agent, body: { spec: 'hello', input: { name: 'gated' }, approval: true } });
    expect(submitted.status).toBe(201);
    expect(submitted.json.task).toMatchObject({ status: 'awaiting_approval', needsApproval: true });
    const id = submitted.json.task.id as string;
    const approvalId = submitted.json.approvalId as string;
    expect(approvalId).toMatch(/^[0-9a-f-]{36}$/);

    const byAgent = await call('POST', `/tasks/${id}/approve`, { token: tokens.agent });
    expect(byAgent.status).toBe(403);
    expect(byAgent.json.error).toMatchObject({ code: 'FORBIDDEN', details: { scope: 'agent', required: 'operate' } });
    expect((await call('POST', `/tasks/${id}/approve`, { token: tokens.viewer, body: {} })).status).toBe(403);
    expect((await call('POST', `/approvals/${approvalId}/approve`, { token: tokens.agent })).status).toBe(403);
    expect((await call('GET', `/tasks/${id}`)).json.task.status).toBe('awaiting_approval'); // refusals changed nothing

    const pending = await call('GET', '/approvals?status=pending', { token: tokens.viewer });
    expect(pending.status).toBe(200);
    expect(pending.json.approvals.map((a: Json) => a.id)).toContain(approvalId);

    const approved = await call('POST', `/tasks/${id}/approve`, { body: { note: 'looks fine' } });
    expect(approved.status).toBe(200);
    expect(approved.json.approval).toMatchObject({ id: approvalId, status: 'approved', decidedBy: 'operator:operator-test', note: 'looks fine' });
    expect(['queued', 'running', 'succeeded']).toContain(approved.json.task.status);
    await waitFor('the approved task to run', async () => (await call('GET', `/tasks/${id}`)).json.task.status, (s) => s === 'succeeded');

    const log = (await call('GET', `/tasks/${id}/events`, { token: tokens.viewer })).json.events as Json[];
    const decided = log.find((e) => e.type === 'approval_decided')!;
    expect(decided).toMatchObject({ principal: 'operator:operator-test', payload: { approvalId, decision: 'approved', note: 'looks fine' } });
    expect(log.map((e) => e.type).slice(0, 3)).toEqual(['task_submitted', 'approval_requested', 'approval_decided']);
    expect(log.at(-1)).toMatchObject({ type: 'status_change', payload: { from: 'running', to: 'succeeded' } });

    const twice = await call('POST', `/approvals/${approvalId}/approve`);
    expect(twice.status).toBe(409);
    expect(twice.json.error.code).toBe('INVALID_STATE');
    const noneLeft = await call('POST', `/tasks/${id}/reject`);
    expect(noneLeft.status).toBe(409);
    expect(noneLeft.json.error.message).toContain('no pending approval');
  });

  it('rejects a task, and approves by approval id', async () => {
    const a = (await call('POST', '/tasks', { body: { spec: 'later', approval: true } })).json;
    const rejected = await call('POST', `/tasks/${a.task.id}/reject`, { token: tokens.admin, body: { note: 'not today' } });
    expect(rejected.status).toBe(200);
    expect(rejected.json).toMatchObject({ approval: { status: 'rejected', note: 'not today', decidedBy: 'admin:admin-test' }, task: { status: 'rejected' } });
    expect(rejected.json.task.finishedAt).not.toBeNull();

    const b = (await call('POST', '/tasks', { body: { spec: 'later', approval: true, runAt: '2031-01-01T00:00:00Z' } })).json;
    const byTaskId = await call('POST', `/approvals/${b.task.id}/approve`);
    expect(byTaskId.status).toBe(404); // /approvals/{id} takes approval ids only
    const byId = await call('POST', `/approvals/${b.approvalId}/approve`);
    expect(byId.status).toBe(200);
    expect(byId.json.task).toMatchObject({ id: b.task.id, status: 'scheduled' }); // approved, and its time has not come
    expect((await call('GET', `/approvals/${b.approvalId}`, { token: tokens.viewer })).json).toMatchObject({ status: 'approved', taskId: b.task.id });
    expect((await call('GET', `/approvals?taskId=${b.task.id}`)).json.approvals).toHaveLength(1);
    expect((await call('GET', `/approvals/${NO_SUCH_ID}`)).status).toBe(404);
  });

  it('cancels tasks (only with operate), with their pending approval', async () => {
    const later = (await call('POST', '/tasks', { body: { spec: 'later', delayMs: 3_600_000 } })).json.task;
    expect(later.status).toBe('scheduled');
    expect((await call('POST', `/tasks/${later.id}/cancel`, { token: tokens.agent })).status).toBe(403);
    const cancelled = await call('POST', `/tasks/${later.id}/cancel`, { body: { reason: 'changed my mind' } });
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.task).toMatchObject({ id: later.id, status: 'cancelled' });
    const log = (await call('GET', `/tasks/${later.id}/events`)).json.events as Json[];
    expect(log.at(-1)).toMatchObject({ type: 'status_change', principal: 'operator:operator-test', payload: { from: 'scheduled', to: 'cancelled', reason: 'changed my mind' } });
    const again = await call('POST', `/tasks/${later.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.json.error.details).toMatchObject({ status: 'cancelled' });

    const gated = (await call('POST', '/tasks', { body: { spec: 'later', approval: true } })).json;
    expect((await call('POST', `/tasks/${gated.task.id}/cancel`)).json.task.status).toBe('cancelled');
    expect((await call('GET', `/approvals/${gated.approvalId}`)).json.status).toBe('cancelled');
    expect((await call('POST', `/tasks/${NO_SUCH_ID}/cancel`)).status).toBe(404);
  });

  it('lists tasks by status and spec, page by page', async () => {
    await gaffer.specs.apply({ name: 'listed', executor: 'shell', command: ['true'] });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await call('POST', '/tasks', { body: { spec: 'listed', delayMs: 3_600_000 } })).json.task.id);
    const gated = (await call('POST', '/tasks', { body: { spec: 'listed', approval: true } })).json.task.id as string;

    const bySpec = await call('GET', '/tasks?spec=listed', { token: tokens.viewer });
    const newestFirst = [gated, ...[...ids].reverse()];
    expect(bySpec.json.tasks.map((t: Json) => t.id)).toEqual(newestFirst);
    expect(bySpec.json.tasks.every((t: Json) => t.spec === 'listed')).toBe(true);
    const waiting = await call('GET', '/tasks?spec=listed&status=awaiting_approval');
    expect(waiting.json.tasks.map((t: Json) => t.id)).toEqual([gated]);
    const scheduled = await call('GET', '/tasks?status=scheduled&limit=500');
    expect(scheduled.json.tasks.every((t: Json) => t.status === 'scheduled')).toBe(true);
    expect(scheduled.json.tasks.map((t: Json) => t.id)).toEqual(expect.arrayContaining(ids));

    const first = await call('GET', '/tasks?spec=listed&limit=3');
    expect(first.json.tasks).toHaveLength(3);
    expect(first.json.next).toEqual(expect.any(String));
    const second = await call('GET', `/tasks?spec=listed&limit=3&cursor=${first.json.next}`);
    expect(second.json.tasks.map((t: Json) => t.id)).toEqual([newestFirst[3]]);
    expect(second.json.next).toBeNull();

    expect((await call('GET', '/tasks?spec=ghost')).status).toBe(404);
    const badStatus = await call('GET', '/tasks?status=sleeping');
    expect(badStatus.status).toBe(400);
    expect(badStatus.json.error.message).toMatch(/^querystring\.status/);
    expect((await call('GET', '/tasks?cursor=nonsense')).json.error.code).toBe('INVALID_CURSOR');
    // Every kind filters, deliveries (webhook notifications) included.
    for (const kind of ['work', 'reminder', 'delivery']) {
      const byKind = await call('GET', `/tasks?kind=${kind}&limit=500`);
      expect(byKind.status).toBe(200);
      expect(byKind.json.tasks.every((t: Json) => t.kind === kind)).toBe(true);
    }
    expect((await call('GET', '/tasks?kind=work&limit=500')).json.tasks.map((t: Json) => t.id)).toEqual(expect.arrayContaining(ids));
  });

  it('lists approvals and the escalation inbox by several statuses, page by page', async () => {
    // Three tasks that fail with nothing automatic left: each opens an escalation.
    await gaffer.specs.apply({ name: 'broken', executor: 'shell', command: ['false'] });
    const broken: string[] = [];
    for (let i = 0; i < 3; i++) broken.push((await call('POST', '/tasks', { body: { spec: 'broken' } })).json.task.id);
    await waitFor('three escalations', async () => (await call('GET', '/escalations?status=open')).json.escalations, (e: Json[]) => e.length === 3);
    const open = (await call('GET', '/escalations?status=open')).json.escalations as Json[];
    await call('POST', `/escalations/${open[1]!.id}/ack`, { body: { note: 'on it' } });
    await call('POST', `/escalations/${open[2]!.id}/resolve`, { body: { option: 'abort' } });

    const waiting = await call('GET', '/escalations?status=open,acknowledged', { token: tokens.viewer });
    expect(waiting.status).toBe(200);
    expect(waiting.json.escalations.map((e: Json) => [e.id, e.status])).toEqual([
      [open[0]!.id, 'open'],
      [open[1]!.id, 'acknowledged'],
    ]);
    expect(waiting.json.next).toBeNull();
    // Each names its task's spec and how many attempts it had of those allowed.
    expect(waiting.json.escalations[0].task).toEqual({ spec: { name: 'broken', version: 1 }, status: 'escalated', attempt: 1, maxAttempts: 1 });
    expect((await call('GET', `/escalations/${open[2]!.id}`)).json.task).toMatchObject({ spec: { name: 'broken' }, status: 'cancelled' });
    const first = (await call('GET', '/escalations?limit=2')).json;
    expect(first.escalations.map((e: Json) => e.id)).toEqual([open[0]!.id, open[1]!.id]);
    const second = (await call('GET', `/escalations?limit=2&cursor=${first.next}`)).json;
    expect(second.escalations.map((e: Json) => [e.id, e.status])).toEqual([[open[2]!.id, 'resolved']]);
    expect(second.next).toBeNull();
    expect(new Set(open.map((e) => e.taskId))).toEqual(new Set(broken));

    for (let i = 0; i < 3; i++) await call('POST', '/tasks', { body: { spec: 'later', approval: true, input: { n: i } } });
    // Each approval says what its task is asked to do: no request per card in the inbox.
    const newest = (await call('GET', '/approvals?status=pending&limit=1')).json.approvals[0];
    expect(newest.task).toEqual({ spec: { name: 'later', version: 1 }, status: 'awaiting_approval', input: { n: 2 } });
    expect((await call('GET', `/approvals/${newest.id}`)).json.task).toEqual(newest.task);
    const all = (await call('GET', '/approvals?status=pending,approved&limit=500')).json.approvals as Json[];
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(all.every((a) => a.status === 'pending' || a.status === 'approved')).toBe(true);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Json = (await call('GET', `/approvals?status=pending,approved&limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json;
      expect(page.approvals.length).toBeLessThanOrEqual(2);
      paged.push(...page.approvals.map((a: Json) => a.id));
      cursor = page.next;
    } while (cursor);
    expect(paged).toEqual(all.map((a) => a.id)); // newest first, nothing twice, nothing left out

    const badStatus = await call('GET', '/escalations?status=open,sleeping');
    expect(badStatus.status).toBe(400);
    expect(badStatus.json.error.message).toMatch(/^querystring\.status/);
    expect(badStatus.json.error.message).toContain('acknowledged');
    expect((await call('GET', '/approvals?cursor=nonsense')).json.error).toMatchObject({ code: 'INVALID_CURSOR', message: expect.stringMatching(/^cursor:/) });
  });

  it('shows a task after a worker ran it: attempts with their runs, dependencies, the log', async () => {
    const submitted = (await call('POST', '/tasks', { token: tokens.agent, body: { spec: 'hello', input: { name: 'detail' } } })).json.task;
    await waitFor('the task to succeed', async () => (await call('GET', `/tasks/${submitted.id}`)).json.task.status, (s) => s === 'succeeded');
    const detail = (await call('GET', `/tasks/${submitted.id}`, { token: tokens.viewer })).json;
    expect(detail.task).toMatchObject({ status: 'succeeded', attempt: 1, result: { exitCode: 0, stdout: 'hello detail\n' }, lastError: null });
    expect(detail.task.finishedAt).toEqual(expect.any(String));
    expect(detail.attempts).toHaveLength(1);
    expect(detail.attempts[0]).toMatchObject({ taskId: submitted.id, attempt: 1, status: 'succeeded', specVersionId: submitted.specVersionId });
    expect(detail.task.lastRunId).toBe(detail.attempts[0].id);
    const run = await gaffer.events.read(detail.attempts[0].id);
    expect(run.events.map((e) => e.type)).toContain('tool_result');
    expect(detail.approvals).toEqual([]);
    const log = (await call('GET', `/tasks/${submitted.id}/events`)).json;
    // A claim is not logged (the attempt's run records it); the completion is, by its worker.
    const changes = log.events.filter((e: Json) => e.type === 'status_change');
    expect(changes.map((e: Json) => `${e.payload.from}->${e.payload.to}`)).toEqual(['running->succeeded']);
    expect(changes[0].principal).toMatch(/^worker:/);
    const paged = (await call('GET', `/tasks/${submitted.id}/events?after=1&limit=1`)).json;
    expect(paged.events.map((e: Json) => e.seq)).toEqual([2]);
    expect(paged.next).toBe(2);

    const parent = (await call('POST', '/tasks', { body: { spec: 'later', delayMs: 3_600_000 } })).json.task;
    const child = (await call('POST', '/tasks', { body: { spec: 'later', dependsOn: [parent.id] } })).json.task;
    expect(child.status).toBe('waiting');
    expect((await call('GET', `/tasks/${child.id}`)).json.dependsOn).toEqual([{ id: parent.id, status: 'scheduled' }]);
    expect((await call('GET', `/tasks/${parent.id}`)).json.dependents).toEqual([{ id: child.id, status: 'waiting' }]);
    await call('POST', `/tasks/${parent.id}/cancel`);
    expect((await call('GET', `/tasks/${child.id}`)).json.task.status).toBe('blocked');
    const unknownDependency = await call('POST', '/tasks', { body: { spec: 'later', dependsOn: [NO_SUCH_ID] } });
    expect(unknownDependency.status).toBe(400);
    expect(unknownDependency.json.error.message).toContain('dependsOn[0]');

    const missing = await call('GET', `/tasks/${NO_SUCH_ID}`);
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('TASK_NOT_FOUND');
    expect((await call('GET', `/tasks/${NO_SUCH_ID}/events`)).status).toBe(404);
  });
});

describe('docs/state-machines.md', () => {
  const doc = fs.readFileSync(new URL('../../docs/state-machines.md', import.meta.url), 'utf8');
  const blocks = [...doc.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const arrows = (block: string): string[] =>
    [...block.matchAll(/^\s*([a-z_]+)\s*-->\s*([a-z_]+)\s*$/gm)].map((m) => `${m[1]}->${m[2]}`);

  it('draws exactly TASK_TRANSITIONS, and every task status', () => {
    const tasks = blocks.find((b) => b.includes('%% TASK_TRANSITIONS'));
    expect(tasks, 'a mermaid block marked %% TASK_TRANSITIONS').toBeDefined();
    const drawn = arrows(tasks!);
    expect(new Set(drawn).size).toBe(drawn.length); // no pair twice
    expect(drawn.sort()).toEqual(TASK_TRANSITIONS.map(([a, b]) => `${a}->${b}`).sort());
    for (const status of TASK_STATUSES) expect(tasks, status).toMatch(new RegExp(`\\b${status}\\b`));
    for (const status of TASK_STATUSES) expect(doc, `a row for ${status}`).toContain(`| \`${status}\` |`);
  });

  it('draws the run machine: running to each terminal status', () => {
    const runs = blocks.find((b) => /running --> lost/.test(b));
    expect(arrows(runs!).sort()).toEqual(RUN_STATUSES.filter((s) => s !== 'running').map((s) => `running->${s}`).sort());
  });
});

describe('OpenAPI document with the task routes', () => {
  it('documents them and still lints clean', async () => {
    const gaffer = await createGaffer({ memory: true, logger: silentLogger() });
    const app = await serverWithRoutes(gaffer);
    const res = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    await app.close();
    await gaffer.close();
    const doc = res.json() as { paths: Record<string, Record<string, unknown>> };
    for (const [path, method] of [
      ['/api/v1/specs', 'post'],
      ['/api/v1/specs/{name}/versions', 'get'],
      ['/api/v1/profiles/{name}', 'get'],
      ['/api/v1/apply', 'post'],
      ['/api/v1/tasks', 'post'],
      ['/api/v1/tasks/{id}', 'get'],
      ['/api/v1/tasks/{id}/events', 'get'],
      ['/api/v1/tasks/{id}/approve', 'post'],
      ['/api/v1/approvals', 'get'],
      ['/api/v1/approvals/{id}/reject', 'post'],
    ] as const) {
      expect(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
    }
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config });
    expect(problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
  });
});
