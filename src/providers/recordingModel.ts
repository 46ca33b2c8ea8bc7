/**
 * Recording every model call raw (reference/formats.md: "record raw, derive the rest"): a fetch
 * wrapper handed to the provider captures the exact request body sent and the exact response body
 * received, with status and timings, for every HTTP call the AI SDK makes — retries included, each
 * as its own call.
 *
 * Only bodies are captured, never headers: the Authorization header (the API key) cannot end up in
 * a recording through this path.
 *
 * Non-streaming calls (generateText) are reported before the response is handed back to the SDK,
 * so by the time `generateText` resolves every call it made has been reported, in order. A
 * streaming response is reported when its stream ends, with the raw SSE text as the response and
 * `stream: true` (usage and finish reason are still read from its chunks).
 *
 * Reporting never breaks the model call: an exception thrown by `onCall` is swallowed.
 */
import type { LlmCallPayload } from '../events/eventTypes.js';
import { completionFacts, providerFromBaseUrl, toJson } from '../sdk/openai.js';
import { createLanguageModel, resolveBaseUrl, type ModelProfile, type ProviderLanguageModel } from './languageModel.js';

export type CallUsage = NonNullable<LlmCallPayload['usage']>;

/** One HTTP call to the model endpoint, as it went over the wire (bodies only). */
export interface CapturedCall {
  /** The request body: parsed JSON, or the raw text when it was not JSON. */
  request: unknown;
  /** The response body: parsed JSON, raw text when it was not JSON (or was an SSE stream); absent when none arrived. */
  response?: unknown;
  /** HTTP status; 0 when no response arrived (connection refused, aborted). */
  status: number;
  /** Whether the response was a server-sent-event stream. */
  stream: boolean;
  startedAt: string;
  endedAt: string;
  latencyMs: number;
  /** Set for a status ≥ 400 (the provider's error message) or when fetch itself failed. */
  error?: { message: string; status?: number };
}

/** A captured call with what is derived from it: provider, model, usage, cost, finish reason. */
export interface RecordedCall extends CapturedCall {
  provider: string;
  model: string;
  usage?: CallUsage;
  costUsd?: number;
  finishReason?: string;
}

export interface RecordingModelOptions {
  /** Called once per HTTP call; exceptions are swallowed. */
  onCall(call: RecordedCall): void;
  /** Where the API key (and OPENAI_BASE_URL) are read from. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The fetch underneath the recorder. Default globalThis.fetch. */
  fetch?: typeof globalThis.fetch;
}

/** Wraps `baseFetch` so each call is reported to `onCapture` (bodies only, see the module comment). */
export function createRecordingFetch(
  onCapture: (call: CapturedCall) => void,
  baseFetch: typeof globalThis.fetch = globalThis.fetch,
): typeof globalThis.fetch {
  return async (input, init) => {
    const startedAt = new Date();
    const startedMs = performance.now();
    const request = parseBody(init?.body);
    const finish = (fields: Omit<CapturedCall, 'request' | 'startedAt' | 'endedAt' | 'latencyMs'>): void => {
      const latencyMs = Math.round((performance.now() - startedMs) * 10) / 10;
      const call: CapturedCall = {
        request,
        ...fields,
        startedAt: startedAt.toISOString(),
        endedAt: new Date(startedAt.getTime() + latencyMs).toISOString(),
        latencyMs,
      };
      try {
        onCapture(call);
      } catch {
        // Reporting must never break the model call.
      }
    };

    let response: Response;
    try {
      response = await baseFetch(input, init);
    } catch (err) {
      finish({ status: 0, stream: false, error: { message: err instanceof Error ? err.message : String(err) } });
      throw err;
    }
    const stream = (response.headers.get('content-type') ?? '').includes('text/event-stream');
    const capture = async (): Promise<void> => {
      let text: string | undefined;
      let readError: string | undefined;
      try {
        text = await response.clone().text();
      } catch (err) {
        readError = err instanceof Error ? err.message : String(err);
      }
      const body = text === undefined ? undefined : stream ? text : parseText(text);
      const error =
        response.status >= 400
          ? { message: errorMessage(body) ?? `HTTP ${response.status} ${response.statusText}`.trim(), status: response.status }
          : readError !== undefined
            ? { message: `reading the response body failed: ${readError}`, status: response.status }
            : undefined;
      finish({ status: response.status, stream, ...(body === undefined ? {} : { response: body }), ...(error ? { error } : {}) });
    };
    // A stream is reported when it ends; waiting for it here would hold back every token.
    if (stream) void capture();
    else await capture();
    return response;
  };
}

/** An AI SDK model for the profile whose every HTTP call is reported to `options.onCall`. */
export function createRecordingModel(profile: ModelProfile, options: RecordingModelOptions): ProviderLanguageModel {
  const env = options.env ?? process.env;
  const provider = providerFromBaseUrl(resolveBaseUrl(profile, env));
  const fetch = createRecordingFetch((call) => options.onCall(deriveCall(call, profile, provider)), options.fetch);
  return createLanguageModel(profile, env, { fetch });
}

/** Adds provider, model, usage, cost (from the profile's prices) and finish reason to a captured call. */
export function deriveCall(call: CapturedCall, profile: Pick<ModelProfile, 'model' | 'prices'>, provider: string): RecordedCall {
  const requestModel = isObject(call.request) ? call.request['model'] : undefined;
  const out: RecordedCall = { ...call, provider, model: typeof requestModel === 'string' && requestModel ? requestModel : profile.model };
  const body = call.stream && typeof call.response === 'string' ? lastStreamState(call.response) : call.response;
  return { ...out, ...completionFacts(body, profile.prices) };
}

/** The `llm_call` event payload for a recorded call. */
export function toLlmCallPayload(call: RecordedCall): LlmCallPayload {
  const payload: LlmCallPayload = {
    provider: call.provider,
    model: call.model,
    operation: 'chat',
    request: toJson(call.request) ?? null,
    stream: call.stream,
    startedAt: call.startedAt,
    endedAt: call.endedAt,
    latencyMs: call.latencyMs,
  };
  const response = toJson(call.response);
  if (response !== undefined) payload.response = response;
  if (call.error) payload.error = { ...call.error };
  if (call.usage) payload.usage = call.usage;
  if (call.costUsd !== undefined) payload.costUsd = call.costUsd;
  if (call.finishReason !== undefined) payload.finishReason = call.finishReason;
  return payload;
}

/** Usage and finish reason of an SSE stream, gathered from its `data:` chunks into one body-like object. */
function lastStreamState(sse: string): Record<string, unknown> {
  let usage: unknown;
  let finishReason: string | undefined;
  for (const line of sse.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const chunk = parseText(line.slice(5).trim());
    if (!isObject(chunk)) continue;
    if (isObject(chunk['usage'])) usage = chunk['usage'];
    const choice = Array.isArray(chunk['choices']) ? (chunk['choices'][0] as unknown) : undefined;
    if (isObject(choice) && typeof choice['finish_reason'] === 'string') finishReason = choice['finish_reason'];
  }
  return { usage, choices: finishReason === undefined ? [] : [{ finish_reason: finishReason }] };
}

function parseBody(body: RequestInit['body'] | undefined): unknown {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return parseText(body);
  if (body instanceof Uint8Array) return parseText(Buffer.from(body).toString('utf8'));
  // FormData / streams are not sent by the chat model; say what it was rather than guess.
  return `[unrecorded ${Object.prototype.toString.call(body)} body]`;
}

function parseText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The provider's own error message (`{ error: { message } }`, `{ error: "..." }` or `{ message }`). */
function errorMessage(body: unknown): string | undefined {
  if (!isObject(body)) return typeof body === 'string' && body.trim() ? body.trim().slice(0, 500) : undefined;
  const error = body['error'];
  if (isObject(error) && typeof error['message'] === 'string') return error['message'];
  if (typeof error === 'string') return error;
  return typeof body['message'] === 'string' ? body['message'] : undefined;
}


function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
