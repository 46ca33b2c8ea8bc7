/**
 * The one query behind both people's inboxes (approvals and escalations): by status (one or
 * several), by task, newest first by id (time-ordered UUIDv7s), paged with `before` an id.
 */
import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import type { approvals, escalations } from './schema.js';
import type { Executor } from './connection.js';

export interface InboxFilter<S extends string> {
  /** One status or several (any of them). */
  status?: S | S[];
  taskId?: string;
  limit?: number;
  /** Only rows older than this one (an id): the next page of a newest-first list. */
  before?: string;
}

/** At most one page (500) plus the row that says there is another. */
const MAX_ROWS = 501;

export async function listInbox<T extends typeof approvals | typeof escalations>(db: Executor, table: T, filter: InboxFilter<string>): Promise<T['$inferSelect'][]> {
  const where = [];
  const statuses = filter.status === undefined ? [] : ([] as string[]).concat(filter.status);
  if (statuses.length) where.push(inArray(table.status as typeof approvals.status, statuses as (typeof approvals.$inferSelect)['status'][]));
  if (filter.taskId) where.push(eq(table.taskId, filter.taskId));
  if (filter.before) where.push(lt(table.id, filter.before));
  const rows = await db
    .select()
    .from(table as typeof approvals)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(table.id))
    .limit(Math.min(Math.max(1, filter.limit ?? 100), MAX_ROWS));
  return rows as T['$inferSelect'][];
}
