/**
 * The spec's fallback once retries are spent: a new task of the fallback spec, linked to the
 * failed one, created in the same transaction as the failure. A transient database error while
 * submitting it (a serialization failure, a deadlock) runs the whole completion again — it is not
 * read as "the fallback cannot be submitted", which would drop the fallback for good.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShellExecutor } from '../../src/executor/shellExecutor.js';
import type { Gaffer } from '../../src/gaffer.js';
import type { Worker } from '../../src/queue/worker.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

const FINAL = ['succeeded', 'failed', 'cancelled', 'escalated'];

describe.each(testBackends())('fallback specs on $name', (backend) => {
  let gaffer: Gaffer;
  let worker: Worker;
  beforeAll(async () => {
    gaffer = await openTestGaffer(backend);
    worker = gaffer.createWorker({ executors: [new ShellExecutor()], pollMs: 50 });
    await worker.start();
    await gaffer.specs.apply({ name: 'rescue', executor: 'shell', command: ['true'] });
    await gaffer.specs.apply({ name: 'doomed', executor: 'shell', command: ['false'], acceptance: { fallbackSpec: 'rescue' } });
  });
  afterAll(async () => {
    await worker?.stop();
    await gaffer?.close();
  });

  async function fallbackOf(taskId: string): Promise<{ taskId: string | null; error?: string }> {
    const failed = await waitFor('the task to finish', () => gaffer.tasks.get(taskId), (t) => FINAL.includes(t.status), 30_000);
    expect(failed.status).toBe('failed');
    const decision = (await gaffer.tasks.events(taskId)).find((e) => e.type === 'decision' && (e.payload as { decisionType: string }).decisionType === 'fallback');
    return (decision!.payload as { output: { taskId: string | null; error?: string } }).output;
  }

  it('submits the fallback, linked to the failed task, and it runs', async () => {
    const { task } = await gaffer.tasks.submit({ spec: 'doomed' });
    const fallback = await fallbackOf(task.id);
    const rescued = await waitFor('the fallback to finish', () => gaffer.tasks.get(fallback.taskId!), (t) => FINAL.includes(t.status), 30_000);
    expect(rescued).toMatchObject({ status: 'succeeded', parentTaskId: task.id });
  });

  it('runs the completion again after a serialization failure while submitting the fallback', async () => {
    // The first insert of a fallback task fails with SQLSTATE 40001; a sequence counts the tries
    // because it is not rolled back with the failed transaction.
    await gaffer.db.rows(sql`CREATE SEQUENCE fallback_tries`);
    await gaffer.db.rows(sql.raw(`CREATE FUNCTION fail_first_fallback() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.parent_task_id IS NOT NULL AND nextval('fallback_tries') = 1 THEN
          RAISE EXCEPTION 'injected serialization failure' USING ERRCODE = '40001';
        END IF;
        RETURN NEW;
      END $$`));
    await gaffer.db.rows(sql`CREATE TRIGGER fail_first_fallback BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION fail_first_fallback()`);
    try {
      const { task } = await gaffer.tasks.submit({ spec: 'doomed' });
      const fallback = await fallbackOf(task.id);
      expect(fallback.error).toBeUndefined();
      expect((await gaffer.db.rows<{ n: number }>(sql`SELECT last_value AS n FROM fallback_tries`))[0]!.n).toBe(2);
      const rescued = await waitFor('the fallback to finish', () => gaffer.tasks.get(fallback.taskId!), (t) => FINAL.includes(t.status), 30_000);
      expect(rescued).toMatchObject({ status: 'succeeded', parentTaskId: task.id });
    } finally {
      await gaffer.db.rows(sql`DROP TRIGGER fail_first_fallback ON tasks`);
    }
  });
});
