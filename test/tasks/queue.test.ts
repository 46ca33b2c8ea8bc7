/**
 * The queue's rules, driven through claimTasks/completeTask directly (no worker, so every claim
 * is the test's own): claim order, concurrency caps, fencing after a lost lease, reclaiming.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gaffer } from '../../src/gaffer.js';
import { claimTasks } from '../../src/queue/claimTasks.js';
import { completeTask } from '../../src/queue/completeTask.js';
import { heartbeat, reapExpiredLeases, releaseTask } from '../../src/queue/leases.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';

describe.each(testBackends())('queue rules on $name', (backend) => {
  let gaffer: Gaffer;
  const claim = (limit: number, workerId = 'w1', leaseMs = 60_000) =>
    claimTasks(gaffer.resources, { workerId, limit, leaseMs, recordRuns: true });

  beforeAll(async () => {
    gaffer = await openTestGaffer(backend);
    await gaffer.specs.apply({ name: 'job', executor: 'shell', command: ['true'], acceptance: { retry: { policy: 'exponential', maxRetries: 1 }, noRetryClasses: [] } });
    await gaffer.specs.apply({ name: 'keyed', executor: 'shell', command: ['true'], concurrency: { key: 'repo-{{input.repo}}', limit: 2 } });
  });
  afterAll(async () => {
    await gaffer?.close();
  });

  async function drain(): Promise<void> {
    for (let c = await claim(100); c.length; c = await claim(100)) {
      for (const t of c) await completeTask(gaffer.resources, { taskId: t.task.id, attempt: t.attempt, runId: t.runId, outcome: { status: 'succeeded' } });
    }
  }

  it('claims by priority, then FIFO within a priority', async () => {
    await drain();
    const low = await gaffer.tasks.submit({ spec: 'job', priority: -1 });
    const a = await gaffer.tasks.submit({ spec: 'job' });
    const high = await gaffer.tasks.submit({ spec: 'job', priority: 5 });
    const b = await gaffer.tasks.submit({ spec: 'job' });
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const [c] = await claim(1);
      order.push(c!.task.id);
      await completeTask(gaffer.resources, { taskId: c!.task.id, attempt: c!.attempt, runId: c!.runId, outcome: { status: 'succeeded' } });
    }
    expect(order).toEqual([high.task.id, a.task.id, b.task.id, low.task.id]);
  });

  it('never runs more tasks of one concurrency key than its limit, across workers', async () => {
    await drain();
    for (let i = 0; i < 5; i++) await gaffer.tasks.submit({ spec: 'keyed', input: { repo: 'one' } });
    const other = await gaffer.tasks.submit({ spec: 'keyed', input: { repo: 'two' } });
    expect(other.task.concurrencyKey).toBe('repo-two');
    const [w1, w2] = await Promise.all([claim(5, 'w1'), claim(5, 'w2')]);
    const claimed = [...w1!, ...w2!];
    expect(claimed.filter((c) => c.task.concurrencyKey === 'repo-one')).toHaveLength(2);
    expect(claimed.filter((c) => c.task.concurrencyKey === 'repo-two')).toHaveLength(1);
    expect(await claim(5, 'w3')).toHaveLength(0);
    const first = claimed.find((c) => c.task.concurrencyKey === 'repo-one')!;
    await completeTask(gaffer.resources, { taskId: first.task.id, attempt: first.attempt, runId: first.runId, outcome: { status: 'succeeded' } });
    const next = await claim(5, 'w3');
    expect(next.map((c) => c.task.concurrencyKey)).toEqual(['repo-one']);
    for (const c of [...claimed.filter((x) => x !== first), ...next]) {
      await completeTask(gaffer.resources, { taskId: c.task.id, attempt: c.attempt, runId: c.runId, outcome: { status: 'succeeded' } });
    }
    await drain();
    const [slot] = await gaffer.db.rows<{ running: number }>(sql`SELECT running FROM concurrency_slots WHERE key = 'repo-one'`);
    expect(slot!.running).toBe(0);
  });

  it('fences a worker whose lease expired: the task is reclaimed, its run lost, its late result refused', async () => {
    await drain();
    const { task } = await gaffer.tasks.submit({ spec: 'job' });
    const [first] = await claim(1, 'dead-worker', 60_000);
    expect(first!.attempt).toBe(1);
    await gaffer.db.rows(sql`UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE id = ${task.id}`);
    expect(await reapExpiredLeases(gaffer.resources)).toBe(1);
    expect(await gaffer.runs.get(first!.runId!)).toMatchObject({ status: 'lost' });
    const [second] = await claim(1, 'live-worker');
    expect(second).toMatchObject({ attempt: 2 });
    expect((await heartbeat(gaffer.resources, { taskId: task.id, attempt: 1, workerId: 'dead-worker', leaseMs: 1000 })).held).toBe(false);
    await expect(
      completeTask(gaffer.resources, { taskId: task.id, attempt: 1, runId: first!.runId, outcome: { status: 'succeeded' } }),
    ).rejects.toMatchObject({ code: 'LEASE_LOST' });
    await completeTask(gaffer.resources, { taskId: task.id, attempt: 2, runId: second!.runId, outcome: { status: 'succeeded' } });
    const done = await gaffer.tasks.get(task.id);
    expect(done).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect((await gaffer.tasks.events(task.id)).some((e) => e.type === 'lease_expired')).toBe(true);
  });

  it('escalates a task whose last attempt lost its lease, as an orchestration error', async () => {
    await drain();
    await gaffer.specs.apply({ name: 'once', executor: 'shell', command: ['true'] });
    const { task } = await gaffer.tasks.submit({ spec: 'once' });
    await claim(1);
    await gaffer.db.rows(sql`UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE id = ${task.id}`);
    await reapExpiredLeases(gaffer.resources);
    expect(await gaffer.tasks.get(task.id)).toMatchObject({ status: 'escalated', failureClass: 'orchestration_error' });
    const [escalation] = await gaffer.escalations.list({ taskId: task.id });
    expect(escalation).toMatchObject({ status: 'open', trigger: 'retries_exhausted', failureClass: 'orchestration_error', evidence: [{ status: 'lost' }] });
  });

  it('hands a task back on shutdown without spending an attempt', async () => {
    await drain();
    const { task } = await gaffer.tasks.submit({ spec: 'once' });
    const [c] = await claim(1);
    expect(await releaseTask(gaffer.resources, { taskId: task.id, attempt: c!.attempt, runId: c!.runId, reason: 'shutdown' })).toBe(true);
    const back = await gaffer.tasks.get(task.id);
    expect(back).toMatchObject({ status: 'queued', maxAttempts: 2 });
    const [again] = await claim(1);
    expect(again!.task.id).toBe(task.id);
  });

  it('backs off exponentially before a retry and does not claim early', async () => {
    await drain();
    const { task } = await gaffer.tasks.submit({ spec: 'job' });
    const [c] = await claim(1);
    const result = await completeTask(gaffer.resources, { taskId: task.id, attempt: c!.attempt, runId: c!.runId, outcome: { status: 'failed', error: { message: 'x' } } });
    expect(result.status).toBe('retrying');
    expect(result.retryAt!.getTime()).toBeGreaterThan(Date.now() + 500);
    expect(await claim(1)).toHaveLength(0);
  });
});
