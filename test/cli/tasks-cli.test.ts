/**
 * `gaffer spec|profile|task|approval` in-process, on both backends, both ways a command reaches
 * Gaffer: through a running server (a real socket, a worker running the tasks) and straight to the
 * database. Spec files are real YAML and JSON on disk, including examples/specs. Plus the pure
 * parts: durations and the submit request a command line makes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalRoutes } from '../../src/api/routes/approvals.js';
import { specRoutes } from '../../src/api/routes/specs.js';
import { taskRoutes } from '../../src/api/routes/tasks.js';
import { API_PREFIX, buildServer } from '../../src/api/server.js';
import { registerDecisionCommands, registerStatsCommand } from '../../src/cli/commands/decisions.js';
import { registerEscalationCommands } from '../../src/cli/commands/escalations.js';
import { localPrincipal, registerSpecCommands } from '../../src/cli/commands/specs.js';
import { parseDuration, registerTaskCommands, submitRequest } from '../../src/cli/commands/tasks.js';
import { UsageError, type CliIo } from '../../src/cli/io.js';
import { isGafferError } from '../../src/errors.js';
import { ShellExecutor } from '../../src/executor/shellExecutor.js';
import type { Gaffer } from '../../src/gaffer.js';
import { createScratchDatabase, openTestGaffer, templateDb, testBackends } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const EXAMPLES = path.resolve('examples/specs');

/** Runs one command line like src/cli/main.ts does (same root options, same exit codes). */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string; json: Json }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (s) => (out += s.endsWith('\n') ? s : `${s}\n`), stderr: (s) => (err += s.endsWith('\n') ? s : `${s}\n`) };
  const program = new Command('gaffer')
    .version('0.1.0')
    .option('--url <url>')
    .option('--token <token>')
    .option('--data-dir <dir>')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerSpecCommands(program, io);
  registerTaskCommands(program, io);
  registerDecisionCommands(program, io);
  registerStatsCommand(program, io);
  registerEscalationCommands(program, io);
  let code = 0;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError || e instanceof UsageError) code = 2;
    else if (isGafferError(e)) code = 1;
    else throw e;
    if (!(e instanceof CommanderError)) io.stderr(`error: ${(e as Error).message}`);
  }
  let json: Json = {};
  try {
    json = JSON.parse(out) as Json;
  } catch {
    // not a --json command
  }
  return { code, out, err, json };
}


function writeFiles(dir: string, files: Record<string, string>): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('parseDuration', () => {
  it('reads a number with a unit, and sums compound durations', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('0s')).toBe(0);
  });

  it('refuses what it would have to guess, as a usage error', () => {
    for (const bad of ['', '10', '10x', '-5m', 'm', '1.5h', '10 m', 'soon', '9999999999999999999d']) {
      expect(() => parseDuration(bad), bad).toThrow(UsageError);
    }
  });

  it('turns a command line into a submit request, refusing bad JSON, times and combinations', () => {
    expect(submitRequest({ spec: 's', input: '{"a":1}', in: '10m', priority: '3', approval: true, dependsOn: ['x'] })).toEqual({
      spec: 's',
      input: { a: 1 },
      delayMs: 600_000,
      priority: 3,
      approval: true,
      dependsOn: ['x'],
    });
    expect(submitRequest({ spec: 's', at: '2031-01-01T09:00:00+02:00' }).runAt).toBe('2031-01-01T07:00:00.000Z');
    expect(() => submitRequest({ spec: 's', input: '{nope' })).toThrow(/--input is not valid JSON/);
    expect(() => submitRequest({ spec: 's', at: 'tomorrow' })).toThrow(UsageError);
    expect(() => submitRequest({ spec: 's', at: '2031-01-01T00:00:00Z', in: '1h' })).toThrow(/not both/);
    expect(() => submitRequest({ spec: 's', priority: 'high' })).toThrow(UsageError);
    expect(() => submitRequest({ spec: 's', priority: '5000' })).toThrow(UsageError);
  });
});

describe.each(testBackends())('gaffer spec/task/approval through a server on $name', (backend) => {
  let gaffer: Gaffer;
  let app: FastifyInstance;
  let dir: string;
  let url: string;
  let operator: string;
  let agent: string;
  const as = (token: string, args: string[]) => cli(['--url', url, '--token', token, ...args]);
  const op = (...args: string[]) => as(operator, args);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-tasks-cli-'));
    gaffer = await openTestGaffer(backend);
    app = await buildServer(gaffer);
    if (!app.hasRoute({ method: 'GET', url: `${API_PREFIX}/tasks` })) {
      await app.register(
        async (api) => {
          await api.register(specRoutes(gaffer));
          await api.register(taskRoutes(gaffer));
          await api.register(approvalRoutes(gaffer));
        },
        { prefix: API_PREFIX },
      );
    }
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    operator = (await gaffer.tokens.create({ name: 'cli-operator', scope: 'operator' })).token;
    agent = (await gaffer.tokens.create({ name: 'cli-agent', scope: 'agent' })).token;
    const worker = gaffer.createWorker({ executors: [new ShellExecutor()], pollMs: 100, concurrency: 4 });
    await worker.start();
  });
  afterAll(async () => {
    await app?.close();
    await gaffer?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('applies a directory of YAML and JSON: profiles first, fallbacks before their users, new versions only on change', async () => {
    const defs = writeFiles(path.join(dir, 'defs'), {
      '20-specs.yaml': `kind: Spec
name: cli-echo
executor: shell
command: ["echo", "hi {{input.who}}"]
profiles: [cli-model]
inputSchema: { type: object, required: [who], properties: { who: { type: string } } }
acceptance:
  fallbackSpec: cli-fallback
---
kind: Spec
name: cli-fallback
executor: shell
command: ["true"]
`,
      '30-more.json': JSON.stringify([{ kind: 'Spec', name: 'cli-json', executor: 'shell', command: ['true'] }]),
      'zz-profile.yaml': 'kind: Profile\nname: cli-model\nmodel: test-model\n',
      'notes.txt': 'not a definition',
    });
    const first = await op('spec', 'apply', defs);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out.trim().split('\n')).toEqual([
      'spec cli-echo: v1 (created)',
      'spec cli-fallback: v1 (created)',
      'spec cli-json: v1 (created)',
      'profile cli-model: v1 (created)',
    ]);
    const again = await op('spec', 'apply', defs, '--json');
    expect(again.json.results.map((r: Json) => [r.name, r.version, r.changed, r.source])).toEqual([
      ['cli-echo', 1, false, `${path.join(defs, '20-specs.yaml')} (document 1)`],
      ['cli-fallback', 1, false, `${path.join(defs, '20-specs.yaml')} (document 2)`],
      ['cli-json', 1, false, path.join(defs, '30-more.json')],
      ['cli-model', 1, false, path.join(defs, 'zz-profile.yaml')],
    ]);
    fs.writeFileSync(path.join(defs, '30-more.json'), JSON.stringify({ kind: 'Spec', name: 'cli-json', executor: 'shell', command: ['echo', 'changed'] }));
    const changed = await op('spec', 'apply', path.join(defs, '30-more.json'));
    expect(changed.out.trim()).toBe('spec cli-json: v2 (created)');

    expect((await op('spec', 'list', '--json')).json.specs.map((s: Json) => s.name)).toEqual(['cli-echo', 'cli-fallback', 'cli-json']);
    expect((await op('spec', 'versions', 'cli-json', '--json')).json.versions.map((v: Json) => v.version)).toEqual([2, 1]);
    expect((await op('spec', 'show', 'cli-json', '--rev', '1', '--json')).json).toMatchObject({ version: 1, definition: { command: ['true'] } });
    const shown = await op('spec', 'show', 'cli-json');
    expect(shown.out).toMatch(/version\s+2/);
    expect(shown.out).toContain('- changed'); // the definition, as YAML
    expect((await op('spec', 'list')).out).toMatch(/^NAME\s+VERSION\s+EXECUTOR/);
    expect((await op('profile', 'list', '--json')).json.profiles).toMatchObject([{ name: 'cli-model', model: 'test-model', version: 1 }]);
    expect((await op('profile', 'show', 'cli-model')).out).toMatch(/model\s+test-model/);
    expect((await op('profile', 'versions', 'cli-model', '--json')).json.versions).toHaveLength(1);
    expect((await op('spec', 'show', 'cli-json', '--rev', 'two')).code).toBe(2);
  });

  it('names the file, the document, the field and the line when a definition is wrong', async () => {
    const orphan = writeFiles(path.join(dir, 'orphan'), {
      'one.yaml': 'kind: Spec\nname: cli-orphan\nexecutor: shell\ncommand: ["true"]\nprofiles:\n  - nobody\n',
    });
    const badRef = await op('spec', 'apply', orphan);
    expect(badRef.code).toBe(1);
    expect(badRef.err).toContain(`${path.join(orphan, 'one.yaml')}:6: spec 'cli-orphan': profiles[0]: no profile named 'nobody'`);

    const shapes = writeFiles(path.join(dir, 'shapes'), {
      'two.yaml': 'kind: Spec\nname: cli-first\nexecutor: shell\ncommand: ["true"]\n---\nkind: Spec\nname: cli-second\nexecutor: shell\n',
    });
    const badShape = await op('spec', 'apply', shapes);
    expect(badShape.code).toBe(1);
    expect(badShape.err).toContain(`${path.join(shapes, 'two.yaml')} (document 2): command: is required for executor 'shell'`);
    expect((await op('spec', 'show', 'cli-first')).code).toBe(1); // the good first document was not applied

    const fallback = writeFiles(path.join(dir, 'fallback'), {
      'f.yaml': 'kind: Spec\nname: cli-f\nexecutor: shell\ncommand: ["true"]\nacceptance:\n  fallbackSpec: nowhere\n',
    });
    const badFallback = await op('spec', 'apply', fallback);
    expect(badFallback.err).toContain(`f.yaml:6: spec 'cli-f': acceptance.fallbackSpec: no spec named 'nowhere'`);

    const broken = writeFiles(path.join(dir, 'broken'), { 'x.yaml': 'name: [unclosed\n' });
    const badYaml = await op('spec', 'apply', path.join(broken, 'x.yaml'));
    expect(badYaml.code).toBe(1);
    expect(badYaml.err).toContain(`${path.join(broken, 'x.yaml')}`);
    expect(badYaml.err).toContain('not valid YAML');
    expect((await op('spec', 'apply', path.join(dir, 'no-such-file.yaml'))).code).toBe(2);
  });

  it('submits, lists, shows and approves tasks, printing JSON with --json', async () => {
    const submitted = await op('task', 'submit', '--spec', 'cli-echo', '--input', '{"who":"cli"}', '--json');
    expect(submitted.code).toBe(0);
    expect(submitted.json).toMatchObject({ existing: false, task: { spec: 'cli-echo', specVersion: 1, input: { who: 'cli' }, createdBy: 'operator:cli-operator' } });
    const id = submitted.json.task.id as string;
    await waitFor('the task to succeed', () => gaffer.tasks.get(id), (t) => t.status === 'succeeded');

    const shown = await op('task', 'show', id, '--json');
    expect(shown.json.task).toMatchObject({ id, status: 'succeeded', result: { stdout: 'hi cli\n' } });
    expect(shown.json.attempts).toMatchObject([{ attempt: 1, status: 'succeeded', id: shown.json.task.lastRunId }]);
    expect(shown.json.events.map((e: Json) => e.type)).toEqual(['task_submitted', 'status_change']);
    const human = await op('task', 'show', id);
    expect(human.out).toMatch(/status\s+succeeded/);
    expect(human.out).toContain(shown.json.task.lastRunId);
    expect(human.out).toContain('running → succeeded');

    const gated = await op('task', 'submit', '--spec', 'cli-echo', '--input', '{"who":"gated"}', '--approval', '--json');
    expect(gated.json.task.status).toBe('awaiting_approval');
    const approvalId = gated.json.approvalId as string;
    const pending = await op('approval', 'list', '--status', 'pending', '--json');
    expect(pending.json.approvals.map((a: Json) => a.id)).toContain(approvalId);
    const refused = await as(agent, ['task', 'approve', gated.json.task.id]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("agent token may not do this (needs 'operate' permission)");
    const approved = await op('task', 'approve', gated.json.task.id, '--note', 'ship it', '--json');
    expect(approved.json.approval).toMatchObject({ id: approvalId, status: 'approved', decidedBy: 'operator:cli-operator', note: 'ship it' });
    const log = (await op('task', 'show', gated.json.task.id, '--json')).json.events as Json[];
    expect(log.find((e) => e.type === 'approval_decided')).toMatchObject({ principal: 'operator:cli-operator', payload: { decision: 'approved' } });

    const toReject = (await as(agent, ['task', 'submit', '--spec', 'cli-echo', '--input', '{"who":"no"}', '--approval', '--json'])).json;
    expect(toReject.task.createdBy).toBe('agent:cli-agent'); // agents may submit
    const rejected = await op('task', 'reject', toReject.task.id, '--note', 'not now');
    expect(rejected.out.trim()).toBe(`rejected task ${toReject.task.id} (approval ${toReject.approvalId}); the task is now rejected`);

    const byApproval = (await op('task', 'submit', '--spec', 'cli-fallback', '--approval', '--in', '1h', '--json')).json;
    const decided = await op('approval', 'approve', byApproval.approvalId, '--json');
    expect(decided.json.task).toMatchObject({ id: byApproval.task.id, status: 'scheduled' });
  });

  it('defers, deduplicates, chains and cancels tasks, and filters the list', async () => {
    const before = Date.now();
    const later = await op('task', 'submit', '--spec', 'cli-fallback', '--in', '1h', '--priority', '7', '--idempotency-key', 'cli-once', '--json');
    expect(later.json.task).toMatchObject({ status: 'scheduled', priority: 7, idempotencyKey: 'cli-once' });
    const delay = Date.parse(later.json.task.runAt) - before;
    expect(delay).toBeGreaterThan(3_590_000);
    expect(delay).toBeLessThan(3_660_000);
    const same = await op('task', 'submit', '--spec', 'cli-fallback', '--idempotency-key', 'cli-once');
    expect(same.out).toContain(`task ${later.json.task.id} already exists (idempotency key cli-once); it is scheduled`);

    const at = await op('task', 'submit', '--spec', 'cli-fallback', '--at', '2031-01-01T00:00:00Z', '--json');
    expect(at.json.task.runAt).toBe('2031-01-01T00:00:00.000Z');
    const child = await op('task', 'submit', '--spec', 'cli-fallback', '--depends-on', later.json.task.id, at.json.task.id, '--json');
    expect(child.json.task.status).toBe('waiting');
    expect((await op('task', 'show', child.json.task.id, '--json')).json.dependsOn.map((d: Json) => d.id).sort()).toEqual(
      [later.json.task.id, at.json.task.id].sort(),
    );

    const cancelled = await op('task', 'cancel', later.json.task.id, '--reason', 'no longer needed');
    expect(cancelled.out.trim()).toBe(`cancelled task ${later.json.task.id}`);
    expect((await gaffer.tasks.get(child.json.task.id)).status).toBe('blocked');
    expect((await op('task', 'cancel', later.json.task.id)).code).toBe(1);

    const list = await op('task', 'list', '--status', 'cancelled', '--spec', 'cli-fallback', '--json');
    expect(list.json.tasks.map((t: Json) => t.id)).toEqual([later.json.task.id]);
    const blocked = await op('task', 'list', '--status', 'blocked', '--json');
    expect(blocked.json.tasks.map((t: Json) => t.id)).toEqual([child.json.task.id]);
    const table = await op('task', 'list', '--spec', 'cli-fallback');
    expect(table.out).toMatch(/^ID\s+STATUS\s+SPEC/);
    expect(table.out).toContain(`${at.json.task.id}  scheduled`);
    expect((await op('task', 'list', '--spec', 'ghost')).code).toBe(1);
  });

  it('exits 2 on usage errors before anything is sent', async () => {
    const count = async () => (await gaffer.tasks.list({ limit: 500 })).tasks.length;
    const n = await count();
    for (const args of [
      ['--input', '{bad'],
      ['--in', '10x'],
      ['--in', '10'],
      ['--at', 'next tuesday'],
      ['--at', '2031-01-01T00:00:00Z', '--in', '1h'],
      ['--priority', 'high'],
      ['--mode', 'reckless'],
    ]) {
      const r = await op('task', 'submit', '--spec', 'cli-fallback', ...args);
      expect(r.code, args.join(' ')).toBe(2);
    }
    expect((await op('task', 'submit')).code).toBe(2); // --spec is required
    expect((await op('task', 'list', '--status', 'sleeping')).code).toBe(2);
    expect(await count()).toBe(n);
    const invalid = await op('task', 'submit', '--spec', 'cli-echo', '--input', '{"who":3}');
    expect(invalid.code).toBe(1);
    expect(invalid.err).toContain('input.who');
  });

  it('runs the example specs', async () => {
    const applied = await op('spec', 'apply', EXAMPLES);
    expect(applied.out.trim().split('\n').sort()).toEqual(['spec hello-approved: v1 (created)', 'spec hello: v1 (created)', 'spec tests: v1 (created)']);
    const hello = (await op('task', 'submit', '--spec', 'hello', '--input', '{"name":"world"}', '--json')).json.task;
    expect((await waitFor('hello', () => gaffer.tasks.get(hello.id), (t) => t.status === 'succeeded')).result).toMatchObject({ stdout: 'hello world\n' });
    expect((await op('task', 'submit', '--spec', 'hello-approved', '--input', '{"name":"world"}', '--json')).json.task.status).toBe('awaiting_approval');

    const project = writeFiles(path.join(dir, 'project'), {
      'package.json': JSON.stringify({ name: 'p', version: '1.0.0', private: true, scripts: { test: 'node -e "console.log(\'suite ok\')"' } }),
    });
    const tests = (await op('task', 'submit', '--spec', 'tests', '--input', JSON.stringify({ cwd: project }), '--json')).json.task;
    expect(tests).toMatchObject({ maxAttempts: 3, concurrencyKey: `tests:${project}` });
    const done = await waitFor('npm test', () => gaffer.tasks.get(tests.id), (t) => t.status !== 'queued' && t.status !== 'running', 60_000);
    expect(done.status).toBe('succeeded');
    expect(JSON.stringify(done.result)).toContain('suite ok');
  });

  it('gaffer decision list reads the decision log with filters, as a table and as JSON', async () => {
    const run = await gaffer.runs.create({ name: 'decisions' });
    await gaffer.events.append(run.id, [
      { type: 'decision', payload: { decisionType: 'routing', inputs: { complexity: 0.2 }, output: { profile: 'small' }, confidence: 0.8, reason: 'cheapest covering' } },
      { type: 'decision', payload: { decisionType: 'gate', inputs: {}, output: { verdict: 'passed' } } },
    ]);
    const listed = await op('decision', 'list', '--run', run.id, '--json');
    expect(listed.json.decisions.map((d: Json) => d.decisionType)).toEqual(['gate', 'routing']);
    const routing = await op('decision', 'list', '--run', run.id, '--type', 'routing');
    expect(routing.out).toContain('TYPE');
    expect(routing.out).toContain('cheapest covering');
    expect(routing.out).not.toContain('gate');
    const bad = await op('decision', 'list', '--since', 'yesterday');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--since');
  });

  it('gaffer escalation list|show|resolve: the inbox from the command line', async () => {
    await gaffer.specs.apply({ name: 'always-fails', executor: 'shell', command: ['sh', '-c', 'echo "nope" >&2; exit 4'] });
    const { task } = await gaffer.tasks.submit({ spec: 'always-fails' });
    await waitFor('the inbox', () => gaffer.tasks.get(task.id), (t) => t.status === 'escalated', 20_000);
    const listed = await op('escalation', 'list', '--status', 'open', '--task', task.id, '--json');
    const [esc] = listed.json.escalations as Json[];
    expect(esc).toMatchObject({ taskId: task.id, status: 'open', trigger: 'no_retry_class', failureClass: 'unknown' });
    const shown = await op('escalation', 'show', esc!.id);
    expect(shown.out).toContain('evidence (last attempts)');
    expect(shown.out).toContain('abort');
    const refused = await op('escalation', 'resolve', esc!.id, '--option', 'sideways');
    expect(refused.code).toBe(2);
    const resolved = await op('escalation', 'resolve', esc!.id, '--option', 'abort', '--note', 'obsolete');
    expect(resolved.out).toContain(`task ${task.id} is cancelled`);
    expect((await gaffer.escalations.get(esc!.id)).resolvedBy).toBeTruthy();
  });

  it('gaffer stats sums finished runs up, as a table and as JSON', async () => {
    const run = await gaffer.runs.create({ name: 'for stats' });
    await gaffer.runs.finish(run.id, { status: 'succeeded' });
    const json = await op('stats', '--by', 'failure_class', '--since', '1h', '--json');
    expect(json.json).toMatchObject({ by: 'failure_class' });
    expect(json.json.total.runs).toBeGreaterThanOrEqual(1);
    const text = await op('stats', '--by', 'day');
    expect(text.out).toContain('SUCCESS');
    expect(text.out).toContain(new Date().toISOString().slice(0, 10));
    expect((await op('stats', '--since', 'last week')).code).toBe(2);
  });
});

describe.each(testBackends())('gaffer spec/task/approval on the database directly ($name)', (backend) => {
  let dataDir: string;
  const saved = { DATABASE_URL: process.env.DATABASE_URL, GAFFER_URL: process.env.GAFFER_URL };
  let drop: (() => Promise<void>) | undefined;
  const local = (...args: string[]) => cli(['--data-dir', dataDir, ...args]);

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-tasks-local-'));
    delete process.env.GAFFER_URL;
    if (backend.name === 'postgres') {
      const scratch = await createScratchDatabase(backend.url!, templateDb());
      process.env.DATABASE_URL = scratch.url;
      drop = scratch.drop;
    } else {
      delete process.env.DATABASE_URL;
    }
  });
  afterAll(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await drop?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('applies, submits, approves as the OS user, and shows the log', async () => {
    const applied = await local('spec', 'apply', path.join(EXAMPLES, 'hello.yaml'));
    expect(applied.err).toBe('');
    expect(applied.out.trim().split('\n')).toEqual(['spec hello: v1 (created)', 'spec hello-approved: v1 (created)']);
    expect((await local('spec', 'apply', path.join(EXAMPLES, 'hello.yaml'))).out).toContain('spec hello: v1 (unchanged)');
    expect((await local('spec', 'show', 'hello', '--json')).json).toMatchObject({ createdBy: localPrincipal(), definition: { command: ['echo', 'hello {{input.name}}'] } });

    const submitted = await local('task', 'submit', '--spec', 'hello-approved', '--input', '{"name":"local"}', '--json');
    expect(submitted.json.task).toMatchObject({ status: 'awaiting_approval', createdBy: localPrincipal() });
    const id = submitted.json.task.id as string;
    const approved = await local('task', 'approve', id, '--json');
    expect(approved.json).toMatchObject({ approval: { status: 'approved', decidedBy: localPrincipal() }, task: { status: 'queued' } });
    const shown = await local('task', 'show', id, '--json');
    expect(shown.json.events.find((e: Json) => e.type === 'approval_decided')).toMatchObject({ principal: localPrincipal() });
    expect(shown.json.approvals).toMatchObject([{ status: 'approved' }]);
    expect((await local('approval', 'list', '--json')).json.approvals.map((a: Json) => a.taskId)).toEqual([id]);
    expect((await local('task', 'list', '--spec', 'hello-approved', '--status', 'queued', '--json')).json.tasks.map((t: Json) => t.id)).toEqual([id]);

    const invalid = await local('task', 'submit', '--spec', 'hello', '--input', '{"name":""}');
    expect(invalid.code).toBe(1);
    expect(invalid.err).toContain('input.name');
  });
});
