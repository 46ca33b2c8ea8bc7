import { afterEach, describe, expect, it } from 'vitest';
import { APICallError, generateText, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import { isGafferError } from '../../src/errors.js';
import { llmCallSchema } from '../../src/events/eventTypes.js';
import {
  createLanguageModel,
  createRecordingModel,
  isLocalBaseUrl,
  profileCallSettings,
  toLlmCallPayload,
  type ModelProfile,
  type RecordedCall,
} from '../../src/providers/index.js';
import { SCRIPTED_SYSTEM_FINGERPRINT, startScriptedModelServer, type ScriptedModelServer } from '../../src/testing/index.js';

let server: ScriptedModelServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function profileFor(s: ScriptedModelServer, extra: Partial<ModelProfile> = {}): ModelProfile {
  return { name: 'test-profile', baseUrl: s.baseUrl, model: 'scripted-1', apiKeyEnv: 'TEST_MODEL_KEY', ...extra };
}

function recorder(): { calls: RecordedCall[]; onCall: (call: RecordedCall) => void } {
  const calls: RecordedCall[] = [];
  return { calls, onCall: (call) => calls.push(call) };
}

describe('createRecordingModel', () => {
  it('records the exact request body sent and the raw response body received', async () => {
    server = await startScriptedModelServer({ scripts: { 'scripted-1': [{ content: 'Hello from the script.' }] } });
    const { calls, onCall } = recorder();
    const model = createRecordingModel(profileFor(server, { parameters: { temperature: 0.2, maxTokens: 64 } }), { onCall, env: {} });

    const result = await generateText({
      model,
      system: 'You are terse.',
      prompt: 'Say hello.',
      maxRetries: 0,
      ...profileCallSettings({ parameters: { temperature: 0.2, maxTokens: 64 } }),
    });

    expect(result.text).toBe('Hello from the script.');
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    // The request as the server received it, byte for byte parsed, is what was recorded.
    expect(server.requests).toHaveLength(1);
    expect(call.request).toEqual(server.requests[0]!.body);
    expect(call.request).toMatchObject({
      model: 'scripted-1',
      temperature: 0.2,
      max_tokens: 64,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Say hello.' },
      ],
    });
    // The raw response body, not the SDK's normalised view of it.
    expect(call.response).toEqual(result.response.body);
    expect(call.response).toMatchObject({
      object: 'chat.completion',
      system_fingerprint: SCRIPTED_SYSTEM_FINGERPRINT,
      choices: [{ message: { role: 'assistant', content: 'Hello from the script.' }, finish_reason: 'stop' }],
    });
    expect(call).toMatchObject({ status: 200, stream: false, provider: '127.0.0.1', model: 'scripted-1', finishReason: 'stop' });
    expect(call.error).toBeUndefined();
    expect(Date.parse(call.endedAt)).toBeGreaterThanOrEqual(Date.parse(call.startedAt));
    expect(call.latencyMs).toBeGreaterThanOrEqual(0);
    // And it converts to a valid llm_call event payload.
    const payload = llmCallSchema.parse(toLlmCallPayload(call));
    expect(payload.request).toEqual(server.requests[0]!.body);
    expect(payload.finishReason).toBe('stop');
  });

  it('computes usage and cost from the raw usage and the profile prices', async () => {
    server = await startScriptedModelServer({
      scripts: { 'scripted-1': [{ content: 'ok', usage: { promptTokens: 1000, completionTokens: 500, cachedTokens: 200 } }] },
    });
    const { calls, onCall } = recorder();
    const prices = { inputPerMTok: 2, outputPerMTok: 10, cachedInputPerMTok: 0.5 };
    const model = createRecordingModel(profileFor(server, { prices }), { onCall, env: {} });
    await generateText({ model, prompt: 'x', maxRetries: 0 });

    expect(calls[0]!.usage).toEqual({ inputTokens: 1000, outputTokens: 500, cachedInputTokens: 200, reasoningTokens: 0, totalTokens: 1500 });
    // 800 uncached × $2 + 200 cached × $0.5 + 500 out × $10, per million tokens.
    expect(calls[0]!.costUsd).toBeCloseTo((800 * 2 + 200 * 0.5 + 500 * 10) / 1e6, 12);
    expect(toLlmCallPayload(calls[0]!).costUsd).toBe(calls[0]!.costUsd);
  });

  it('leaves cost out when the profile has no prices', async () => {
    server = await startScriptedModelServer({ scripts: { 'scripted-1': [{ content: 'ok', usage: { promptTokens: 10, completionTokens: 5 } }] } });
    const { calls, onCall } = recorder();
    await generateText({ model: createRecordingModel(profileFor(server), { onCall, env: {} }), prompt: 'x', maxRetries: 0 });
    expect(calls[0]!.usage).toMatchObject({ inputTokens: 10, outputTokens: 5 });
    expect(calls[0]!.costUsd).toBeUndefined();
  });

  it('surfaces a 429 as an error and records its status and the provider message', async () => {
    server = await startScriptedModelServer({ scripts: { 'scripted-1': [{ error: { status: 429, message: 'Rate limit reached, slow down.' } }] } });
    const { calls, onCall } = recorder();
    const model = createRecordingModel(profileFor(server), { onCall, env: {} });

    const err = await generateText({ model, prompt: 'x', maxRetries: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(APICallError.isInstance(err)).toBe(true);
    expect((err as APICallError).statusCode).toBe(429);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ status: 429, error: { status: 429, message: 'Rate limit reached, slow down.' } });
    expect(calls[0]!.response).toMatchObject({ error: { type: 'rate_limit_exceeded', message: 'Rate limit reached, slow down.' } });
    expect(calls[0]!.request).toMatchObject({ model: 'scripted-1' });
    expect(llmCallSchema.parse(toLlmCallPayload(calls[0]!)).error).toEqual({ status: 429, message: 'Rate limit reached, slow down.' });
  });

  it('records each retry of a 500 as its own call', async () => {
    server = await startScriptedModelServer({
      scripts: {
        'scripted-1': [{ error: { status: 500, message: 'boom 1' } }, { error: { status: 500, message: 'boom 2' } }],
      },
    });
    const { calls, onCall } = recorder();
    const model = createRecordingModel(profileFor(server), { onCall, env: {} });
    await expect(generateText({ model, prompt: 'x', maxRetries: 1 })).rejects.toThrow(/boom 2/);
    expect(calls.map((c) => [c.status, c.error?.message])).toEqual([
      [500, 'boom 1'],
      [500, 'boom 2'],
    ]);
  });

  it('records a connection failure with status 0', async () => {
    server = await startScriptedModelServer();
    const baseUrl = server.baseUrl;
    await server.close();
    server = undefined;
    const { calls, onCall } = recorder();
    const model = createRecordingModel({ name: 'gone', baseUrl, model: 'm', apiKeyEnv: 'K' }, { onCall, env: {} });
    await expect(generateText({ model, prompt: 'x', maxRetries: 0 })).rejects.toThrow();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.status).toBe(0);
    expect(calls[0]!.error?.message).toBeTruthy();
    expect(calls[0]!.response).toBeUndefined();
    expect(calls[0]!.request).toMatchObject({ model: 'm' });
  });

  it('round-trips a tool call: the tool runs and its result goes back in the next request', async () => {
    server = await startScriptedModelServer({
      scripts: {
        'scripted-1': [
          { toolCalls: [{ id: 'call_add_1', name: 'add', arguments: { a: 2, b: 3 } }] },
          { content: 'The sum is 5.' },
        ],
      },
    });
    const { calls, onCall } = recorder();
    const executed: unknown[] = [];
    const result = await generateText({
      model: createRecordingModel(profileFor(server), { onCall, env: {} }),
      prompt: 'What is 2 + 3?',
      maxRetries: 0,
      stopWhen: stepCountIs(3),
      tools: {
        add: tool({
          description: 'Adds two numbers.',
          inputSchema: z.object({ a: z.number(), b: z.number() }),
          execute: async (input) => {
            executed.push(input);
            return { sum: input.a + input.b };
          },
        }),
      },
    });

    expect(result.text).toBe('The sum is 5.');
    expect(executed).toEqual([{ a: 2, b: 3 }]);
    expect(calls).toHaveLength(2);
    const first = calls[0]!.request as { tools: { type: string; function: { name: string; description: string; parameters: unknown } }[] };
    expect(first.tools).toHaveLength(1);
    expect(first.tools[0]).toMatchObject({
      type: 'function',
      function: { name: 'add', description: 'Adds two numbers.', parameters: { type: 'object', required: ['a', 'b'] } },
    });
    expect(calls[0]!.finishReason).toBe('tool_calls');
    expect(calls[0]!.response).toMatchObject({
      choices: [{ message: { tool_calls: [{ id: 'call_add_1', function: { name: 'add', arguments: '{"a":2,"b":3}' } }] } }],
    });
    const second = calls[1]!.request as { messages: { role: string; tool_call_id?: string; content?: unknown; tool_calls?: unknown[] }[] };
    expect(second).toEqual(server.requests[1]!.body);
    const assistant = second.messages.find((m) => m.role === 'assistant');
    expect(assistant?.tool_calls).toEqual([{ id: 'call_add_1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":3}' } }]);
    const toolMessage = second.messages.find((m) => m.role === 'tool');
    expect(toolMessage?.tool_call_id).toBe('call_add_1');
    expect(JSON.parse(String(toolMessage?.content))).toEqual({ sum: 5 });
  });

  it('reports a streamed call when the stream ends, with usage read from its chunks', async () => {
    server = await startScriptedModelServer({
      scripts: { 'scripted-1': [{ content: 'streamed answer', usage: { promptTokens: 7, completionTokens: 3 } }] },
    });
    const { calls, onCall } = recorder();
    const result = streamText({ model: createRecordingModel(profileFor(server), { onCall, env: {} }), prompt: 'x', maxRetries: 0 });
    expect(await result.text).toBe('streamed answer');
    await expect.poll(() => calls.length).toBe(1);
    expect(calls[0]).toMatchObject({ stream: true, status: 200, finishReason: 'stop', usage: { inputTokens: 7, outputTokens: 3 } });
    expect(calls[0]!.response).toEqual(expect.stringContaining('data: [DONE]'));
    expect(calls[0]!.request).toMatchObject({ stream: true });
  });

  it('never records the API key: only bodies are captured', async () => {
    server = await startScriptedModelServer({ apiKey: 'sk-very-secret-123', scripts: { 'scripted-1': [{ content: 'ok' }] } });
    const { calls, onCall } = recorder();
    const model = createRecordingModel(profileFor(server), { onCall, env: { TEST_MODEL_KEY: 'sk-very-secret-123' } });
    await generateText({ model, prompt: 'x', maxRetries: 0 });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-very-secret-123');
    expect(calls).toHaveLength(1);
    expect(JSON.stringify(calls)).not.toContain('sk-very-secret-123');
  });

  it('swallows an exception thrown by onCall so the model call still succeeds', async () => {
    server = await startScriptedModelServer({ scripts: { 'scripted-1': [{ content: 'still fine' }] } });
    const model = createRecordingModel(profileFor(server), {
      onCall: () => {
        throw new Error('recorder broke');
      },
      env: {},
    });
    expect((await generateText({ model, prompt: 'x', maxRetries: 0 })).text).toBe('still fine');
  });
});

describe('createLanguageModel', () => {
  it('fails before any call, naming the env var, when the key for a remote endpoint is missing', () => {
    let thrown: unknown;
    try {
      createLanguageModel({ name: 'remote', baseUrl: 'https://api.example.com/v1', model: 'm', apiKeyEnv: 'EXAMPLE_API_KEY' }, {});
    } catch (err) {
      thrown = err;
    }
    expect(isGafferError(thrown, 'VALIDATION_FAILED')).toBe(true);
    expect((thrown as Error).message).toContain('EXAMPLE_API_KEY');
    expect((thrown as Error).message).toContain('https://api.example.com/v1');
  });

  it('falls back to OPENAI_BASE_URL, then to OpenAI, when the profile has no baseUrl', () => {
    expect(() => createLanguageModel({ name: 'p', model: 'm', apiKeyEnv: 'OPENAI_API_KEY' }, {})).toThrow(/OPENAI_API_KEY.*api\.openai\.com/);
    expect(() =>
      createLanguageModel({ name: 'p', model: 'm', apiKeyEnv: 'OPENAI_API_KEY' }, { OPENAI_BASE_URL: 'http://localhost:8000/v1' }),
    ).not.toThrow();
  });

  it('sends no Authorization header to a local endpoint without a key, and the key when one is set', async () => {
    server = await startScriptedModelServer({ scripts: { 'scripted-1': [{ content: 'a' }, { content: 'b' }] } });
    await generateText({ model: createLanguageModel(profileFor(server), {}), prompt: 'x', maxRetries: 0 });
    await generateText({ model: createLanguageModel(profileFor(server), { TEST_MODEL_KEY: 'k-1' }), prompt: 'x', maxRetries: 0 });
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
    expect(server.requests[1]!.headers.authorization).toBe('Bearer k-1');
  });

  it('treats only loopback hosts as local', () => {
    expect(isLocalBaseUrl('http://127.0.0.1:8080/v1')).toBe(true);
    expect(isLocalBaseUrl('http://localhost:11434/v1')).toBe(true);
    expect(isLocalBaseUrl('http://[::1]:8000/v1')).toBe(true);
    expect(isLocalBaseUrl('https://api.openai.com/v1')).toBe(false);
    expect(isLocalBaseUrl('http://127.0.0.1.example.com/v1')).toBe(false);
    expect(isLocalBaseUrl('not a url')).toBe(false);
  });
});
