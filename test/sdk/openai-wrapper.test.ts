import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { Stream } from 'openai/streaming';
import { llmCallSchema, type LlmCallPayload } from '../../src/events/eventTypes.js';
import { openGaffer, type GafferRecorder } from '../../src/sdk/openGaffer.js';
import { costUsd, mapUsage, providerFromBaseUrl, wrapOpenAI } from '../../src/sdk/openai.js';
import type { RunRecorder } from '../../src/sdk/types.js';
import { startScriptedModelServer, type ScriptedModelServer, type ScriptedTurn } from '../../src/testing/index.js';

let server: ScriptedModelServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function scripted(turns: ScriptedTurn[]): Promise<{ server: ScriptedModelServer; client: OpenAI }> {
  server = await startScriptedModelServer({ apiKey: 'k', scripts: { 'gpt-test': turns } });
  return { server, client: new OpenAI({ baseURL: server.baseUrl, apiKey: 'k', maxRetries: 0 }) };
}

/** A recorder that keeps llm_call payloads in memory and checks each against the event schema. */
function capturingRun(): RunRecorder & { calls: LlmCallPayload[] } {
  const calls: LlmCallPayload[] = [];
  const unused = (): never => {
    throw new Error('not used in these tests');
  };
  return {
    id: 'run-capture',
    calls,
    llmCall(call) {
      llmCallSchema.parse(call);
      calls.push(call);
    },
    event: unused,
    toolCall: unused,
    artifact: unused,
    startChild: unused,
    finish: unused,
  };
}

/** The stored llm_call payloads of a run, read back from the embedded store. */
async function storedCalls(recorder: GafferRecorder, runId: string): Promise<LlmCallPayload[]> {
  await recorder.flush();
  const page = await recorder.readEvents(runId, { types: ['llm_call'] });
  return page.events.map((e) => e.payload as LlmCallPayload);
}

/** Drops the fields that differ between two plays of the same scripted turn. */
function withoutIds<T extends { id: string; created: number }>(body: T): Omit<T, 'id' | 'created'> {
  const { id: _id, created: _created, ...rest } = body;
  return rest;
}

describe('wrapOpenAI with the real recorder (openGaffer, embedded)', () => {
  let gaffer: GafferRecorder;
  beforeAll(async () => {
    gaffer = await openGaffer({ memory: true, flushOnExit: false });
  });
  afterAll(async () => {
    await gaffer.close();
  });

  it('records a non-streaming completion with the exact request and response body, usage and cost', async () => {
    const turn: ScriptedTurn = { content: 'Patched src/a.ts.', usage: { promptTokens: 1000, completionTokens: 200, cachedTokens: 400 } };
    const { client } = await scripted([turn, turn]);
    const run = gaffer.startRun({ name: 'wrapper-plain' });
    const wrapped = wrapOpenAI(client, run, { prices: { inputPerMTok: 2, outputPerMTok: 8, cachedInputPerMTok: 0.5 } });

    const request: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = {
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'You fix bugs.' },
        { role: 'user', content: 'Fix the failing test in src/a.ts' },
      ],
      temperature: 0,
    };
    const direct = await client.chat.completions.create(request);
    const completion = await wrapped.chat.completions.create(request);
    // The caller gets what the unwrapped client returns for the same turn, request id included.
    expect(withoutIds(completion)).toEqual(withoutIds(direct));
    expect(completion.choices[0]?.message.content).toBe('Patched src/a.ts.');
    expect(completion._request_id).toBe('req_scripted_2');

    const [call, ...rest] = await storedCalls(gaffer, run.id);
    expect(rest).toEqual([]);
    expect(call).toMatchObject({
      provider: '127.0.0.1',
      model: 'gpt-test',
      operation: 'chat',
      stream: false,
      request,
      response: JSON.parse(JSON.stringify(completion)) as unknown,
      finishReason: 'stop',
      usage: { inputTokens: 1000, outputTokens: 200, cachedInputTokens: 400, reasoningTokens: 0, totalTokens: 1200 },
    });
    expect(call?.costUsd).toBeCloseTo(0.003, 12); // 600×$2 + 400×$0.5 + 200×$8 per MTok
    expect(call?.error).toBeUndefined();
    expect(Date.parse(call?.endedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(call?.startedAt ?? ''));
    expect(call?.latencyMs).toBeGreaterThanOrEqual(0);
    expect(await gaffer.getRun(run.id)).toMatchObject({ turns: 1, inputTokens: 1000, outputTokens: 200 });
  });

  it('records a streamed tool-call answer reassembled, while the caller still receives every chunk', async () => {
    const turn: ScriptedTurn = {
      content: 'Reading two files.',
      toolCalls: [
        { id: 'call_a', name: 'read_file', arguments: { path: 'src/a.ts' } },
        { id: 'call_b', name: 'read_file', arguments: { path: 'test/a.test.ts', lines: [1, 40] } },
      ],
      delayMs: 20,
    };
    const { client } = await scripted([turn, turn]);
    const run = gaffer.startRun({ name: 'wrapper-stream' });
    const wrapped = wrapOpenAI(client, run, { provider: 'scripted' });

    const request: OpenAI.Chat.ChatCompletionCreateParamsStreaming = {
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'Why does a.test.ts fail?' }],
      tools: [{ type: 'function', function: { name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } } } }],
      stream: true,
      stream_options: { include_usage: true },
    };
    const direct: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of await client.chat.completions.create(request)) direct.push(chunk);
    const stream = await wrapped.chat.completions.create(request);
    expect(stream).toBeInstanceOf(Stream);
    const received: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) received.push(chunk);

    // The caller receives every chunk, exactly as the unwrapped client does.
    expect(received.length).toBeGreaterThan(5);
    expect(received.map(withoutIds)).toEqual(direct.map(withoutIds));
    expect(received.at(-1)?.choices).toEqual([]);
    expect(received.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Reading two files.');

    const [call] = await storedCalls(gaffer, run.id);
    expect(call).toMatchObject({ provider: 'scripted', model: 'gpt-test', stream: true, request, finishReason: 'tool_calls' });
    expect(call?.timeToFirstTokenMs).toBeGreaterThanOrEqual(15);
    expect(call?.latencyMs).toBeGreaterThanOrEqual(call?.timeToFirstTokenMs ?? Infinity);
    const last = received.at(-1);
    expect(call?.usage).toEqual({
      inputTokens: last?.usage?.prompt_tokens,
      outputTokens: last?.usage?.completion_tokens,
      cachedInputTokens: 0,
      reasoningTokens: 0,
      totalTokens: last?.usage?.total_tokens,
    });
    expect(call?.response).toEqual({
      id: received[0]?.id,
      object: 'chat.completion',
      created: received[0]?.created,
      model: 'gpt-test',
      system_fingerprint: 'gaffer-scripted',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Reading two files.',
            tool_calls: [
              { id: 'call_a', type: 'function', function: { name: 'read_file', arguments: '{"path":"src/a.ts"}' } },
              { id: 'call_b', type: 'function', function: { name: 'read_file', arguments: '{"path":"test/a.test.ts","lines":[1,40]}' } },
            ],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: last?.usage,
    });
  });

  it('records a 429 with its status and code, and rethrows the original error unchanged', async () => {
    const { client } = await scripted([{ error: { status: 429, message: 'Rate limit reached for gpt-test (scripted).', code: 'rate_limit_exceeded' } }]);
    const run = gaffer.startRun({ name: 'wrapper-429' });
    const wrapped = wrapOpenAI(client, run);

    const request = { model: 'gpt-test', messages: [{ role: 'user' as const, content: 'hello' }] };
    const err: unknown = await wrapped.chat.completions.create(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });

    const [call] = await storedCalls(gaffer, run.id);
    expect(call).toMatchObject({
      provider: '127.0.0.1',
      model: 'gpt-test',
      request,
      error: { message: (err as Error).message, status: 429, code: 'rate_limit_exceeded' },
    });
    expect(call?.response).toBeUndefined();
    expect(call?.usage).toBeUndefined();
    expect(await gaffer.getRun(run.id)).toMatchObject({ turns: 1, inputTokens: 0, outputTokens: 0 });
  });
});

describe('wrapOpenAI (capturing recorder)', () => {
  it('records a call whose stream the caller breaks out of, with the partial body', async () => {
    const { client } = await scripted([{ content: 'one two three four five six' }]);
    const run = capturingRun();
    const wrapped = wrapOpenAI(client, run, { provider: 'scripted' });
    const stream = await wrapped.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'count' }], stream: true });
    let seen = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) seen += 1;
      if (seen === 1) break;
    }
    expect(run.calls).toHaveLength(1);
    const call = run.calls[0];
    expect(call?.stream).toBe(true);
    expect(call?.finishReason).toBeUndefined();
    expect(call?.error).toBeUndefined();
    const response = call?.response as { choices: { message: { content: string } }[] };
    expect('one two three four five six'.startsWith(response.choices[0]?.message.content ?? 'x')).toBe(true);
    expect(response.choices[0]?.message.content.length).toBeLessThan('one two three four five six'.length);
  });

  it('resolves the run per call when given a function, and passes through when it returns undefined', async () => {
    const { client } = await scripted([{ content: 'a' }, { content: 'b' }]);
    const run = capturingRun();
    const active: { run?: RunRecorder } = {};
    const wrapped = wrapOpenAI(client, () => active.run);
    await wrapped.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'x' }] });
    active.run = run;
    await wrapped.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'y' }] });
    expect(run.calls.map((c) => (c.request as { messages: { content: string }[] }).messages[0]?.content)).toEqual(['y']);
    expect(run.calls[0]?.provider).toBe('127.0.0.1');
  });

  it('keeps the APIPromise helpers and records calls made through parse() and withResponse()', async () => {
    const { client } = await scripted([{ content: '{"ok":true}' }, { content: 'plain' }]);
    const run = capturingRun();
    const wrapped = wrapOpenAI(client, run);
    const parsed = await wrapped.chat.completions.parse({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'json please' }],
      response_format: { type: 'json_object' },
    });
    expect(parsed.choices[0]?.message.content).toBe('{"ok":true}');
    const { data, response, request_id: requestId } = await wrapped.chat.completions
      .create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(response.status).toBe(200);
    expect(requestId).toMatch(/^req_scripted_/);
    expect(data.choices[0]?.message.content).toBe('plain');
    expect(run.calls.map((c) => c.finishReason)).toEqual(['stop', 'stop']);
    // Other client methods still work through the wrapper (they need the real client as `this`).
    const models = await wrapped.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['gpt-test']);
  });

  it('snapshots the request when the call starts, so later pushes to messages do not leak in', async () => {
    const { client } = await scripted([{ content: 'first' }]);
    const run = capturingRun();
    const wrapped = wrapOpenAI(client, run);
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'start' }];
    const completion = await wrapped.chat.completions.create({ model: 'gpt-test', messages });
    messages.push({ role: 'assistant', content: completion.choices[0]?.message.content ?? '' });
    expect(run.calls[0]?.request).toEqual({ model: 'gpt-test', messages: [{ role: 'user', content: 'start' }] });
  });

  it('records a tee()d stream once, with both branches seeing every chunk', async () => {
    const { client } = await scripted([{ content: 'split me please' }]);
    const run = capturingRun();
    const wrapped = wrapOpenAI(client, run);
    const stream = await wrapped.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'x' }], stream: true });
    const [left, right] = stream.tee();
    const text = async (s: AsyncIterable<OpenAI.Chat.ChatCompletionChunk>): Promise<string> => {
      let out = '';
      for await (const c of s) out += c.choices[0]?.delta.content ?? '';
      return out;
    };
    expect(await text(left)).toBe('split me please');
    expect(await text(right)).toBe('split me please');
    expect(run.calls).toHaveLength(1);
    expect((run.calls[0]?.response as { choices: { message: { content: string } }[] }).choices[0]?.message.content).toBe('split me please');
  });

  it('never lets a failing recorder break the call', async () => {
    const { client } = await scripted([{ content: 'fine' }]);
    const broken = { ...capturingRun(), llmCall: (): void => { throw new Error('recorder down'); } };
    const completion = await wrapOpenAI(client, broken).chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'x' }] });
    expect(completion.choices[0]?.message.content).toBe('fine');
  });
});

describe('wrapOpenAI helpers', () => {
  it('maps usage, prices cached input at its own rate, and names providers from the base URL', () => {
    const usage = mapUsage({
      prompt_tokens: 1000,
      completion_tokens: 200,
      total_tokens: 1200,
      prompt_tokens_details: { cached_tokens: 400 },
      completion_tokens_details: { reasoning_tokens: 50 },
    });
    expect(usage).toEqual({ inputTokens: 1000, outputTokens: 200, cachedInputTokens: 400, reasoningTokens: 50, totalTokens: 1200 });
    // 600 × $2 + 400 × $0.5 + 200 × $8 per million tokens = $0.003
    expect(costUsd(usage ?? {}, { inputPerMTok: 2, outputPerMTok: 8, cachedInputPerMTok: 0.5 })).toBeCloseTo(0.003, 12);
    expect(mapUsage(null)).toBeUndefined();
    expect(providerFromBaseUrl('https://api.openai.com/v1')).toBe('openai');
    expect(providerFromBaseUrl('https://openrouter.ai/api/v1')).toBe('openrouter');
    expect(providerFromBaseUrl('https://api.x.ai/v1')).toBe('xai');
    expect(providerFromBaseUrl('http://127.0.0.1:8080/v1')).toBe('127.0.0.1');
    expect(providerFromBaseUrl(undefined)).toBe('unknown');
  });
});
