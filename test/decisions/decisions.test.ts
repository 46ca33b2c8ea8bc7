/**
 * The decision log: decisions recorded in runs and in task logs, read as one list — newest first,
 * filtered, paged without repeats or gaps — through the library and over real HTTP with scopes.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, buildServer } from '../../src/api/server.js';
import { isGafferError } from '../../src/errors.js';
import type { Gaffer } from '../../src/gaffer.js';
import { appendTaskEvent } from '../../src/tasks/taskEvents.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';

describe.each(testBackends())('decision log on $name', (backend) => {
  let gaffer: Gaffer;
  let app: FastifyInstance;
  let base: string;
  let taskId: string;
  let runId: string;
  let otherRunId: string;

  beforeAll(async () => {
    gaffer = await openTestGaffer(backend);
    await gaffer.specs.apply({ name: 'dec', executor: 'shell', command: ['true'] });
    taskId = (await gaffer.tasks.submit({ spec: 'dec' })).task.id;
    runId = (await gaffer.runs.create({ name: 'with decisions' })).id;
    otherRunId = (await gaffer.runs.create({ name: 'other' })).id;
    const decision = (decisionType: string, n: number) => ({ type: 'decision', payload: { decisionType, inputs: { n }, output: { chose: `x${n}` }, confidence: 0.5, reason: `because ${n}` } });
    await gaffer.events.append(runId, [decision('routing', 1), { type: 'log', payload: { message: 'not a decision' } }, decision('gate', 2)]);
    await gaffer.events.append(otherRunId, [decision('routing', 3), decision('x-custom', 4)]);
    await gaffer.db.transaction((tx) => appendTaskEvent(gaffer.resources, tx, taskId, 'decision', { decisionType: 'retry', inputs: { attempt: 1 }, output: { retry: true } }, 'test'));
    app = await buildServer(gaffer);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}${API_PREFIX}`;
  });
  afterAll(async () => {
    await app?.close();
    await gaffer?.close();
  });

  it('lists run and task decisions together, newest first, with their fields', async () => {
    const { decisions } = await gaffer.decisions.list({ limit: 500 });
    const mine = decisions.filter((d) => d.runId === runId || d.runId === otherRunId || d.taskId === taskId);
    expect(mine.map((d) => d.decisionType)).toEqual(['retry', 'x-custom', 'routing', 'gate', 'routing']);
    expect(mine.find((d) => d.decisionType === 'gate')).toMatchObject({ source: 'run', runId, seq: 4, inputs: { n: 2 }, output: { chose: 'x2' }, confidence: 0.5, reason: 'because 2' });
    expect(mine[0]).toMatchObject({ source: 'task', taskId, runId: null, output: { retry: true }, confidence: null });
  });

  it('filters by type, run, task and time', async () => {
    const routing = (await gaffer.decisions.list({ type: 'routing', limit: 500 })).decisions.filter((d) => d.runId === runId || d.runId === otherRunId);
    expect(routing.map((d) => d.inputs)).toEqual([{ n: 3 }, { n: 1 }]);
    expect((await gaffer.decisions.list({ runId })).decisions.map((d) => d.decisionType)).toEqual(['gate', 'routing']);
    expect((await gaffer.decisions.list({ taskId })).decisions.map((d) => d.decisionType)).toEqual(['retry']);
    expect((await gaffer.decisions.list({ runId, since: new Date(Date.now() + 60_000) })).decisions).toEqual([]);
  });

  it('pages with a cursor without repeating or skipping, and refuses a cursor it did not make', async () => {
    const all = (await gaffer.decisions.list({ limit: 500 })).decisions.map((d) => `${d.source}:${d.runId ?? d.taskId}:${d.seq}`);
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await gaffer.decisions.list({ limit: 2, ...(cursor ? { cursor } : {}) });
      paged.push(...page.decisions.map((d) => `${d.source}:${d.runId ?? d.taskId}:${d.seq}`));
      cursor = page.next ?? undefined;
    } while (cursor);
    expect(paged).toEqual(all);
    const bad = await gaffer.decisions.list({ cursor: 'not-a-cursor' }).catch((e: unknown) => e);
    expect(isGafferError(bad, 'VALIDATION_FAILED')).toBe(true);
    expect((bad as Error).message).toContain('cursor');
  });

  it('serves GET /api/v1/decisions to any reading token, and 401/400 otherwise', async () => {
    const viewer = (await gaffer.tokens.create({ name: 'v', scope: 'viewer' })).token;
    const ok = await fetch(`${base}/decisions?type=gate&runId=${runId}`, { headers: { authorization: `Bearer ${viewer}` } });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { decisions: { decisionType: string; runId: string }[]; next: string | null };
    expect(body).toMatchObject({ decisions: [{ decisionType: 'gate', runId }], next: null });
    expect((await fetch(`${base}/decisions`)).status).toBe(401);
    const bad = await fetch(`${base}/decisions?limit=0`, { headers: { authorization: `Bearer ${viewer}` } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('limit');
  });
});
