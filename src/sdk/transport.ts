/**
 * Where a recorder's writes go: straight into a Gaffer in this process, or to a Gaffer server
 * over HTTP. Both speak the same operations, so the buffered recorder above them is one piece of
 * code. Reads (getRun, readEvents) are here too so an SDK user can read back what they recorded.
 */
import { ERROR_CODES as STATUS_OF, GafferError, isGafferError, type ErrorCode } from '../errors.js';
import type { EventInput } from '../events/appendEvents.js';
import type { EventsPage, ReadEventsOptions } from '../events/readEvents.js';
import type { Gaffer } from '../gaffer.js';
import type { CreateRunInput, FinishRunInput } from '../runs/runs.js';
import { toRunView, type RunView } from '../api/views.js';
import { toTaskViews, type TaskView } from '../api/taskViews.js';
import type { SubmitTaskInput } from '../tasks/submitTask.js';

/** What an agent may set when it submits a task (the scheduler's own fields are not among them). */
export type SdkSubmitInput = Omit<SubmitTaskInput, 'scheduleId' | 'fireTime' | 'parentTaskId' | 'runAt'> & { runAt?: Date | string };

export interface SubmittedTask {
  task: TaskView;
  /** True when the idempotency key matched a task that already existed. */
  existing: boolean;
  approvalId?: string;
}

export interface RecorderTransport {
  readonly kind: 'local' | 'http';
  createRun(input: CreateRunInput & { id: string }): Promise<void>;
  appendEvents(runId: string, events: EventInput[], batchId: string): Promise<void>;
  finishRun(runId: string, input: FinishRunInput): Promise<void>;
  putArtifact(content: Uint8Array, contentType: string): Promise<string>;
  getRun(runId: string): Promise<RunView>;
  /** Submits a task of a spec (the same rules as `POST /api/v1/tasks`). */
  submitTask(input: SdkSubmitInput): Promise<SubmittedTask>;
  getTask(taskId: string): Promise<TaskView>;
  readEvents(runId: string, options?: ReadEventsOptions): Promise<EventsPage>;
  close(): Promise<void>;
}

/**
 * Errors that retrying cannot fix: the batch is reported to onError and dropped. Everything else
 * is retried, notably SERVER_UNAVAILABLE and DATABASE_UNAVAILABLE (503), 408, 429 and a locked
 * data dir, which pass once the other side is back.
 */
export function isPermanentError(err: unknown): boolean {
  if (!isGafferError(err)) return false;
  return err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429 && err.code !== 'DATA_DIR_LOCKED';
}

export class LocalTransport implements RecorderTransport {
  readonly kind = 'local' as const;
  constructor(
    private readonly gaffer: Gaffer,
    private readonly ownsGaffer: boolean,
  ) {}

  async createRun(input: CreateRunInput & { id: string }): Promise<void> {
    await this.gaffer.runs.create(input, 'sdk:embedded');
  }
  async appendEvents(runId: string, events: EventInput[], batchId: string): Promise<void> {
    await this.gaffer.events.append(runId, events, { batchId });
  }
  async finishRun(runId: string, input: FinishRunInput): Promise<void> {
    await this.gaffer.runs.finish(runId, input);
  }
  async putArtifact(content: Uint8Array, contentType: string): Promise<string> {
    return (await this.gaffer.artifacts.put(content, contentType)).sha256;
  }
  async getRun(runId: string): Promise<RunView> {
    return toRunView(await this.gaffer.runs.get(runId));
  }
  async submitTask(input: SdkSubmitInput): Promise<SubmittedTask> {
    const result = await this.gaffer.tasks.submit(input, 'sdk:embedded');
    const [task] = await toTaskViews(this.gaffer, [result.task]);
    return { task: task!, existing: result.existing, ...(result.approvalId ? { approvalId: result.approvalId } : {}) };
  }
  async getTask(taskId: string): Promise<TaskView> {
    const [task] = await toTaskViews(this.gaffer, [await this.gaffer.tasks.get(taskId)]);
    return task!;
  }
  readEvents(runId: string, options?: ReadEventsOptions): Promise<EventsPage> {
    return this.gaffer.events.read(runId, options);
  }
  async close(): Promise<void> {
    if (this.ownsGaffer) await this.gaffer.close();
  }
}

export interface HttpTransportOptions {
  /** Base URL of the Gaffer server, e.g. http://127.0.0.1:4800 */
  url: string;
  token: string;
  /** Per-request timeout (ms). Default 30000. */
  timeoutMs?: number;
}

export class HttpTransport implements RecorderTransport {
  readonly kind = 'http' as const;
  private readonly base: string;

  constructor(private readonly options: HttpTransportOptions) {
    this.base = options.url.replace(/\/+$/, '') + '/api/v1';
  }

  async createRun(input: CreateRunInput & { id: string }): Promise<void> {
    await this.request('POST', '/runs', input);
  }
  async appendEvents(runId: string, events: EventInput[], batchId: string): Promise<void> {
    const wire = events.map((e) => ({
      type: e.type,
      payload: e.payload,
      ...(e.ts === undefined ? {} : { ts: e.ts instanceof Date ? e.ts.toISOString() : e.ts }),
    }));
    await this.request('POST', `/runs/${runId}/events`, { events: wire, batchId });
  }
  async finishRun(runId: string, input: FinishRunInput): Promise<void> {
    await this.request('POST', `/runs/${runId}/finish`, input);
  }
  async putArtifact(content: Uint8Array, contentType: string): Promise<string> {
    const meta = (await this.request('POST', `/artifacts?contentType=${encodeURIComponent(contentType)}`, content)) as {
      sha256: string;
    };
    return meta.sha256;
  }
  async getRun(runId: string): Promise<RunView> {
    return (await this.request('GET', `/runs/${runId}`)) as RunView;
  }
  async submitTask(input: SdkSubmitInput): Promise<SubmittedTask> {
    const body = { ...input, ...(input.runAt instanceof Date ? { runAt: input.runAt.toISOString() } : {}) };
    return (await this.request('POST', '/tasks', body)) as SubmittedTask;
  }
  async getTask(taskId: string): Promise<TaskView> {
    return ((await this.request('GET', `/tasks/${taskId}`)) as { task: TaskView }).task;
  }
  async readEvents(runId: string, options: ReadEventsOptions = {}): Promise<EventsPage> {
    const q = new URLSearchParams();
    if (options.after !== undefined) q.set('after', String(options.after));
    if (options.limit !== undefined) q.set('limit', String(options.limit));
    if (options.types?.length) q.set('types', options.types.join(','));
    if (options.resolveSpilled) q.set('resolve', 'true');
    return (await this.request('GET', `/runs/${runId}/events?${q}`)) as EventsPage;
  }
  async close(): Promise<void> {}

  /** One API call; an error envelope becomes a GafferError with the server's code. */
  async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}` };
    let payload: string | Uint8Array | undefined;
    if (body instanceof Uint8Array) {
      headers['content-type'] = 'application/octet-stream';
      payload = body;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers,
        body: payload as RequestInit['body'],
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new GafferError('SERVER_UNAVAILABLE', `cannot reach the Gaffer server at ${this.options.url}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const envelope = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
      const code = (envelope?.code ?? (res.status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED')) as ErrorCode;
      const err = new GafferError(code in STATUS_OF ? code : 'INTERNAL', envelope?.message ?? `HTTP ${res.status}`, {
        details: envelope?.details,
      });
      // Keep the server's status even for a code this client version does not know.
      Object.defineProperty(err, 'status', { value: res.status });
      throw err;
    }
    return json;
  }
}
