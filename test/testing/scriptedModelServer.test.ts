import { afterEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import {
  SCRIPTED_SYSTEM_FINGERPRINT,
  startScriptedModelServer,
  type ChatRequestBody,
  type ScriptedModelServer,
  type ScriptedModelServerOptions,
} from '../../src/testing/index.js';

let server: ScriptedModelServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: ScriptedModelServerOptions = {}): Promise<{ server: ScriptedModelServer; client: OpenAI }> {
  server = await startScriptedModelServer({ apiKey: 'test-key', ...options });
  return { server, client: new OpenAI({ baseURL: server.baseUrl, apiKey: 'test-key', maxRetries: 0 }) };
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('scripted model server', () => {
  it('answers a plain completion with the requested model, a scripted fingerprint and usage', async () => {
    const { client, server } = await start({ scripts: { 'gpt-test': [{ content: 'Hello there.' }] } });
    const messages = [{ role: 'user' as const, content: 'Say hello, please!' }]; // 18 chars
    const completion = await client.chat.completions.create({ model: 'gpt-test', messages });

    expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-test');
    expect(completion.system_fingerprint).toBe(SCRIPTED_SYSTEM_FINGERPRINT);
    expect(completion.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'Hello there.' });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toEqual({
      prompt_tokens: 5, // ceil(18 / 4)
      completion_tokens: 3, // ceil(12 / 4)
      total_tokens: 8,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });

    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      body: { model: 'gpt-test', messages },
    });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer test-key');
  });

  it('returns tool calls whose arguments parse back, and honours scripted usage', async () => {
    const { client } = await start({
      scripts: {
        'gpt-test': [
          {
            toolCalls: [
              { id: 'call_1', name: 'read_file', arguments: { path: 'src/a.ts' } },
              { name: 'run', arguments: { cmd: 'npm test', timeoutMs: 1000 } },
            ],
            usage: { promptTokens: 100, completionTokens: 20, cachedTokens: 64 },
          },
        ],
      },
    });
    const completion = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'go' }] });
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    const calls = choice?.message.tool_calls ?? [];
    expect(calls).toHaveLength(2);
    const [first, second] = calls;
    if (first?.type !== 'function' || second?.type !== 'function') throw new Error('expected function tool calls');
    expect(first.id).toBe('call_1');
    expect(first.function.name).toBe('read_file');
    expect(JSON.parse(first.function.arguments)).toEqual({ path: 'src/a.ts' });
    expect(second.id).toMatch(/^call_scripted_/);
    expect(JSON.parse(second.function.arguments)).toEqual({ cmd: 'npm test', timeoutMs: 1000 });
    expect(completion.usage).toMatchObject({ prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_tokens_details: { cached_tokens: 64 } });
  });

  it('streams content in several deltas, without a usage chunk unless asked', async () => {
    const { client } = await start({ scripts: { 'gpt-test': [{ content: 'The tests pass now.' }] } });
    const stream = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'status?' }], stream: true });
    const chunks = await collect(stream);

    const contentDeltas = chunks.map((c) => c.choices[0]?.delta.content).filter((c): c is string => typeof c === 'string' && c !== '');
    expect(contentDeltas.length).toBeGreaterThan(1);
    expect(contentDeltas.join('')).toBe('The tests pass now.');
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.system_fingerprint === SCRIPTED_SYSTEM_FINGERPRINT)).toBe(true);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.some((c) => c.usage)).toBe(false);
  });

  it('streams tool calls by index so they reassemble, with a usage chunk when include_usage is set', async () => {
    const { client } = await start({
      scripts: {
        'gpt-test': [
          {
            content: 'Let me look.',
            toolCalls: [
              { id: 'call_a', name: 'read_file', arguments: { path: 'README.md' } },
              { id: 'call_b', name: 'grep', arguments: { pattern: 'TODO', paths: ['src', 'test'] } },
            ],
          },
        ],
      },
    });
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'look around' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);

    const calls = new Map<number, { id?: string; name?: string; arguments: string }>();
    let content = '';
    for (const chunk of chunks) {
      const delta = chunk.choices[0]?.delta;
      content += delta?.content ?? '';
      for (const part of delta?.tool_calls ?? []) {
        const call = calls.get(part.index) ?? { arguments: '' };
        if (part.id) call.id = part.id;
        if (part.function?.name) call.name = part.function.name;
        call.arguments += part.function?.arguments ?? '';
        calls.set(part.index, call);
      }
    }
    expect(content).toBe('Let me look.');
    expect(calls.get(0)).toMatchObject({ id: 'call_a', name: 'read_file' });
    expect(JSON.parse(calls.get(0)?.arguments ?? '')).toEqual({ path: 'README.md' });
    expect(calls.get(1)).toMatchObject({ id: 'call_b', name: 'grep' });
    expect(JSON.parse(calls.get(1)?.arguments ?? '')).toEqual({ pattern: 'TODO', paths: ['src', 'test'] });
    // Argument fragments arrive in more than one delta per call.
    const argDeltas = chunks.filter((c) => c.choices[0]?.delta.tool_calls?.[0]?.index === 1 && c.choices[0].delta.tool_calls[0].function?.arguments);
    expect(argDeltas.length).toBeGreaterThan(1);

    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(finish?.choices[0]?.finish_reason).toBe('tool_calls');
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.total_tokens).toBe((last?.usage?.prompt_tokens ?? 0) + (last?.usage?.completion_tokens ?? 0));
    expect(last?.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('answers 401 in OpenAI error format for a wrong key', async () => {
    const { server } = await start({ scripts: { 'gpt-test': [{ content: 'never' }] } });
    const client = new OpenAI({ baseURL: server.baseUrl, apiKey: 'wrong', maxRetries: 0 });
    const err: unknown = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(401);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('invalid_api_key');
  });

  it('surfaces scripted 429 and 500 turns as the client APIError with the status, then plays the next turn', async () => {
    const { client } = await start({
      scripts: {
        'gpt-test': [
          { error: { status: 429, message: 'Rate limit reached (scripted).', code: 'rate_limit_exceeded' } },
          { error: { status: 500, message: 'Upstream exploded (scripted).' } },
          { content: 'recovered' },
        ],
      },
    });
    const call = (): Promise<unknown> =>
      client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);

    const rateLimited = await call();
    expect(rateLimited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(rateLimited).toMatchObject({ status: 429, code: 'rate_limit_exceeded', type: 'rate_limit_exceeded' });
    expect((rateLimited as Error).message).toContain('Rate limit reached (scripted).');

    const serverError = await call();
    expect(serverError).toBeInstanceOf(OpenAI.InternalServerError);
    expect(serverError).toMatchObject({ status: 500, type: 'server_error' });

    expect(await call()).toMatchObject({ choices: [{ message: { content: 'recovered' } }] });
  });

  it('answers 500 with a clear message when a script runs out', async () => {
    const { client } = await start({ scripts: { 'gpt-test': [{ content: 'only one' }] } });
    await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'one' }] });
    const err: unknown = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'two' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(500);
    expect((err as Error).message).toContain('scripted model server: no turn left for model gpt-test');

    const unknownModel: unknown = await client.chat.completions.create({ model: 'other', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect((unknownModel as Error).message).toContain('no turn left for model other');
  });

  it('keeps per-model scripts apart, falls back to "*", and plays enqueued turns', async () => {
    const { client, server } = await start({
      scripts: { alpha: [{ content: 'from alpha' }], beta: [{ content: 'from beta' }], '*': [{ content: 'from any' }] },
    });
    const ask = async (model: string): Promise<string | null | undefined> =>
      (await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'who?' }] })).choices[0]?.message.content;

    expect(await ask('beta')).toBe('from beta');
    expect(await ask('alpha')).toBe('from alpha');
    expect(await ask('gamma')).toBe('from any');
    server.enqueue('alpha', { content: 'alpha again' }, { content: 'alpha thrice' });
    expect(await ask('alpha')).toBe('alpha again');
    expect(await ask('alpha')).toBe('alpha thrice');

    const models = await client.models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual(['alpha', 'beta']);
  });

  it('calls handler scripts with the request and a per-script index', async () => {
    const seen: { request: ChatRequestBody; index: number }[] = [];
    const { client } = await start({
      scripts: {
        echo: (request, index) => {
          seen.push({ request, index });
          const last = request.messages.at(-1) as { content?: unknown } | undefined;
          return { content: `#${index}: ${String(last?.content)}` };
        },
      },
    });
    const first = await client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'ping' }], temperature: 0.2 });
    const second = await client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'pong' }] });
    expect(first.choices[0]?.message.content).toBe('#0: ping');
    expect(second.choices[0]?.message.content).toBe('#1: pong');
    expect(seen.map((s) => s.index)).toEqual([0, 1]);
    expect(seen[0]?.request).toMatchObject({ model: 'echo', temperature: 0.2 });
  });

  it('answers 400 for malformed JSON and 404 for unknown paths, in OpenAI error format', async () => {
    const { server } = await start();
    const headers = { authorization: 'Bearer test-key', 'content-type': 'application/json' };
    const bad = await fetch(`${server.baseUrl}/chat/completions`, { method: 'POST', headers, body: '{"model": ' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining('parse the JSON') } });

    const missing = await fetch(`${server.baseUrl}/embeddings`, { method: 'POST', headers, body: '{}' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'unknown_url' } });

    expect(server.requests.map((r) => [r.method, r.path, r.body])).toEqual([
      ['POST', '/v1/chat/completions', undefined],
      ['POST', '/v1/embeddings', {}],
    ]);
    expect(server.requests[0]?.rawBody).toBe('{"model": ');
  });

  it('waits delayMs before answering, and does not write after the client has gone', async () => {
    const { client, server } = await start({ scripts: { slow: [{ content: 'late', delayMs: 150 }, { content: 'abandoned', delayMs: 200 }, { content: 'next' }] } });
    const startedAt = Date.now();
    await client.chat.completions.create({ model: 'slow', messages: [{ role: 'user', content: 'hi' }] });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(140);

    const aborted = new AbortController();
    const pending = fetch(`${server.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-key', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'slow', messages: [] }),
      signal: aborted.signal,
    });
    // Abort once the server has the request (it is then sleeping on the 200 ms turn).
    const received = server.requests.length;
    const waitForArrival = async (): Promise<void> => {
      while (server.requests.length === received) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    void waitForArrival().then(() => aborted.abort());
    await expect(pending).rejects.toThrow();
    // The server survives the disconnect and keeps answering.
    const next = await client.chat.completions.create({ model: 'slow', messages: [{ role: 'user', content: 'again' }] });
    expect(next.choices[0]?.message.content).toBe('next');
  });
});
