/**
 * The Scheduler loop: it fires what is due on its own, reports each pass, keeps going when
 * passes fail (a database that went away), and stops cleanly. It waits for the loop's own
 * reports (onPass / onError), never for a fixed time.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGaffer, type Gaffer } from '../../src/gaffer.js';
import { silentLogger } from '../../src/resources.js';
import type { FireResult } from '../../src/scheduler/fireSchedules.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { createSchedule } from '../../src/scheduler/schedules.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';
import { applyTestSpec, openSecondGaffer, setNextFireAt, SPEC, tasksOf } from './helpers.js';

describe.each(testBackends())('Scheduler loop on $name', (backend) => {
  let gaffer: Gaffer;

  beforeAll(async () => {
    gaffer = await openTestGaffer(backend);
    await applyTestSpec(gaffer);
  });
  afterAll(async () => {
    await gaffer?.close();
  });

  it('fires a due schedule by itself, reports the pass, and stops', async () => {
    const s = await createSchedule(gaffer.resources, { spec: SPEC, cron: '0 0 * * *', input: { repo: 'loop' }, missed: 'all' });
    await setNextFireAt(gaffer, s.id, sql`date_trunc('day', now()) - interval '1 day'`);

    const passes: FireResult[] = [];
    let firedOnce: () => void = () => {};
    const fired = new Promise<void>((resolve) => (firedOnce = resolve));
    const scheduler = new Scheduler(gaffer.resources, {
      pollMs: 50,
      onPass: (result) => {
        passes.push(result);
        if (result.fired > 0) firedOnce();
      },
    });
    scheduler.start();
    scheduler.start(); // a second start is a no-op, not a second loop
    await fired;
    await scheduler.stop();
    expect(scheduler.running).toBe(false);

    expect(passes.reduce((n, p) => n + p.fired, 0)).toBe(2); // yesterday's and today's midnight
    expect(await tasksOf(gaffer, s.id)).toHaveLength(2);
    const passesAtStop = passes.length;
    await gaffer.db.rows(sql`SELECT 1`);
    expect(passes.length).toBe(passesAtStop); // no pass after stop() resolved
  });

  it.skipIf(backend.name !== 'pglite')('logs failed passes and keeps running, instead of crashing', async () => {
    // A Gaffer whose database is gone: every pass fails.
    const broken = await createGaffer({ memory: true, logger: silentLogger() });
    await broken.close();
    const errors: unknown[] = [];
    let twice: () => void = () => {};
    const failedTwice = new Promise<void>((resolve) => (twice = resolve));
    const scheduler = new Scheduler(broken.resources, {
      pollMs: 5,
      onError: (err) => {
        errors.push(err);
        if (errors.length === 2) twice();
      },
    });
    scheduler.start();
    await failedTwice;
    expect(scheduler.running).toBe(true);
    await scheduler.stop();
    expect(scheduler.running).toBe(false);
    expect(errors[0]).toBeInstanceOf(Error);
  });

  it.skipIf(backend.name !== 'postgres')('carries on after its database connections are killed (as in a Postgres restart)', async () => {
    const second = await openSecondGaffer(gaffer, backend);
    const results: FireResult[] = [];
    let onPass: (result: FireResult) => void = () => {};
    const nextPass = (predicate: (r: FireResult) => boolean) =>
      new Promise<void>((resolve) => {
        onPass = (r) => {
          if (predicate(r)) resolve();
        };
      });
    const scheduler = new Scheduler(second.resources, {
      pollMs: 20,
      onPass: (r) => {
        results.push(r);
        onPass(r);
      },
    });
    try {
      const firstPass = nextPass(() => true);
      scheduler.start();
      await firstPass;
      const [killed] = await gaffer.db.rows<{ n: number }>(
        sql`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
            WHERE application_name = 'gaffer-second' AND datname = current_database()`,
      );
      expect(killed!.n).toBeGreaterThan(0);

      const s = await createSchedule(gaffer.resources, { spec: SPEC, cron: '0 0 * * *', input: { repo: 'restart' }, missed: 'all' });
      const fired = nextPass((r) => r.fired > 0);
      await setNextFireAt(gaffer, s.id, sql`date_trunc('day', now())`);
      await fired;
      expect(await tasksOf(gaffer, s.id)).toHaveLength(1);
      expect(scheduler.running).toBe(true);
    } finally {
      await scheduler.stop();
      await second.close();
    }
  });

  it('refuses a poll interval below 1 ms', () => {
    expect(() => new Scheduler(gaffer.resources, { pollMs: 0 })).toThrow(RangeError);
  });
});
