/**
 * Outcomes: one row per finished run, written by the database whichever path finished the run
 * (a worker's one-statement success, a failure's transaction, the SDK/API finish), with what the
 * run's events say (routing rule and reason, validator durations, diff size); and the stats read
 * from them, by profile, spec, failure class and day, over a window, in the library and over HTTP.
 */
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, buildServer } from '../../src/api/server.js';
import type { ExecutionContext, ExecutionResult, TaskExecutor } from '../../src/executor/types.js';
import type { Gaffer } from '../../src/gaffer.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

interface OutcomeRow {
  run_id: string;
  success: boolean;
  status: string;
  verdict: string | null;
  failure_class: string | null;
  cost_usd: number;
  route_rule: string | null;
  route_reason: string | null;
  diff_files: number | null;
  diff_lines: number | null;
  validator_durations: Record<string, number>;
}

describe.each(testBackends())('outcomes and stats on $name', (backend) => {
  let gaffer: Gaffer;
  let app: FastifyInstance;
  let base: string;
  let behave: (ctx: ExecutionContext) => Promise<ExecutionResult>;
  const executor: TaskExecutor = { name: 'shell', execute: (ctx) => behave(ctx) };

  beforeAll(async () => {
    gaffer = await openTestGaffer(backend);
    app = await buildServer(gaffer);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}${API_PREFIX}`;
  });
  afterAll(async () => {
    await app?.close();
    await gaffer?.close();
  });

  const outcomeOf = async (runId: string): Promise<OutcomeRow | undefined> =>
    (await gaffer.db.rows<OutcomeRow>(sql`SELECT * FROM outcomes WHERE run_id = ${runId}`))[0];

  async function runTask(spec: string): Promise<string> {
    const worker = gaffer.createWorker({ concurrency: 1, pollMs: 50, executors: [executor] });
    await worker.start();
    try {
      const { task } = await gaffer.tasks.submit({ spec });
      const done = await waitFor('the task', () => gaffer.tasks.get(task.id), (t) => ['succeeded', 'failed', 'escalated'].includes(t.status));
      return done.lastRunId!;
    } finally {
      await worker.stop();
    }
  }

  it('writes the outcome of a worker success with its route, validators and diff', async () => {
    await gaffer.specs.apply({ name: `ok-${backend.name}`, executor: 'shell', command: ['true'] });
    behave = async (ctx) => {
      await ctx.record('decision', { decisionType: 'routing', inputs: {}, output: { profile: 'p', rule: 'complexity' }, reason: 'cheapest covering' });
      await ctx.record('validator_result', { validator: 'tests', type: 'command', verdict: 'passed', passed: true, score: 1, durationMs: 42 });
      await ctx.record('validator_result', { validator: 'lint', type: 'command', verdict: 'passed', passed: true, score: 1, durationMs: 7 });
      return { status: 'succeeded', verdict: 'passed', output: { diff: { files: [{ path: 'a' }, { path: 'b' }], linesAdded: 3, linesRemoved: 2 } } };
    };
    const runId = await runTask(`ok-${backend.name}`);
    expect(await outcomeOf(runId)).toMatchObject({
      success: true,
      status: 'succeeded',
      verdict: 'passed',
      route_rule: 'complexity',
      route_reason: 'cheapest covering',
      diff_files: 2,
      diff_lines: 5,
      validator_durations: { tests: 42, lint: 7 },
    });
  });

  it('writes the outcome of a failure with its class, and of a run finished over the SDK/API', async () => {
    await gaffer.specs.apply({ name: `bad-${backend.name}`, executor: 'shell', command: ['true'] });
    behave = async () => ({ status: 'failed', failureClass: 'test_fail', error: { message: 'tests failed' } });
    const failed = await runTask(`bad-${backend.name}`);
    expect(await outcomeOf(failed)).toMatchObject({ success: false, status: 'failed', failure_class: 'test_fail' });

    const run = await gaffer.runs.create({ name: 'external agent' });
    expect(await outcomeOf(run.id)).toBeUndefined();
    await gaffer.runs.finish(run.id, { status: 'failed', failureClass: 'timeout' });
    expect(await outcomeOf(run.id)).toMatchObject({ success: false, status: 'failed', failure_class: 'timeout' });
  });

  it('sums outcomes up by spec, failure class and day, within the window, over HTTP too', async () => {
    const bySpec = await gaffer.stats({ by: 'spec' });
    const ok = bySpec.groups.find((g) => g.key === `ok-${backend.name} v1`);
    expect(ok).toMatchObject({ runs: 1, successes: 1, successRate: 1 });
    expect(bySpec.groups.find((g) => g.key === `bad-${backend.name} v1`)).toMatchObject({ runs: 1, successes: 0, successRate: 0 });
    expect(bySpec.total.runs).toBe(bySpec.groups.reduce((n, g) => n + g.runs, 0));
    const byClass = await gaffer.stats({ by: 'failure_class' });
    expect(byClass.groups.find((g) => g.key === 'test_fail')?.runs).toBeGreaterThanOrEqual(1);
    expect(byClass.groups.find((g) => g.key === '(none)')?.successes).toBeGreaterThanOrEqual(1);
    const byDay = await gaffer.stats({ by: 'day' });
    expect(byDay.groups.at(-1)?.key).toBe(new Date().toISOString().slice(0, 10));
    const past = await gaffer.stats({ since: new Date(Date.now() - 3_600_000 * 48), until: new Date(Date.now() - 3_600_000 * 24) });
    expect(past.total).toMatchObject({ runs: 0, successRate: null });

    const viewer = (await gaffer.tokens.create({ name: 'stats', scope: 'viewer' })).token;
    const res = await fetch(`${base}/stats?by=failure_class`, { headers: { authorization: `Bearer ${viewer}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { by: string }).by).toBe('failure_class');
    const bad = await fetch(`${base}/stats?by=model`, { headers: { authorization: `Bearer ${viewer}` } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('by');
    // A bare date is that day's midnight UTC; anything else names the field.
    const today = new Date().toISOString().slice(0, 10);
    const byDate = await fetch(`${base}/stats?by=day&since=${today}`, { headers: { authorization: `Bearer ${viewer}` } });
    expect(byDate.status).toBe(200);
    expect(((await byDate.json()) as { since: string }).since).toBe(`${today}T00:00:00.000Z`);
    const badDate = await fetch(`${base}/stats?since=yesterday`, { headers: { authorization: `Bearer ${viewer}` } });
    expect(badDate.status).toBe(400);
    expect(((await badDate.json()) as { error: { message: string } }).error.message).toMatch(/^querystring\.since/);
  });
});
