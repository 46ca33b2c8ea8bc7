/**
 * The built-in agent through the whole path a user's task takes: a spec and profile applied, a
 * task submitted, a real worker with the default executors claims it, the agent works on a real
 * git repository against the scripted model server, and everything lands in the database: the
 * task's status and result, the run's llm_call / tool_call / tool_result events, the final diff.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultExecutors } from '../../../src/executor/registry.js';
import type { Gaffer } from '../../../src/gaffer.js';
import { startScriptedModelServer, type ScriptedModelServer } from '../../../src/testing/scriptedModelServer.js';
import { openTestGaffer, testBackends } from '../../helpers/db.js';
import { waitFor } from '../../helpers/wait.js';

describe.each(testBackends())('agent tasks through a worker on $name', (backend) => {
  let gaffer: Gaffer;
  let server: ScriptedModelServer;
  let tmp: string;

  beforeAll(async () => {
    gaffer = await openTestGaffer(backend);
    server = await startScriptedModelServer();
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-agent-worker-')));
  });
  afterAll(async () => {
    await gaffer?.close();
    await server?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('fixes a failing test in a repository and records the whole run', async () => {
    const repo = path.join(tmp, 'repo');
    fs.mkdirSync(repo);
    const git = (...args: string[]): string =>
      execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' } });
    git('init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(repo, 'add.js'), 'exports.add = (a, b) => a - b;\n');
    fs.writeFileSync(path.join(repo, 'add.test.js'), "const { add } = require('./add.js');\nif (add(2, 3) !== 5) process.exit(1);\n");
    git('add', '.');
    git('commit', '-q', '-m', 'init');

    const model = `worker-model-${backend.name}`;
    server.enqueue(
      model,
      { toolCalls: [{ id: 'c1', name: 'read_file', arguments: { path: 'add.js' } }] },
      { toolCalls: [{ id: 'c2', name: 'edit_file', arguments: { path: 'add.js', search: 'a - b', replace: 'a + b' } }] },
      { toolCalls: [{ id: 'c3', name: 'run_command', arguments: { argv: ['node', 'add.test.js'] } }] },
      { toolCalls: [{ id: 'c4', name: 'finish', arguments: { summary: 'add now adds' } }] },
    );
    await gaffer.specs.applyProfile({ name: 'scripted', baseUrl: server.baseUrl, model });
    await gaffer.specs.apply({ name: 'fix-add', executor: 'agent', instructions: 'Make {{input.test}} pass.', profiles: ['scripted'], workspace: { repo } });
    const worker = gaffer.createWorker({ executors: defaultExecutors(), pollMs: 100 });
    await worker.start();
    const { task } = await gaffer.tasks.submit({ spec: 'fix-add', input: { test: 'add.test.js' } });
    const done = await waitFor('the agent task', () => gaffer.tasks.get(task.id), (t) => t.status === 'succeeded' || t.status === 'failed', 60_000);
    await worker.stop();
    expect(done.status).toBe('succeeded');
    expect(done.result).toMatchObject({ summary: 'add now adds', diff: { files: [{ path: 'add.js' }] } });

    const [run] = (await gaffer.tasks.detail(task.id)).attempts;
    const events = (await gaffer.events.read(run!.id, { limit: 1000 })).events;
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'llm_call')).toHaveLength(4);
    expect(types.filter((t) => t === 'tool_call')).toHaveLength(4);
    expect(types.filter((t) => t === 'tool_result')).toHaveLength(4);
    expect(run).toMatchObject({ status: 'succeeded', turns: 4 });
    const firstCall = events.find((e) => e.type === 'llm_call')!.payload as { request: { model: string; messages: { content: unknown }[] } };
    expect(firstCall.request.model).toBe(model);
    expect(JSON.stringify(firstCall.request.messages)).toContain('Make add.test.js pass.');
    const diffEvent = events.find((e) => e.type === 'artifact' && (e.payload as { name: string }).name === 'final.diff')!;
    const diff = await gaffer.artifacts.get((diffEvent.payload as { sha256: string }).sha256);
    expect(diff.content.toString()).toContain('+exports.add = (a, b) => a + b;');
    expect(fs.readFileSync(path.join(repo, 'add.js'), 'utf8')).toContain('a - b'); // worked in a worktree
  });
});
