/**
 * The SDK recorder, the same interface over both transports: in-process (openGaffer) and HTTP
 * (GafferClient against a real server on a real port, on each backend).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import { createGaffer, type Gaffer } from '../../src/gaffer.js';
import { silentLogger } from '../../src/resources.js';
import { GafferClient, openGaffer, type GafferRecorder } from '../../src/sdk/openGaffer.js';
import { RecorderError } from '../../src/sdk/recorder.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';

const llm = {
  provider: 'openai',
  model: 'gpt-x',
  request: { model: 'gpt-x', messages: [{ role: 'user', content: 'fix it' }] },
  response: { choices: [{ message: { role: 'assistant', content: 'done' } }] },
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:00:00.500Z',
  latencyMs: 500,
  usage: { inputTokens: 12, outputTokens: 4 },
};

/** Records a realistic run through any recorder and checks it reads back complete and in order. */
async function recordAndReadBack(recorder: GafferRecorder): Promise<void> {
  const run = recorder.startRun({ name: 'sdk-run', agent: 'test-agent', input: { issue: 1 } });
  run.event('log', { message: 'starting' });
  run.llmCall(llm);
  run.toolCall({ name: 'read_file', arguments: { path: 'a.ts' }, output: 'export {}', durationMs: 3, risk: 'read' });
  const child = run.startChild({ name: 'sub-agent' });
  child.event('x-note', { text: 'from the child' });
  const sha = await run.artifact('diff --git a/a.ts b/a.ts', { name: 'final.diff', contentType: 'text/x-diff' });
  expect(sha).toMatch(/^[0-9a-f]{64}$/);
  await child.finish();
  await run.finish({ status: 'succeeded', output: { summary: 'fixed' } });
  await recorder.flush();

  const stored = await recorder.getRun(run.id);
  expect(stored).toMatchObject({ status: 'succeeded', name: 'sdk-run', turns: 1, inputTokens: 12, outputTokens: 4 });
  const page = await recorder.readEvents(run.id);
  expect(page.events.map((e) => e.type)).toEqual([
    'run_started',
    'log',
    'llm_call',
    'tool_call',
    'tool_result',
    'artifact',
    'run_finished',
  ]);
  expect(page.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  const call = page.events[3]!.payload as { callId: string };
  expect((page.events[4]!.payload as { callId: string }).callId).toBe(call.callId);
  expect(page.events[5]!.payload).toMatchObject({ sha256: sha, name: 'final.diff', contentType: 'text/x-diff' });
  expect(await recorder.getRun(child.id)).toMatchObject({ parentRunId: run.id, status: 'succeeded' });
}

describe('openGaffer (embedded, in-process)', () => {
  it('records and reads back a run with a child, a tool call and an artifact', async () => {
    const recorder = await openGaffer({ memory: true, flushOnExit: false });
    await recordAndReadBack(recorder);
    await recorder.close();
  });

  it('never throws into the hot path: an unknown kind goes to onError with the event', async () => {
    const errors: unknown[] = [];
    const recorder = await openGaffer({ memory: true, flushOnExit: false, onError: (e) => errors.push(e) });
    const run = recorder.startRun({ name: 'bad-kinds' });
    expect(() => run.event('thought', { text: 'hmm' })).not.toThrow();
    expect(errors[0]).toBeInstanceOf(RecorderError);
    expect((errors[0] as RecorderError).dropped).toEqual([expect.objectContaining({ type: 'thought' })]);
    // A payload only the server can judge: reported with the batch, and later events still land.
    run.event('tool_call', { name: 'no-call-id' });
    await recorder.flush();
    run.event('log', { message: 'after' });
    await recorder.flush();
    expect(errors.some((e) => e instanceof RecorderError && e.dropped.some((d) => d.type === 'tool_call'))).toBe(true);
    const types = (await recorder.readEvents(run.id)).events.map((e) => e.type);
    expect(types).toEqual(['run_started', 'log']);
    await recorder.close();
  });

  it('flushes what is buffered when the process exits without close()', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-exit-'));
    const script = path.join(dataDir, 'agent.mts');
    const sdk = path.resolve('src/sdk/openGaffer.ts');
    fs.writeFileSync(
      script,
      `import { openGaffer } from ${JSON.stringify(sdk)};
const gaffer = await openGaffer({ dataDir: ${JSON.stringify(dataDir)}, flushIntervalMs: 60_000 });
const run = gaffer.startRun({ id: '01930000-0000-7000-8000-0000000000e1', name: 'exit-flush' });
for (let i = 0; i < 50; i++) run.event('log', { message: 'line ' + i });
`,
    );
    await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { cwd: process.cwd() });
    const gaffer = await createGaffer({ config: { dataDir }, logger: silentLogger() });
    const page = await gaffer.events.read('01930000-0000-7000-8000-0000000000e1', { limit: 1000 });
    expect(page.events).toHaveLength(51);
    await gaffer.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});

describe.each(testBackends())('GafferClient over HTTP on $name', (backend) => {
  let gaffer: Gaffer;
  let app: FastifyInstance;
  let url: string;
  let token: string;

  beforeAll(async () => {
    gaffer = await openTestGaffer(backend);
    app = await buildServer(gaffer);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address() as net.AddressInfo;
    url = `http://127.0.0.1:${address.port}`;
    token = (await gaffer.tokens.create({ name: 'agent', scope: 'agent' })).token;
  });
  afterAll(async () => {
    await app?.close();
    await gaffer?.close();
  });

  it('records and reads back the same way as in-process', async () => {
    const client = new GafferClient({ url, token, flushOnExit: false });
    await recordAndReadBack(client);
    await client.close();
  });

  it('keeps recording while the server is down and delivers everything once it is up', async () => {
    const port = await freePort();
    const errors: unknown[] = [];
    const client = new GafferClient({ url: `http://127.0.0.1:${port}`, token, flushIntervalMs: 20, flushOnExit: false, onError: (e) => errors.push(e) });
    const run = client.startRun({ name: 'outage' });
    for (let i = 0; i < 120; i++) run.event('log', { message: `m${i}` });
    await expect(client.flush()).rejects.toThrow(/retried in the background/);
    expect(errors.length).toBeGreaterThan(0);
    const late = await buildServer(gaffer);
    await late.listen({ port, host: '127.0.0.1' });
    try {
      await client.flush();
      const events = await client.readEvents(run.id, { limit: 1000 });
      expect(events.events.map((e) => (e.payload as { message?: string }).message).slice(1)).toEqual(
        Array.from({ length: 120 }, (_, i) => `m${i}`),
      );
      await client.close();
    } finally {
      await late.close();
    }
  });

  it('reports a refused token through onError instead of throwing', async () => {
    const errors: unknown[] = [];
    const client = new GafferClient({ url, token: 'gfr_wrong_token_0000000000000000', flushOnExit: false, onError: (e) => errors.push(e) });
    const run = client.startRun({ name: 'refused' });
    run.event('log', { message: 'x' });
    await client.flush();
    expect(errors.some((e) => e instanceof RecorderError && /invalid or revoked token/.test(e.message))).toBe(true);
    await client.close();
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
