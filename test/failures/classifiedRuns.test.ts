/**
 * Every failed run is classified: a real shell task fails with real compiler-style output, and
 * its run, its run_finished event and its task carry the failure class and the extracted context.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultExecutors } from '../../src/executor/registry.js';
import type { Gaffer } from '../../src/gaffer.js';
import { classified } from '../../src/queue/completeTask.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

describe.each(testBackends())('failed runs are classified on $name', (backend) => {
  let gaffer: Gaffer;
  beforeAll(async () => {
    gaffer = await openTestGaffer(backend);
  });
  afterAll(async () => {
    await gaffer?.close();
  });

  it('stores the class and context on the run, in run_finished and on the task', async () => {
    const tsc = "echo 'src/parser.ts(3,5): error TS2322: Type '\"'\"'string'\"'\"' is not assignable to type '\"'\"'number'\"'\"'.' >&2; exit 2";
    await gaffer.specs.apply({ name: `typecheck-${backend.name}`, executor: 'shell', command: ['sh', '-c', tsc] });
    const worker = gaffer.createWorker({ executors: defaultExecutors(), pollMs: 50 });
    await worker.start();
    const { task } = await gaffer.tasks.submit({ spec: `typecheck-${backend.name}` });
    const done = await waitFor('the task to fail', () => gaffer.tasks.get(task.id), (t) => t.status === 'escalated', 20_000);
    await worker.stop();
    expect(done.failureClass).toBe('compile_error');
    const run = await gaffer.runs.get(done.lastRunId!);
    expect(run.failureClass).toBe('compile_error');
    const classification = (run.error as { classification: { failureClass: string; context: { file?: string; line?: number; errorCodes: string[] } } }).classification;
    expect(classification).toMatchObject({ failureClass: 'compile_error', context: { file: 'src/parser.ts', line: 3, errorCodes: ['TS2322'] } });
    const finished = (await gaffer.events.read(run.id)).events.find((e) => e.type === 'run_finished')!;
    expect(finished.payload).toMatchObject({ status: 'failed', failureClass: 'compile_error', error: { classification: { context: { errorCodes: ['TS2322'] } } } });
    expect(done.lastError).toMatchObject({ classification: { failureClass: 'compile_error' } });
  });
});

describe.each(testBackends())('configured classifier rules on $name', (backend) => {
  it('classify failed attempts with your own rules (config classifierRules)', async () => {
    const gaffer = await openTestGaffer(backend, { config: { classifierRules: [{ pattern: 'QUOTA_GONE', class: 'resource_exhausted', precedence: 1 }] } });
    try {
      await gaffer.specs.apply({ name: 'deploy', executor: 'shell', command: ['sh', '-c', 'echo "error: QUOTA_GONE for project acme" >&2; exit 1'] });
      const worker = gaffer.createWorker({ executors: defaultExecutors(), pollMs: 50 });
      await worker.start();
      const { task } = await gaffer.tasks.submit({ spec: 'deploy' });
      const done = await waitFor('the task to fail', () => gaffer.tasks.get(task.id), (t) => t.status === 'escalated', 20_000);
      await worker.stop();
      expect(done.failureClass).toBe('resource_exhausted');
    } finally {
      await gaffer.close();
    }
  });
});

describe('classified()', () => {
  it("keeps the executor's own class, says so, and records the classifier's other answer beside it", () => {
    const out = classified({ status: 'failed', failureClass: 'budget_exceeded', error: { message: 'turn budget of 5 used up' } });
    expect(out).toMatchObject({
      failureClass: 'budget_exceeded',
      error: { classification: { failureClass: 'budget_exceeded', confidence: 1, decidedBy: 'executor', classifierGuess: { failureClass: 'unknown' } } },
    });
    // A classification the executor brings (a verification's, read from the failing check) is kept whole.
    const own = { failureClass: 'test_fail', confidence: 0.9, context: { errorCodes: [], failingTests: ['adds'], summary: 'adds failed' }, decidedBy: 'validators' };
    expect(classified({ status: 'failed', failureClass: 'test_fail', error: { message: 'verification failed', classification: own } })).toMatchObject({ error: { classification: own } });
    // One that disagrees with the executor's class is not trusted: the class decides.
    const stale = classified({ status: 'failed', failureClass: 'lint_error', error: { message: 'x', classification: own } });
    expect(stale).toMatchObject({ failureClass: 'lint_error', error: { classification: { failureClass: 'lint_error', decidedBy: 'executor' } } });
  });

  it('classifies a timed-out attempt as timeout and leaves successes alone', () => {
    expect(classified({ status: 'timed_out', error: { message: 'timed out after 50 ms' } })).toMatchObject({ failureClass: 'timeout' });
    const ok = { status: 'succeeded' as const, output: 1 };
    expect(classified(ok)).toBe(ok);
  });
});
