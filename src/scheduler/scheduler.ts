/**
 * The scheduler loop: a pass (fireDueSchedules), then sleep until the next fire time or `pollMs`,
 * whichever comes first. Any number of Schedulers, in any number of processes on one database,
 * may run at once: a fire time never makes two tasks (see fireSchedules.ts).
 *
 * It never crashes the process: a failed pass is logged and the loop carries on (while Postgres
 * restarts, passes fail with connection errors and succeed again once it is back).
 */
import { sql } from 'drizzle-orm';
import { isTransientDbError } from '../db/sqlstate.js';
import type { Resources } from '../resources.js';
import { fireDueSchedules, type FireResult } from './fireSchedules.js';

/** Default longest sleep between passes, ms: how soon a new or resumed schedule is noticed. */
export const DEFAULT_POLL_MS = 1_000;
/**
 * Shortest sleep, ms, even when something is still due: a schedule held by another scheduler
 * (skipped, locked) stays due until that one commits, and must not make this loop spin.
 */
export const MIN_SLEEP_MS = 25;

export interface SchedulerOptions {
  /** Longest sleep between passes, ms (default 1000). */
  pollMs?: number;
  /**
   * Called after every successful pass with its result, including the `missed` reports (for
   * notifications). What it throws is logged, never fatal.
   */
  onPass?: (result: FireResult) => void | Promise<void>;
  /** Called when a pass fails (after it is logged). */
  onError?: (err: unknown) => void;
}

export class Scheduler {
  private readonly pollMs: number;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  /** wakeUp() came during a pass: skip the sleep after it. */
  private wokenDuringPass = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly res: Resources,
    private readonly options: SchedulerOptions = {},
  ) {
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    if (!Number.isFinite(this.pollMs) || this.pollMs < 1) throw new RangeError(`pollMs must be at least 1 ms, got ${this.pollMs}`);
  }

  get running(): boolean {
    return this.loop !== undefined;
  }

  /** Starts the loop (no-op when it runs already). */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run().finally(() => {
      this.loop = undefined;
    });
  }

  /** Stops the loop: resolves once the pass in progress (if any) has finished. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp();
    await this.loop;
  }

  /** Runs the next pass now instead of at the end of the current sleep. */
  wakeUp(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const wake = this.wake;
    this.wake = undefined;
    if (wake) wake();
    else this.wokenDuringPass = true;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      this.wokenDuringPass = false;
      let sleepMs = this.pollMs;
      try {
        const result = await fireDueSchedules(this.res);
        await this.report(result);
        // A schedule that failed stays due; wait a full poll before trying it again.
        if (result.errors === 0) sleepMs = await this.msUntilNextDue();
      } catch (err) {
        if (isTransientDbError(err)) this.res.logger.warn({ err }, 'scheduler pass failed (database unavailable); retrying');
        else this.res.logger.error({ err }, 'scheduler pass failed; retrying');
        try {
          this.options.onError?.(err);
        } catch (listenerErr) {
          this.res.logger.error({ err: listenerErr }, 'scheduler onError listener failed');
        }
      }
      if (this.stopping) break;
      if (this.wokenDuringPass) continue;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(() => this.wakeUp(), sleepMs);
      });
    }
  }

  private async report(result: FireResult): Promise<void> {
    try {
      await this.options.onPass?.(result);
    } catch (err) {
      this.res.logger.error({ err }, 'scheduler onPass listener failed');
    }
  }

  /** Until the earliest next_fire_at, by the database clock, within [MIN_SLEEP_MS, pollMs]. */
  private async msUntilNextDue(): Promise<number> {
    const [row] = await this.res.db.rows<{ ms: number | string | null }>(
      sql`SELECT (EXTRACT(EPOCH FROM (min(next_fire_at) - now())) * 1000)::float8 AS ms
          FROM schedules WHERE NOT paused AND deleted_at IS NULL`,
    );
    const ms = row?.ms === null || row?.ms === undefined ? this.pollMs : Number(row.ms);
    return Math.min(this.pollMs, Math.max(MIN_SLEEP_MS, Math.ceil(ms)));
  }
}
