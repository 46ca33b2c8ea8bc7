/**
 * A worker: claims tasks (up to `concurrency` at once), runs each with its executor under a
 * heartbeat-renewed lease, and records the outcome fenced by the attempt it claimed.
 *
 * Waking: idle workers sleep until a NOTIFY on `gaffer_tasks` (sent by a trigger whenever a task
 * becomes claimable; PGlite delivers it in-process, server Postgres to every listening process),
 * a finished slot, or `pollMs` — the poll catches deferred tasks whose time has come.
 * Failures of the database (a restart) are logged and retried with backoff; the loop never dies.
 * Stopping: no new claims; running attempts get `shutdownGraceMs` to finish, then are aborted and
 * handed back to the queue (releaseTask) for another worker.
 */
import os from 'node:os';
import { appendEvents } from '../events/appendEvents.js';
import { GafferError, isGafferError } from '../errors.js';
import type { Resources } from '../resources.js';
import { AttemptAborted, type AbortReason, type ExecutionContext, type TaskExecutor } from '../executor/types.js';
import { putArtifact } from '../artifacts/artifactStore.js';
import { appendTaskEvent } from '../tasks/taskEvents.js';
import { uuidv7 } from '../util/ids.js';
import { claimTasks, type ClaimedTask } from './claimTasks.js';
import { completeSuccesses, completeTask, type AttemptOutcome, type SuccessInput } from './completeTask.js';
import { deliver, notify, type DeliveryInput } from '../notifications/notifications.js';
import { AttemptRecorder } from './attemptRecorder.js';
import { heartbeat, reapExpiredLeases, releaseTask } from './leases.js';
import { specVersionCached } from './specCache.js';

/** How long a claim holds a task without a heartbeat. */
export const DEFAULT_LEASE_MS = 30_000;
export const DEFAULT_POLL_MS = 1_000;
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
const MAX_ERROR_BACKOFF_MS = 5_000;

export interface WorkerOptions {
  id?: string;
  /** Attempts run at once. Default 2. */
  concurrency?: number;
  leaseMs?: number;
  /** Default leaseMs / 3. */
  heartbeatMs?: number;
  pollMs?: number;
  /** Open a run (with events) per attempt. Default true; false is queue-only. */
  recordRuns?: boolean;
  executors?: TaskExecutor[];
  shutdownGraceMs?: number;
  /** How often to reclaim expired leases (ms). Default leaseMs / 2. */
  reapEveryMs?: number;
}

interface Active {
  claimed: ClaimedTask;
  controller: AbortController;
  done: Promise<void>;
}

export class Worker {
  readonly id: string;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly pollMs: number;
  private readonly recordRuns: boolean;
  private readonly shutdownGraceMs: number;
  private readonly reapEveryMs: number;
  private readonly executors = new Map<string, TaskExecutor>();
  private readonly active = new Map<string, Active>();
  private running = false;
  private loopDone: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private unlisten: (() => Promise<void>) | undefined;
  private reapTimer: NodeJS.Timeout | undefined;
  private errors = 0;
  /** Successes waiting for this turn's flush (completeWithOthers). */
  private readonly successes: { success: SuccessInput; resolve: (recorded: boolean) => void }[] = [];

  constructor(
    private readonly res: Resources,
    options: WorkerOptions = {},
  ) {
    this.id = options.id ?? `${os.hostname()}:${process.pid}:${uuidv7().slice(-8)}`;
    this.concurrency = options.concurrency ?? 2;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.heartbeatMs = options.heartbeatMs ?? Math.max(50, Math.floor(this.leaseMs / 3));
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.recordRuns = options.recordRuns ?? true;
    this.shutdownGraceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
    this.reapEveryMs = options.reapEveryMs ?? Math.max(100, Math.floor(this.leaseMs / 2));
    for (const executor of options.executors ?? []) this.executors.set(executor.name, executor);
  }

  /** Attempts running now. */
  get busy(): number {
    return this.active.size;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.unlisten = await this.res.db.listen('gaffer_tasks', () => this.wake());
    this.reapTimer = setInterval(() => void this.reap(), this.reapEveryMs);
    this.reapTimer.unref();
    this.loopDone = this.loop();
  }

  /** Look for work now (called on NOTIFY and by in-process submitters). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const free = this.concurrency - this.active.size;
      if (free > 0) {
        this.woken = false;
        let claimed: ClaimedTask[];
        try {
          claimed = await claimTasks(this.res, { workerId: this.id, limit: free, leaseMs: this.leaseMs, recordRuns: this.recordRuns });
          this.errors = 0;
        } catch (err) {
          this.errors++;
          this.res.logger.warn({ err, worker: this.id }, 'claiming tasks failed; retrying');
          await this.sleep(Math.min(MAX_ERROR_BACKOFF_MS, 100 * 2 ** this.errors));
          continue;
        }
        for (const c of claimed) this.begin(c);
        if (claimed.length === free && this.running) continue; // there may be more
        if (this.woken) continue; // work arrived while we were claiming
      }
      // Every slot busy, or nothing to claim: wait for a wake-up (NOTIFY, a freed slot) or the
      // poll. Waiting here also when busy matters: a wake-up arriving while all slots are busy
      // must not turn this loop into a busy spin.
      await this.sleep(this.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }

  private async reap(): Promise<void> {
    try {
      const reclaimed = await reapExpiredLeases(this.res);
      if (reclaimed > 0) this.res.logger.info({ reclaimed, worker: this.id }, 'reclaimed tasks with expired leases');
    } catch (err) {
      this.res.logger.warn({ err }, 'reaping expired leases failed; will retry');
    }
  }

  private begin(claimed: ClaimedTask): void {
    const controller = new AbortController();
    const entry: Active = { claimed, controller, done: Promise.resolve() };
    this.active.set(claimed.task.id, entry);
    entry.done = this.run(claimed, controller).finally(() => {
      this.active.delete(claimed.task.id);
      this.wake();
    });
  }

  private async run(claimed: ClaimedTask, controller: AbortController): Promise<void> {
    const { task, attempt, runId } = claimed;
    const abort = (reason: AbortReason): void => {
      if (!controller.signal.aborted) controller.abort(new AttemptAborted(reason));
    };
    const beat = setInterval(() => {
      heartbeat(this.res, { taskId: task.id, attempt, workerId: this.id, leaseMs: this.leaseMs }).then(
        (hb) => {
          if (!hb.held) abort('lease_lost');
          else if (hb.cancelRequested) abort('cancelled');
        },
        (err: unknown) => this.res.logger.warn({ err, taskId: task.id }, 'heartbeat failed; the lease may lapse'),
      );
    }, this.heartbeatMs);
    const timeout = task.timeoutMs ? setTimeout(() => abort('timeout'), task.timeoutMs) : undefined;
    const recorder = runId ? new AttemptRecorder(this.res, runId) : undefined;
    /** What the attempt recorded goes in before anything else is written about it. */
    const flushRecorded = (): Promise<void> =>
      recorder ? recorder.flush().catch((err: unknown) => this.res.logger.error({ err, taskId: task.id }, 'could not append the events the attempt recorded')) : Promise.resolve();
    let outcome: AttemptOutcome;
    try {
      outcome = await this.execute(claimed, controller.signal, recorder);
    } catch (err) {
      outcome = { status: 'failed', error: errorInfo(err) };
    } finally {
      clearInterval(beat);
      if (timeout) clearTimeout(timeout);
    }
    const reason = controller.signal.aborted ? (controller.signal.reason as AttemptAborted).reason : undefined;
    if (reason === 'lease_lost') {
      await flushRecorded();
      this.res.logger.warn({ taskId: task.id, attempt }, 'lease lost: another worker owns this task now; result dropped');
      return;
    }
    if (reason === 'shutdown') {
      await flushRecorded();
      await releaseTask(this.res, { taskId: task.id, attempt, runId, reason: `worker ${this.id} shut down` }).catch((err: unknown) =>
        this.res.logger.error({ err, taskId: task.id }, 'could not hand the task back; its lease will expire'),
      );
      return;
    }
    if (reason === 'timeout') outcome = { status: 'timed_out', error: { message: `timed out after ${task.timeoutMs} ms` }, failureClass: 'timeout' };
    if (reason === 'cancelled') outcome = { status: 'cancelled', reason: 'cancelled while running' };
    if (outcome.status === 'succeeded') {
      const success: SuccessInput = { taskId: task.id, attempt, runId, output: outcome.output, principal: `worker:${this.id}` };
      if (outcome.verdict) success.verdict = outcome.verdict;
      const events = await recorder?.takeForCompletion().catch(() => undefined);
      if (events) success.events = events;
      if (await this.completeWithOthers(success)) return;
      if (events) recorder!.putBack(events);
    }
    await this.complete(task.id, task.specVersionId, attempt, runId, outcome, recorder);
  }

  /**
   * Records a success together with the others of this turn of the event loop, in one statement
   * that also claims the tasks for the slots they free (completeSuccesses). Resolves true when it
   * was recorded; false sends it down the per-task path (complete), which decides what happened.
   */
  private completeWithOthers(success: SuccessInput): Promise<boolean> {
    return new Promise((resolve) => {
      this.successes.push({ success, resolve });
      if (this.successes.length === 1) setImmediate(() => void this.flushSuccesses());
    });
  }

  private async flushSuccesses(): Promise<void> {
    const batch = this.successes.splice(0);
    // These attempts still count as active: the slots free after them are that many more.
    const free = this.running ? this.concurrency - this.active.size + batch.length : 0;
    let result: { done: Set<string>; next: ClaimedTask[] };
    try {
      result = await completeSuccesses(
        this.res,
        batch.map((b) => b.success),
        { workerId: this.id, limit: Math.max(0, free), leaseMs: this.leaseMs, recordRuns: this.recordRuns },
      );
    } catch (err) {
      this.res.logger.warn({ err, tasks: batch.length }, 'recording successes failed; recording them one by one');
      for (const b of batch) b.resolve(false);
      return;
    }
    for (const b of batch) b.resolve(result.done.has(b.success.taskId));
    for (const c of result.next) this.beginOrHandBack(c);
  }

  /** Starts a task claimed along with a completion — or, once stopping, hands it straight back. */
  private beginOrHandBack(claimed: ClaimedTask): void {
    if (this.running) return this.begin(claimed);
    const { task, attempt, runId } = claimed;
    void releaseTask(this.res, { taskId: task.id, attempt, runId, reason: `worker ${this.id} shut down` }).catch((err: unknown) =>
      this.res.logger.error({ err, taskId: task.id }, 'could not hand the task back; its lease will expire'),
    );
  }

  /** Records the outcome; a transient database failure is retried until the lease would lapse. */
  private async complete(
    taskId: string,
    specVersionId: string | null,
    attempt: number,
    runId: string | null,
    outcome: AttemptOutcome,
    recorder?: AttemptRecorder,
  ): Promise<void> {
    const deadline = Date.now() + this.leaseMs;
    for (let i = 0; ; i++) {
      try {
        await recorder?.flush();
        await completeTask(this.res, { taskId, specVersionId, attempt, runId, outcome, principal: `worker:${this.id}` });
        return;
      } catch (err) {
        if (isGafferError(err, 'LEASE_LOST')) {
          this.res.logger.warn({ taskId, attempt }, err.message);
          return;
        }
        if (Date.now() > deadline) {
          this.res.logger.error({ err, taskId }, 'could not record the outcome; the lease will expire and the task be retried');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_ERROR_BACKOFF_MS, 100 * 2 ** i)));
      }
    }
  }

  private async execute(claimed: ClaimedTask, signal: AbortSignal, recorder: AttemptRecorder | undefined): Promise<AttemptOutcome> {
    const { task, attempt, runId } = claimed;
    if (task.kind === 'reminder') {
      const input = (task.input ?? {}) as { message?: string; to?: string };
      const due = { message: input.message ?? '', ...(input.to ? { to: input.to } : {}) };
      await this.res.db.transaction(async (tx) => {
        await appendTaskEvent(this.res, tx, task.id, 'reminder_due', due, 'scheduler');
        await notify(this.res, tx, 'reminder_due', { taskId: task.id, ...due });
      });
      return { status: 'succeeded', output: { reminded: true } };
    }
    if (task.kind === 'delivery') {
      const sent = await deliver(this.res, task.input as DeliveryInput, (type, payload) => recorder?.record(type, payload), signal);
      if (sent.ok) return { status: 'succeeded', output: { status: sent.status } };
      return { status: 'failed', failureClass: sent.failureClass, retryable: sent.retryable, error: { message: sent.message, ...(sent.status ? { status: sent.status } : {}) } };
    }
    const spec = await specVersionCached(this.res, task.specVersionId!);
    const executor = this.executors.get(spec.definition.executor);
    if (!executor) {
      return {
        status: 'failed',
        error: { message: `no '${spec.definition.executor}' executor in worker ${this.id}` },
        failureClass: 'orchestration_error',
      };
    }
    const res = this.res;
    const ctx: ExecutionContext = {
      task,
      spec,
      input: task.input,
      runId,
      attempt,
      signal,
      resources: res,
      // Buffered (AttemptRecorder): checked now, written with the next flush or the completion.
      async record(type, payload) {
        recorder?.record(type, payload);
      },
      async artifact(content, options) {
        const bytes = typeof content === 'string' ? Buffer.from(content) : content;
        const contentType = options.contentType ?? 'application/octet-stream';
        const text = /^(text\/|application\/(json|x-diff))/.test(contentType);
        const stored = await res.db.transaction((tx) =>
          putArtifact(tx, res.blobs, text ? Buffer.from(res.redactor.text(Buffer.from(bytes).toString('utf8'))) : bytes, contentType),
        );
        if (runId) {
          await recorder?.flush();
          await appendEvents(res, runId, [
            { type: 'artifact', payload: { sha256: stored.sha256, name: options.name, contentType, bytes: stored.bytes } },
          ]);
        }
        return stored.sha256;
      },
    };
    const result = await executor.execute(ctx);
    if (signal.aborted) throw signal.reason;
    return result;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakeUp?.();
    if (this.reapTimer) clearInterval(this.reapTimer);
    await this.loopDone;
    const inFlight = [...this.active.values()];
    const graceful = Promise.all(inFlight.map((a) => a.done));
    const timer = new Promise((resolve) => setTimeout(resolve, this.shutdownGraceMs).unref());
    await Promise.race([graceful, timer]);
    for (const a of this.active.values()) a.controller.abort(new AttemptAborted('shutdown'));
    await Promise.all(inFlight.map((a) => a.done));
    await this.unlisten?.();
  }
}

function errorInfo(err: unknown): Record<string, unknown> {
  if (err instanceof AttemptAborted) return { message: err.message, reason: err.reason };
  if (err instanceof GafferError) return { message: err.message, code: err.code };
  if (err instanceof Error) return { message: err.message, name: err.name };
  return { message: String(err) };
}
