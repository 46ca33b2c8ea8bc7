/**
 * The task lifecycle end to end on each backend, with real workers running real commands:
 * submit → claim → shell executor → verified completion, approvals, dependencies, priorities,
 * idempotency, concurrency keys, retries with backoff, timeouts and cancellation.
 */
import fs from 'node:fs';
import os from 'node:os';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASK_TRANSITIONS } from '../../src/db/vocabulary.js';
import { ShellExecutor } from '../../src/executor/shellExecutor.js';
import type { Gaffer } from '../../src/gaffer.js';
import type { Worker } from '../../src/queue/worker.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';


describe.each(testBackends())('task lifecycle on $name', (backend) => {
  let gaffer: Gaffer;
  let worker: Worker;

  beforeAll(async () => {
    gaffer = await openTestGaffer(backend);
    await gaffer.specs.apply({ name: 'echo', executor: 'shell', command: ['echo', 'hello {{input.who}}'], inputSchema: { type: 'object', required: ['who'], properties: { who: { type: 'string' } } } });
    await gaffer.specs.apply({ name: 'fail', executor: 'shell', command: ['sh', '-c', 'echo broken >&2; exit 3'],
      acceptance: { retry: { policy: 'fixed', maxRetries: 2, backoffMs: 10, jitter: 0 }, noRetryClasses: [] } });
    await gaffer.specs.apply({ name: 'slow', executor: 'shell', command: ['sleep', '{{input.seconds}}'], timeoutMs: 400 });
    await gaffer.specs.apply({ name: 'sleepy', executor: 'shell', command: ['sleep', '{{input.seconds}}'] });
    await gaffer.specs.apply({ name: 'gated', executor: 'shell', command: ['true'], approval: { when: { properties: { env: { const: 'prod' } }, required: ['env'] } } });
    worker = gaffer.createWorker({ concurrency: 4, executors: [new ShellExecutor()], pollMs: 100, leaseMs: 1_500 });
    await worker.start();
  });
  afterAll(async () => {
    await gaffer?.close();
  });

  it('the database holds exactly the documented state machine', async () => {
    const rows = await gaffer.db.rows<{ from_status: string; to_status: string }>(sql`SELECT from_status, to_status FROM task_transitions`);
    expect(rows.map((r) => `${r.from_status}->${r.to_status}`).sort()).toEqual(TASK_TRANSITIONS.map(([a, b]) => `${a}->${b}`).sort());
    const { task } = await gaffer.tasks.submit({ spec: 'echo', input: { who: 'db' }, delayMs: 60_000 });
    const err = await gaffer.db.rows(sql`UPDATE tasks SET status = 'succeeded' WHERE id = ${task.id}`).catch((e: unknown) => e);
    expect(String((err as Error).cause)).toMatch(/cannot go from scheduled to succeeded/);
  });

  it('runs a shell task to success and records the attempt with its output', async () => {
    const { task } = await gaffer.tasks.submit({ spec: 'echo', input: { who: 'world; rm -rf /' } }, 'operator:alice');
    const done = await waitFor('success', () => gaffer.tasks.get(task.id), (t) => t.status === 'succeeded');
    expect(done.attempt).toBe(1);
    expect(done.result).toMatchObject({ exitCode: 0, stdout: 'hello world; rm -rf /\n' });
    const detail = await gaffer.tasks.detail(task.id);
    expect(detail.attempts).toHaveLength(1);
    const run = detail.attempts[0]!;
    expect(run).toMatchObject({ status: 'succeeded', attempt: 1, specVersionId: task.specVersionId });
    const events = await gaffer.events.read(run.id);
    expect(events.events.map((e) => e.type)).toEqual(['run_started', 'tool_call', 'artifact', 'artifact', 'tool_result', 'run_finished']);
    expect(events.events[1]!.payload).toMatchObject({ name: 'shell', arguments: { argv: ['echo', 'hello world; rm -rf /'] } });
    // The command ran in a scratch folder of its own, which is gone afterwards.
    const { cwd } = (events.events[1]!.payload as { arguments: { cwd: string } }).arguments;
    expect(cwd).toContain(os.tmpdir());
    expect(fs.existsSync(cwd)).toBe(false);
    const stdout = events.events.find((e) => e.type === 'artifact' && (e.payload as { name: string }).name === 'stdout')!;
    expect((await gaffer.artifacts.get((stdout.payload as { sha256: string }).sha256)).content.toString()).toBe('hello world; rm -rf /\n');
    const log = await gaffer.tasks.events(task.id);
    expect(log.map((e) => e.type)).toEqual(['task_submitted', 'status_change']);
    expect(log[0]!.principal).toBe('operator:alice');
  });

  it('stays responsive when woken while every slot is busy', async () => {
    const single = gaffer.createWorker({ concurrency: 1, executors: [new ShellExecutor()], pollMs: 100, leaseMs: 1_500 });
    await worker.stop(); // only the single-slot worker claims now
    await single.start();
    try {
      const { task } = await gaffer.tasks.submit({ spec: 'sleepy', input: { seconds: '0.5' } });
      await waitFor('running', () => gaffer.tasks.get(task.id), (t) => t.status === 'running');
      // A NOTIFY (or any wake-up) arriving while all slots are busy once made the loop spin
      // synchronously, freezing the process: timers, heartbeats and I/O all stopped.
      single.wake();
      single.wake();
      const ticked = await new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 20));
      expect(ticked).toBe(true);
      await waitFor('finished', () => gaffer.tasks.get(task.id), (t) => t.status === 'succeeded');
    } finally {
      await single.stop();
      worker = gaffer.createWorker({ concurrency: 4, executors: [new ShellExecutor()], pollMs: 100, leaseMs: 1_500 });
      await worker.start();
    }
  });

  it('rejects input that does not match the spec, naming the path', async () => {
    await expect(gaffer.tasks.submit({ spec: 'echo', input: { who: 3 } })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('input.who') });
    await expect(gaffer.tasks.submit({ spec: 'echo', input: {} })).rejects.toMatchObject({ message: expect.stringContaining('input.who') });
    await expect(gaffer.tasks.submit({ spec: 'nope' })).rejects.toMatchObject({ code: 'SPEC_NOT_FOUND' });
  });

  it('retries a failing task per its policy with retry decisions, then escalates it', async () => {
    const { task } = await gaffer.tasks.submit({ spec: 'fail' });
    const failed = await waitFor('failure', () => gaffer.tasks.get(task.id), (t) => t.status === 'escalated');
    expect(failed.attempt).toBe(3);
    expect(failed.lastError).toMatchObject({ exitCode: 3, stderr: 'broken\n' });
    const log = await gaffer.tasks.events(task.id);
    const retries = log.filter((e) => e.type === 'decision' && (e.payload as { decisionType: string }).decisionType === 'retry');
    expect(retries).toHaveLength(2);
    expect(retries[0]!.payload).toMatchObject({ decisionType: 'retry', output: { retry: true, nextAttempt: 2, delayMs: 10 } });
    const statuses = log.filter((e) => e.type === 'status_change').map((e) => (e.payload as { to: string }).to);
    expect(statuses).toEqual(['retrying', 'retrying', 'escalated']);
    const [escalation] = await gaffer.escalations.list({ taskId: task.id });
    expect(escalation).toMatchObject({ status: 'open', trigger: 'retries_exhausted' });
    expect((await gaffer.tasks.detail(task.id)).attempts.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
  });

  it('kills a task that runs past its timeout (run timed_out)', async () => {
    const { task } = await gaffer.tasks.submit({ spec: 'slow', input: { seconds: '30' } });
    const failed = await waitFor('timeout', () => gaffer.tasks.get(task.id), (t) => t.status === 'escalated');
    expect(failed.failureClass).toBe('timeout');
    const [run] = (await gaffer.tasks.detail(task.id)).attempts;
    expect(run).toMatchObject({ status: 'timed_out', failureClass: 'timeout' });
    expect(run!.durationMs).toBeLessThan(10_000);
  });

  it('cancels a queued task at once and a running one through its worker', async () => {
    const later = await gaffer.tasks.submit({ spec: 'echo', input: { who: 'later' }, delayMs: 60_000 });
    expect(later.task.status).toBe('scheduled');
    expect((await gaffer.tasks.cancel(later.task.id, 'operator:bob')).status).toBe('cancelled');
    const running = await gaffer.tasks.submit({ spec: 'sleepy', input: { seconds: '30' } });
    await waitFor('running', () => gaffer.tasks.get(running.task.id), (t) => t.status === 'running');
    const requested = await gaffer.tasks.cancel(running.task.id, 'operator:bob', 'not needed');
    expect(requested).toMatchObject({ status: 'running', cancelRequested: true });
    // The worker sees the request at its next heartbeat (leaseMs/3) and kills the command.
    const cancelled = await waitFor('cancelled', () => gaffer.tasks.get(running.task.id), (t) => t.status === 'cancelled', 5_000);
    expect(cancelled.finishedAt).not.toBeNull();
    expect((await gaffer.tasks.detail(running.task.id)).attempts[0]).toMatchObject({ status: 'cancelled' });
    const long = await gaffer.tasks.submit({ spec: 'echo', input: { who: 'x' }, approval: true });
    expect(long.task.status).toBe('awaiting_approval');
    await gaffer.tasks.cancel(long.task.id, 'operator:bob');
    expect((await gaffer.approvals.list({ taskId: long.task.id }))[0]!.status).toBe('cancelled');
    await expect(gaffer.tasks.cancel(later.task.id, 'operator:bob')).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });

  it('holds a task for approval by policy or by request, and runs it once approved', async () => {
    const dev = await gaffer.tasks.submit({ spec: 'gated', input: { env: 'dev' } });
    expect(dev.task.status).toBe('queued');
    const prod = await gaffer.tasks.submit({ spec: 'gated', input: { env: 'prod' } });
    expect(prod.task.status).toBe('awaiting_approval');
    expect(prod.approvalId).toBeDefined();
    const approval = await gaffer.approvals.decide({ id: prod.approvalId!, decision: 'approved', note: 'ship it', principal: 'operator:carol' });
    expect(approval).toMatchObject({ status: 'approved', decidedBy: 'operator:carol', note: 'ship it' });
    await waitFor('approved task runs', () => gaffer.tasks.get(prod.task.id), (t) => t.status === 'succeeded');
    const decided = (await gaffer.tasks.events(prod.task.id)).find((e) => e.type === 'approval_decided')!;
    expect(decided).toMatchObject({ principal: 'operator:carol', payload: { decision: 'approved', note: 'ship it' } });
    await expect(gaffer.approvals.decide({ id: prod.approvalId!, decision: 'rejected', principal: 'operator:carol' })).rejects.toMatchObject({ code: 'INVALID_STATE' });

    const byTaskId = await gaffer.tasks.submit({ spec: 'echo', input: { who: 'r' }, approval: true });
    await gaffer.approvals.decide({ id: byTaskId.task.id, decision: 'rejected', principal: 'admin:root' });
    expect((await gaffer.tasks.get(byTaskId.task.id)).status).toBe('rejected');
  });

  it('returns the existing task for a repeated idempotency key', async () => {
    const a = await gaffer.tasks.submit({ spec: 'echo', input: { who: 'once' }, idempotencyKey: `idem-${backend.name}` });
    const b = await gaffer.tasks.submit({ spec: 'echo', input: { who: 'twice' }, idempotencyKey: `idem-${backend.name}` });
    expect(b).toMatchObject({ existing: true });
    expect(b.task.id).toBe(a.task.id);
  });

  it('holds dependents until their dependencies succeed, and blocks them when one fails', async () => {
    const first = await gaffer.tasks.submit({ spec: 'echo', input: { who: 'first' }, delayMs: 300 });
    const then = await gaffer.tasks.submit({ spec: 'echo', input: { who: 'then' }, dependsOn: [first.task.id] });
    expect(then.task.status).toBe('waiting');
    await waitFor('dependent runs', () => gaffer.tasks.get(then.task.id), (t) => t.status === 'succeeded');
    const bad = await gaffer.tasks.submit({ spec: 'fail' });
    const child = await gaffer.tasks.submit({ spec: 'echo', input: { who: 'c' }, dependsOn: [bad.task.id] });
    const grandchild = await gaffer.tasks.submit({ spec: 'echo', input: { who: 'g' }, dependsOn: [child.task.id] });
    // While the failed dependency waits in the inbox, its dependents wait too (a person may retry it)...
    await waitFor('escalated', () => gaffer.tasks.get(bad.task.id), (t) => t.status === 'escalated');
    expect((await gaffer.tasks.get(child.task.id)).status).toBe('waiting');
    const [escalation] = await gaffer.escalations.list({ taskId: bad.task.id });
    // ...and once the person gives up on it, they are blocked, transitively.
    await gaffer.escalations.dismiss({ id: escalation!.id, principal: 'operator:ann', note: 'not worth it' });
    expect((await gaffer.tasks.get(bad.task.id)).status).toBe('failed');
    await waitFor('blocked', () => gaffer.tasks.get(grandchild.task.id), (t) => t.status === 'blocked');
    expect((await gaffer.tasks.get(child.task.id)).status).toBe('blocked');
    const late = await gaffer.tasks.submit({ spec: 'echo', input: { who: 'late' }, dependsOn: [bad.task.id] });
    expect(late.task.status).toBe('blocked');
  });
});
