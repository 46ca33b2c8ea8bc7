/**
 * The buffered recorder. Recording calls only push onto an in-memory queue (no I/O, no
 * validation beyond the event kind, no throw); a background flush sends each run's queue in
 * order — create, events in batches, artifacts, finish — through the transport.
 *
 * Delivery: every batch carries a batchId chosen once, so a batch retried after a lost response
 * is appended once. Each event is checked against its kind's schema when its batch is formed,
 * so one bad event is handed back alone instead of the server refusing its whole batch.
 * Transient failures are reported to onError and retried with backoff, indefinitely in the
 * background. Permanent failures (a 4xx the server will repeat), and whatever is still queued
 * when close() gives up, are reported with the dropped events attached (`err.dropped`) so the
 * caller still holds the data. Payloads are serialised at flush time: do not mutate an object
 * after recording it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { MAX_EVENTS_PER_BATCH } from '../config/config.js';
import { formatPath } from '../errors.js';
import type { EventInput } from '../events/appendEvents.js';
import { EVENT_SCHEMAS, isCustomEventType, isKnownEventType } from '../events/eventTypes.js';
import type { EventsPage, ReadEventsOptions } from '../events/readEvents.js';
import type { RunView } from '../api/views.js';
import { uuidv7 } from '../util/ids.js';
import { isPermanentError, type RecorderTransport, type SdkSubmitInput, type SubmittedTask } from './transport.js';
import type { TaskView } from '../api/taskViews.js';
import type {
  ArtifactOptions,
  FinishRunOptions,
  Recorder,
  RecorderOptions,
  RunRecorder,
  StartRunOptions,
  ToolCallRecord,
} from './types.js';
import type { LlmCallPayload } from '../events/eventTypes.js';

const DEFAULT_BATCH_SIZE = 500;
const DEFAULT_FLUSH_INTERVAL_MS = 200;
const MAX_BACKOFF_MS = 10_000;
/** An explicit flush() gives up (and throws) after this many failed rounds. */
const FLUSH_ATTEMPTS = 6;
/** Runs sent at once during a flush. */
const DRAIN_CONCURRENCY = 4;

type Op =
  | { kind: 'create'; input: StartRunOptions & { id: string } }
  | { kind: 'events'; events: EventInput[]; inflight?: { events: EventInput[]; batchId: string } }
  // batchId: chosen when the artifact is recorded, so a retry appends its event once and two
  // recordings of the same content under the same name are two events.
  | { kind: 'artifact'; content: Uint8Array; contentType: string; name: string; batchId: string; done: (sha: string) => void }
  | { kind: 'finish'; input: FinishRunOptions; done: () => void };

interface RunQueue {
  id: string;
  ops: Op[];
}

export class RecorderError extends Error {
  /** The run the dropped events belong to, when the error is about one run. */
  readonly runId: string | undefined;

  constructor(
    message: string,
    readonly dropped: EventInput[] = [],
    options?: { cause?: unknown; runId?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RecorderError';
    this.runId = options?.runId;
  }
}

export class BufferedRecorder implements Recorder {
  private readonly queues = new Map<string, RunQueue>();
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly onError: (err: unknown) => void;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<boolean> | undefined;
  private failures = 0;
  private buffered = 0;
  private closed = false;
  private readonly exitHook: (() => void) | undefined;

  constructor(
    readonly transport: RecorderTransport,
    options: RecorderOptions = {},
  ) {
    this.batchSize = batchSizeOf(options.batchSize);
    this.flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.onError = options.onError ?? ((err) => process.emitWarning(`gaffer recorder: ${(err as Error).message}`));
    if (options.flushOnExit ?? true) this.exitHook = registerExitFlush(this);
  }

  startRun(options: StartRunOptions = {}): RunRecorder {
    const id = options.id ?? uuidv7();
    if (this.closed) {
      // Nothing would ever send it; its events, finish and artifacts report themselves likewise.
      this.onError(new RecorderError(`recorder is closed; run ${id} was not recorded`, [], { runId: id }));
      return new BufferedRun(this, id);
    }
    this.queues.set(id, { id, ops: [{ kind: 'create', input: { ...options, id } }] });
    this.schedule();
    return new BufferedRun(this, id);
  }

  /** Queues one event (the hot path: a push and maybe a timer). */
  push(runId: string, type: string, payload: unknown, ts: Date): void {
    if (this.closed) {
      this.onError(
        new RecorderError(`recorder is closed; event '${type}' for run ${runId} was not recorded`, [{ type, payload, ts }], { runId }),
      );
      return;
    }
    if (!isKnownEventType(type) && !isCustomEventType(type)) {
      this.onError(
        new RecorderError(`unknown event type '${type}': use a typed kind or an 'x-' custom kind`, [{ type, payload, ts }], { runId }),
      );
      return;
    }
    const queue = this.queues.get(runId) ?? this.reopen(runId);
    const last = queue.ops.at(-1);
    if (last?.kind === 'events') last.events.push({ type, payload, ts });
    else queue.ops.push({ kind: 'events', events: [{ type, payload, ts }] });
    this.buffered++;
    this.schedule(this.buffered >= this.batchSize ? 0 : this.flushIntervalMs);
  }

  enqueue(runId: string, op: Op): void {
    if (this.closed) {
      // Nothing will send it: settle its promise now (an artifact with its local sha256).
      settle(op);
      this.onError(new RecorderError(`recorder is closed; ${op.kind} for run ${runId} was not recorded`, [], { runId }));
      return;
    }
    (this.queues.get(runId) ?? this.reopen(runId)).ops.push(op);
    this.schedule(0);
  }

  /** A run whose queue was drained gets a fresh queue (events after finish are still kept). */
  private reopen(runId: string): RunQueue {
    const queue: RunQueue = { id: runId, ops: [] };
    this.queues.set(runId, queue);
    return queue;
  }

  private schedule(delayMs = this.flushIntervalMs): void {
    if (this.closed && delayMs > 0) delayMs = 0;
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flushOnce().then((ok) => {
        if (!ok) this.schedule(this.backoffMs());
        else if (this.pending()) this.schedule(0);
      });
    }, delayMs);
    // The recorder never keeps a process alive by itself; beforeExit flushes what is left.
    this.timer.unref();
  }

  private backoffMs(): number {
    const base = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(this.failures, 10));
    return base / 2 + Math.random() * (base / 2);
  }

  pending(): boolean {
    for (const q of this.queues.values()) if (q.ops.length > 0) return true;
    return false;
  }

  /** One pass over every queue; true when it ended without a failure. Single-flight. */
  private flushOnce(): Promise<boolean> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async drain(): Promise<boolean> {
    // Runs drain concurrently (each run's own queue stays strictly in order). A child's create
    // waits for its parent's, because the server checks the parent exists.
    const queues = [...this.queues.values()];
    let failed = false;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!failed && next < queues.length) {
        const queue = queues[next++]!;
        const parent = queue.ops[0]?.kind === 'create' ? queue.ops[0].input.parentRunId : undefined;
        if (parent && this.queues.get(parent)?.ops[0]?.kind === 'create') continue; // next pass
        try {
          await this.drainRun(queue);
          if (queue.ops.length === 0 && this.queues.get(queue.id) === queue) this.queues.delete(queue.id);
        } catch (err) {
          failed = true;
          this.onError(err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DRAIN_CONCURRENCY, queues.length) }, worker));
    // One failed round doubles the backoff once, however many runs failed in it.
    this.failures = failed ? this.failures + 1 : 0;
    return !failed;
  }

  private async drainRun(queue: RunQueue): Promise<void> {
    while (queue.ops.length > 0) {
      const op = queue.ops[0]!;
      try {
        await this.send(queue.id, op);
      } catch (err) {
        if (!isPermanentError(err)) throw err;
        // The server will refuse this again: hand the data back through onError and move on.
        const dropped = op.kind === 'events' ? [...(op.inflight?.events ?? []), ...op.events] : [];
        queue.ops.shift();
        this.buffered -= dropped.length;
        settle(op);
        this.onError(
          new RecorderError(`gaffer refused a ${op.kind} for run ${queue.id}: ${(err as Error).message}`, dropped, {
            cause: err,
            runId: queue.id,
          }),
        );
        continue;
      }
      if (op.kind !== 'events' || (op.events.length === 0 && !op.inflight)) queue.ops.shift();
    }
  }

  private async send(runId: string, op: Op): Promise<void> {
    switch (op.kind) {
      case 'create': {
        const { input } = op;
        await this.transport.createRun({
          id: input.id,
          ...(input.name ? { name: input.name } : {}),
          ...(input.agent ? { agent: input.agent } : {}),
          ...(input.parentRunId ? { parentRunId: input.parentRunId } : {}),
          ...(input.taskId ? { taskId: input.taskId } : {}),
          ...(input.metadata ? { metadata: input.metadata } : {}),
          ...(input.tags ? { tags: input.tags } : {}),
          ...(input.input === undefined ? {} : { input: input.input }),
        });
        return;
      }
      case 'events':
        while (op.inflight || op.events.length > 0) {
          if (!op.inflight) {
            // Checked once, when the batch is formed; a retry resends the same checked batch.
            const events = this.withoutInvalid(runId, op.events.splice(0, this.batchSize));
            if (events.length === 0) continue;
            op.inflight = { events, batchId: randomUUID() };
          }
          await this.transport.appendEvents(runId, op.inflight.events, op.inflight.batchId);
          this.buffered -= op.inflight.events.length;
          op.inflight = undefined;
        }
        return;
      case 'artifact': {
        const sha256 = await this.transport.putArtifact(op.content, op.contentType);
        await this.transport.appendEvents(
          runId,
          [{ type: 'artifact', payload: { sha256, name: op.name, contentType: op.contentType, bytes: op.content.byteLength } }],
          op.batchId,
        );
        op.done(sha256);
        return;
      }
      case 'finish':
        await this.transport.finishRun(runId, op.input);
        op.done();
        return;
    }
  }

  /**
   * The events of a batch that the server would accept, by the same schemas it uses; each one it
   * would refuse is handed to onError alone, so it does not take its neighbours down with it.
   */
  private withoutInvalid(runId: string, events: EventInput[]): EventInput[] {
    const valid: EventInput[] = [];
    for (const event of events) {
      const problem = eventProblem(event);
      if (problem === undefined) {
        valid.push(event);
        continue;
      }
      this.buffered--;
      this.onError(new RecorderError(`event '${event.type}' for run ${runId} is invalid and was not sent: ${problem}`, [event], { runId }));
    }
    return valid;
  }

  async flush(): Promise<void> {
    for (let attempt = 1; this.pending() || this.flushing; attempt++) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
      const ok = await this.flushOnce();
      if (ok) {
        attempt = 0;
        continue;
      }
      if (attempt >= FLUSH_ATTEMPTS) {
        this.schedule(this.backoffMs());
        throw new RecorderError(`flush failed ${attempt} times; events stay queued and are retried in the background`);
      }
      await new Promise((resolve) => setTimeout(resolve, this.backoffMs()));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.exitHook?.();
      this.dropQueued();
      await this.transport.close();
    }
  }

  /**
   * After a final flush that failed: nothing will retry what is still queued, so every queued
   * event goes back through onError (one RecorderError per run, `dropped` holding its events)
   * and every pending finish() and artifact() settles.
   */
  private dropQueued(): void {
    const queues = [...this.queues.values()];
    this.queues.clear();
    this.buffered = 0;
    for (const queue of queues) {
      if (queue.ops.length === 0) continue;
      const dropped: EventInput[] = [];
      const kinds = new Set<string>();
      for (const op of queue.ops) {
        kinds.add(op.kind);
        if (op.kind === 'events') dropped.push(...(op.inflight?.events ?? []), ...op.events);
        settle(op);
      }
      this.onError(
        new RecorderError(
          `recorder closed before run ${queue.id} was stored (${[...kinds].join(', ')} not sent); ${dropped.length} events dropped`,
          dropped,
          { runId: queue.id },
        ),
      );
    }
  }

  getRun(runId: string): Promise<RunView> {
    return this.transport.getRun(runId);
  }

  /**
   * Submits a task (work order) of a spec — unlike recording, this waits for the answer and
   * throws on refusal (bad input names the field), because the caller needs the task id.
   */
  submitTask(input: SdkSubmitInput): Promise<SubmittedTask> {
    return this.transport.submitTask(input);
  }

  getTask(taskId: string): Promise<TaskView> {
    return this.transport.getTask(taskId);
  }

  readEvents(runId: string, options?: ReadEventsOptions): Promise<EventsPage> {
    return this.transport.readEvents(runId, options);
  }
}

class BufferedRun implements RunRecorder {
  constructor(
    private readonly recorder: BufferedRecorder,
    readonly id: string,
  ) {}

  event(type: string, payload: unknown, ts: Date = new Date()): void {
    this.recorder.push(this.id, type, payload, ts);
  }

  llmCall(call: LlmCallPayload): void {
    this.recorder.push(this.id, 'llm_call', call, new Date());
  }

  toolCall(call: ToolCallRecord): void {
    const callId = call.callId ?? randomUUID();
    const now = new Date();
    this.recorder.push(this.id, 'tool_call', { callId, name: call.name, arguments: call.arguments, ...(call.risk ? { risk: call.risk } : {}) }, now);
    this.recorder.push(
      this.id,
      'tool_result',
      {
        callId,
        name: call.name,
        output: call.output,
        isError: call.isError ?? false,
        ...(call.durationMs === undefined ? {} : { durationMs: call.durationMs }),
      },
      now,
    );
  }

  artifact(content: string | Uint8Array, options: ArtifactOptions): Promise<string> {
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    const contentType = options.contentType ?? (typeof content === 'string' ? 'text/plain' : 'application/octet-stream');
    return new Promise((resolve) => {
      this.recorder.enqueue(this.id, {
        kind: 'artifact',
        content: bytes,
        contentType,
        name: options.name,
        batchId: randomUUID(),
        // '' means it was not stored (reported through onError); fall back to the local hash.
        done: (sha) => resolve(sha || createHash('sha256').update(bytes).digest('hex')),
      });
    });
  }

  startChild(options: Omit<StartRunOptions, 'parentRunId'> = {}): RunRecorder {
    return this.recorder.startRun({ ...options, parentRunId: this.id });
  }

  finish(options: FinishRunOptions = {}): Promise<void> {
    return new Promise((resolve) => this.recorder.enqueue(this.id, { kind: 'finish', input: options, done: resolve }));
  }
}

/** Resolves the promise waiting on an op that will not be sent (an artifact gets ''). */
function settle(op: Op): void {
  if (op.kind === 'artifact') op.done('');
  else if (op.kind === 'finish') op.done();
}

/**
 * What the server would refuse in one event, checked with the server's own schemas
 * (prepareEvent in src/events/appendEvents.ts), or undefined when it would take it. The kind
 * itself was checked when the event was recorded.
 */
function eventProblem(event: EventInput): string | undefined {
  if (event.ts !== undefined && Number.isNaN((event.ts instanceof Date ? event.ts : new Date(event.ts)).getTime())) {
    return 'ts: must be a valid date';
  }
  if (!isKnownEventType(event.type)) return undefined; // an x- kind takes any JSON
  const parsed = EVENT_SCHEMAS[event.type].safeParse(event.payload ?? {});
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
  return `payload.${formatPath(issue?.path ?? [])}: ${issue?.message ?? 'is invalid'}${more}`.replace('payload.(root)', 'payload');
}

/** A batch size the server accepts: a positive integer, at most MAX_EVENTS_PER_BATCH. */
function batchSizeOf(requested: number | undefined): number {
  if (requested === undefined) return DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(requested) || requested < 1) {
    throw new RangeError(`batchSize must be a positive integer (at most ${MAX_EVENTS_PER_BATCH}); got ${requested}`);
  }
  // The server refuses a bigger batch outright; flushing more often is all a smaller one costs.
  return Math.min(requested, MAX_EVENTS_PER_BATCH);
}

/**
 * Flush on the way out: `beforeExit` (the event loop ran dry) and SIGINT/SIGTERM (flush, then
 * let the signal do what it would have done). Returns the unregister function.
 */
const liveRecorders = new Set<BufferedRecorder>();
let hooksInstalled = false;

function registerExitFlush(recorder: BufferedRecorder): () => void {
  liveRecorders.add(recorder);
  if (!hooksInstalled) {
    hooksInstalled = true;
    process.on('beforeExit', () => {
      for (const r of liveRecorders) if (r.pending()) void r.flush().catch(() => {});
    });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const handler = (): void => {
        const flushes = [...liveRecorders].map((r) => r.flush().catch(() => {}));
        const deadline = new Promise((resolve) => setTimeout(resolve, 5_000).unref());
        void Promise.race([Promise.all(flushes), deadline]).then(() => {
          process.off(signal, handler);
          // Others listening decide for themselves; alone, re-raise for the default behaviour.
          if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
        });
      };
      process.on(signal, handler);
    }
  }
  return () => liveRecorders.delete(recorder);
}
