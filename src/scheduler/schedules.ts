/**
 * Schedules: a cron expression in a time zone that materialises tasks of a spec (see
 * fireSchedules.ts for how they fire, docs/scheduler.md for the rules).
 *
 * - `next_fire_at` is always computed from the database clock, never the caller's.
 * - Pause stops firing; resume recomputes `next_fire_at` from the database's now, so the fire
 *   times that fell in the paused period are never replayed, whatever the missed-run policy:
 *   pausing is a decision not to run, while the policy is about a scheduler that was down.
 * - Delete is soft (`deleted_at`; tasks keep pointing at the schedule) and final: a deleted
 *   schedule never fires again, and its name can be used by a new schedule.
 * - A schedule is addressed by id, or by name among the schedules that are not deleted.
 */
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { dbNow } from '../db/clock.js';
import type { Executor } from '../db/connection.js';
import { schedules } from '../db/schema.js';
import { MISSED_RUN_POLICIES } from '../db/vocabulary.js';
import { GafferError, validationError } from '../errors.js';
import type { Resources } from '../resources.js';
import { parseInput } from '../runs/runs.js';
import { getSpec, listSpecs, validateTaskInput } from '../specs/specStore.js';
import { isUuid, uuidv7 } from '../util/ids.js';
import { canonicalTimeZone, compileCron, fireTimeAfter, nextFireTimes } from './cron.js';

/** How many upcoming fire times a schedule is shown with, unless asked otherwise. */
export const DEFAULT_NEXT_FIRE_TIMES = 3;
const MAX_NEXT_FIRE_TIMES = 100;

export type ScheduleRow = typeof schedules.$inferSelect;

export interface Schedule extends ScheduleRow {
  /** The spec's name. */
  spec: string;
  /** The upcoming fire times from next_fire_at on; empty while paused, deleted or never firing. */
  nextFireTimes: Date[];
}

const scheduleName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'must be letters, digits, ".", "_" or "-" (at most 100), starting with a letter or digit')
  .refine((name) => !isUuid(name), 'must not look like an id (a UUID)');

export const createScheduleSchema = z.strictObject({
  /** Unique among schedules that are not deleted; default `<spec>-<8 characters of the id>`. */
  name: scheduleName.optional(),
  /** Spec name or id; each fire submits a task of the spec's latest version. */
  spec: z.string().min(1),
  /** Cron expression: 5 fields, 6 with seconds first, or a nickname such as @daily. */
  cron: z.string().min(1).max(200),
  /** IANA time zone the expression is read in. */
  timezone: z.string().min(1).max(100).default('UTC'),
  input: z.unknown().optional().describe("the tasks' input, checked against the spec inputSchema"),
  /** What to do with fire times missed while no scheduler ran (docs/scheduler.md). */
  missed: z.enum(MISSED_RUN_POLICIES).default('skip'),
  /** Priority of the tasks; default the spec's priority at creation. */
  priority: z.number().int().min(-1000).max(1000).optional(),
});
export type CreateScheduleInput = z.input<typeof createScheduleSchema>;

export interface ScheduleReadOptions {
  /** How many upcoming fire times to compute (default DEFAULT_NEXT_FIRE_TIMES, at most 100). */
  nextFireTimes?: number;
}

export async function createSchedule(res: Resources, raw: CreateScheduleInput, principal?: string): Promise<Schedule> {
  const input = parseInput(createScheduleSchema, raw, 'schedule');
  const cron = compileCron(input.cron, input.timezone);
  const timezone = canonicalTimeZone(input.timezone)!;
  const spec = await getSpec(res, input.spec);
  const taskInput = input.input ?? {};
  validateTaskInput(spec, taskInput);

  const id = uuidv7();
  const name = input.name ?? `${spec.name.slice(0, 91)}-${id.slice(-8)}`;
  const row = await res.db.transaction(async (tx) => {
    const now = await dbNow(tx);
    const [inserted] = await tx
      .insert(schedules)
      .values({
        id,
        name,
        specId: spec.specId,
        input: taskInput,
        cron: input.cron.trim(),
        timezone,
        missed: input.missed,
        priority: input.priority ?? spec.definition.priority,
        nextFireAt: fireTimeAfter(cron, now),
        createdBy: principal ?? null,
      })
      // The only unique key that can clash is the live name (schedules_name_idx).
      .onConflictDoNothing()
      .returning();
    return inserted;
  });
  if (!row) {
    throw new GafferError('CONFLICT', `a schedule named '${name}' exists; choose another name or delete that schedule first`, {
      details: { issues: [{ path: 'name', message: 'already used by a schedule that is not deleted' }] },
    });
  }
  res.logger.info({ scheduleId: row.id, name: row.name, cron: row.cron, timezone: row.timezone, principal }, 'schedule created');
  return withFireTimes(row, spec.name, DEFAULT_NEXT_FIRE_TIMES);
}

export async function getSchedule(res: Resources, idOrName: string, options: ScheduleReadOptions = {}): Promise<Schedule> {
  const row = await findSchedule(res.db.drizzle, idOrName);
  const spec = await getSpec(res, row.specId);
  return withFireTimes(row, spec.name, fireTimeCount(options));
}

export interface ListSchedulesOptions extends ScheduleReadOptions {
  /** Include deleted schedules (default false). */
  includeDeleted?: boolean;
}

/** Schedules by name (deleted ones last when included), each with its upcoming fire times. */
export async function listSchedules(res: Resources, options: ListSchedulesOptions = {}): Promise<Schedule[]> {
  const rows = await res.db.drizzle
    .select()
    .from(schedules)
    .where(options.includeDeleted ? undefined : isNull(schedules.deletedAt))
    .orderBy(sql`${schedules.deletedAt} IS NOT NULL`, asc(schedules.name), asc(schedules.id));
  const specNames = new Map((await listSpecs(res)).map((s) => [s.specId, s.name]));
  const count = fireTimeCount(options);
  return rows.map((row) => withFireTimes(row, specNames.get(row.specId) ?? row.specId, count));
}

/** Stops a schedule firing (idempotent). */
export async function pauseSchedule(res: Resources, idOrName: string, principal?: string): Promise<Schedule> {
  const row = await updateLive(res, idOrName, 'pause', async (tx, current) => {
    if (current.paused) return current;
    const [updated] = await tx
      .update(schedules)
      .set({ paused: true, updatedAt: sql`now()` })
      .where(eq(schedules.id, current.id))
      .returning();
    return updated!;
  });
  res.logger.info({ scheduleId: row.id, name: row.name, principal }, 'schedule paused');
  return getSchedule(res, row.id);
}

/**
 * Lets a paused schedule fire again from the next fire time after the database's now; the
 * paused period is not replayed. Resuming a schedule that is not paused changes nothing.
 */
export async function resumeSchedule(res: Resources, idOrName: string, principal?: string): Promise<Schedule> {
  const row = await updateLive(res, idOrName, 'resume', async (tx, current) => {
    if (!current.paused) return current;
    const now = await dbNow(tx);
    const [updated] = await tx
      .update(schedules)
      .set({ paused: false, nextFireAt: fireTimeAfter(compileCron(current.cron, current.timezone), now), updatedAt: sql`now()` })
      .where(eq(schedules.id, current.id))
      .returning();
    return updated!;
  });
  res.logger.info({ scheduleId: row.id, name: row.name, principal }, 'schedule resumed');
  return getSchedule(res, row.id);
}

/**
 * Deletes a schedule for good: it never fires again (deleted_at set, next_fire_at cleared). Its
 * tasks stay. Deleting a deleted schedule by id returns it unchanged.
 */
export async function deleteSchedule(res: Resources, idOrName: string, principal?: string): Promise<Schedule> {
  const row = await res.db.transaction(async (tx) => {
    const current = await findSchedule(tx, idOrName, true);
    if (current.deletedAt) return current;
    const [updated] = await tx
      .update(schedules)
      .set({ deletedAt: sql`now()`, nextFireAt: null, updatedAt: sql`now()` })
      .where(eq(schedules.id, current.id))
      .returning();
    return updated!;
  });
  res.logger.info({ scheduleId: row.id, name: row.name, principal }, 'schedule deleted');
  return getSchedule(res, row.id);
}

/** Runs `change` on a schedule that is not deleted, with its row locked. */
async function updateLive(
  res: Resources,
  idOrName: string,
  action: string,
  change: (tx: Executor, current: ScheduleRow) => Promise<ScheduleRow>,
): Promise<ScheduleRow> {
  return res.db.transaction(async (tx) => {
    // The row lock waits for a scheduler pass that holds this schedule, so a pause or resume
    // never interleaves with a fire.
    const current = await findSchedule(tx, idOrName, true);
    if (current.deletedAt) {
      throw new GafferError('INVALID_STATE', `schedule '${current.name}' was deleted at ${current.deletedAt.toISOString()}; it cannot ${action}`, {
        details: { scheduleId: current.id, deletedAt: current.deletedAt.toISOString() },
      });
    }
    return change(tx, current);
  });
}

async function findSchedule(db: Executor, idOrName: string, lock = false): Promise<ScheduleRow> {
  const where = isUuid(idOrName) ? eq(schedules.id, idOrName) : and(eq(schedules.name, idOrName), isNull(schedules.deletedAt));
  const query = db.select().from(schedules).where(where);
  const [row] = lock ? await query.for('update') : await query;
  if (!row) {
    throw new GafferError(
      'SCHEDULE_NOT_FOUND',
      isUuid(idOrName) ? `no schedule with id ${idOrName}` : `no schedule named '${idOrName}'; list them with \`gaffer schedule list\``,
    );
  }
  return row;
}

function fireTimeCount(options: ScheduleReadOptions): number {
  const n = options.nextFireTimes ?? DEFAULT_NEXT_FIRE_TIMES;
  if (!Number.isInteger(n) || n < 0 || n > MAX_NEXT_FIRE_TIMES) {
    throw validationError('schedule', [{ path: 'nextFireTimes', message: `must be an integer from 0 to ${MAX_NEXT_FIRE_TIMES}` }]);
  }
  return n;
}

function withFireTimes(row: ScheduleRow, spec: string, count: number): Schedule {
  const active = !row.paused && !row.deletedAt && row.nextFireAt !== null;
  const upcoming = active && count > 0 ? nextFireTimes(compileCron(row.cron, row.timezone), row.nextFireAt!, count) : [];
  return { ...row, spec, nextFireTimes: upcoming };
}
