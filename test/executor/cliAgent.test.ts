/**
 * The `cli_agent` executor through a real worker: a real program as the coding-agent CLI, run on a
 * git worktree with the prompt in a file, its output recorded, its diff kept, and its claim checked
 * by the same acceptance gate as the built-in agent's; the wall-time budget kills it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultExecutors } from '../../src/executor/registry.js';
import type { Gaffer } from '../../src/gaffer.js';
import type { Worker } from '../../src/queue/worker.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

/** A stand-in coding agent: reads the prompt file it is given, and applies the fix it asks for. */
const FIXER = `
const fs = require('fs');
const prompt = fs.readFileSync(process.argv[2], 'utf8');
console.log('prompt: ' + prompt);
const [, from, to] = prompt.match(/replace '(.*)' with '(.*)'/);
fs.writeFileSync('add.js', fs.readFileSync('add.js', 'utf8').replace(from, to));
`;

describe.each(testBackends())('cli_agent tasks on $name', (backend) => {
  let gaffer: Gaffer;
  let worker: Worker;
  let tmp: string;
  let repo: string;

  beforeAll(async () => {
    gaffer = await openTestGaffer(backend);
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-cli-agent-')));
    repo = path.join(tmp, 'repo');
    fs.mkdirSync(repo);
    const git = (...args: string[]): string =>
      execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' } });
    git('init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(repo, 'add.js'), 'exports.add = (a, b) => a - b;\n');
    fs.writeFileSync(path.join(repo, 'add.test.js'), "if (require('./add.js').add(2, 3) !== 5) process.exit(1);\n");
    fs.writeFileSync(path.join(tmp, 'fixer.js'), FIXER);
    git('add', '.');
    git('commit', '-q', '-m', 'init');
    worker = gaffer.createWorker({ executors: defaultExecutors({ agent: { workspaceRoot: path.join(tmp, 'worktrees') } }), pollMs: 50 });
    await worker.start();
  });
  afterAll(async () => {
    await worker?.stop();
    await gaffer?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const finished = (id: string) => waitFor('the task to finish', () => gaffer.tasks.get(id), (t) => ['succeeded', 'failed', 'escalated'].includes(t.status), 30_000);

  async function submit(name: string, instructions: string, argv: string[], extra: Record<string, unknown> = {}) {
    await gaffer.specs.apply({
      name,
      executor: 'cli_agent',
      instructions,
      cli: { argv },
      workspace: { repo },
      acceptance: { validators: [{ type: 'command', name: 'tests', config: { argv: ['node', 'add.test.js'] } }] },
      ...extra,
    });
    const { task } = await gaffer.tasks.submit({ spec: name, input: { from: 'a - b' } });
    const done = await finished(task.id);
    const [run] = (await gaffer.tasks.detail(task.id)).attempts;
    return { done, run: run!, events: (await gaffer.events.read(run!.id, { limit: 1000 })).events };
  }

  it('runs the CLI on a worktree with the prompt in a file, records it, and verifies its claim', async () => {
    const { done, run, events } = await submit(`cli-fix-${backend.name}`, "In add.js replace '{{input.from}}' with 'a + b'", [process.execPath, path.join(tmp, 'fixer.js'), '{{prompt_file}}']);

    expect(done.status).toBe('succeeded');
    expect(run).toMatchObject({ status: 'succeeded', verdict: 'passed' });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['tool_call', 'tool_result', 'validator_result', 'decision']));
    const stdout = events.find((e) => e.type === 'artifact' && (e.payload as { name: string }).name === 'stdout')!;
    expect((await gaffer.artifacts.get((stdout.payload as { sha256: string }).sha256)).content.toString()).toContain("prompt: In add.js replace 'a - b' with 'a + b'");
    const diff = events.find((e) => e.type === 'artifact' && (e.payload as { name: string }).name === 'final.diff')!;
    const patch = (await gaffer.artifacts.get((diff.payload as { sha256: string }).sha256)).content.toString();
    expect(patch).toContain('+exports.add = (a, b) => a + b;');
    expect(patch).not.toContain('.gaffer/prompt.md');
    expect(fs.readFileSync(path.join(repo, 'add.js'), 'utf8')).toContain('a - b'); // the repository itself is untouched
  });

  it('fails a claim the validators disprove', async () => {
    const { done, run } = await submit(`cli-wrong-${backend.name}`, "In add.js replace '{{input.from}}' with 'a * b'", [process.execPath, path.join(tmp, 'fixer.js'), '{{prompt_file}}']);
    expect(done.status).toBe('escalated');
    expect(run).toMatchObject({ status: 'failed', verdict: 'failed', failureClass: 'test_fail' });
  });

  it('kills a CLI that runs past the wall-time budget', async () => {
    const { done, run } = await submit(`cli-slow-${backend.name}`, 'wait', [process.execPath, '-e', 'setTimeout(() => {}, 60000)'], { budgets: { wallTimeMs: 300 } });
    expect(done.status).toBe('escalated');
    expect(run).toMatchObject({ status: 'timed_out', failureClass: 'timeout' });
  });
});
