/**
 * Schedules and reminders on a real database (PGlite, and server Postgres when TEST_DATABASE_URL
 * is set): creation and its validation, firing at most once per fire time (also with concurrent
 * passes and two processes), the missed-run policies after a downtime, pause/resume/delete, a
 * schedule that keeps firing, and reminders. Time moves by setting next_fire_at with SQL over the
 * database clock; passes are driven directly, never by waiting.
 */
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GafferError } from '../../src/errors.js';
import type { Gaffer } from '../../src/gaffer.js';
import { fireDueSchedules, SCHEDULER_PRINCIPAL, type FireResult } from '../../src/scheduler/fireSchedules.js';
import { MISSED_GRACE_MS } from '../../src/scheduler/planFires.js';
import { submitReminder } from '../../src/scheduler/reminders.js';
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  pauseSchedule,
  resumeSchedule,
} from '../../src/scheduler/schedules.js';
import { applySpec } from '../../src/specs/specStore.js';
import { readTaskEvents } from '../../src/tasks/taskEvents.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';
import { applyTestSpec, dbTime, openSecondGaffer, setNextFireAt, SPEC, tasksOf } from './helpers.js';

async function errorOf(promise: Promise<unknown>): Promise<GafferError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GafferError) return err;
    throw err;
  }
  throw new Error('expected a GafferError');
}

function issuePaths(err: GafferError): string[] {
  return (err.details as { issues: { path: string }[] }).issues.map((i) => i.path);
}

const sum = (results: FireResult[], key: 'fired' | 'skipped'): number => results.reduce((n, r) => n + r[key], 0);

describe.each(testBackends())('schedules on $name', (backend) => {
  let gaffer: Gaffer;
  let logLines: { level: number; msg: string; [key: string]: unknown }[] = [];

  // One database per backend (a fresh one per test costs seconds on PGlite): each test deletes
  // its schedules afterwards, so no schedule of one test is due in the next.
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as (typeof logLines)[number]);
        done();
      },
    });
    gaffer = await openTestGaffer(backend, { logger: pino({ level: 'warn' }, sink) });
  });
  beforeEach(async () => {
    logLines = [];
    await applyTestSpec(gaffer);
  });
  afterEach(async () => {
    await gaffer.db.rows(sql`UPDATE schedules SET deleted_at = now(), next_fire_at = NULL WHERE deleted_at IS NULL`);
  });
  afterAll(async () => {
    await gaffer?.close();
  });

  const res = () => gaffer.resources;

  it('computes next fire times from the database clock in the schedule time zone', async () => {
    const now = await dbTime(gaffer, sql`now()`);
    const paris = await createSchedule(res(), { spec: SPEC, cron: '0 9 * * *', timezone: 'Europe/Paris', input: { repo: 'r' } });
    const utc = await createSchedule(res(), { spec: SPEC, cron: '0 9 * * *', timezone: 'utc', input: { repo: 'r' } });

    expect(paris.nextFireTimes).toHaveLength(3);
    expect(paris.nextFireAt!.getTime()).toBe(paris.nextFireTimes[0]!.getTime());
    expect(paris.nextFireAt!.getTime()).toBeGreaterThan(now.getTime());
    expect(paris.nextFireAt!.getTime() - now.getTime()).toBeLessThanOrEqual(25 * 3600_000);
    const parisClock = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit', hour12: false });
    for (const t of paris.nextFireTimes) expect(parisClock.format(t)).toBe('09:00');
    for (const t of utc.nextFireTimes) expect(t.toISOString()).toMatch(/T09:00:00\.000Z$/);
    // Paris is one or two hours ahead of UTC, so its 09:00 comes earlier than UTC's on the same day.
    expect(utc.timezone).toBe('UTC');
    expect(paris.missed).toBe('skip');
    expect(paris.priority).toBe(5); // the spec's priority
    expect(paris.name).toMatch(new RegExp(`^${SPEC}-[0-9a-f]{8}$`));
    expect(paris.name).not.toBe(utc.name);
    expect((await getSchedule(res(), paris.name)).id).toBe(paris.id);
  });

  it('refuses a bad cron, time zone, spec, input, policy or duplicate name with the field named, writing nothing', async () => {
    const base = { spec: SPEC, cron: '* * * * *', input: { repo: 'r' } };
    const badCron = await errorOf(createSchedule(res(), { ...base, cron: '61 * * * *' }));
    expect(badCron.code).toBe('VALIDATION_FAILED');
    expect(badCron.message).toMatch(/cron: '61 \* \* \* \*' is not a valid cron expression/);
    expect(issuePaths(badCron)).toEqual(['cron']);
    expect(issuePaths(await errorOf(createSchedule(res(), { ...base, cron: 'every morning' })))).toEqual(['cron']);

    const badZone = await errorOf(createSchedule(res(), { ...base, timezone: 'Europe/Atlantis' }));
    expect(badZone.code).toBe('VALIDATION_FAILED');
    expect(badZone.message).toMatch(/timezone: unknown time zone 'Europe\/Atlantis'/);

    const noSpec = await errorOf(createSchedule(res(), { ...base, spec: 'no-such-spec' }));
    expect(noSpec.code).toBe('SPEC_NOT_FOUND');
    expect(noSpec.message).toMatch(/no spec named 'no-such-spec'/);

    const badInput = await errorOf(createSchedule(res(), { ...base, input: { branch: 'main' } }));
    expect(badInput.code).toBe('VALIDATION_FAILED');
    expect(issuePaths(badInput)).toEqual(['input.repo']);

    const badPolicy = await errorOf(createSchedule(res(), { ...base, missed: 'sometimes' as 'skip' }));
    expect(issuePaths(badPolicy)).toEqual(['missed']);

    expect(await gaffer.db.rows(sql`SELECT id FROM schedules WHERE deleted_at IS NULL`)).toHaveLength(0);

    await createSchedule(res(), { ...base, name: 'hourly' });
    const duplicate = await errorOf(createSchedule(res(), { ...base, name: 'hourly' }));
    expect(duplicate.code).toBe('CONFLICT');
    expect(duplicate.message).toMatch(/a schedule named 'hourly' exists/);
  });

  it('fires a due schedule once, with its input, priority, schedule id and fire time, and re-arms it', async () => {
    const schedule = await createSchedule(res(), { spec: SPEC, cron: '* * * * *', input: { repo: 'r', branch: 'main' }, priority: 7 });
    expect(await fireDueSchedules(res())).toEqual({ fired: 0, skipped: 0, missed: [], errors: 0 });

    await setNextFireAt(gaffer, schedule.id, sql`date_trunc('minute', now())`);
    const fireTime = (await getSchedule(res(), schedule.id)).nextFireAt!;
    const result = await fireDueSchedules(res());
    expect(result).toEqual({ fired: 1, skipped: 0, missed: [], errors: 0 });

    const tasks = await tasksOf(gaffer, schedule.id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ input: { repo: 'r', branch: 'main' }, priority: 7, status: 'queued', createdBy: SCHEDULER_PRINCIPAL });
    expect(tasks[0]!.fireTime.toISOString()).toBe(fireTime.toISOString());
    const events = await readTaskEvents(res(), tasks[0]!.id);
    expect(events.map((e) => [e.type, e.principal])).toEqual([['task_submitted', SCHEDULER_PRINCIPAL]]);

    const after = await getSchedule(res(), schedule.id);
    expect(after.lastFireAt?.toISOString()).toBe(fireTime.toISOString());
    expect(after.nextFireAt!.getTime()).toBe(fireTime.getTime() + 60_000);
    expect(after.nextFireAt!.getTime()).toBeGreaterThan((await dbTime(gaffer, sql`now()`)).getTime() - 1_000);

    // The same fire time again (a second scheduler, a crash before next_fire_at moved): no new task.
    await setNextFireAt(gaffer, schedule.id, sql`${fireTime.toISOString()}::timestamptz`);
    const again = await fireDueSchedules(res());
    expect(again.fired).toBe(0);
    expect((await tasksOf(gaffer, schedule.id)).filter((t) => t.fireTime.getTime() === fireTime.getTime())).toHaveLength(1);
    expect((await getSchedule(res(), schedule.id)).nextFireAt!.getTime()).toBeGreaterThan(fireTime.getTime());
  });

  /** Daily schedules four days behind: 5 fire times each under `all`, 5 missed under `skip`. */
  async function behindSchedules(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const policy = i % 2 === 0 ? 'all' : 'skip';
      const s = await createSchedule(res(), { spec: SPEC, name: `daily-${i}`, cron: '0 0 * * *', input: { repo: `r${i}` }, missed: policy });
      await setNextFireAt(gaffer, s.id, sql`date_trunc('day', now()) - interval '4 days'`);
      ids.push(s.id);
    }
    return ids;
  }

  it('never double-fires with concurrent passes on one Gaffer', async () => {
    const ids = await behindSchedules(6); // 3 `all` (15 tasks), 3 `skip` (15 missed)
    const results = await Promise.all([fireDueSchedules(res()), fireDueSchedules(res()), fireDueSchedules(res()), fireDueSchedules(res())]);
    expect(sum(results, 'fired')).toBe(15);
    expect(sum(results, 'skipped')).toBe(15); // each missed time reported once, not once per pass
    const tasks = (await Promise.all(ids.map((id) => tasksOf(gaffer, id)))).flat();
    expect(tasks).toHaveLength(15);
    expect(new Set(tasks.map((t) => t.id)).size).toBe(15);
  });

  it.skipIf(backend.name !== 'postgres')('never double-fires with two scheduler processes on one database', async () => {
    const ids = await behindSchedules(10); // 5 `all` (25 tasks), 5 `skip` (25 missed)
    const second = await openSecondGaffer(gaffer, backend);
    try {
      const results = await Promise.all([
        fireDueSchedules(res()),
        fireDueSchedules(second.resources),
        fireDueSchedules(res()),
        fireDueSchedules(second.resources),
      ]);
      expect(sum(results, 'fired')).toBe(25);
      expect(sum(results, 'skipped')).toBe(25);
      const tasks = (await Promise.all(ids.map((id) => tasksOf(gaffer, id)))).flat();
      expect(tasks).toHaveLength(25);
      const [pending] = await gaffer.db.rows<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM schedules WHERE deleted_at IS NULL AND next_fire_at <= now()`,
      );
      expect(pending!.n).toBe(0);
    } finally {
      await second.close();
    }
  });

  describe('after an hour with no scheduler (every-minute schedule)', () => {
    async function downtime(missed: 'skip' | 'once' | 'all') {
      // 61 fire times are due (62 if a minute begins meanwhile). A scenario during which a minute
      // began cannot say which count the pass saw, so it is run again on a fresh schedule. The
      // schedules of earlier scenarios are deleted first: once a minute begins they are due again,
      // and the pass would count their fires too.
      for (;;) {
        await gaffer.db.rows(sql`UPDATE schedules SET deleted_at = now() WHERE deleted_at IS NULL`);
        const s = await createSchedule(res(), { spec: SPEC, cron: '* * * * *', input: { repo: 'r' }, missed });
        await setNextFireAt(gaffer, s.id, sql`date_trunc('minute', now()) - interval '60 minutes'`);
        const from = (await getSchedule(res(), s.id)).nextFireAt!;
        const dueAt = async (): Promise<number> => Math.floor(((await dbTime(gaffer, sql`now()`)).getTime() - from.getTime()) / 60_000) + 1;
        const before = await dueAt();
        const result = await fireDueSchedules(res());
        const due = await dueAt();
        if (due === before) return { s, result, due, tasks: await tasksOf(gaffer, s.id) };
      }
    }

    it('skip fires only the time within the grace and reports the others as missed', async () => {
      const { result, due, tasks } = await downtime('skip');
      expect(due).toBeGreaterThanOrEqual(61);
      expect(result.fired).toBe(1);
      expect(result.skipped).toBe(due - 1);
      expect(tasks).toHaveLength(1);
      const [report] = result.missed;
      expect(report).toMatchObject({ type: 'schedule_missed', policy: 'skip', reason: 'late', truncated: false, firedInstead: null });
      expect(report!.fireTimes).toHaveLength(due - 1);
      expect(report!.fireTimes.every((t) => t.getTime() < tasks[0]!.fireTime.getTime() && t.getTime() < report!.detectedAt.getTime() - MISSED_GRACE_MS)).toBe(true);
      const warning = logLines.find((l) => l.msg === 'schedule missed fire times');
      expect(warning).toMatchObject({ level: 40, policy: 'skip', count: due - 1, scheduleId: report!.scheduleId });
    });

    it('once fires one task, for the latest fire time', async () => {
      const { result, due, tasks } = await downtime('once');
      expect(result.fired).toBe(1);
      expect(result.skipped).toBe(due - 1);
      expect(tasks).toHaveLength(1);
      expect(result.missed[0]!.firedInstead?.toISOString()).toBe(tasks[0]!.fireTime.toISOString());
      expect(Math.max(...result.missed[0]!.fireTimes.map((t) => t.getTime()))).toBeLessThan(tasks[0]!.fireTime.getTime());
    });

    it('all fires every missed fire time', async () => {
      const { s, result, due, tasks } = await downtime('all');
      expect(result).toMatchObject({ fired: due, skipped: 0, missed: [] });
      expect(tasks).toHaveLength(due);
      expect(new Set(tasks.map((t) => t.fireTime.getTime())).size).toBe(due);
      expect((await getSchedule(res(), s.id)).nextFireAt!.getTime()).toBe(tasks.at(-1)!.fireTime.getTime() + 60_000);
    });
  });

  it('skip fires nothing when every due time is past the grace; once still fires one', async () => {
    // An hourly schedule at a minute half an hour from now: its due times are all long past.
    const [row] = await gaffer.db.rows<{ m: number }>(sql`SELECT ((extract(minute FROM now())::int + 30) % 60) AS m`);
    const cron = `${row!.m} * * * *`;
    const skip = await createSchedule(res(), { spec: SPEC, name: 'skip', cron, input: { repo: 'r' }, missed: 'skip' });
    const once = await createSchedule(res(), { spec: SPEC, name: 'once', cron, input: { repo: 'r' }, missed: 'once' });
    for (const s of [skip, once]) await setNextFireAt(gaffer, s.id, sql`now() - interval '3 hours'`);
    const result = await fireDueSchedules(res());
    expect(await tasksOf(gaffer, skip.id)).toHaveLength(0);
    expect(await tasksOf(gaffer, once.id)).toHaveLength(1);
    expect(result.fired).toBe(1);
    expect(result.missed.map((m) => [m.scheduleName, m.fireTimes.length])).toEqual(
      expect.arrayContaining([
        ['skip', 3],
        ['once', 2],
      ]),
    );
  });

  it('pause stops firing; resume starts again from now without replaying the paused period', async () => {
    const s = await createSchedule(res(), { spec: SPEC, name: 'pausable', cron: '* * * * *', input: { repo: 'r' }, missed: 'all' });
    const paused = await pauseSchedule(res(), 'pausable');
    expect(paused.paused).toBe(true);
    expect(paused.nextFireTimes).toEqual([]);
    expect((await pauseSchedule(res(), s.id)).paused).toBe(true); // idempotent

    await setNextFireAt(gaffer, s.id, sql`date_trunc('minute', now()) - interval '30 minutes'`);
    expect((await fireDueSchedules(res())).fired).toBe(0);
    expect(await tasksOf(gaffer, s.id)).toHaveLength(0);

    const resumed = await resumeSchedule(res(), s.id);
    const now = await dbTime(gaffer, sql`now()`);
    expect(resumed.paused).toBe(false);
    expect(resumed.nextFireAt!.getTime()).toBeGreaterThan(now.getTime() - 1_000);
    expect(resumed.nextFireTimes).toHaveLength(3);
    expect((await fireDueSchedules(res())).fired).toBe(0); // the 30 paused minutes are not replayed, even under `all`

    await setNextFireAt(gaffer, s.id, sql`date_trunc('minute', now())`);
    expect((await fireDueSchedules(res())).fired).toBe(1);
    expect(await tasksOf(gaffer, s.id)).toHaveLength(1);
  });

  it('delete stops a schedule for good and frees its name', async () => {
    const s = await createSchedule(res(), { spec: SPEC, name: 'doomed', cron: '* * * * *', input: { repo: 'r' }, missed: 'all' });
    const deleted = await deleteSchedule(res(), 'doomed');
    expect(deleted.deletedAt).toBeInstanceOf(Date);
    expect(deleted.nextFireAt).toBeNull();
    expect(deleted.nextFireTimes).toEqual([]);

    // Even with a due next_fire_at written behind its back, a deleted schedule never fires.
    await setNextFireAt(gaffer, s.id, sql`date_trunc('minute', now()) - interval '5 minutes'`);
    expect((await fireDueSchedules(res())).fired).toBe(0);
    expect(await tasksOf(gaffer, s.id)).toHaveLength(0);

    expect((await errorOf(resumeSchedule(res(), s.id))).code).toBe('INVALID_STATE');
    expect((await errorOf(pauseSchedule(res(), 'doomed'))).code).toBe('SCHEDULE_NOT_FOUND');
    expect((await deleteSchedule(res(), s.id)).deletedAt?.getTime()).toBe(deleted.deletedAt!.getTime());
    expect((await listSchedules(res())).map((x) => x.id)).not.toContain(s.id);
    expect((await listSchedules(res(), { includeDeleted: true })).map((x) => x.id)).toContain(s.id);

    const reborn = await createSchedule(res(), { spec: SPEC, name: 'doomed', cron: '* * * * *', input: { repo: 'r' } });
    expect(reborn.id).not.toBe(s.id);
    expect((await getSchedule(res(), 'doomed')).id).toBe(reborn.id);
  });

  it('keeps firing: after a fire it is re-armed, and the next due time makes a second task', async () => {
    const s = await createSchedule(res(), { spec: SPEC, cron: '0 0 * * *', input: { repo: 'r' }, missed: 'all' });
    await setNextFireAt(gaffer, s.id, sql`date_trunc('day', now())`);
    expect((await fireDueSchedules(res())).fired).toBe(1);
    const rearmed = await getSchedule(res(), s.id);
    const tomorrow = await dbTime(gaffer, sql`date_trunc('day', now()) + interval '1 day'`);
    expect(rearmed.nextFireAt?.toISOString()).toBe(tomorrow.toISOString());

    await setNextFireAt(gaffer, s.id, sql`next_fire_at - interval '2 days'`); // time "passes"
    expect((await fireDueSchedules(res())).fired).toBe(1);
    expect(await tasksOf(gaffer, s.id)).toHaveLength(2);
    expect((await getSchedule(res(), s.id)).nextFireAt?.toISOString()).toBe(tomorrow.toISOString());
  });

  it('reports a fire time whose task is refused, and moves on instead of retrying it forever', async () => {
    await applyTestSpec(gaffer, 'changing-spec');
    const s = await createSchedule(res(), { spec: 'changing-spec', cron: '* * * * *', input: { repo: 'r' } });
    // The spec changes so the schedule's input no longer matches its latest version.
    await applySpec(res(), {
      name: 'changing-spec',
      executor: 'shell',
      command: ['echo'],
      inputSchema: { type: 'object', required: ['repo', 'team'] },
    });
    await setNextFireAt(gaffer, s.id, sql`date_trunc('minute', now())`);
    const result = await fireDueSchedules(res());
    expect(result.fired).toBe(0);
    expect(result.missed).toHaveLength(1);
    expect(result.missed[0]).toMatchObject({ reason: 'rejected', error: { code: 'VALIDATION_FAILED' } });
    expect(result.missed[0]!.error!.message).toMatch(/input\.team/);
    const after = await getSchedule(res(), s.id);
    expect(after.nextFireAt!.getTime()).toBeGreaterThan((await dbTime(gaffer, sql`now()`)).getTime() - 1_000);
    expect(logLines.some((l) => l.msg === 'schedule fire times refused')).toBe(true);
  });

  it('lists schedules with their next fire times', async () => {
    await createSchedule(res(), { spec: SPEC, name: 'b-weekly', cron: '0 8 * * 1', input: { repo: 'r' } });
    await createSchedule(res(), { spec: SPEC, name: 'a-daily', cron: '@daily', input: { repo: 'r' } });
    const list = await listSchedules(res());
    expect(list.map((s) => s.name)).toEqual(['a-daily', 'b-weekly']);
    expect(list.map((s) => s.spec)).toEqual([SPEC, SPEC]);
    const weekly = list[1]!.nextFireTimes;
    expect(weekly).toHaveLength(3);
    for (const t of weekly) expect([t.getUTCDay(), t.getUTCHours()]).toEqual([1, 8]);
    expect(weekly[1]!.getTime() - weekly[0]!.getTime()).toBe(7 * 86_400_000);
    expect((await listSchedules(res(), { nextFireTimes: 5 }))[0]!.nextFireTimes).toHaveLength(5);
  });

  describe('reminders', () => {
    it('a future reminder is a scheduled task of kind reminder, with no spec and a task_submitted event', async () => {
      const now = await dbTime(gaffer, sql`now()`);
      const task = await submitReminder(res(), { at: '10m', message: 'check the deploy', to: 'ops' }, 'operator:alice');
      expect(task).toMatchObject({ kind: 'reminder', status: 'scheduled', specId: null, specVersionId: null, createdBy: 'operator:alice' });
      expect(task.input).toEqual({ message: 'check the deploy', to: 'ops' });
      // "10m" counts from the database clock.
      expect(Math.abs(task.runAt.getTime() - (now.getTime() + 600_000))).toBeLessThan(30_000);
      const events = await readTaskEvents(res(), task.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'task_submitted', principal: 'operator:alice', payload: { kind: 'reminder', status: 'scheduled' } });
      expect(task.lastEventSeq).toBe(1);
    });

    it('a reminder whose time has come is queued', async () => {
      const task = await submitReminder(res(), { at: '2020-01-01T00:00:00Z', message: 'overdue' });
      expect(task).toMatchObject({ kind: 'reminder', status: 'queued', input: { message: 'overdue', to: null } });
      expect(task.runAt.toISOString()).toBe('2020-01-01T00:00:00.000Z');
      const date = await submitReminder(res(), { at: new Date(Date.UTC(2099, 0, 1)), message: 'far' });
      expect(date.status).toBe('scheduled');
    });

    it('refuses a bad time or an empty message, naming the field, and writes nothing', async () => {
      const badAt = await errorOf(submitReminder(res(), { at: 'soonish', message: 'x' }));
      expect(badAt.code).toBe('VALIDATION_FAILED');
      expect(issuePaths(badAt)).toEqual(['at']);
      expect(issuePaths(await errorOf(submitReminder(res(), { at: '1h', message: '  ' })))).toEqual(['message']);
      expect(await gaffer.db.rows(sql`SELECT id FROM tasks WHERE kind = 'reminder' AND input->>'message' = 'x'`)).toHaveLength(0);
    });
  });
});
