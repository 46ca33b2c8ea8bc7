/**
 * The recorder interface agents use, the same whether it writes to the embedded store in-process
 * (`openGaffer`) or to a server over HTTP (`GafferClient`). Every recording method is synchronous
 * and never throws: events are buffered and flushed in batches in the background; failures go to
 * the `onError` callback and the batch is retried. `flush()` and `close()` wait for the buffer.
 */
import type { RunStatus, Verdict, FailureClass } from '../db/vocabulary.js';
import type { LlmCallPayload, ToolCallPayload } from '../events/eventTypes.js';

export interface StartRunOptions {
  /** Client-chosen id (UUID); generated when absent, so `run.id` is known at once. */
  id?: string;
  name?: string;
  agent?: string;
  parentRunId?: string;
  taskId?: string;
  metadata?: Record<string, unknown>;
  tags?: string[];
  input?: unknown;
}

export interface FinishRunOptions {
  status?: Exclude<RunStatus, 'running'>;
  verdict?: Verdict;
  failureClass?: FailureClass;
  output?: unknown;
  error?: unknown;
}

export interface ArtifactOptions {
  name: string;
  contentType?: string;
}

export interface ToolCallRecord {
  name: string;
  arguments: unknown;
  output: unknown;
  isError?: boolean;
  durationMs?: number;
  callId?: string;
  risk?: ToolCallPayload['risk'];
}

export interface RunRecorder {
  readonly id: string;
  /** Records an event of a typed kind or an `x-` custom kind. */
  event(type: string, payload: unknown, ts?: Date): void;
  /** Records one model call (raw request and response); counters on the run are updated. */
  llmCall(call: LlmCallPayload): void;
  /** Records a tool call and its result as a `tool_call` + `tool_result` pair. */
  toolCall(call: ToolCallRecord): void;
  /**
   * Stores content as an artifact and records an `artifact` event (one per call); resolves to the
   * stored sha256, or to the local sha256 of the content when it could not be stored.
   */
  artifact(content: string | Uint8Array, options: ArtifactOptions): Promise<string>;
  /** A child run for a sub-agent. */
  startChild(options?: Omit<StartRunOptions, 'parentRunId'>): RunRecorder;
  /**
   * Ends the run (default status `succeeded`). Events recorded after it are still sent and kept:
   * the log records what happened, even after the end. Resolves once the finish is sent, or once
   * it cannot be (refused, or the recorder closed; reported to onError).
   */
  finish(options?: FinishRunOptions): Promise<void>;
}

export interface RecorderOptions {
  /**
   * Called with every background failure: a transient one (the batch stays queued and is
   * retried), or a RecorderError whose `dropped` holds events that will not be stored.
   */
  onError?: (err: unknown) => void;
  /**
   * Flush when this many events are buffered; also the most events per request. Default 500;
   * values above MAX_EVENTS_PER_BATCH (5000) are lowered to it. Must be a positive integer.
   */
  batchSize?: number;
  /** Flush at most this long after an event is recorded (ms). Default 200. */
  flushIntervalMs?: number;
  /** Flush pending events when the process is about to exit (beforeExit, SIGINT, SIGTERM). Default true. */
  flushOnExit?: boolean;
}

export interface Recorder {
  startRun(options?: StartRunOptions): RunRecorder;
  /** Waits until everything recorded so far is stored (or throws the last error after retries). */
  flush(): Promise<void>;
  /** Flushes and releases resources. */
  close(): Promise<void>;
}
