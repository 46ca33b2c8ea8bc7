/**
 * The SDK recorder, the same interface over both transports: in-process (openGaffer) and HTTP
 * (GafferClient against a real server on a real port, on each backend).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import { MAX_EVENTS_PER_BATCH } from '../../src/config/config.js';
import { isGafferError } from '../../src/errors.js';
import { createGaffer, type Gaffer } from '../../src/gaffer.js';
import { silentLogger } from '../../src/resources.js';
import { GafferClient, openGaffer, type GafferRecorder } from '../../src/sdk/openGaffer.js';
import { RecorderError } from '../../src/sdk/recorder.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';
import { freePort } from '../helpers/pgCluster.js';

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

  it('sends the valid neighbours of an invalid event and hands back only the invalid one', async () => {
    const errors: unknown[] = [];
    const recorder = await openGaffer({ memory: true, flushOnExit: false, onError: (e) => errors.push(e) });
    const run = recorder.startRun({ name: 'one-bad-event' });
    run.event('log', { message: 'before' });
    run.event('tool_call', { name: 'no-call-id', arguments: {} });
    run.event('log', { message: 'after' });
    run.event('log', { message: 'bad ts' }, new Date(Number.NaN));
    run.event('x-custom', { anything: [1, 2] });
    await recorder.flush();
    const page = await recorder.readEvents(run.id);
    expect(page.events.map((e) => [e.type, (e.payload as { message?: string }).message])).toEqual([
      ['run_started', undefined],
      ['log', 'before'],
      ['log', 'after'],
      ['x-custom', undefined],
    ]);
    expect(errors).toHaveLength(2);
    expect(errors.every((e) => e instanceof RecorderError && e.runId === run.id)).toBe(true);
    const [badPayload, badTs] = errors as RecorderError[];
    expect(badPayload!.dropped).toEqual([{ type: 'tool_call', payload: { name: 'no-call-id', arguments: {} }, ts: expect.any(Date) }]);
    expect(badPayload!.message).toContain('payload.callId');
    expect(badTs!.dropped).toEqual([expect.objectContaining({ type: 'log', payload: { message: 'bad ts' } })]);
    await recorder.close();
  });

  it('records the same content under the same name twice as two artifact events', async () => {
    const recorder = await openGaffer({ memory: true, flushOnExit: false });
    const run = recorder.startRun({ name: 'twice' });
    const first = await run.artifact('same bytes', { name: 'report.txt' });
    const second = await run.artifact('same bytes', { name: 'report.txt' });
    expect(second).toBe(first);
    await recorder.flush();
    const artifacts = (await recorder.readEvents(run.id, { types: ['artifact'] })).events;
    expect(artifacts.map((e) => e.payload)).toEqual([
      expect.objectContaining({ sha256: first, name: 'report.txt' }),
      expect.objectContaining({ sha256: first, name: 'report.txt' }),
    ]);
    await recorder.close();
  });

  it('lowers a batchSize above MAX_EVENTS_PER_BATCH instead of having every batch refused, and rejects a nonsensical one', async () => {
    const errors: unknown[] = [];
    const recorder = await openGaffer({ memory: true, flushOnExit: false, batchSize: MAX_EVENTS_PER_BATCH * 2, onError: (e) => errors.push(e) });
    const run = recorder.startRun({ name: 'big-batches' });
    const n = MAX_EVENTS_PER_BATCH + 100;
    for (let i = 0; i < n; i++) run.event('x-tick', { i });
    await recorder.flush();
    expect(errors).toEqual([]);
    expect((await recorder.getRun(run.id)).lastSeq).toBe(n + 1);
    await recorder.close();
    await expect(openGaffer({ memory: true, flushOnExit: false, batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer/);
  });

  it('keeps events recorded after finish(): the log records what happened', async () => {
    const recorder = await openGaffer({ memory: true, flushOnExit: false });
    const run = recorder.startRun({ name: 'late-events' });
    await run.finish({ status: 'succeeded' });
    run.event('log', { message: 'cleanup after the end' });
    await recorder.flush();
    expect((await recorder.readEvents(run.id)).events.map((e) => e.type)).toEqual(['run_started', 'run_finished', 'log']);
    await recorder.close();
  });

  it('settles finish() and artifact() called after close() at once and reports them through onError', async () => {
    const errors: unknown[] = [];
    const recorder = await openGaffer({ memory: true, flushOnExit: false, onError: (e) => errors.push(e) });
    const run = recorder.startRun({ name: 'closed-early' });
    await recorder.close();
    const settled = <T>(p: Promise<T>): Promise<T> =>
      Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('never settled')), 2_000))]);
    await expect(settled(run.finish())).resolves.toBeUndefined();
    const sha = await settled(run.artifact('late', { name: 'late.txt' }));
    expect(sha).toBe(createHash('sha256').update('late').digest('hex'));
    expect(errors.map((e) => (e as Error).message)).toEqual([
      expect.stringMatching(/recorder is closed; finish for run .* was not recorded/),
      expect.stringMatching(/recorder is closed; artifact for run .* was not recorded/),
    ]);
    expect(errors.every((e) => e instanceof RecorderError && e.runId === run.id)).toBe(true);
  });

  it('reads GAFFER_SECRET_ENV and GAFFER_LOG_LEVEL from the environment, explicit config winning', async () => {
    const saved = { ...process.env };
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-env-'));
    try {
      process.env.GAFFER_SECRET_ENV = 'MY_SERVICE_CONN';
      process.env.MY_SERVICE_CONN = 'conn-string-value-1234';
      for (const options of [{ memory: true }, { dataDir }]) {
        const recorder = await openGaffer({ ...options, flushOnExit: false });
        const run = recorder.startRun({ name: 'env-secret' });
        run.event('log', { message: 'using conn-string-value-1234' });
        await recorder.flush();
        expect((await recorder.readEvents(run.id)).events[1]!.payload).toMatchObject({ message: 'using [REDACTED]' });
        await recorder.close();
      }
      const explicit = await openGaffer({ memory: true, flushOnExit: false, config: { secretEnvVars: [] } });
      const run = explicit.startRun({ name: 'explicit' });
      run.event('log', { message: 'using conn-string-value-1234' });
      await explicit.flush();
      expect((await explicit.readEvents(run.id)).events[1]!.payload).toMatchObject({ message: 'using conn-string-value-1234' });
      await explicit.close();
      // The level is validated like the CLI's (and an in-memory database is migrated regardless).
      process.env.GAFFER_LOG_LEVEL = 'chatty';
      await expect(openGaffer({ memory: true, flushOnExit: false })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('logLevel') });
      process.env.GAFFER_LOG_LEVEL = 'silent';
      process.env.GAFFER_MIGRATE_ON_START = 'false';
      const quiet = await openGaffer({ memory: true, flushOnExit: false });
      quiet.startRun({ name: 'migrated' });
      await quiet.flush();
      await quiet.close();
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
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

  it('submits tasks over HTTP and in-process alike, with field-naming refusals', async () => {
    await gaffer.specs.apply({ name: 'sdk-job', executor: 'shell', command: ['echo', '{{input.x}}'], inputSchema: { type: 'object', required: ['x'] } });
    const client = new GafferClient({ url, token, flushOnExit: false });
    const local = await openGaffer({ gaffer, flushOnExit: false });
    for (const sdk of [client, local]) {
      const later = new Date(Date.now() + 60_000);
      const submitted = await sdk.submitTask({ spec: 'sdk-job', input: { x: 'hi' }, runAt: later, priority: 3, idempotencyKey: `sdk-${sdk === client ? 'http' : 'local'}` });
      expect(submitted).toMatchObject({ existing: false, task: { status: 'scheduled', priority: 3, spec: 'sdk-job' } });
      const again = await sdk.submitTask({ spec: 'sdk-job', input: { x: 'hi' }, idempotencyKey: `sdk-${sdk === client ? 'http' : 'local'}` });
      expect(again).toMatchObject({ existing: true, task: { id: submitted.task.id } });
      expect((await sdk.getTask(submitted.task.id)).runAt).toBe(later.toISOString());
      await expect(sdk.submitTask({ spec: 'sdk-job', input: {} })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('input.x') });
    }
    await client.close();
    await local.close();
  });

  it('keeps recording while the server is down and delivers everything once it is up', async () => {
    const port = await freePort();
    const errors: unknown[] = [];
    const client = new GafferClient({ url: `http://127.0.0.1:${port}`, token, flushIntervalMs: 20, flushOnExit: false, onError: (e) => errors.push(e) });
    const run = client.startRun({ name: 'outage' });
    for (let i = 0; i < 120; i++) run.event('log', { message: `m${i}` });
    await expect(client.flush()).rejects.toThrow(/retried in the background/);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => isGafferError(e, 'SERVER_UNAVAILABLE') && e.status === 503)).toBe(true);
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

  it('hands every still-queued event back through onError when the final flush of close() fails', async () => {
    const port = await freePort();
    const errors: unknown[] = [];
    const client = new GafferClient({ url: `http://127.0.0.1:${port}`, token, flushIntervalMs: 20, flushOnExit: false, onError: (e) => errors.push(e) });
    const run = client.startRun({ name: 'never-delivered' });
    for (let i = 0; i < 3; i++) run.event('log', { message: `m${i}` });
    const finished = run.finish({ status: 'failed' });
    const other = client.startRun({ name: 'also-never' });
    other.event('x-note', { text: 'n' });
    await expect(client.close()).rejects.toThrow(/flush failed/);
    await expect(finished).resolves.toBeUndefined();
    const dropped = errors.filter((e): e is RecorderError => e instanceof RecorderError);
    expect(dropped.map((e) => e.runId).sort()).toEqual([run.id, other.id].sort());
    const mine = dropped.find((e) => e.runId === run.id)!;
    expect(mine.dropped.map((e) => (e.payload as { message: string }).message)).toEqual(['m0', 'm1', 'm2']);
    expect(mine.message).toMatch(/create, events, finish not sent/);
    expect(dropped.find((e) => e.runId === other.id)!.dropped).toEqual([expect.objectContaining({ type: 'x-note' })]);
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

