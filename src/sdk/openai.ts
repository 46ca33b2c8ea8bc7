/**
 * Records every `chat.completions.create` call of an `openai` client as an `llm_call` event, without
 * changing the caller's code or results.
 *
 * `wrapOpenAI(client, run)` returns a Proxy of the client in which only `chat.completions.create` is
 * replaced. The replacement calls the original and, through the SDK's own `_thenUnwrap`, hands back
 * the same kind of `APIPromise`, so `await`, `.withResponse()`, `.asResponse()` and the SDK helpers
 * built on `create` (`parse`, `stream`, `runTools`) behave as before — and are recorded too.
 *
 * - Non-streaming: the parsed body is recorded and returned untouched (the same object).
 * - Streaming: the SDK's `Stream` is returned with its iterator wrapped; chunks pass through as they
 *   arrive and, when the stream ends, fails, or the caller breaks out, they are reassembled into
 *   one `chat.completion`-shaped body and recorded with `stream: true` and `timeToFirstTokenMs`.
 *   A stream that is never iterated is never recorded (there is no end to record).
 * - API errors are recorded as `error: { message, status, code }` and reach the caller unchanged.
 *
 * Recording never throws into the caller. The request body is copied when the call starts, because
 * agent loops routinely push onto the `messages` array they just sent.
 *
 * `openai` is an optional peer dependency: this module imports nothing from it at runtime.
 */
import type { LlmCallPayload } from '../events/eventTypes.js';
import type { RunRecorder } from './types.js';

type Json = LlmCallPayload['request'];
type Usage = NonNullable<LlmCallPayload['usage']>;
type JsonObject = Record<string, unknown>;

/** Prices in US dollars per million tokens. */
export interface ModelPrices {
  inputPerMTok: number;
  outputPerMTok: number;
  /** Price of cached input tokens; defaults to `inputPerMTok`. */
  cachedInputPerMTok?: number;
}

export interface WrapOpenAIOptions {
  /** Recorded as `provider`. Default: derived from the client's `baseURL` host (`api.openai.com` → `openai`). */
  provider?: string;
  /** When given, `costUsd` is computed from the usage of each call. */
  prices?: ModelPrices;
}

/** The run to record into, or a function returning the current one (undefined: do not record). */
export type RunSource = RunRecorder | (() => RunRecorder | undefined);

/** The part of an `openai` client this wrapper relies on. */
export interface OpenAILikeClient {
  baseURL?: string;
  chat: { completions: { create: (...args: never[]) => unknown } };
}

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/** Returns a client whose `chat.completions.create` records each call into `run`. */
export function wrapOpenAI<T extends OpenAILikeClient>(client: T, run: RunSource, options: WrapOpenAIOptions = {}): T {
  const resolveRun = typeof run === 'function' ? run : (): RunRecorder => run;
  const provider = options.provider ?? providerFromBaseUrl(client.baseURL);
  const completions = client.chat.completions;
  const originalCreate = completions.create as unknown as AnyFunction;
  const instrumented = new WeakSet<object>();

  function recordingCreate(...args: unknown[]): unknown {
    let recorder: RunRecorder | undefined;
    try {
      recorder = resolveRun();
    } catch {
      recorder = undefined;
    }
    if (!recorder) return originalCreate.apply(completions, args);
    const call = new CallRecording(recorder, provider, options.prices, args[0]);

    let result: unknown;
    try {
      result = originalCreate.apply(completions, args);
    } catch (err) {
      call.fail(err);
      throw err;
    }
    const onData = (data: unknown): unknown => {
      if (isObject(data) && typeof (data as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function') {
        if (!instrumented.has(data)) {
          instrumented.add(data);
          instrumentStream(data, call);
        }
      } else {
        call.succeed(data);
      }
      return data;
    };

    if (isApiPromise(result)) {
      // asResponse() settles with the HTTP response and never reads the body, so watching it for
      // failures leaves the caller's lazy parsing (and their own asResponse()) intact.
      result.asResponse().catch((err: unknown) => call.fail(err));
      return result._thenUnwrap(onData);
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(onData, (err: unknown) => {
        call.fail(err);
        throw err;
      });
    }
    return onData(result);
  }

  const wrappedCompletions = new Proxy(completions, {
    get(target, prop, receiver) {
      if (prop === 'create') return recordingCreate;
      // SDK helpers (parse, stream, runTools) call `this._client.chat.completions.create`; pointing
      // them at the wrapped client records those calls too.
      if (prop === '_client') return wrappedClient;
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  const wrappedChat = new Proxy(client.chat, {
    get(target, prop, receiver) {
      if (prop === 'completions') return wrappedCompletions;
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  const boundMethods = new WeakMap<AnyFunction, AnyFunction>();
  const wrappedClient: T = new Proxy(client, {
    get(target, prop) {
      if (prop === 'chat') return wrappedChat;
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      // The client keeps private fields; its methods must run with the real client as `this`.
      const method = value as AnyFunction;
      let bound = boundMethods.get(method);
      if (!bound) {
        bound = method.bind(target);
        boundMethods.set(method, bound);
      }
      return bound;
    },
  });
  return wrappedClient;
}

/** One call in flight: its start, its request snapshot, and a guard so it is recorded once. */
class CallRecording {
  private readonly startedAt = new Date();
  private readonly startedAtMs = performance.now();
  private readonly request: Json;
  private readonly model: string | undefined;
  private done = false;

  constructor(
    private readonly run: RunRecorder,
    private readonly provider: string,
    private readonly prices: ModelPrices | undefined,
    body: unknown,
  ) {
    this.request = toJson(body) ?? null;
    const model = isObject(body) ? body['model'] : undefined;
    this.model = typeof model === 'string' && model.length > 0 ? model : undefined;
  }

  elapsedMs(): number {
    return Math.max(0, performance.now() - this.startedAtMs);
  }

  succeed(response: unknown, extra: { stream?: boolean; timeToFirstTokenMs?: number } = {}): void {
    this.record(response, undefined, extra);
  }

  fail(err: unknown, partialResponse?: unknown, extra: { stream?: boolean; timeToFirstTokenMs?: number } = {}): void {
    this.record(partialResponse, err, extra);
  }

  private record(response: unknown, err: unknown, extra: { stream?: boolean; timeToFirstTokenMs?: number }): void {
    if (this.done) return;
    this.done = true;
    try {
      const latencyMs = roundMs(this.elapsedMs());
      const body = toJson(response);
      const responseModel = isObject(body) ? body['model'] : undefined;
      const payload: LlmCallPayload = {
        provider: this.provider,
        model: this.model ?? (typeof responseModel === 'string' && responseModel ? responseModel : 'unknown'),
        operation: 'chat',
        request: this.request,
        stream: extra.stream ?? false,
        startedAt: this.startedAt.toISOString(),
        endedAt: new Date(this.startedAt.getTime() + latencyMs).toISOString(),
        latencyMs,
      };
      if (body !== undefined) payload.response = body;
      if (extra.timeToFirstTokenMs !== undefined) payload.timeToFirstTokenMs = roundMs(extra.timeToFirstTokenMs);
      if (err !== undefined) payload.error = describeError(err);
      if (isObject(body)) {
        Object.assign(payload, completionFacts(body, this.prices));
        const choice = Array.isArray(body['choices']) ? (body['choices'][0] as unknown) : undefined;
        if (isObject(choice)) {
          if (choice['logprobs'] !== null && choice['logprobs'] !== undefined) payload.logprobs = choice['logprobs'] as Json;
          const tokenIds = choice['token_ids'];
          if (Array.isArray(tokenIds) && tokenIds.every((t) => Number.isInteger(t))) payload.tokenIds = tokenIds as number[];
        }
      }
      this.run.llmCall(payload);
    } catch {
      // Recording must never break the caller's model call.
    }
  }
}

/** Wraps the stream's iterator in place so the caller's object (and its type) stays the same. */
function instrumentStream(stream: object, call: CallRecording): void {
  const holder = stream as { iterator?: unknown; [Symbol.asyncIterator]: () => AsyncIterator<unknown> };
  // The SDK's Stream keeps its source in `iterator`, which both `for await` and `tee()` use.
  if (typeof holder.iterator === 'function') {
    const source = (holder.iterator as () => AsyncIterator<unknown>).bind(stream);
    holder.iterator = () => recordChunks(source(), call);
    return;
  }
  const source = holder[Symbol.asyncIterator].bind(stream);
  Object.defineProperty(stream, Symbol.asyncIterator, {
    value: () => recordChunks(source(), call),
    configurable: true,
    writable: true,
  });
}

async function* recordChunks(source: AsyncIterator<unknown>, call: CallRecording): AsyncGenerator<unknown> {
  const assembly = new ChunkAssembly();
  let failure: { err: unknown } | undefined;
  try {
    // for-await closes `source` when the caller breaks out (our return() runs at the yield).
    for await (const chunk of { [Symbol.asyncIterator]: () => source }) {
      assembly.add(chunk, call.elapsedMs());
      yield chunk;
    }
  } catch (err) {
    failure = { err };
    throw err;
  } finally {
    const extra = { stream: true, timeToFirstTokenMs: assembly.firstTokenMs };
    const response = assembly.chunkCount > 0 ? assembly.result() : undefined;
    if (failure) call.fail(failure.err, response, extra);
    else call.succeed(response, extra);
  }
}

interface ChoiceAssembly {
  index: number;
  message: JsonObject;
  toolCalls: Map<number, { id?: unknown; type?: unknown; function: { name: string; arguments: string } }>;
  logprobs: JsonObject | null;
  finishReason: unknown;
  extra: JsonObject;
}

/** Reassembles `chat.completion.chunk`s into the `chat.completion` body a non-streaming call returns. */
class ChunkAssembly {
  chunkCount = 0;
  firstTokenMs: number | undefined;
  private readonly top: JsonObject = {};
  private usage: unknown = undefined;
  private readonly choices = new Map<number, ChoiceAssembly>();

  add(chunk: unknown, atMs: number): void {
    if (!isObject(chunk)) return;
    this.chunkCount += 1;
    for (const [key, value] of Object.entries(chunk)) {
      if (key === 'choices' || key === 'object' || key === 'usage' || value === null || value === undefined) continue;
      this.top[key] = value;
    }
    if (isObject(chunk['usage'])) this.usage = chunk['usage'];
    const choices = Array.isArray(chunk['choices']) ? (chunk['choices'] as unknown[]) : [];
    for (const choice of choices) {
      if (isObject(choice) && this.addChoice(choice) && this.firstTokenMs === undefined) this.firstTokenMs = atMs;
    }
  }

  /** Merges one choice delta; returns whether it carried output (text or a tool call). */
  private addChoice(choice: JsonObject): boolean {
    const index = typeof choice['index'] === 'number' ? choice['index'] : 0;
    let acc = this.choices.get(index);
    if (!acc) {
      acc = { index, message: { role: 'assistant', content: null }, toolCalls: new Map(), logprobs: null, finishReason: null, extra: {} };
      this.choices.set(index, acc);
    }
    let output = false;
    const delta = isObject(choice['delta']) ? choice['delta'] : {};
    for (const [key, value] of Object.entries(delta)) {
      if (value === null || value === undefined) continue;
      if (key === 'tool_calls' && Array.isArray(value)) {
        for (const part of value as unknown[]) if (isObject(part)) this.addToolCall(acc, part);
        output ||= value.length > 0;
      } else if (key === 'function_call' && isObject(value)) {
        const current = isObject(acc.message['function_call']) ? acc.message['function_call'] : { name: '', arguments: '' };
        acc.message['function_call'] = {
          name: typeof value['name'] === 'string' && value['name'] ? value['name'] : current['name'],
          arguments: `${String(current['arguments'] ?? '')}${typeof value['arguments'] === 'string' ? value['arguments'] : ''}`,
        };
        output = true;
      } else if (typeof value === 'string' && key !== 'role') {
        // content, refusal and provider extras such as reasoning_content arrive in pieces.
        const previous = acc.message[key];
        acc.message[key] = (typeof previous === 'string' ? previous : '') + value;
        output ||= value.length > 0;
      } else {
        acc.message[key] = value;
      }
    }
    if (isObject(choice['logprobs'])) {
      acc.logprobs ??= {};
      for (const [key, value] of Object.entries(choice['logprobs'])) {
        if (!Array.isArray(value)) continue;
        const previous = acc.logprobs[key];
        acc.logprobs[key] = [...(Array.isArray(previous) ? previous : []), ...(value as unknown[])];
      }
    }
    if (Array.isArray(choice['token_ids'])) {
      const previous = acc.extra['token_ids'];
      acc.extra['token_ids'] = [...(Array.isArray(previous) ? previous : []), ...(choice['token_ids'] as unknown[])];
    }
    if (choice['finish_reason'] !== null && choice['finish_reason'] !== undefined) acc.finishReason = choice['finish_reason'];
    return output;
  }

  private addToolCall(acc: ChoiceAssembly, part: JsonObject): void {
    const index = typeof part['index'] === 'number' ? part['index'] : acc.toolCalls.size;
    let call = acc.toolCalls.get(index);
    if (!call) {
      call = { function: { name: '', arguments: '' } };
      acc.toolCalls.set(index, call);
    }
    if (typeof part['id'] === 'string' && part['id']) call.id = part['id'];
    if (typeof part['type'] === 'string' && part['type']) call.type = part['type'];
    const fn = isObject(part['function']) ? part['function'] : {};
    if (typeof fn['name'] === 'string' && fn['name']) call.function.name = fn['name'];
    if (typeof fn['arguments'] === 'string') call.function.arguments += fn['arguments'];
  }

  result(): JsonObject {
    const choices = [...this.choices.values()]
      .sort((a, b) => a.index - b.index)
      .map((acc) => {
        const message: JsonObject = { ...acc.message };
        if (acc.toolCalls.size > 0) {
          message['tool_calls'] = [...acc.toolCalls.entries()]
            .sort(([a], [b]) => a - b)
            .map(([, call]) => ({ id: call.id, type: call.type ?? 'function', function: call.function }));
        }
        return { index: acc.index, message, logprobs: acc.logprobs, finish_reason: acc.finishReason, ...acc.extra };
      });
    const body: JsonObject = { ...this.top, object: 'chat.completion', choices };
    if (this.usage !== undefined) body['usage'] = this.usage;
    return body;
  }
}

/** Maps OpenAI usage (`prompt_tokens`, ...) to the recorder's usage; undefined when there is none. */
export function mapUsage(raw: unknown): Usage | undefined {
  if (!isObject(raw)) return undefined;
  const count = (value: unknown): number | undefined =>
    typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
  const promptDetails = isObject(raw['prompt_tokens_details']) ? raw['prompt_tokens_details'] : {};
  const completionDetails = isObject(raw['completion_tokens_details']) ? raw['completion_tokens_details'] : {};
  const fields: Usage = {
    inputTokens: count(raw['prompt_tokens']),
    outputTokens: count(raw['completion_tokens']),
    cachedInputTokens: count(promptDetails['cached_tokens']),
    reasoningTokens: count(completionDetails['reasoning_tokens']),
    totalTokens: count(raw['total_tokens']),
  };
  const usage = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Usage;
  return Object.keys(usage).length > 0 ? usage : undefined;
}

/**
 * What a chat.completion body says about its call: usage, cost (when prices are known) and the
 * first choice's finish reason. Shared by this wrapper and the provider layer's recording model.
 */
export function completionFacts(
  body: unknown,
  prices: ModelPrices | undefined,
): { usage?: Usage; costUsd?: number; finishReason?: string } {
  const facts: { usage?: Usage; costUsd?: number; finishReason?: string } = {};
  if (!isObject(body)) return facts;
  const usage = mapUsage(body['usage']);
  if (usage) {
    facts.usage = usage;
    const cost = prices ? costUsd(usage, prices) : undefined;
    if (cost !== undefined) facts.costUsd = cost;
  }
  const choice = Array.isArray(body['choices']) ? (body['choices'][0] as unknown) : undefined;
  if (isObject(choice) && typeof choice['finish_reason'] === 'string') facts.finishReason = choice['finish_reason'];
  return facts;
}

/** Cost in USD; cached input tokens are a subset of input tokens, priced at the cached rate. */
export function costUsd(usage: Usage, prices: ModelPrices): number | undefined {
  if (usage.inputTokens === undefined && usage.outputTokens === undefined) return undefined;
  const input = usage.inputTokens ?? 0;
  const cached = Math.min(usage.cachedInputTokens ?? 0, input);
  const cost =
    (input - cached) * prices.inputPerMTok +
    cached * (prices.cachedInputPerMTok ?? prices.inputPerMTok) +
    (usage.outputTokens ?? 0) * prices.outputPerMTok;
  // Rounded to a billionth of a dollar so float noise does not show up in sums.
  return Math.max(0, Math.round(cost * 1e3) / 1e9);
}

/** Hosts whose provider name is not their second-level domain label. */
const PROVIDER_BY_HOST: Record<string, string> = {
  'api.x.ai': 'xai',
  'generativelanguage.googleapis.com': 'google',
  'aiplatform.googleapis.com': 'google-vertex',
};

/** `https://api.openai.com/v1` → `openai`; `https://openrouter.ai/api/v1` → `openrouter`; loopback hosts as is. */
export function providerFromBaseUrl(baseUrl: string | undefined): string {
  if (!baseUrl) return 'unknown';
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return 'unknown';
  }
  const known = PROVIDER_BY_HOST[host];
  if (known) return known;
  if (host.endsWith('.azure.com')) return 'azure';
  if (host === 'localhost' || /^[\d.]+$/.test(host) || host.includes(':')) return host;
  const labels = host.split('.');
  return labels.length >= 2 ? (labels[labels.length - 2] ?? host) : host;
}

function describeError(err: unknown): { message: string; status?: number; code?: string } {
  const out: { message: string; status?: number; code?: string } = {
    message: err instanceof Error ? err.message : String(err),
  };
  if (isObject(err)) {
    const { status, code } = err;
    if (typeof status === 'number' && Number.isInteger(status)) out.status = status;
    if (typeof code === 'string' && code) out.code = code;
    else if (typeof code === 'number') out.code = String(code);
  }
  return out;
}

/** A JSON copy (what would go over the wire), or undefined when the value is not serialisable. */
export function toJson(value: unknown): Json | undefined {
  if (value === undefined) return undefined;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : (JSON.parse(text) as Json);
  } catch {
    return undefined;
  }
}

function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

interface ApiPromiseLike {
  asResponse(): Promise<unknown>;
  _thenUnwrap(transform: (data: unknown) => unknown): unknown;
}

/** The SDK's APIPromise (v4+): lazily parsed, with `_thenUnwrap` to transform the parsed data. */
function isApiPromise(value: unknown): value is ApiPromiseLike {
  return (
    isThenable(value) &&
    typeof (value as Partial<ApiPromiseLike>)._thenUnwrap === 'function' &&
    typeof (value as Partial<ApiPromiseLike>).asResponse === 'function'
  );
}
