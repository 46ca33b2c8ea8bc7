/**
 * Builds the OpenAI chat-completions wire bodies for the scripted model server: the
 * `chat.completion` object, the `chat.completion.chunk` sequence of a stream, and the error body.
 * Pure functions, no I/O, so the shapes can be read in one place. Test and demo tool only; see
 * `scriptedModelServer.ts`.
 */

/** Marks every response as scripted, so a recording can never be mistaken for a real model's. */
export const SCRIPTED_SYSTEM_FINGERPRINT = 'gaffer-scripted';

/** Rough characters-per-token ratio used for default usage figures. */
const CHARS_PER_TOKEN = 4;

/** Number of content deltas a streamed answer is split into (at most). */
const STREAM_CONTENT_PIECES = 3;

/** Number of argument fragments a streamed tool call is split into (at most). */
const STREAM_ARGUMENT_PIECES = 2;

export type ScriptedFinishReason = 'stop' | 'tool_calls' | 'length';

/** One scripted assistant turn, played back as the response to one request. */
export interface ScriptedTurn {
  /** Assistant text. Absent or undefined gives `content: null`. */
  content?: string;
  /** Tool calls; `arguments` is serialised to a JSON string (a string is sent as is). */
  toolCalls?: { id?: string; name: string; arguments: unknown }[];
  /** Default: `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: ScriptedFinishReason;
  /** Overrides of the estimated usage (ceil(chars / 4) of the request messages and of the output). */
  usage?: { promptTokens?: number; completionTokens?: number; cachedTokens?: number };
  /** Wait this long (ms) before the first byte of the response. */
  delayMs?: number;
  /** Respond with this HTTP status and an OpenAI-format error body instead of a completion. */
  error?: { status: number; message: string; type?: string; code?: string };
}

/** The request body as the server parsed it (only the fields the server reads are typed). */
export interface ChatRequestBody {
  model: string;
  messages: unknown[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  [key: string]: unknown;
}

export interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

/** Everything one response needs, resolved from a turn and its request. */
export interface ResolvedTurn {
  id: string;
  created: number;
  model: string;
  content: string | null;
  toolCalls: WireToolCall[];
  finishReason: ScriptedFinishReason;
  usage: WireUsage;
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: null; code: string | null };
}

export function errorBody(message: string, type: string, code: string | null = null): OpenAIErrorBody {
  return { error: { message, type, param: null, code } };
}

/** The `type` OpenAI uses for a status when a scripted error does not name one. */
export function defaultErrorType(status: number): string {
  if (status === 429) return 'rate_limit_exceeded';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function tokensFor(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Characters of text in the request messages: string content, text parts, tool call names and arguments. */
function messageChars(messages: unknown[]): number {
  let chars = 0;
  for (const message of messages) {
    if (typeof message !== 'object' || message === null) continue;
    const { content, tool_calls: toolCalls } = message as { content?: unknown; tool_calls?: unknown };
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) {
      for (const part of content) {
        const text = (part as { text?: unknown } | null)?.text;
        if (typeof text === 'string') chars += text.length;
      }
    }
    if (Array.isArray(toolCalls)) {
      for (const call of toolCalls) {
        const fn = (call as { function?: { name?: unknown; arguments?: unknown } } | null)?.function;
        if (typeof fn?.name === 'string') chars += fn.name.length;
        if (typeof fn?.arguments === 'string') chars += fn.arguments.length;
      }
    }
  }
  return chars;
}

export function resolveTurn(turn: ScriptedTurn, request: ChatRequestBody, sequence: number): ResolvedTurn {
  const toolCalls: WireToolCall[] = (turn.toolCalls ?? []).map((call, i) => ({
    id: call.id ?? `call_scripted_${sequence}_${i}`,
    type: 'function',
    function: {
      name: call.name,
      arguments: typeof call.arguments === 'string' ? call.arguments : (JSON.stringify(call.arguments ?? {}) ?? '{}'),
    },
  }));
  const content = turn.content ?? null;
  const outputChars =
    (content?.length ?? 0) + toolCalls.reduce((n, c) => n + c.function.name.length + c.function.arguments.length, 0);
  const promptTokens = turn.usage?.promptTokens ?? tokensFor(messageChars(request.messages));
  const completionTokens = turn.usage?.completionTokens ?? tokensFor(outputChars);
  return {
    id: `chatcmpl-scripted-${sequence}`,
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    content,
    toolCalls,
    finishReason: turn.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: turn.usage?.cachedTokens ?? 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    },
  };
}

/** The non-streaming `chat.completion` body. */
export function completionBody(turn: ResolvedTurn): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant', content: turn.content, refusal: null };
  if (turn.toolCalls.length > 0) message['tool_calls'] = turn.toolCalls;
  return {
    id: turn.id,
    object: 'chat.completion',
    created: turn.created,
    model: turn.model,
    system_fingerprint: SCRIPTED_SYSTEM_FINGERPRINT,
    choices: [{ index: 0, message, logprobs: null, finish_reason: turn.finishReason }],
    usage: turn.usage,
  };
}

/** Splits text into at most `pieces` non-empty fragments that concatenate back to it. */
export function splitText(text: string, pieces: number): string[] {
  if (text.length === 0) return [];
  const size = Math.ceil(text.length / pieces);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/**
 * The `chat.completion.chunk` bodies of a stream, in order: a role delta, content deltas, tool call
 * deltas by `index` (id and name first, then argument fragments), the finish chunk, and — when
 * `includeUsage` — a usage chunk with `choices: []`. The `data: [DONE]` line is the caller's job.
 */
export function streamChunks(turn: ResolvedTurn, includeUsage: boolean): Record<string, unknown>[] {
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null): Record<string, unknown> => ({
    id: turn.id,
    object: 'chat.completion.chunk',
    created: turn.created,
    model: turn.model,
    system_fingerprint: SCRIPTED_SYSTEM_FINGERPRINT,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const chunks: Record<string, unknown>[] = [chunk({ role: 'assistant', content: turn.content === null ? null : '' })];
  for (const piece of splitText(turn.content ?? '', STREAM_CONTENT_PIECES)) chunks.push(chunk({ content: piece }));
  turn.toolCalls.forEach((call, index) => {
    chunks.push(
      chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }),
    );
    for (const fragment of splitText(call.function.arguments, STREAM_ARGUMENT_PIECES)) {
      chunks.push(chunk({ tool_calls: [{ index, function: { arguments: fragment } }] }));
    }
  });
  chunks.push(chunk({}, turn.finishReason));
  if (includeUsage) {
    chunks.push({
      id: turn.id,
      object: 'chat.completion.chunk',
      created: turn.created,
      model: turn.model,
      system_fingerprint: SCRIPTED_SYSTEM_FINGERPRINT,
      choices: [],
      usage: turn.usage,
    });
  }
  return chunks;
}
