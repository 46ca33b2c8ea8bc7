import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentExecutor } from '../../../src/executor/agent/agentExecutor.js';
import type { ExecutionContext, ExecutionResult } from '../../../src/executor/types.js';
import type { Gaffer } from '../../../src/gaffer.js';
import { startScriptedModelServer, type ScriptedModelServer, type ScriptedTurn } from '../../../src/testing/scriptedModelServer.js';
import { openTestGaffer } from '../../helpers/db.js';

interface Recorded {
  events: { type: string; payload: Record<string, unknown> }[];
  artifacts: { name: string; contentType?: string; content: string }[];
}

let gaffer: Gaffer;
let server: ScriptedModelServer;
let tmp: string;
let counter = 0;

beforeAll(async () => {
  gaffer = await openTestGaffer({ name: 'pglite' });
  server = await startScriptedModelServer();
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-agent-test-')));
});

afterAll(async () => {
  await server.close();
  await gaffer.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' } });
}

/** A repository with a bug in add.js and a test that fails because of it. */
function makeRepo(): string {
  const repo = path.join(tmp, `repo-${++counter}`);
  fs.mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'add.js'), 'exports.add = (a, b) => a - b;\n');
  fs.writeFileSync(path.join(repo, 'add.test.js'), "const { add } = require('./add.js');\nif (add(2, 3) !== 5) { console.error('add(2,3) should be 5'); process.exit(1); }\nconsole.log('ok');\n");
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'init');
  return repo;
}

/** Applies a profile and a spec whose model name is unique, so its script is its own. */
async function setup(turns: ScriptedTurn[], spec: Record<string, unknown> = {}, task: Record<string, unknown> = {}): Promise<{ ctx: ExecutionContext; rec: Recorded; model: string }> {
  const n = ++counter;
  const model = `agent-model-${n}`;
  server.enqueue(model, ...turns);
  await gaffer.specs.applyProfile({ name: `p${n}`, baseUrl: server.baseUrl, model, prices: { inputPerMTok: 1, outputPerMTok: 2 } });
  const applied = await gaffer.specs.apply({ name: `s${n}`, executor: 'agent', instructions: 'Fix the bug in {{input.file}}.', profiles: [`p${n}`], ...spec });
  const submitted = await gaffer.tasks.submit({ spec: `s${n}`, input: { file: 'add.js', ...((task['input'] as object | undefined) ?? {}) }, ...(task['mode'] ? { mode: task['mode'] as 'observe' } : {}) });
  const rec: Recorded = { events: [], artifacts: [] };
  const ctx: ExecutionContext = {
    task: submitted.task,
    spec: applied.record,
    input: submitted.task.input,
    runId: null,
    attempt: 1,
    signal: new AbortController().signal,
    resources: gaffer.resources,
    async record(type, payload) {
      rec.events.push({ type, payload: payload as Record<string, unknown> });
    },
    async artifact(content, options) {
      rec.artifacts.push({ name: options.name, ...(options.contentType ? { contentType: options.contentType } : {}), content: Buffer.from(content).toString('utf8') });
      return 'sha';
    },
  };
  return { ctx, rec, model };
}

const executor = (): AgentExecutor => new AgentExecutor({ workspaceRoot: path.join(tmp, 'ws'), maxRetries: 0 });
const ofType = (rec: Recorded, type: string): Record<string, unknown>[] => rec.events.filter((e) => e.type === type).map((e) => e.payload);
function requestsFor(model: string): { messages: { role: string; content: unknown }[]; tools?: { function: { name: string } }[]; model: string }[] {
  return server.requests.filter((r) => (r.body as { model?: string } | undefined)?.model === model).map((r) => r.body as never);
}
function failed(r: ExecutionResult): Extract<ExecutionResult, { status: 'failed' }> {
  if (r.status !== 'failed') throw new Error(`expected failed, got ${JSON.stringify(r)}`);
  return r;
}

describe('AgentExecutor', () => {
  it('reads the failing test, fixes the source, runs the test, finishes; diff and every call recorded', async () => {
    const repo = makeRepo();
    const { ctx, rec, model } = await setup(
      [
        { toolCalls: [{ id: 'c1', name: 'read_file', arguments: { path: 'add.test.js' } }] },
        { toolCalls: [{ id: 'c2', name: 'edit_file', arguments: { path: 'add.js', search: 'a - b', replace: 'a + b' } }] },
        { toolCalls: [{ id: 'c3', name: 'run_command', arguments: { argv: ['node', 'add.test.js'] } }] },
        { toolCalls: [{ id: 'c4', name: 'finish', arguments: { summary: 'fixed add' } }] },
      ],
      { workspace: { repo } },
    );
    const result = await executor().execute(ctx);
    expect(result.status).toBe('succeeded');
    const output = (result as { output: Record<string, unknown> }).output;
    expect(output['summary']).toBe('fixed add');
    expect((output['diff'] as { files: { path: string }[] }).files.map((f) => f.path)).toEqual(['add.js']);

    const diff = rec.artifacts.find((a) => a.name === 'final.diff');
    expect(diff?.contentType).toBe('text/x-diff');
    expect(diff?.content).toContain('+exports.add = (a, b) => a + b;');
    expect(diff?.content).toContain('-exports.add = (a, b) => a - b;');
    // The original repository is untouched: the agent worked in a worktree.
    expect(fs.readFileSync(path.join(repo, 'add.js'), 'utf8')).toContain('a - b');

    const routing = ofType(rec, 'decision')[0];
    expect(routing).toMatchObject({ decisionType: 'routing', output: { rule: 'complexity', profileVersion: 1 }, inputs: { attempt: 1, keywordMatches: [] } });

    const calls = ofType(rec, 'llm_call');
    expect(calls).toHaveLength(4);
    const first = calls[0] as { request: { model: string; messages: { role: string; content: string }[]; tools: { function: { name: string } }[] }; response: { choices: unknown[] } };
    expect(first.request.model).toBe(model);
    expect(first.request.messages.some((m) => m.role === 'user' && m.content.includes('Fix the bug in add.js.'))).toBe(true);
    expect(first.request.tools.map((t) => t.function.name)).toContain('edit_file');
    expect(first.response.choices).toHaveLength(1);
    expect(calls.every((c) => typeof c['costUsd'] === 'number')).toBe(true);

    expect(ofType(rec, 'tool_call').map((c) => [c['callId'], c['name'], c['risk']])).toEqual([
      ['c1', 'read_file', 'read'],
      ['c2', 'edit_file', 'write'],
      ['c3', 'run_command', 'execute'],
      ['c4', 'finish', 'read'],
    ]);
    const results = ofType(rec, 'tool_result');
    expect(results.map((r) => r['isError'])).toEqual([false, false, false, false]);
    expect(results[0]!['output']).toContain('add(2,3) should be 5');
    expect(results[2]!['output']).toMatch(/exit code 0[\s\S]*ok/);
    // The test output was sent back to the model in the next request.
    const fourth = requestsFor(model)[3]!;
    expect(JSON.stringify(fourth.messages)).toContain('exit code 0');
  });

  it('denies path escapes (../ and a symlink), records the reason and tells the model', async () => {
    const repo = makeRepo();
    fs.writeFileSync(path.join(tmp, 'secret.txt'), 'TOP SECRET');
    fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(repo, 'link.txt'));
    git(repo, 'add', 'link.txt');
    git(repo, 'commit', '-q', '-m', 'link');
    const { ctx, rec, model } = await setup(
      [
        { toolCalls: [{ id: 'e1', name: 'write_file', arguments: { path: '../outside.txt', content: 'x' } }] },
        { toolCalls: [{ id: 'e2', name: 'read_file', arguments: { path: 'link.txt' } }] },
        { content: 'gave up' },
      ],
      { workspace: { repo } },
    );
    const result = await executor().execute(ctx);
    expect(result.status).toBe('succeeded');
    expect((result as { output: Record<string, unknown> }).output['finishedBy']).toBe('reply');
    expect(fs.existsSync(path.join(tmp, 'ws', '..', 'outside.txt'))).toBe(false);
    const results = ofType(rec, 'tool_result');
    expect(results[0]).toMatchObject({ callId: 'e1', isError: true, denied: { reason: expect.stringContaining('outside_workspace') as unknown } });
    expect(results[1]).toMatchObject({ callId: 'e2', isError: true, denied: { reason: expect.stringContaining('symlink_escape') as unknown } });
    expect(JSON.stringify(results[1])).not.toContain('TOP SECRET');
    const requests = requestsFor(model);
    const toolMessage = (i: number): string => JSON.stringify(requests[i]!.messages.filter((m) => m.role === 'tool'));
    expect(toolMessage(1)).toContain('../outside.txt');
    expect(toolMessage(2)).toContain('link.txt');
  });

  it('observe mode (lowered by the task) denies write_file', async () => {
    const repo = makeRepo();
    const { ctx, rec } = await setup(
      [
        { toolCalls: [{ id: 'o1', name: 'write_file', arguments: { path: 'add.js', content: 'broken' } }] },
        { toolCalls: [{ id: 'o2', name: 'finish', arguments: { summary: 'looked' } }] },
      ],
      { workspace: { repo } },
      { mode: 'observe' },
    );
    const result = await executor().execute(ctx);
    expect(result.status).toBe('succeeded');
    expect(ofType(rec, 'tool_result')[0]).toMatchObject({ callId: 'o1', isError: true, denied: { reason: expect.stringContaining('observe mode') as unknown } });
    expect(rec.artifacts.find((a) => a.name === 'final.diff')?.content).toBe('');
  });

  it('propose mode leaves the workspace untouched and records the proposed patch', async () => {
    const repo = makeRepo();
    const { ctx, rec } = await setup(
      [
        { toolCalls: [{ id: 'p1', name: 'edit_file', arguments: { path: 'add.js', search: 'a - b', replace: 'a + b' } }] },
        { toolCalls: [{ id: 'p2', name: 'read_file', arguments: { path: 'add.js' } }] },
        { toolCalls: [{ id: 'p3', name: 'write_file', arguments: { path: 'NOTES.md', content: 'fixed\n' } }] },
        { toolCalls: [{ id: 'p4', name: 'run_command', arguments: { argv: ['touch', 'x'] } }] },
        { toolCalls: [{ id: 'p5', name: 'run_command', arguments: { argv: ['cat', 'add.js'] } }] },
        { toolCalls: [{ id: 'p6', name: 'finish', arguments: { summary: 'proposed' } }] },
      ],
      { workspace: { repo }, toolPolicy: { mode: 'propose' } },
    );
    const result = await executor().execute(ctx);
    expect(result).toMatchObject({ status: 'proposed', proposal: { files: ['NOTES.md', 'add.js'], summary: 'proposed' } });
    const results = ofType(rec, 'tool_result');
    expect(results[1]!['output']).toContain('a + b'); // reads see the overlay
    expect(results[3]).toMatchObject({ callId: 'p4', isError: true, denied: { reason: expect.stringContaining('propose mode') as unknown } });
    // The workspace itself still holds the original (commands see the real files).
    expect(results[4]).toMatchObject({ callId: 'p5', isError: false });
    expect(results[4]!['output']).toContain('a - b');
    const patch = rec.artifacts.find((a) => a.name === 'proposed.diff');
    expect(patch?.contentType).toBe('text/x-diff');
    expect(patch?.content).toContain('+exports.add = (a, b) => a + b;');
    expect(patch?.content).toContain('+++ b/NOTES.md');
    expect(rec.artifacts.find((a) => a.name === 'final.diff')).toBeUndefined();
    const output = (result as { output: { proposedPatch: { patch: string; sha256: string } } }).output;
    expect(output.proposedPatch.patch).toBe(patch?.content);
    expect((result as { proposal: { patchSha256: string } }).proposal.patchSha256).toBe(output.proposedPatch.sha256);
    // The patch applies cleanly to the base: check it in a fresh clone.
    const check = path.join(tmp, `check-${++counter}`);
    git(tmp, 'clone', '-q', repo, check);
    execFileSync('git', ['apply', '--check', '-'], { cwd: check, input: patch!.content });
  });

  it('fails budget_exceeded with counters when maxTurns runs out', async () => {
    const { ctx } = await setup(
      [
        { toolCalls: [{ id: 'b1', name: 'list_files', arguments: { path: '.' } }] },
        { toolCalls: [{ id: 'b2', name: 'list_files', arguments: { path: '.' } }] },
      ],
      { budgets: { maxTurns: 2 } },
    );
    const r = failed(await executor().execute(ctx));
    expect(r.failureClass).toBe('budget_exceeded');
    expect(r.error['counters']).toMatchObject({ turns: 2 });
    expect((r.error['counters'] as { inputTokens: number }).inputTokens).toBeGreaterThan(0);
  });

  it('fails budget_exceeded when the token or cost budget runs out', async () => {
    const list = { toolCalls: [{ id: 't1', name: 'list_files', arguments: { path: '.' } }] };
    const tokens = await setup([list, list], { budgets: { maxTokens: 5 } });
    const r1 = failed(await executor().execute(tokens.ctx));
    expect(r1.failureClass).toBe('budget_exceeded');
    expect(String(r1.error['message'])).toContain('token budget');
    expect(ofType(tokens.rec, 'llm_call')).toHaveLength(1);

    const cost = await setup([list, list], { budgets: { maxCostUsd: 0.000001 } });
    const r2 = failed(await executor().execute(cost.ctx));
    expect(r2.failureClass).toBe('budget_exceeded');
    expect((r2.error['counters'] as { costUsd: number }).costUsd).toBeGreaterThan(0.000001);
  });

  it('fails timeout when the wall time budget runs out during a model call', async () => {
    const { ctx } = await setup([{ content: 'late', delayMs: 2_000 }], { budgets: { wallTimeMs: 200 } });
    const r = failed(await executor().execute(ctx));
    expect(r.failureClass).toBe('timeout');
    expect((r.error['counters'] as { elapsedMs: number }).elapsedMs).toBeLessThan(1_500);
  });

  it('a 500 from the model is a provider_error', async () => {
    const { ctx, rec } = await setup([{ error: { status: 500, message: 'boom' } }]);
    const r = failed(await executor().execute(ctx));
    expect(r.failureClass).toBe('provider_error');
    expect(String(r.error['message'])).toContain('boom');
    expect(ofType(rec, 'llm_call')[0]).toMatchObject({ error: { status: 500 } });
  });
});
