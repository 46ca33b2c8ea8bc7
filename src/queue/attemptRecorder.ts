/**
 * What an executor records into its attempt's run, buffered so that recording never waits on the
 * database (the same rule as the SDK's recorder). An event is validated, redacted and serialised
 * when it is recorded — a bad one throws at once, naming the field — and then kept until:
 *   - FLUSH_MS after the first buffered event, or FLUSH_EVENTS are waiting: appended on their own;
 *   - the attempt succeeds: the worker hands them to the completion statement, which inserts them
 *     before run_finished (completeSuccesses), so a short attempt costs one round trip in all;
 *   - anything else ends the attempt, or an artifact is stored: appended first, in order.
 * A failed append keeps the events, in order, for the next flush; nothing is dropped.
 */
import { insertBatch, prepareBatch, type PreparedBatch } from '../events/appendEvents.js';
import { withTransientRetry } from '../db/sqlstate.js';
import type { Resources } from '../resources.js';

/** How long an event may wait in the buffer: what a live follower of the run lags by at most. */
export const FLUSH_MS = 100;
export const FLUSH_EVENTS = 200;

export class AttemptRecorder {
  private pending: PreparedBatch = emptyBatch();
  private timer: NodeJS.Timeout | undefined;
  /** The append in flight; flushes run one after another so the sequence keeps the order. */
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly res: Resources,
    private readonly runId: string,
  ) {}

  /** Validates and buffers one event; throws (VALIDATION_FAILED...) on a bad one. */
  record(type: string, payload: unknown): void {
    const batch = prepareBatch(this.res, [{ type, payload }]);
    this.pending.events.push(...batch.events);
    addDelta(this.pending, batch);
    if (this.pending.events.length >= FLUSH_EVENTS) void this.flush().catch(() => {});
    else this.timer ??= setTimeout(() => void this.flush().catch(() => {}), FLUSH_MS);
  }

  /** Appends everything buffered (after any append in flight); rejects if it could not. */
  flush(): Promise<void> {
    this.clearTimer();
    const next = this.flushing.then(async () => {
      const batch = this.take();
      if (!batch) return;
      try {
        const result = await withTransientRetry(() => insertBatch(this.res, undefined, this.runId, batch));
        this.res.bus.emitAppended({ runId: this.runId, lastSeq: result.lastSeq });
      } catch (err) {
        this.putBack(batch);
        this.res.logger.warn({ err, runId: this.runId, events: batch.events.length }, 'appending recorded events failed; they stay buffered');
        throw err;
      }
    });
    this.flushing = next.catch(() => {});
    return next;
  }

  /**
   * For a completion statement: waits for any append in flight, then hands over what is buffered
   * (undefined when nothing is). Events with spilled payloads (over the size cap) need their
   * artifacts stored first, so those are appended here instead and nothing is handed over.
   */
  async takeForCompletion(): Promise<PreparedBatch | undefined> {
    this.clearTimer();
    await this.flushing;
    if (this.pending.events.some((e) => e.spill)) {
      await this.flush();
      return undefined;
    }
    return this.take();
  }

  /** Returns events the completion did not insert, to be appended by the next flush. */
  putBack(batch: PreparedBatch): void {
    const later = this.pending;
    this.pending = { events: [...batch.events, ...later.events], delta: { ...batch.delta } };
    addDelta(this.pending, later);
  }

  private take(): PreparedBatch | undefined {
    if (this.pending.events.length === 0) return undefined;
    const batch = this.pending;
    this.pending = emptyBatch();
    return batch;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function emptyBatch(): PreparedBatch {
  return { events: [], delta: { turns: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 } };
}

function addDelta(into: PreparedBatch, from: PreparedBatch): void {
  into.delta.turns += from.delta.turns;
  into.delta.inputTokens += from.delta.inputTokens;
  into.delta.outputTokens += from.delta.outputTokens;
  into.delta.costUsd += from.delta.costUsd;
}
