/**
 * The database clock. Schedules, leases and run_at are all compared with the database's now(),
 * never a worker's own clock, so machines with drifting clocks still agree.
 */
import { sql } from 'drizzle-orm';
import { execRows, type Executor } from './connection.js';

export async function dbNow(executor: Executor): Promise<Date> {
  const [row] = await execRows<{ now: Date | string }>(executor, sql`SELECT now() AS now`);
  return new Date(row!.now);
}
