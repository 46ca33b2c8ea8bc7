/**
 * The decision log: every `decision` Gaffer or an agent recorded — in runs (routing, gate,
 * refinement_cycle, retry with retry:false, or any an agent writes with the SDK) and in task logs
 * (retry, fallback) — read as one list, newest first, with filters. Decisions are ordinary
 * immutable events; this is a read model over them, not a second copy.
 *
 * Paging is keyset: `next` is an opaque cursor (the last row's time and key), so a page never
 * repeats or skips a decision however many are recorded meanwhile.
 */
import { sql, type SQL } from 'drizzle-orm';
import { execRows } from '../db/connection.js';
import { validationError } from '../errors.js';
import type { Resources } from '../resources.js';

export interface DecisionFilter {
  /** decisionType: routing, gate, refinement_cycle, retry, fallback, escalation, skip, or a custom one. */
  type?: string;
  taskId?: string;
  runId?: string;
  /** Only decisions at or after this time. */
  since?: Date;
  limit?: number;
  /** The `next` of the previous page. */
  cursor?: string;
}

export interface DecisionRecord {
  /** Where it is recorded: a run's events or a task's log. */
  source: 'run' | 'task';
  runId: string | null;
  taskId: string | null;
  seq: number;
  ts: string;
  decisionType: string;
  inputs: unknown;
  output: unknown;
  confidence: number | null;
  reason: string | null;
  /** The whole recorded payload (custom fields included). */
  payload: Record<string, unknown>;
}

export const MAX_DECISIONS_PAGE = 500;

interface Row {
  source: 'run' | 'task';
  run_id: string | null;
  task_id: string | null;
  seq: number;
  ts: Date | string;
  payload: Record<string, unknown>;
  key: string;
  ts_us: number;
}

export async function listDecisions(res: Resources, filter: DecisionFilter = {}): Promise<{ decisions: DecisionRecord[]; next: string | null }> {
  const limit = Math.min(Math.max(1, filter.limit ?? 100), MAX_DECISIONS_PAGE);
  const after = filter.cursor ? decodeCursor(filter.cursor) : undefined;
  const runWhere: SQL[] = [sql`e.type = 'decision'`];
  const taskWhere: SQL[] = [sql`t.type = 'decision'`];
  if (filter.type) {
    runWhere.push(sql`e.payload->>'decisionType' = ${filter.type}`);
    taskWhere.push(sql`t.payload->>'decisionType' = ${filter.type}`);
  }
  if (filter.runId) {
    runWhere.push(sql`e.run_id = ${filter.runId}`);
    taskWhere.push(sql`false`);
  }
  if (filter.taskId) {
    runWhere.push(sql`r.task_id = ${filter.taskId}`);
    taskWhere.push(sql`t.task_id = ${filter.taskId}`);
  }
  if (filter.since) {
    runWhere.push(sql`e.ts >= ${filter.since.toISOString()}::timestamptz`);
    taskWhere.push(sql`t.ts >= ${filter.since.toISOString()}::timestamptz`);
  }
  const rows = await execRows<Row>(
    res.db.drizzle,
    sql`SELECT *, (extract(epoch from d.ts) * 1000000)::bigint AS ts_us FROM (
          SELECT 'run' AS source, e.run_id, r.task_id, e.seq, e.ts, e.payload, 'r:' || e.run_id || ':' || lpad(e.seq::text, 12, '0') AS key
          FROM events e JOIN runs r ON r.id = e.run_id WHERE ${sql.join(runWhere, sql` AND `)}
          UNION ALL
          SELECT 'task' AS source, NULL::uuid, t.task_id, t.seq, t.ts, t.payload, 't:' || t.task_id || ':' || lpad(t.seq::text, 12, '0') AS key
          FROM task_events t WHERE ${sql.join(taskWhere, sql` AND `)}
        ) d
        ${after ? sql`WHERE ((extract(epoch from d.ts) * 1000000)::bigint, d.key) < (${after.us}::bigint, ${after.key})` : sql``}
        ORDER BY d.ts DESC, d.key DESC
        LIMIT ${limit + 1}`,
  );
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    decisions: page.map(toRecord),
    next: rows.length > limit && last ? encodeCursor(last.ts_us, last.key) : null,
  };
}

function toRecord(row: Row): DecisionRecord {
  const p = row.payload ?? {};
  return {
    source: row.source,
    runId: row.run_id,
    taskId: row.task_id,
    seq: Number(row.seq),
    ts: isoOf(row.ts),
    decisionType: typeof p['decisionType'] === 'string' ? p['decisionType'] : 'unknown',
    inputs: p['inputs'] ?? null,
    output: p['output'] ?? null,
    confidence: typeof p['confidence'] === 'number' ? p['confidence'] : null,
    reason: typeof p['reason'] === 'string' ? p['reason'] : null,
    payload: p,
  };
}

function isoOf(ts: Date | string): string {
  return ts instanceof Date ? ts.toISOString() : new Date(ts).toISOString();
}

/** The cursor keeps the time in microseconds, as Postgres does (a JS Date would round it to ms). */
function encodeCursor(us: number, key: string): string {
  return Buffer.from(JSON.stringify([us, key])).toString('base64url');
}

function decodeCursor(cursor: string): { us: number; key: string } {
  try {
    const [us, key] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof us === 'number' && Number.isSafeInteger(us) && typeof key === 'string') return { us, key };
  } catch {
    // fall through
  }
  throw validationError('decisions', [{ path: 'cursor', message: 'is not a cursor from a previous page; pass the `next` it returned' }]);
}
