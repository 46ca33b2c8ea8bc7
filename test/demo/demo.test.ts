/**
 * The demo (`npm start` → `gaffer demo`): on an empty data directory it seeds the sample
 * repository, profiles, specs, a schedule and four tasks, and the loop then runs for real —
 * real git, real `node --test`, the scripted demo model over real HTTP through the provider path.
 * The wordCount fix and the lint pass succeed; the slugify fix fails its test and escalates; the
 * feature waits for approval. Approving it and resolving the escalation with retry_stronger both
 * end in verified successes. A restart keeps the data; --reset starts over, and refuses a data
 * directory that is not the demo's.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../src/demo/startDemo.js';
import { DEMO_MARKER } from '../../src/demo/seed.js';
import { waitFor } from '../helpers/wait.js';

const FINAL = ['succeeded', 'failed', 'escalated', 'cancelled', 'rejected', 'blocked'];

const quiet = pino({ level: 'silent' });

describe('gaffer demo', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-demo-'));
  let demo: RunningDemo | undefined;
  const start = async (reset = false): Promise<RunningDemo> =>
    (demo = await startDemo({ config: { dataDir, port: 0, workers: 2 }, env: {}, reset, modelDelayMs: 10, staggerMs: 0, logger: quiet }));

  afterAll(async () => {
    await demo?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const status = (d: RunningDemo, id: string) => waitFor(`task ${id} to settle`, () => d.server.gaffer.tasks.get(id), (t) => FINAL.includes(t.status) || t.status === 'awaiting_approval', 60_000);

  it('seeds an empty data directory and runs the loop: passes, an escalation, an approval', async () => {
    const d = await start();
    expect(d.models.kind).toBe('scripted');
    const seeded = d.seeded!;
    const g = d.server.gaffer;

    // A real repository with real failing tests.
    expect(execFileSync('git', ['-C', seeded.repo, 'log', '--oneline'], { encoding: 'utf8' })).toContain('textkit');
    expect(() => execFileSync('node', ['--test', 'test/slugify.test.js'], { cwd: seeded.repo, stdio: 'pipe' })).toThrow();
    expect((await g.specs.list()).map((s) => s.name).sort()).toEqual(['add-feature', 'fix-failing-test', 'lint-pass']);
    // A spec with a history to compare: v2 added the check that the test itself is left alone.
    const history = await g.specs.versions('fix-failing-test');
    expect(history.map((v) => v.version)).toEqual([2, 1]);
    const profiles = await g.specs.listProfiles();
    expect(profiles.map((p) => p.name).sort()).toEqual(['demo-large', 'demo-small']);
    expect(profiles.every((p) => p.definition.description?.startsWith('DEMO MODEL') && p.definition.baseUrl === d.model!.baseUrl)).toBe(true);
    expect(fs.existsSync(path.join(dataDir, DEMO_MARKER))).toBe(true);

    expect((await status(d, seeded.taskIds.fixPasses)).status).toBe('succeeded');
    expect((await status(d, seeded.taskIds.lint)).status).toBe('succeeded');
    expect((await status(d, seeded.taskIds.awaitingApproval)).status).toBe('awaiting_approval');
    const failing = await status(d, seeded.taskIds.fixEscalates);
    expect(failing.status).toBe('escalated');
    // Why, in one consistent story: the class read from node --test's output, the failing test by
    // name at the head of the check's summary (a long log keeps only its tail, which is totals).
    const why = failing.lastError as { classification: { failureClass: string; decidedBy: string; context: { failingTests: string[] } }; verification: { failing: { summary: string }[] } };
    expect(failing.failureClass).toBe('test_fail');
    expect(why.classification).toMatchObject({ failureClass: 'test_fail', decidedBy: 'validators' });
    expect(why.classification.context.failingTests.length).toBeGreaterThan(0);
    expect(why.verification.failing[0]!.summary.split('\n')[0]).toBe(`failing tests: ${why.classification.context.failingTests.join('; ')}`);

    // The passing fix was verified by its test, with the diff kept.
    const [passRun] = (await g.tasks.detail(seeded.taskIds.fixPasses)).attempts;
    expect(passRun).toMatchObject({ status: 'succeeded', verdict: 'passed' });
    const passEvents = (await g.events.read(passRun!.id, { limit: 1000 })).events;
    expect(passEvents.filter((e) => e.type === 'llm_call').length).toBeGreaterThanOrEqual(4);
    expect(passEvents.some((e) => e.type === 'artifact' && (e.payload as { name: string }).name === 'final.diff')).toBe(true);

    // The escalation offers the stronger profile; resolving with it runs demo-large and passes.
    const [escalation] = await g.escalations.list({ taskId: failing.id });
    expect(escalation).toMatchObject({ status: 'open', failureClass: 'test_fail' });
    expect((escalation!.options as { option: string }[]).map((o) => o.option)).toContain('retry_stronger');
    await g.escalations.resolve({ id: escalation!.id, option: 'retry_stronger', note: 'try the stronger model', principal: 'operator:test' });
    const fixed = await waitFor('the retried fix', () => g.tasks.get(failing.id), (t) => t.status === 'succeeded' || t.status === 'failed' || (t.status === 'escalated' && t.attempt > 1), 60_000);
    expect(fixed.status).toBe('succeeded');
    const attempts = (await g.tasks.detail(failing.id)).attempts;
    expect(attempts.map((a) => a.status)).toEqual(['failed', 'succeeded']);

    // Approving the feature runs it; its tests are written and pass.
    const [approval] = await g.approvals.list({ taskId: seeded.taskIds.awaitingApproval, status: 'pending' });
    await g.approvals.decide({ id: approval!.id, decision: 'approved', note: 'looks useful', principal: 'operator:test' });
    expect((await status(d, seeded.taskIds.awaitingApproval)).status).toBe('succeeded');
  });

  it('keeps the demo on a restart and points the profiles at the new model server', async () => {
    await demo!.close();
    const d = await start();
    expect(d.seeded).toBeUndefined();
    expect(d.notDemo).toBeUndefined();
    const small = (await d.server.gaffer.specs.listProfiles()).find((p) => p.name === 'demo-small')!;
    expect(small.definition.baseUrl).toBe(d.model!.baseUrl);
    expect((await d.server.gaffer.tasks.list({ limit: 100 })).tasks.length).toBeGreaterThanOrEqual(4);
  });

  it('--reset refuses while a server uses the directory, then starts over', async () => {
    await expect(startDemo({ config: { dataDir, port: 0 }, env: {}, reset: true, logger: quiet })).rejects.toThrow(/is using .*: stop it before --reset/);
    await demo!.close();
    const d = await start(true);
    expect(d.seeded).toBeDefined();
    expect((await d.server.gaffer.tasks.list({ limit: 100 })).tasks.length).toBe(4);
  });

  it('spaces out the first runs so work starts while someone watches', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-demo-stagger-'));
    const d = await startDemo({ config: { dataDir: dir, port: 0, workers: 0 }, env: {}, logger: quiet });
    try {
      const ids = d.seeded!.taskIds;
      const runAt = async (id: string) => (await d.server.gaffer.tasks.get(id)).runAt.getTime();
      const first = await runAt(ids.fixPasses);
      expect(await runAt(ids.lint)).toBeGreaterThanOrEqual(first + 14_000);
      expect(await runAt(ids.fixEscalates)).toBeGreaterThanOrEqual(first + 29_000);
    } finally {
      await d.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--reset refuses a data directory that is not the demo’s, and seeds nothing into one that has data', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-not-demo-'));
    try {
      fs.writeFileSync(path.join(other, 'keep.txt'), 'mine');
      await expect(startDemo({ config: { dataDir: other, port: 0 }, env: {}, reset: true, logger: quiet })).rejects.toThrow(/not the demo's .*has no demo\.json/);
      expect(fs.readFileSync(path.join(other, 'keep.txt'), 'utf8')).toBe('mine');
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});
