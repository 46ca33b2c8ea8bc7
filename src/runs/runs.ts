/**
 * Runs: create (idempotent on a client-chosen id), finish (once; the status rule is also enforced
 * by a trigger), get, and list with filters and cursor pagination (ids are UUIDv7, so id order is
 * creation order and the primary key serves as the time index).
 */
import { and, desc, eq, gte, lt, lte, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { execRows } from '../db/connection.js';
import { runs, tasks } from '../db/schema.js';
import { FAILURE_CLASSES, RUN_STATUSES, TERMINAL_RUN_STATUSES, VERDICTS } from '../db/vocabulary.js';
import { GafferError, formatPath, validationError } from '../errors.js';
import { insertBatch, prepareBatch } from '../events/appendEvents.js';
import type { Resources } from '../resources.js';
import { isUuid, uuidv7 } from '../util/ids.js';

export type Run = typeof runs.$inferSelect;

/**
 * Any JSON value. Not `z.json()`: its recursive definition becomes a dangling `$ref` in the
 * OpenAPI document. Values are stored through JSON, so what is not JSON cannot get in anyway.
 */
const anyJson = z.unknown().describe('any JSON value');

export const createRunSchema = z.strictObject({
  id: z.uuid().optional(),
  name: z.string().min(1).max(500).optional(),
  agent: z.string().min(1).max(200).optional(),
  parentRunId: z.uuid().optional(),
  taskId: z.uuid().optional(),
  attempt: z.number().int().min(1).optional(),
  metadata: z.record(z.string(), anyJson).optional(),
  tags: z.array(z.string().min(1).max(100)).max(50).optional(),
  input: anyJson.optional(),
});
export type CreateRunInput = z.input<typeof createRunSchema>;

export const finishRunSchema = z.strictObject({
  status: z.enum(TERMINAL_RUN_STATUSES).default('succeeded'),
  verdict: z.enum(VERDICTS).optional(),
  failureClass: z.enum(FAILURE_CLASSES).optional(),
  output: anyJson.optional(),
  error: anyJson.optional(),
});
export type FinishRunInput = z.input<typeof finishRunSchema>;

export const listRunsSchema = z.strictObject({
  status: z.enum(RUN_STATUSES).optional(),
  agent: z.string().optional(),
  name: z.string().optional(),
  parentRunId: z.uuid().optional(),
  taskId: z.uuid().optional(),
  tag: z.string().optional(),
  failureClass: z.enum(FAILURE_CLASSES).optional(),
  since: z.coerce.date().optional(),
  until: z.coerce.date().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().optional(),
});
export type ListRunsInput = z.input<typeof listRunsSchema>;

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw validationError(
      what,
      parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
    );
  }
  return parsed.data;
}

export async function createRun(res: Resources, input: CreateRunInput, principal?: string): Promise<Run> {
  const data = parseInput(createRunSchema, input, 'run');
  const id = data.id ?? uuidv7();
  let rootRunId: string | null = null;
  if (data.parentRunId) {
    const parent = await findRun(res, data.parentRunId);
    if (!parent) {
      throw new GafferError('VALIDATION_FAILED', `parentRunId: no run with id ${data.parentRunId}`, {
        details: { issues: [{ path: 'parentRunId', message: 'no such run' }] },
      });
    }
    rootRunId = parent.rootRunId ?? parent.id;
  }
  if (data.taskId && !(await taskExists(res, data.taskId))) {
    throw new GafferError('VALIDATION_FAILED', `taskId: no task with id ${data.taskId}`, {
      details: { issues: [{ path: 'taskId', message: 'no such task' }] },
    });
  }
  const started = prepareBatch(res, [
    {
      type: 'run_started',
      payload: { name: data.name, agent: data.agent, ...(data.input === undefined ? {} : { input: data.input }) },
      ts: res.now(),
    },
  ]);
  const created = await res.db.transaction(async (tx) => {
    const rows = await tx
      .insert(runs)
      .values({
        id,
        name: data.name ?? null,
        agent: data.agent ?? null,
        parentRunId: data.parentRunId ?? null,
        rootRunId,
        taskId: data.taskId ?? null,
        attempt: data.attempt ?? 1,
        // Redacted like every payload (run_started's, with `input`, goes through prepareBatch).
        metadata: data.metadata === undefined ? {} : res.redactor.value(data.metadata),
        tags: data.tags ?? [],
        createdBy: principal ?? null,
        startedAt: new Date(started.events[0]!.ts),
      })
      .onConflictDoNothing()
      .returning();
    if (rows[0]) await insertBatch(res, tx, id, started);
    return rows[0];
  });
  if (!created) {
    // Same id again: a client retrying a create whose response it lost. Return what exists.
    const existing = await findRun(res, id);
    if (existing) return existing;
    throw new GafferError('CONFLICT', `run ${id} could not be created`);
  }
  res.bus.emitAppended({ runId: id, lastSeq: 1 });
  return { ...created, lastSeq: 1 };
}

export async function finishRun(res: Resources, id: string, input: FinishRunInput = {}): Promise<Run> {
  const data = parseInput(finishRunSchema, input, 'finish');
  const run = await getRun(res, id);
  if (run.status !== 'running') {
    if (run.status === data.status) return run; // a retried finish: already done
    throw new GafferError('RUN_FINISHED', `run ${id} already finished as ${run.status}; it cannot become ${data.status}`, {
      details: { status: run.status },
    });
  }
  const finished = prepareBatch(res, [
    {
      type: 'run_finished',
      payload: {
        status: data.status,
        ...(data.verdict ? { verdict: data.verdict } : {}),
        ...(data.failureClass ? { failureClass: data.failureClass } : {}),
        ...(data.output === undefined ? {} : { output: data.output }),
        ...(data.error === undefined ? {} : { error: data.error }),
      },
    },
  ]);
  const finishedAt = new Date(finished.events[0]!.ts);
  const updated = await res.db.transaction(async (tx) => {
    const [row] = await tx
      .update(runs)
      .set({
        status: data.status,
        verdict: data.verdict ?? null,
        failureClass: data.failureClass ?? null,
        output: data.output === undefined ? null : res.redactor.value(data.output),
        error: data.error === undefined ? null : res.redactor.value(data.error),
        finishedAt,
        durationMs: Math.max(0, finishedAt.getTime() - run.startedAt.getTime()),
      })
      .where(and(eq(runs.id, id), eq(runs.status, 'running')))
      .returning();
    if (!row) return undefined;
    const appended = await insertBatch(res, tx, id, finished);
    return { ...row, lastSeq: appended.lastSeq };
  });
  if (!updated) return finishRun(res, id, input); // raced with another finish: report its outcome
  res.bus.emitAppended({ runId: id, lastSeq: updated.lastSeq });
  return updated;
}

async function findRun(res: Resources, id: string): Promise<Run | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await res.db.drizzle.select().from(runs).where(eq(runs.id, id));
  return row;
}

/**
 * The foreign key would refuse a missing task anyway, but as a 500; this names the field. Read
 * here rather than through src/tasks, which imports this module (parseInput).
 */
async function taskExists(res: Resources, id: string): Promise<boolean> {
  const [row] = await res.db.drizzle.select({ id: tasks.id }).from(tasks).where(eq(tasks.id, id));
  return row !== undefined;
}

export async function getRun(res: Resources, id: string): Promise<Run> {
  const run = await findRun(res, id);
  if (!run) throw new GafferError('RUN_NOT_FOUND', `no run with id ${id}`);
  return run;
}

export interface RunsPage {
  runs: Run[];
  /** Pass as `cursor` for the next page; null at the end. */
  next: string | null;
}

export async function listRuns(res: Resources, input: ListRunsInput = {}): Promise<RunsPage> {
  const q = parseInput(listRunsSchema, input, 'query');
  const where: SQL[] = [];
  if (q.status) where.push(eq(runs.status, q.status));
  if (q.agent) where.push(eq(runs.agent, q.agent));
  if (q.name) where.push(eq(runs.name, q.name));
  if (q.parentRunId) where.push(eq(runs.parentRunId, q.parentRunId));
  if (q.taskId) where.push(eq(runs.taskId, q.taskId));
  if (q.failureClass) where.push(eq(runs.failureClass, q.failureClass));
  if (q.tag) where.push(sql`${q.tag} = ANY(${runs.tags})`);
  if (q.since) where.push(gte(runs.startedAt, q.since));
  if (q.until) where.push(lte(runs.startedAt, q.until));
  if (q.cursor) where.push(lt(runs.id, decodeCursor(q.cursor)));
  const rows = await res.db.drizzle
    .select()
    .from(runs)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(runs.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  return { runs: page, next: rows.length > q.limit ? encodeCursor(page.at(-1)!.id) : null };
}

function encodeCursor(id: string): string {
  return Buffer.from(id).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isUuid(id)) throw new GafferError('INVALID_CURSOR', 'cursor: not a cursor returned by this API; start without one');
  return id;
}

/** Counts by status, for /metrics. */
export async function countRunsByStatus(res: Resources): Promise<Record<string, number>> {
  const rows = await execRows<{ status: string; n: number }>(
    res.db.drizzle,
    sql`SELECT status, count(*)::int AS n FROM runs GROUP BY status`,
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}
