/**
 * Verification scenarios through a real worker, a real git repository and real commands, with the
 * scripted model server on the real provider path: the agent's `finish` is only a claim, the
 * acceptance gate decides, a failed attempt is retried with what failed in its prompt, an attempt
 * that makes no progress stops the retries, a required validator sinks a weighted gate, and the
 * fallback spec takes over once retries are spent.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { buildServer } from '../../../src/api/server.js';
import { loadTaskDetail } from '../../../src/api/taskViews.js';
import { defaultExecutors } from '../../../src/executor/registry.js';
import type { Gaffer } from '../../../src/gaffer.js';
import type { Worker } from '../../../src/queue/worker.js';
import { startScriptedModelServer, type ScriptedModelServer, type ScriptedTurn } from '../../../src/testing/scriptedModelServer.js';
import { openTestGaffer, testBackends } from '../../helpers/db.js';
import { waitFor } from '../../helpers/wait.js';

const FINAL = ['succeeded', 'failed', 'cancelled', 'escalated'];

describe.each(testBackends())('verified agent attempts on $name', (backend) => {
  let gaffer: Gaffer;
  let server: ScriptedModelServer;
  let worker: Worker;
  let tmp: string;
  let n = 0;

  beforeAll(async () => {
    gaffer = await openTestGaffer(backend);
    server = await startScriptedModelServer();
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-verify-')));
    worker = gaffer.createWorker({ executors: defaultExecutors({ agent: { workspaceRoot: path.join(tmp, 'worktrees') } }), pollMs: 50 });
    await worker.start();
  });
  afterAll(async () => {
    await worker?.stop();
    await gaffer?.close();
    await server?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** A repository whose test fails: add() subtracts. */
  function makeRepo(): string {
    const repo = path.join(tmp, `repo-${++n}`);
    fs.mkdirSync(repo);
    const git = (...args: string[]): string =>
      execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' } });
    git('init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(repo, 'add.js'), 'exports.add = (a, b) => a - b;\n');
    fs.writeFileSync(path.join(repo, 'add.test.js'), "const { add } = require('./add.js');\nif (add(2, 3) !== 5) { console.error('FAIL add(2, 3) expected 5, got ' + add(2, 3)); process.exit(1); }\nconsole.log('ok');\n");
    git('add', '.');
    git('commit', '-q', '-m', 'init');
    return repo;
  }

  const edit = (id: string, search: string, replace: string): ScriptedTurn => ({ toolCalls: [{ id, name: 'edit_file', arguments: { path: 'add.js', search, replace } }] });
  const finish = (id: string): ScriptedTurn => ({ toolCalls: [{ id, name: 'finish', arguments: { summary: 'done' } }] });
  const testsPass = { type: 'command', name: 'tests', config: { argv: ['node', 'add.test.js'] }, required: true };

  async function setup(name: string, model: string, acceptance: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
    await gaffer.specs.applyProfile({ name: `p-${model}`, baseUrl: server.baseUrl, model });
    await gaffer.specs.apply({ name, executor: 'agent', instructions: 'Make add.test.js pass.', profiles: [`p-${model}`], workspace: { repo: makeRepo() }, acceptance, ...extra });
    return name;
  }

  async function finished(taskId: string) {
    return waitFor('the task to finish', () => gaffer.tasks.get(taskId), (t) => FINAL.includes(t.status), 60_000);
  }

  async function eventsOf(runId: string) {
    return (await gaffer.events.read(runId, { limit: 1000 })).events;
  }

  it('passes an attempt only when its command validator passes, with the evidence recorded', async () => {
    const model = `fix-${backend.name}`;
    server.enqueue(model, edit('e1', 'a - b', 'a + b'), finish('f1'));
    await setup(`fix-${backend.name}`, model, { validators: [testsPass] });
    const { task } = await gaffer.tasks.submit({ spec: `fix-${backend.name}` });
    const done = await finished(task.id);
    expect(done.status).toBe('succeeded');
    const [run] = (await gaffer.tasks.detail(task.id)).attempts;
    expect(run).toMatchObject({ status: 'succeeded', verdict: 'passed' });
    const events = await eventsOf(run!.id);
    const result = events.find((e) => e.type === 'validator_result')!.payload as { validator: string; verdict: string; evidence: { exitCode: number; stdout: { sha256: string; tail: string } } };
    expect(result).toMatchObject({ validator: 'tests', verdict: 'passed', evidence: { exitCode: 0, stdout: { tail: 'ok\n' } } });
    expect((await gaffer.artifacts.get(result.evidence.stdout.sha256)).content.toString()).toBe('ok\n');
    const gate = events.find((e) => e.type === 'decision' && (e.payload as { decisionType: string }).decisionType === 'gate')!;
    expect(gate.payload).toMatchObject({ output: { verdict: 'passed', score: 1 } });
    // Order: the claim (finish), then the checks, then the gate, then the end.
    const order = events.map((e) => e.type);
    expect(order.indexOf('validator_result')).toBeGreaterThan(order.lastIndexOf('tool_result'));
    expect(order.at(-1)).toBe('run_finished');
  });

  it('renders {{input.x}} in validator configs from the task input, one argument at a time', async () => {
    const model = `tmpl-${backend.name}`;
    server.enqueue(model, edit('e1', 'a - b', 'a + b'), finish('f1'));
    await setup(`tmpl-${backend.name}`, model, { validators: [{ type: 'command', name: 'tests', config: { argv: ['node', '{{input.test}}'] }, required: true }] });
    const { task } = await gaffer.tasks.submit({ spec: `tmpl-${backend.name}`, input: { test: 'add.test.js' } });
    expect((await finished(task.id)).status).toBe('succeeded');
    const [run] = (await gaffer.tasks.detail(task.id)).attempts;
    const result = (await eventsOf(run!.id)).find((e) => e.type === 'validator_result')!.payload as { verdict: string; evidence: { argv: string[] } };
    expect(result).toMatchObject({ verdict: 'passed', evidence: { argv: ['node', 'add.test.js'] } });

    // A placeholder the input does not fill fails the attempt naming the field; it never runs `node ''`.
    server.enqueue(model, edit('e2', 'a - b', 'a + b'), finish('f2'));
    const missing = await gaffer.tasks.submit({ spec: `tmpl-${backend.name}`, input: {} });
    const failed = await finished(missing.task.id);
    expect(failed.status).not.toBe('succeeded');
    expect(JSON.stringify(failed.lastError)).toContain('acceptance.validators[0].config.argv[1]: {{input.test}} has no value');
  });

  it('refuses a claim the tests disprove, and retries with the failing output and the previous diff in the prompt', async () => {
    const model = `retry-${backend.name}`;
    // Attempt 1 "fixes" it wrongly (a * b) and claims success; attempt 2 fixes it.
    server.enqueue(model, edit('e1', 'a - b', 'a * b'), finish('f1'), edit('e2', 'a - b', 'a + b'), finish('f2'));
    await setup(`retry-${backend.name}`, model, { validators: [testsPass], retry: { policy: 'fixed', maxRetries: 2, backoffMs: 0 } });
    const { task } = await gaffer.tasks.submit({ spec: `retry-${backend.name}` });
    const done = await finished(task.id);
    expect(done.status).toBe('succeeded');
    const attempts = (await gaffer.tasks.detail(task.id)).attempts;
    expect(attempts.map((a) => [a.status, a.verdict])).toEqual([
      ['failed', 'failed'],
      ['succeeded', 'passed'],
    ]);
    expect(attempts[0]!.failureClass).toBe('test_fail');
    // The second attempt's first model request carries what failed and the diff that failed.
    const second = await eventsOf(attempts[1]!.id);
    const firstCall = second.find((e) => e.type === 'llm_call')!.payload as { request: { messages: { content: unknown }[] } };
    const prompt = JSON.stringify(firstCall.request.messages);
    expect(prompt).toContain('FAIL add(2, 3) expected 5, got 6');
    expect(prompt).toContain('+exports.add = (a, b) => a * b;');
    const refinement = second.find((e) => e.type === 'decision' && (e.payload as { decisionType: string }).decisionType === 'refinement_cycle')!;
    expect(refinement.payload).toMatchObject({ inputs: { previousAttempt: 1, failing: [{ validator: 'tests', verdict: 'failed' }] }, output: { diffIncluded: true } });
  });

  it('retries an attempt that broke compilation with the compiler output in its prompt, then passes', async () => {
    const model = `compile-${backend.name}`;
    server.enqueue(model, edit('e1', 'a - b', 'a +* b)'), finish('f1'), edit('e2', 'a - b', 'a + b'), finish('f2'));
    const build = { type: 'command', name: 'build', config: { argv: ['node', '--check', 'add.js'] }, required: true };
    await setup(`compile-${backend.name}`, model, { validators: [build, testsPass], retry: { policy: 'fixed', maxRetries: 1, backoffMs: 0 } });
    const { task } = await gaffer.tasks.submit({ spec: `compile-${backend.name}` });
    expect((await finished(task.id)).status).toBe('succeeded');
    const attempts = (await gaffer.tasks.detail(task.id)).attempts;
    expect(attempts.map((a) => [a.status, a.verdict, a.failureClass])).toEqual([
      ['failed', 'failed', 'compile_error'],
      ['succeeded', 'passed', null],
    ]);
    const firstCall = (await eventsOf(attempts[1]!.id)).find((e) => e.type === 'llm_call')!.payload as { request: { messages: unknown } };
    const prompt = JSON.stringify(firstCall.request.messages);
    expect(prompt).toContain('SyntaxError');
    expect(prompt).toContain('build (command, failed)');
  });

  it('routes a retry to a stronger profile and records the profile version on each run', async () => {
    const cheap = `cheap-${backend.name}`;
    const strong = `strong-${backend.name}`;
    server.enqueue(cheap, edit('e1', 'a - b', 'a * b'), finish('f1'));
    server.enqueue(strong, edit('e2', 'a - b', 'a + b'), finish('f2'));
    await gaffer.specs.applyProfile({ name: cheap, baseUrl: server.baseUrl, model: cheap, routing: { tier: 0, maxComplexity: 1 }, prices: { inputPerMTok: 1, outputPerMTok: 2 } });
    await gaffer.specs.applyProfile({ name: strong, baseUrl: server.baseUrl, model: strong, routing: { tier: 1, maxComplexity: 1 }, prices: { inputPerMTok: 10, outputPerMTok: 20 } });
    await gaffer.specs.apply({
      name: `routed-${backend.name}`,
      executor: 'agent',
      instructions: 'Make add.test.js pass.',
      profiles: [strong, cheap],
      workspace: { repo: makeRepo() },
      acceptance: { validators: [testsPass], retry: { policy: 'fixed', maxRetries: 1, backoffMs: 0 } },
    });
    const { task } = await gaffer.tasks.submit({ spec: `routed-${backend.name}` });
    expect((await finished(task.id)).status).toBe('succeeded');
    const attempts = (await gaffer.tasks.detail(task.id)).attempts;
    const routing = await Promise.all(
      attempts.map(async (a) => (await eventsOf(a.id)).find((e) => e.type === 'decision' && (e.payload as { decisionType: string }).decisionType === 'routing')!.payload),
    );
    expect(routing[0]).toMatchObject({ output: { profile: cheap, rule: 'complexity' } });
    expect(routing[1]).toMatchObject({ output: { profile: strong, rule: 'retry_stronger' }, inputs: { previousProfile: cheap } });
    const profiles = await Promise.all([cheap, strong].map((name) => gaffer.specs.getProfile(name)));
    expect(attempts.map((a) => a.profileVersionId)).toEqual(profiles.map((p) => p.profileVersionId));
  });

  it('escalates a task that keeps failing with its evidence; resolving it with a stronger profile runs it again', async () => {
    const weak = `weak-${backend.name}`;
    const strong = `mighty-${backend.name}`;
    server.enqueue(weak, edit('e1', 'a - b', 'a * b'), finish('f1'));
    server.enqueue(strong, edit('e2', 'a - b', 'a + b'), finish('f2'));
    await gaffer.specs.applyProfile({ name: weak, baseUrl: server.baseUrl, model: weak, routing: { tier: 0 } });
    await gaffer.specs.applyProfile({ name: strong, baseUrl: server.baseUrl, model: strong, routing: { tier: 5 } });
    await gaffer.specs.apply({
      name: `inbox-${backend.name}`,
      executor: 'agent',
      instructions: 'Make add.test.js pass.',
      profiles: [weak, strong],
      workspace: { repo: makeRepo() },
      acceptance: { validators: [testsPass] },
    });
    const { task } = await gaffer.tasks.submit({ spec: `inbox-${backend.name}` });
    expect((await finished(task.id)).status).toBe('escalated');
    const [open] = await gaffer.escalations.list({ taskId: task.id });
    expect(open).toMatchObject({ status: 'open', trigger: 'retries_exhausted', failureClass: 'test_fail' });
    expect(open!.evidence).toMatchObject([{ attempt: 1, status: 'failed', verdict: 'failed', failing: [{ validator: 'tests' }] }]);
    const options = open!.options as { option: string; profile?: string; estimate?: { runs: number } }[];
    expect(options.map((o) => o.option)).toEqual(['retry_stronger', 'retry', 'amend_spec', 'abort']);
    expect(options[0]).toMatchObject({ profile: strong, estimate: { runs: 0 } });
    expect(options[1]!.estimate!.runs).toBeGreaterThanOrEqual(1); // this spec's failed run

    // Over HTTP: an agent token may not resolve; an operator may.
    const app = await buildServer(gaffer);
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1`;
      const call = async (token: string, path: string, body?: unknown) =>
        fetch(`${base}${path}`, { method: body ? 'POST' : 'GET', headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
      const agent = (await gaffer.tokens.create({ name: 'a', scope: 'agent' })).token;
      const operator = (await gaffer.tokens.create({ name: 'ann', scope: 'operator' })).token;
      expect((await call(agent, `/escalations/${open!.id}/resolve`, { option: 'retry_stronger' })).status).toBe(403);
      expect((await call(operator, `/escalations/${open!.id}/ack`, { note: 'looking' })).status).toBe(200);
      const bad = await call(operator, `/escalations/${open!.id}/resolve`, { option: 'retry_larger_budget' });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(await bad.json())).toContain('not offered');
      const resolved = await call(operator, `/escalations/${open!.id}/resolve`, { option: 'retry_stronger', note: 'give it the big model' });
      expect(resolved.status).toBe(200);
      expect(await resolved.json()).toMatchObject({ escalation: { status: 'resolved', resolution: 'retry_stronger', acknowledgedBy: expect.stringContaining('ann') }, task: { status: 'queued' } });
    } finally {
      await app.close();
    }
    const done = await finished(task.id);
    expect(done.status).toBe('succeeded');
    const attempts = (await gaffer.tasks.detail(task.id)).attempts;
    expect(attempts.map((a) => [a.attempt, a.status, a.verdict])).toEqual([
      [1, 'failed', 'failed'],
      [2, 'succeeded', 'passed'],
    ]);
    const routing = (await eventsOf(attempts[1]!.id)).find((e) => e.type === 'decision' && (e.payload as { decisionType: string }).decisionType === 'routing')!;
    expect(routing.payload).toMatchObject({ output: { profile: strong, rule: 'override' } });
    // The task's detail as the API shows it names each attempt's spec and profile version.
    const view = await loadTaskDetail(gaffer, task.id);
    expect(view.attempts.map((a) => [a.attempt, a.spec, a.profile])).toEqual([
      [1, { name: `inbox-${backend.name}`, version: 1 }, { name: weak, version: 1 }],
      [2, { name: `inbox-${backend.name}`, version: 1 }, { name: strong, version: 1 }],
    ]);
    const log = (await gaffer.decisions.list({ taskId: task.id, type: 'escalation' })).decisions;
    expect(log.map((d) => (d.output as { status: string }).status)).toEqual(['resolved', 'acknowledged', 'open']);
    expect(log.at(-1)!.reason).toBe('the attempt failed and the spec allows no retries');
  });

  it('stops retrying when an attempt fails the same checks the same way as the one before', async () => {
    const model = `stuck-${backend.name}`;
    server.enqueue(model, edit('e1', 'a - b', 'a * b'), finish('f1'), edit('e2', 'a - b', 'a * b'), finish('f2'));
    await setup(`stuck-${backend.name}`, model, { validators: [testsPass], retry: { policy: 'fixed', maxRetries: 5, backoffMs: 0 } });
    const { task } = await gaffer.tasks.submit({ spec: `stuck-${backend.name}` });
    const done = await finished(task.id);
    expect(done.status).toBe('escalated');
    const attempts = (await gaffer.tasks.detail(task.id)).attempts;
    expect(attempts).toHaveLength(2); // not 6
    expect((await gaffer.escalations.list({ taskId: task.id }))[0]).toMatchObject({ trigger: 'no_progress', failureClass: 'test_fail' });
    expect(done.lastError).toMatchObject({ noProgress: true });
    const decisions = (await eventsOf(attempts[1]!.id)).filter((e) => e.type === 'decision').map((e) => e.payload as { decisionType: string; output: unknown });
    expect(decisions.find((d) => d.decisionType === 'retry')).toMatchObject({ output: { retry: false } });
  });

  it('names a failing test that only the whole output shows, not the tail kept in the evidence', async () => {
    const model = `long-${backend.name}`;
    server.enqueue(model, finish('f1'));
    // A node --test run (TAP when piped) whose only failure comes first, then 80 passing tests:
    // the 2,000-character tail in the evidence holds only passes and totals.
    const passes = Array.from({ length: 80 }, (_, i) => `test('passes number ${i} with a long descriptive name', () => {});`).join('\n');
    const file = `const test = require('node:test');\nconst assert = require('node:assert');\ntest('first test fails early', () => assert.strictEqual(1, 2));\n${passes}\n`;
    await setup(`long-${backend.name}`, model, { validators: [{ type: 'command', name: 'suite', config: { argv: ['node', '-e', `require('fs').writeFileSync('long.test.js', ${JSON.stringify(file)}); require('child_process').execFileSync(process.execPath, ['--test', '--test-reporter=tap', 'long.test.js'], { stdio: 'inherit' })`] }, required: true }] });
    const { task } = await gaffer.tasks.submit({ spec: `long-${backend.name}` });
    const done = await finished(task.id);
    const error = done.lastError as { classification: { failureClass: string; context: { failingTests: string[] } }; verification: { failing: { summary: string }[] } };
    const [attempt] = (await gaffer.tasks.detail(task.id)).attempts;
    const check = (await eventsOf(attempt!.id)).find((e) => e.type === 'validator_result')!.payload as { evidence: { stdout: { tail: string; bytes: number } } };
    expect(check.evidence.stdout.bytes).toBeGreaterThan(4_000);
    expect(check.evidence.stdout.tail).not.toContain('first test fails early');
    expect(error.classification).toMatchObject({ failureClass: 'test_fail', decidedBy: 'validators' });
    expect(error.classification.context.failingTests).toEqual(['first test fails early']);
    expect(error.verification.failing[0]!.summary.split('\n')[0]).toBe('failing tests: first test fails early');
  });

  it('fails a weighted gate whose required validator fails, however high the weighted score', async () => {
    const model = `weighted-${backend.name}`;
    server.enqueue(model, edit('e1', 'a - b', 'a * b'), finish('f1'));
    await setup(`weighted-${backend.name}`, model, {
      gate: 'weighted',
      minScore: 0.5,
      validators: [
        { ...testsPass, weight: 1 },
        { type: 'file_exists', name: 'has-add', config: { path: 'add.js' }, weight: 10 },
      ],
    });
    const { task } = await gaffer.tasks.submit({ spec: `weighted-${backend.name}` });
    const done = await finished(task.id);
    expect(done.status).toBe('escalated');
    const [run] = (await gaffer.tasks.detail(task.id)).attempts;
    expect(run).toMatchObject({ verdict: 'failed' });
    const gate = (await eventsOf(run!.id)).find((e) => e.type === 'decision' && (e.payload as { decisionType: string }).decisionType === 'gate')!;
    const out = gate.payload as { output: { verdict: string; score: number }; reason: string };
    expect(out.output.verdict).toBe('failed');
    expect(out.output.score).toBeGreaterThan(0.5);
    expect(out.reason).toMatch(/required/);
  });

  it('propose mode: the patch becomes an approval; approving applies it to a fresh workspace and verifies it', async () => {
    const model = `propose-${backend.name}`;
    server.enqueue(model, edit('e1', 'a - b', 'a + b'), finish('f1'));
    await setup(`propose-${backend.name}`, model, { validators: [testsPass] }, { toolPolicy: { mode: 'propose' } });
    const { task } = await gaffer.tasks.submit({ spec: `propose-${backend.name}` });
    const waiting = await waitFor('the proposal', () => gaffer.tasks.get(task.id), (t) => t.status === 'awaiting_approval', 60_000);
    expect(waiting.status).toBe('awaiting_approval');
    const [approval] = await gaffer.approvals.list({ taskId: task.id, status: 'pending' });
    expect(approval).toMatchObject({ kind: 'patch', request: { files: ['add.js'], summary: 'done', attempt: 1, spec: `propose-${backend.name}` } });
    const patch = (await gaffer.artifacts.get((approval!.request as { patchSha256: string }).patchSha256)).content.toString();
    expect(patch).toContain('+exports.add = (a, b) => a + b;');
    expect(server.requests.filter((r) => (r.body as { model?: string } | undefined)?.model === model)).toHaveLength(2);

    await gaffer.approvals.decide({ id: approval!.id, decision: 'approved', note: 'looks right', principal: 'token:reviewer' });
    const done = await finished(task.id);
    expect(done.status).toBe('succeeded');
    const attempts = (await gaffer.tasks.detail(task.id)).attempts;
    expect(attempts.map((a) => [a.attempt, a.status, a.verdict])).toEqual([
      [1, 'succeeded', null],
      [2, 'succeeded', 'passed'],
    ]);
    // The second attempt applied the patch and ran the checks, with no model call.
    expect(server.requests.filter((r) => (r.body as { model?: string } | undefined)?.model === model)).toHaveLength(2);
    const events = await eventsOf(attempts[1]!.id);
    expect(events.find((e) => e.type === 'tool_call')!.payload).toMatchObject({ name: 'apply_patch', arguments: { approvalId: approval!.id } });
    expect(events.find((e) => e.type === 'validator_result')!.payload).toMatchObject({ validator: 'tests', verdict: 'passed' });
    const log = await gaffer.tasks.events(task.id);
    expect(log.find((e) => e.type === 'approval_decided')).toMatchObject({ principal: 'token:reviewer', payload: { kind: 'patch', decision: 'approved', note: 'looks right' } });
  });

  it('propose mode: rejecting the patch rejects the task', async () => {
    const model = `reject-${backend.name}`;
    server.enqueue(model, edit('e1', 'a - b', 'a + b'), finish('f1'));
    await setup(`reject-${backend.name}`, model, { validators: [testsPass] }, { toolPolicy: { mode: 'propose' } });
    const { task } = await gaffer.tasks.submit({ spec: `reject-${backend.name}` });
    await waitFor('the proposal', () => gaffer.tasks.get(task.id), (t) => t.status === 'awaiting_approval', 60_000);
    await gaffer.approvals.decide({ id: task.id, decision: 'rejected', note: 'not this way', principal: 'token:reviewer' });
    expect((await gaffer.tasks.get(task.id)).status).toBe('rejected');
  });

  it('runs the fallback spec as a new task linked to the original once retries are spent', async () => {
    const model = `primary-${backend.name}`;
    const fallbackModel = `fallback-${backend.name}`;
    server.enqueue(model, edit('e1', 'a - b', 'a * b'), finish('f1'));
    server.enqueue(fallbackModel, edit('e1', 'a - b', 'a + b'), finish('f1'));
    const fallback = await setup(`rescue-${backend.name}`, fallbackModel, { validators: [testsPass] });
    await setup(`primary-${backend.name}`, model, { validators: [testsPass], fallbackSpec: fallback });
    const { task } = await gaffer.tasks.submit({ spec: `primary-${backend.name}` });
    expect((await finished(task.id)).status).toBe('failed');
    const log = await gaffer.tasks.events(task.id);
    const decision = log.find((e) => e.type === 'decision' && (e.payload as { decisionType: string }).decisionType === 'fallback')!;
    const fallbackTaskId = (decision.payload as { output: { taskId: string } }).output.taskId;
    const rescued = await finished(fallbackTaskId);
    expect(rescued).toMatchObject({ status: 'succeeded', parentTaskId: task.id });
  });
});
