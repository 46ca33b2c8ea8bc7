/**
 * The executor interface. An executor gets the task, the exact spec version, the input, a way to
 * record events and artifacts into the attempt's run, and an AbortSignal (cancellation, timeout,
 * lost lease, shutdown). It returns what happened; the worker records it (fenced) and the task
 * lifecycle decides what comes next.
 */
import type { FailureClass, Verdict } from '../db/vocabulary.js';
import type { Resources } from '../resources.js';
import type { SpecVersionRecord } from '../specs/specStore.js';
import type { Task } from '../tasks/submitTask.js';

export interface ExecutionContext {
  task: Task;
  spec: SpecVersionRecord;
  input: unknown;
  /** The attempt's run (null when the worker does not record runs: queue-only benchmarks). */
  runId: string | null;
  attempt: number;
  signal: AbortSignal;
  resources: Resources;
  /** Appends an event to the attempt's run. */
  record(type: string, payload: unknown): Promise<void>;
  /** Stores content as an artifact, records an `artifact` event, returns the sha256. */
  artifact(content: string | Uint8Array, options: { name: string; contentType?: string }): Promise<string>;
}

export type ExecutionResult =
  | { status: 'succeeded'; output?: unknown; verdict?: Verdict }
  | { status: 'failed'; error: Record<string, unknown>; failureClass?: FailureClass; verdict?: Verdict; retryable?: boolean }
  /** Propose mode: the attempt's writes as a patch waiting for a person's approval (see Proposal). */
  | { status: 'proposed'; proposal: Proposal; output?: unknown };

/** A proposed patch: approving it applies it to a fresh workspace in the next attempt and verifies it. */
export interface Proposal {
  /** The patch artifact (`git apply`-able against the spec's base ref). */
  patchSha256: string;
  files: string[];
  summary?: string;
}

export interface TaskExecutor {
  /** The spec `executor` value this handles: 'shell', 'agent', 'cli_agent'. */
  readonly name: string;
  execute(ctx: ExecutionContext): Promise<ExecutionResult>;
}

/** Why an attempt's signal was aborted; the worker maps it to the attempt's outcome. */
export type AbortReason = 'cancelled' | 'timeout' | 'lease_lost' | 'shutdown';

export class AttemptAborted extends Error {
  constructor(readonly reason: AbortReason) {
    super(`attempt aborted: ${reason}`);
    this.name = 'AttemptAborted';
  }
}
