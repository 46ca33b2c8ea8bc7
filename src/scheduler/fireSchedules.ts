/**
 * One scheduler pass: every due schedule (not paused, not deleted, next_fire_at ≤ the database's
 * now) materialises the tasks its missed-run policy asks for (planFires.ts), then moves its
 * next_fire_at past now.
 *
 * At most one task per (schedule, fire time), whatever runs concurrently: tasks go through
 * submitTask with scheduleId + fireTime, and the unique index tasks_schedule_fire_idx turns a
 * second submit of the same fire time into `existing`. The locking on top of that keeps several
 * schedulers from doing the same work twice:
 *
 * - Server Postgres: one short transaction per schedule takes its row with
 *   `FOR NO KEY UPDATE SKIP LOCKED` (another scheduler takes the next schedule instead of
 *   waiting), submits the tasks on other pool connections (submitTask runs its own transaction;
 *   NO KEY UPDATE, unlike FOR UPDATE, does not block the KEY SHARE lock that the task's foreign key
 *   check takes on the schedule), then sets next_fire_at and commits. If the process dies after
 *   the tasks committed but before next_fire_at moved, the next pass re-submits the same fire
 *   times and gets `existing`: nothing is lost and nothing fires twice.
 * - PGlite: one connection, so a transaction cannot stay open around submitTask's (it would wait
 *   for itself), and row locks mean nothing inside one session. The data dir lock already keeps
 *   other processes out; passes in this process run one at a time, and next_fire_at moves only if
 *   it still holds the value the pass read (compare-and-set). The same path serves a Postgres
 *   pool of one connection.
 *
 * Missed fire times (and fire times whose task was refused, e.g. the input no longer matches the
 * spec) are reported as `ScheduleMissed` records: logged with `res.logger.warn` and returned in
 * the result, which the Scheduler hands to its `onPass` listener so that notifications can say
 * "schedule missed". No table holds them yet (docs/scheduler.md).
 */
import { notifyNow } from '../notifications/notifications.js';
import { and, asc, eq, getTableColumns, isNull, lte, notInArray, sql } from 'drizzle-orm';
import { dbNow } from '../db/clock.js';
import type { Executor } from '../db/connection.js';
import { schedules } from '../db/schema.js';
import { isTransientDbError } from '../db/sqlstate.js';
import type { MissedRunPolicy } from '../db/vocabulary.js';
import { isGafferError } from '../errors.js';
import type { Resources } from '../resources.js';
import { submitTask } from '../tasks/submitTask.js';
import { compileCron } from './cron.js';
import { planFires } from './planFires.js';

/** Most schedules one pass handles; the Scheduler runs the next pass at once if more are due. */
export const MAX_SCHEDULES_PER_PASS = 100;

/** Who tasks made by a schedule are recorded as created by (tasks.created_by, task_events.principal). */
export const SCHEDULER_PRINCIPAL = 'scheduler';

/** Fire times of a schedule that got no task, as one report per schedule per pass. */
export interface ScheduleMissed {
  type: 'schedule_missed';
  scheduleId: string;
  scheduleName: string;
  specId: string;
  policy: MissedRunPolicy;
  /**
   * `late`: older than MISSED_GRACE_MS when a pass saw them (no scheduler ran in time);
   * `rejected`: submitting the task failed for good (e.g. the input no longer matches the spec).
   */
  reason: 'late' | 'rejected';
  /** The fire times, oldest first (at most MAX_FIRES_PER_PASS listed). */
  fireTimes: Date[];
  /** More fire times than listed were missed (an outage longer than MAX_FIRES_PER_PASS fire times). */
  truncated: boolean;
  /** `once`: the fire time whose task stands in for the missed ones. */
  firedInstead: Date | null;
  /** Why the task was refused (`rejected` only). */
  error: { code: string; message: string } | null;
  /** The database time of the pass that noticed. */
  detectedAt: Date;
}

export interface FireResult {
  /** Tasks created by this pass. */
  fired: number;
  /** Due fire times that got no task (the sum of the listed `missed` fire times). */
  skipped: number;
  missed: ScheduleMissed[];
  /** Schedules this pass could not handle (logged; they are tried again on the next pass). */
  errors: number;
}

interface FireOutcome {
  fired: number;
  missed: ScheduleMissed[];
}

type DueSchedule = typeof schedules.$inferSelect & { nextFireAtText: string };

/** Passes of this process per database that must not overlap (the PGlite path). */
const serialPasses = new WeakMap<object, Promise<unknown>>();

export async function fireDueSchedules(res: Resources): Promise<FireResult> {
  if (useRowLocks(res)) return firePass(res, true);
  const previous = serialPasses.get(res.db) ?? Promise.resolve();
  const pass = previous.catch(() => undefined).then(() => firePass(res, false));
  serialPasses.set(res.db, pass);
  return pass;
}

/** Row locks need a second connection for submitTask while the schedule's transaction is open. */
function useRowLocks(res: Resources): boolean {
  return res.db.kind === 'postgres' && (res.db.pool?.options.max ?? 10) >= 2;
}

async function firePass(res: Resources, rowLocks: boolean): Promise<FireResult> {
  const result: FireResult = { fired: 0, skipped: 0, missed: [], errors: 0 };
  const attempted: string[] = [];
  for (let i = 0; i < MAX_SCHEDULES_PER_PASS; i++) {
    let current: DueSchedule | undefined;
    // Safe to run again from the start (the transaction retries transient errors): a re-submitted
    // fire time comes back as `existing`.
    const handle = async (db: Executor): Promise<FireOutcome | undefined> => {
      const now = await dbNow(db);
      current = await nextDue(db, now, attempted, rowLocks);
      return current ? fireSchedule(res, db, current, now) : undefined;
    };
    try {
      const outcome = rowLocks ? await res.db.transaction(handle) : await handle(res.db.drizzle);
      if (!outcome) break;
      result.fired += outcome.fired;
      for (const m of outcome.missed) {
        result.missed.push(m);
        result.skipped += m.fireTimes.length;
        logMissed(res, m);
        await notifyNow(res, 'schedule_missed', {
          scheduleId: m.scheduleId,
          schedule: m.scheduleName,
          policy: m.policy,
          reason: m.reason,
          count: m.fireTimes.length,
          first: m.fireTimes[0]?.toISOString() ?? null,
          last: m.fireTimes.at(-1)?.toISOString() ?? null,
        }).catch((err: unknown) => res.logger.error({ err, scheduleId: m.scheduleId }, 'could not queue the schedule_missed notification'));
      }
    } catch (err) {
      // A database that went away fails the whole pass; the Scheduler retries on its next tick.
      if (isTransientDbError(err) || !current) throw err;
      result.errors++;
      res.logger.error({ err, scheduleId: current.id, schedule: current.name }, 'schedule could not fire; trying again next pass');
    }
    if (current) attempted.push(current.id);
  }
  return result;
}

async function nextDue(db: Executor, now: Date, attempted: string[], rowLocks: boolean): Promise<DueSchedule | undefined> {
  const query = db
    .select({
      ...getTableColumns(schedules),
      // The exact stored value for the compare-and-set: a JS Date would drop the microseconds.
      nextFireAtText: sql<string>`${schedules.nextFireAt}::text`,
    })
    .from(schedules)
    .where(
      and(
        eq(schedules.paused, false),
        isNull(schedules.deletedAt),
        lte(schedules.nextFireAt, now),
        attempted.length ? notInArray(schedules.id, attempted) : undefined,
      ),
    )
    .orderBy(asc(schedules.nextFireAt))
    .limit(1);
  const [row] = rowLocks ? await query.for('no key update', { skipLocked: true }) : await query;
  return row;
}

async function fireSchedule(
  res: Resources,
  db: Executor,
  schedule: DueSchedule,
  now: Date,
): Promise<FireOutcome> {
  const plan = planFires(compileCron(schedule.cron, schedule.timezone), schedule.missed, schedule.nextFireAt!, now);
  const report = (reason: ScheduleMissed['reason'], fireTimes: Date[], extra: Partial<ScheduleMissed> = {}): ScheduleMissed => ({
    type: 'schedule_missed',
    scheduleId: schedule.id,
    scheduleName: schedule.name,
    specId: schedule.specId,
    policy: schedule.missed,
    reason,
    fireTimes,
    truncated: false,
    firedInstead: null,
    error: null,
    detectedAt: now,
    ...extra,
  });
  const missed: ScheduleMissed[] = [];
  if (plan.missed.length) {
    missed.push(report('late', plan.missed, { truncated: plan.missedTruncated, firedInstead: plan.firedInstead }));
  }

  let fired = 0;
  let lastFireAt = schedule.lastFireAt;
  const rejected: Date[] = [];
  let rejection: ScheduleMissed['error'] = null;
  for (const fireTime of plan.fire) {
    try {
      const submitted = await submitTask(
        res,
        { spec: schedule.specId, input: schedule.input, priority: schedule.priority, scheduleId: schedule.id, fireTime },
        SCHEDULER_PRINCIPAL,
      );
      if (!submitted.existing) fired++;
      lastFireAt = fireTime;
    } catch (err) {
      // A refusal (4xx) will not change by retrying; anything else is tried again next pass.
      if (!isGafferError(err) || err.status >= 500) throw err;
      rejected.push(fireTime);
      rejection ??= { code: err.code, message: err.message };
    }
  }
  if (rejected.length) missed.push(report('rejected', rejected, { error: rejection }));

  await db
    .update(schedules)
    .set({ nextFireAt: plan.nextFireAt, lastFireAt, updatedAt: sql`now()` })
    .where(and(eq(schedules.id, schedule.id), sql`${schedules.nextFireAt} = ${schedule.nextFireAtText}::timestamptz`));

  return { fired, missed };
}

function logMissed(res: Resources, m: ScheduleMissed): void {
  const log = {
    scheduleId: m.scheduleId,
    schedule: m.scheduleName,
    policy: m.policy,
    reason: m.reason,
    count: m.fireTimes.length,
    truncated: m.truncated,
    first: m.fireTimes[0]?.toISOString(),
    last: m.fireTimes.at(-1)?.toISOString(),
    ...(m.firedInstead ? { firedInstead: m.firedInstead.toISOString() } : {}),
    ...(m.error ? { error: m.error } : {}),
  };
  res.logger.warn(log, m.reason === 'late' ? 'schedule missed fire times' : 'schedule fire times refused');
}
