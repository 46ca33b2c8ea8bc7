import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INLINE_ARTIFACT_MAX_BYTES } from '../../src/config/config.js';
import { createGaffer, type Gaffer } from '../../src/gaffer.js';
import { silentLogger } from '../../src/resources.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';

describe.each(testBackends())('runs on $name', (backend) => {
  let gaffer: Gaffer;
  beforeAll(async () => {
    gaffer = await openTestGaffer(backend);
  });
  afterAll(async () => {
    await gaffer?.close();
  });

  it('creates a run idempotently on a client-chosen id and records run_started', async () => {
    const id = '01930000-0000-7000-8000-000000000001';
    const a = await gaffer.runs.create({ id, name: 'fix-bug', agent: 'coder', tags: ['demo'], input: { issue: 7 } });
    const b = await gaffer.runs.create({ id, name: 'fix-bug' });
    expect(b.id).toBe(a.id);
    expect(a).toMatchObject({ status: 'running', name: 'fix-bug', agent: 'coder', tags: ['demo'], attempt: 1 });
    const events = await gaffer.events.read(id);
    expect(events.events).toHaveLength(1);
    expect(events.events[0]).toMatchObject({ seq: 1, type: 'run_started', payload: { input: { issue: 7 } } });
  });

  it('links child runs to their parent and root', async () => {
    const root = await gaffer.runs.create({ name: 'root' });
    const child = await gaffer.runs.create({ name: 'child', parentRunId: root.id });
    const grandchild = await gaffer.runs.create({ name: 'grandchild', parentRunId: child.id });
    expect(grandchild).toMatchObject({ parentRunId: child.id, rootRunId: root.id });
    const children = await gaffer.runs.list({ parentRunId: root.id });
    expect(children.runs.map((r) => r.name)).toEqual(['child']);
    await expect(gaffer.runs.create({ parentRunId: '01930000-0000-7000-8000-0000000000ff' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('parentRunId'),
    });
  });

  it('refuses a taskId that names no task with VALIDATION_FAILED naming taskId, and links one that does', async () => {
    const missing = '01930000-0000-7000-8000-0000000000fe';
    const err = await gaffer.runs.create({ name: 'no-task', taskId: missing }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED', status: 400, details: { issues: [{ path: 'taskId', message: 'no such task' }] } });
    expect((err as Error).message).toContain(`taskId: no task with id ${missing}`);
    // A reminder task needs no spec: the smallest row the tasks table takes.
    const taskId = '01930000-0000-7000-8000-0000000000fd';
    await gaffer.db.rows(sql`INSERT INTO tasks (id, kind, status) VALUES (${taskId}, 'reminder', 'queued')`);
    await expect(gaffer.runs.create({ name: 'task-run', taskId })).resolves.toMatchObject({ taskId });
  });

  it('redacts secrets in run metadata and in the run_started input', async () => {
    const key = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
    const run = await gaffer.runs.create({
      name: 'secret-metadata',
      metadata: { note: `uses ${key}`, headers: { authorization: 'Bearer abcdefgh12345678' }, plain: 'kept' },
      input: { apiKey: key, prompt: `key is ${key}` },
    });
    expect(run.metadata).toEqual({ note: 'uses [REDACTED]', headers: { authorization: '[REDACTED]' }, plain: 'kept' });
    expect((await gaffer.runs.get(run.id)).metadata).toEqual(run.metadata);
    const started = (await gaffer.events.read(run.id)).events[0]!;
    expect(started.payload).toEqual({ name: 'secret-metadata', input: { apiKey: '[REDACTED]', prompt: 'key is [REDACTED]' } });
    const raw = JSON.stringify(await gaffer.db.rows(sql`SELECT r.metadata, e.payload FROM runs r JOIN events e ON e.run_id = r.id WHERE r.id = ${run.id}`));
    expect(raw).not.toContain(key);
  });

  it('finishes once: a retried finish is accepted, a different outcome is refused', async () => {
    const run = await gaffer.runs.create({ name: 'finish' });
    const done = await gaffer.runs.finish(run.id, { status: 'failed', verdict: 'failed', failureClass: 'test_fail', error: { summary: 'x' } });
    expect(done).toMatchObject({ status: 'failed', verdict: 'failed', failureClass: 'test_fail' });
    expect(done.finishedAt).toBeInstanceOf(Date);
    expect(done.durationMs).toBeGreaterThanOrEqual(0);
    await expect(gaffer.runs.finish(run.id, { status: 'failed' })).resolves.toMatchObject({ status: 'failed' });
    await expect(gaffer.runs.finish(run.id, { status: 'succeeded' })).rejects.toMatchObject({ code: 'RUN_FINISHED' });
    const types = (await gaffer.events.read(run.id)).events.map((e) => e.type);
    expect(types).toEqual(['run_started', 'run_finished']);
    // The database enforces it too, whatever the code does.
    await expect(gaffer.db.rows(sql`UPDATE runs SET status = 'succeeded' WHERE id = ${run.id}`)).rejects.toThrow();
  });

  it('validates finish input naming the field', async () => {
    const run = await gaffer.runs.create({ name: 'bad-finish' });
    await expect(gaffer.runs.finish(run.id, { status: 'done' as never })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('status'),
    });
    await expect(gaffer.runs.finish(run.id, { failureClass: 'flaky' as never })).rejects.toMatchObject({
      message: expect.stringContaining('failureClass'),
    });
  });

  it('lists newest first with filters and cursor pagination', async () => {
    const names = ['p1', 'p2', 'p3', 'p4', 'p5'];
    for (const name of names) await gaffer.runs.create({ name, agent: 'pager', tags: ['paging'] });
    const first = await gaffer.runs.list({ agent: 'pager', limit: 2 });
    expect(first.runs.map((r) => r.name)).toEqual(['p5', 'p4']);
    const second = await gaffer.runs.list({ agent: 'pager', limit: 2, cursor: first.next! });
    expect(second.runs.map((r) => r.name)).toEqual(['p3', 'p2']);
    const third = await gaffer.runs.list({ agent: 'pager', limit: 2, cursor: second.next! });
    expect(third.runs.map((r) => r.name)).toEqual(['p1']);
    expect(third.next).toBeNull();
    expect((await gaffer.runs.list({ tag: 'paging', status: 'running' })).runs).toHaveLength(5);
    await expect(gaffer.runs.list({ cursor: 'garbage' })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
  });
});

describe.each(testBackends())('artifacts on $name', (backend) => {
  let gaffer: Gaffer;
  beforeAll(async () => {
    gaffer = await openTestGaffer(backend);
  });
  afterAll(async () => {
    await gaffer?.close();
  });

  it('stores small artifacts inline and large ones in blob storage, deduplicated by sha256', async () => {
    const small = await gaffer.artifacts.put('hello', 'text/plain');
    expect(small).toMatchObject({ bytes: 5, storage: 'inline' });
    expect(small.sha256).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    const big = Buffer.alloc(INLINE_ARTIFACT_MAX_BYTES * 200, 7); // ~3 MiB: several chunks
    const stored = await gaffer.artifacts.put(big, 'application/octet-stream');
    expect(stored.storage).toBe('blob_db');
    const again = await gaffer.artifacts.put(big, 'application/octet-stream');
    expect(again.sha256).toBe(stored.sha256);
    const [count] = await gaffer.db.rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM artifacts WHERE sha256 = ${stored.sha256}`);
    expect(count!.n).toBe(1);
    const back = await gaffer.artifacts.get(stored.sha256);
    expect(back.content.equals(big)).toBe(true);
    await expect(gaffer.artifacts.get('0'.repeat(64))).rejects.toMatchObject({ code: 'ARTIFACT_NOT_FOUND' });
    await expect(gaffer.artifacts.get('nope')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('embedded data dir', () => {
  it('keeps large artifacts as files in <dataDir>/blobs, locks the folder, and survives reopening', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-embedded-'));
    const gaffer = await createGaffer({ config: { dataDir }, logger: silentLogger() });
    const big = Buffer.from('y'.repeat(INLINE_ARTIFACT_MAX_BYTES + 1));
    const stored = await gaffer.artifacts.put(big);
    expect(stored.storage).toBe('blob_fs');
    expect(fs.existsSync(path.join(dataDir, 'blobs', stored.sha256.slice(0, 2), stored.sha256))).toBe(true);
    const run = await gaffer.runs.create({ name: 'persisted' });
    // PGlite is single-process: a second open of the same folder is refused while the first lives.
    await expect(createGaffer({ config: { dataDir }, logger: silentLogger() })).rejects.toMatchObject({
      code: 'DATA_DIR_LOCKED',
    });
    await gaffer.close();
    const reopened = await createGaffer({ config: { dataDir }, logger: silentLogger() });
    expect((await reopened.runs.get(run.id)).name).toBe('persisted');
    expect((await reopened.artifacts.get(stored.sha256)).content.equals(big)).toBe(true);
    await reopened.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
