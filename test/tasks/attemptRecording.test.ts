/**
 * What an executor records through a real worker: buffered (AttemptRecorder), written with the
 * completion in one statement on success, appended first on every other ending, flushed while the
 * attempt still runs, never lost, always in order before run_finished.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_EVENT_PAYLOAD_BYTES } from '../../src/config/config.js';
import type { ExecutionContext, TaskExecutor } from '../../src/executor/types.js';
import type { Gaffer } from '../../src/gaffer.js';
import { isSpilledPayload } from '../../src/events/appendEvents.js';
import { FLUSH_MS } from '../../src/queue/attemptRecorder.js';
import { completeSuccesses } from '../../src/queue/completeTask.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

const llmCall = {
  provider: 'openai',
  model: 'm',
  request: { messages: [] },
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:00:01.000Z',
  latencyMs: 1000,
  usage: { inputTokens: 7, outputTokens: 5 },
  costUsd: 0.25,
};

describe.each(testBackends())('attempt recording on $name', (backend) => {
  let gaffer: Gaffer;
  let behave: (ctx: ExecutionContext) => Promise<{ status: 'succeeded' } | { status: 'failed'; error: Record<string, unknown> }>;
  const executor: TaskExecutor = { name: 'shell', execute: (ctx) => behave(ctx) };

  beforeAll(async () => {
    gaffer = await openTestGaffer(backend);
    await gaffer.specs.apply({ name: 'rec', executor: 'shell', command: ['true'] });
  });
  afterAll(async () => {
    await gaffer?.close();
  });

  async function runOne(): Promise<{ runId: string; status: string; events: { seq: number; type: string; payload: unknown }[] }> {
    const worker = gaffer.createWorker({ concurrency: 1, pollMs: 50, executors: [executor] });
    await worker.start();
    try {
      const { task } = await gaffer.tasks.submit({ spec: 'rec' });
      const done = await waitFor('the task to finish', () => gaffer.tasks.get(task.id), (t) => ['succeeded', 'failed', 'escalated'].includes(t.status));
      const events = (await gaffer.events.read(done.lastRunId!, { limit: 1000 })).events;
      return { runId: done.lastRunId!, status: done.status, events };
    } finally {
      await worker.stop();
    }
  }

  it('writes a successful attempt’s events with its completion, in order before run_finished, with the counters', async () => {
    behave = async (ctx) => {
      await ctx.record('log', { message: 'one' });
      await ctx.record('llm_call', llmCall);
      await ctx.record('log', { message: 'two' });
      return { status: 'succeeded' };
    };
    const { runId, status, events } = await runOne();
    expect(status).toBe('succeeded');
    expect(events.map((e) => [e.seq, e.type])).toEqual([
      [1, 'run_started'],
      [2, 'log'],
      [3, 'llm_call'],
      [4, 'log'],
      [5, 'run_finished'],
    ]);
    expect(events[1]!.payload).toMatchObject({ message: 'one', level: 'info' });
    expect(await gaffer.runs.get(runId)).toMatchObject({ status: 'succeeded', lastSeq: 5, turns: 1, inputTokens: 7, outputTokens: 5, costUsd: 0.25 });
  });

  it('appends a failed attempt’s events before the failure is recorded', async () => {
    behave = async (ctx) => {
      await ctx.record('log', { message: 'about to fail' });
      return { status: 'failed', error: { message: 'no' } };
    };
    const { status, events } = await runOne();
    expect(status).toBe('escalated');
    expect(events.map((e) => e.type)).toEqual(['run_started', 'log', 'run_finished']);
    expect(events.at(-1)!.payload).toMatchObject({ status: 'failed' });
  });

  it('rejects a bad event where it is recorded, naming the field', async () => {
    let caught: unknown;
    behave = async (ctx) => {
      caught = await ctx.record('log', { level: 'loud', message: 'x' }).catch((e: unknown) => e);
      return { status: 'succeeded' };
    };
    const { events } = await runOne();
    expect((caught as Error).message).toContain('events[0].payload.level');
    expect(events.map((e) => e.type)).toEqual(['run_started', 'run_finished']);
  });

  it('flushes while the attempt still runs, so a live reader sees events within the flush interval', async () => {
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    let runId = '';
    behave = async (ctx) => {
      runId = ctx.runId!;
      await ctx.record('log', { message: 'early' });
      await hold;
      return { status: 'succeeded' };
    };
    const finished = runOne();
    await waitFor('the attempt to start', async () => runId, (id) => id !== '');
    const page = await waitFor(
      'the early event to be readable while running',
      () => gaffer.events.read(runId),
      (p) => p.events.some((e) => e.type === 'log'),
      FLUSH_MS * 50,
    );
    expect(page.events.find((e) => e.type === 'log')!.payload).toMatchObject({ message: 'early' });
    expect((await gaffer.runs.get(runId)).status).toBe('running');
    release();
    const { events } = await finished;
    expect(events.map((e) => e.type)).toEqual(['run_started', 'log', 'run_finished']);
  });

  it('stores an over-size payload as an artifact first and keeps the order', async () => {
    const big = 'x'.repeat(MAX_EVENT_PAYLOAD_BYTES + 10);
    behave = async (ctx) => {
      await ctx.record('log', { message: 'small' });
      await ctx.record('log', { message: big });
      await ctx.record('log', { message: 'after' });
      return { status: 'succeeded' };
    };
    const { events } = await runOne();
    expect(events.map((e) => e.type)).toEqual(['run_started', 'log', 'log', 'log', 'run_finished']);
    expect(isSpilledPayload(events[2]!.payload)).toBe(true);
    expect(events[3]!.payload).toMatchObject({ message: 'after' });
  });

  it('leaves a success it cannot record (fencing) to the transaction path, writing none of its events', async () => {
    const { task } = await gaffer.tasks.submit({ spec: 'rec' });
    // Not claimed: attempt 0, status queued — the one-statement completion must change nothing.
    const { done } = await completeSuccesses(gaffer.resources, [{ taskId: task.id, attempt: 1, runId: null, principal: 'test' }]);
    expect(done.size).toBe(0);
    expect((await gaffer.tasks.get(task.id)).status).toBe('queued');
    await gaffer.tasks.cancel(task.id, 'test');
  });
});
