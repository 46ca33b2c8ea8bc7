/**
 * Reading a run's events in sequence order, a page at a time (`after` is the last seq seen), and
 * following a live run: wait for the next append notification instead of polling the database.
 */
import { sql } from 'drizzle-orm';
import { getArtifact } from '../artifacts/artifactStore.js';
import { execRows } from '../db/connection.js';
import { GafferError } from '../errors.js';
import type { Resources } from '../resources.js';
import { isSpilledPayload } from './appendEvents.js';

export const DEFAULT_EVENTS_PAGE = 100;
export const MAX_EVENTS_PAGE = 1000;

export interface StoredEvent {
  seq: number;
  type: string;
  ts: string;
  payload: unknown;
}

export interface ReadEventsOptions {
  /** Return events with seq greater than this. Default 0 (from the start). */
  after?: number;
  limit?: number;
  /** Only these event types. */
  types?: string[];
  /** Replace spilled payloads by the full payload from its artifact. Default false. */
  resolveSpilled?: boolean;
}

export interface EventsPage {
  events: StoredEvent[];
  /** The `after` for the next page; null when this page reached the end (for now). */
  next: number | null;
}

export async function readEvents(res: Resources, runId: string, options: ReadEventsOptions = {}): Promise<EventsPage> {
  const after = options.after ?? 0;
  const limit = Math.min(Math.max(options.limit ?? DEFAULT_EVENTS_PAGE, 1), MAX_EVENTS_PAGE);
  const types = options.types?.length ? options.types : null;
  const rows = await execRows<{ seq: number; type: string; ts: Date; payload: unknown }>(
    res.db.drizzle,
    types
      ? sql`SELECT seq, type, ts, payload FROM events WHERE run_id = ${runId} AND seq > ${after}
            AND type IN (${sql.join(types.map((t) => sql`${t}`), sql`, `)}) ORDER BY seq LIMIT ${limit + 1}`
      : sql`SELECT seq, type, ts, payload FROM events WHERE run_id = ${runId} AND seq > ${after}
            ORDER BY seq LIMIT ${limit + 1}`,
  );
  if (rows.length === 0) await assertRunExists(res, runId);
  const page = rows.slice(0, limit);
  const events: StoredEvent[] = [];
  for (const row of page) {
    let payload = row.payload;
    if (options.resolveSpilled && isSpilledPayload(row.payload)) {
      const spilled = row.payload.$spilled;
      // A payload that cannot be read back (its blob is on another machine's disk, say) stays a
      // reference, saying why: one unreadable event must not make the whole log unreadable.
      try {
        const { content } = await getArtifact(res.db.drizzle, res.blobs, spilled.sha256);
        payload = JSON.parse(content.toString('utf8'));
      } catch (err) {
        payload = { $spilled: { ...spilled, unresolved: err instanceof Error ? err.message : String(err) } };
      }
    }
    events.push({ seq: row.seq, type: row.type, ts: new Date(row.ts).toISOString(), payload });
  }
  return { events, next: rows.length > limit ? page.at(-1)!.seq : null };
}

async function assertRunExists(res: Resources, runId: string): Promise<void> {
  const [run] = await execRows<{ id: string }>(res.db.drizzle, sql`SELECT id FROM runs WHERE id = ${runId}`);
  if (!run) throw new GafferError('RUN_NOT_FOUND', `no run with id ${runId}`);
}

/**
 * Resolves when the run has an event after `after`, or after timeoutMs, or when aborted. Woken by
 * the in-process bus; the timeout makes it also work for appends made by other processes.
 */
export function waitForEvents(
  res: Resources,
  runId: string,
  after: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      unsubscribe();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    const unsubscribe = res.bus.onAppended(runId, (message) => {
      if (message.lastSeq > after) done();
    });
    signal?.addEventListener('abort', done, { once: true });
  });
}
