/**
 * The CLI as a user meets it: `gaffer serve` as a real process on an embedded data dir, an agent
 * script recording a run through the SDK (which finds the running server by itself), and
 * `gaffer run ...` reading it back — through the server while it runs, from the files after.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';

const CLI = path.resolve('src/cli/main.ts');

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: (s) => (out += s.endsWith('\n') ? s : `${s}\n`), stderr: (s) => (err += `${s}\n`) });
  return { code, out, err };
}

describe('gaffer CLI with a running server', () => {
  let dataDir: string;
  let server: ChildProcess;
  let url = '';
  let banner = '';

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-cli-'));
    server = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', '0', '--data-dir', dataDir], {
      env: { ...process.env, GAFFER_LOG_LEVEL: 'warn', DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${banner}`)), 30_000);
      server.stdout!.on('data', (chunk: Buffer) => {
        banner += chunk.toString();
        const match = /running at (http:\/\/\S+)/.exec(banner);
        if (match && banner.includes('Stop with')) {
          url = match[1]!;
          clearTimeout(timer);
          resolve();
        }
      });
      server.stderr!.on('data', (chunk: Buffer) => (banner += chunk.toString()));
      server.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${banner}`)));
    });
  });

  afterAll(async () => {
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the URL and where the admin token is, and the token file is 0600', async () => {
    expect(banner).toContain(`admin token: ${path.join(dataDir, 'admin-token')}`);
    const mode = fs.statSync(path.join(dataDir, 'admin-token')).mode & 0o777;
    expect(mode).toBe(0o600);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
  });

  it('records a run from a short SDK script and reads it back with gaffer run events', async () => {
    const script = path.join(dataDir, 'agent.mts');
    fs.writeFileSync(
      script,
      `import { openGaffer } from ${JSON.stringify(path.resolve('src/index.ts'))};
const gaffer = await openGaffer({ dataDir: ${JSON.stringify(dataDir)} });
const run = gaffer.startRun({ name: 'ten-line-script', agent: 'demo' });
run.event('log', { message: 'looking at the failing test' });
run.toolCall({ name: 'read_file', arguments: { path: 'src/add.ts' }, output: 'export const add = (a, b) => a - b;' });
run.llmCall({ provider: 'openai', model: 'gpt-demo', request: { messages: [] }, response: { choices: [] },
  startedAt: new Date().toISOString(), endedAt: new Date().toISOString(), latencyMs: 12, usage: { inputTokens: 5, outputTokens: 2 } });
await run.finish({ status: 'succeeded' });
await gaffer.close();
console.log(run.id);
`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script]);
    const runId = stdout.trim();
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);

    const events = await cli(['--data-dir', dataDir, 'run', 'events', runId]);
    expect(events.code).toBe(0);
    const lines = events.out.trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[2])).toEqual(['run_started', 'log', 'tool_call', 'tool_result', 'llm_call', 'run_finished']);
    expect(events.out).toContain('read_file({"path":"src/add.ts"})');
    expect(events.out).toContain('openai/gpt-demo 5→2 tok 12ms');

    const json = await cli(['--data-dir', dataDir, 'run', 'events', runId, '--json', '--type', 'log']);
    expect(JSON.parse(json.out.trim())).toMatchObject({ seq: 2, type: 'log', payload: { message: 'looking at the failing test' } });

    const list = await cli(['--data-dir', dataDir, 'run', 'list', '--json']);
    expect((JSON.parse(list.out) as { runs: { id: string }[] }).runs.map((r) => r.id)).toContain(runId);
    const show = await cli(['--data-dir', dataDir, 'run', 'show', runId]);
    expect(show.out).toMatch(/status\s+succeeded/);
    expect(show.out).toMatch(/tokens\s+5 in \/ 2 out/);
  });

  it('follows a live run until it finishes', async () => {
    const token = fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = (await (await fetch(`${url}/api/v1/runs`, { method: 'POST', headers, body: JSON.stringify({ name: 'live' }) })).json()) as { id: string };
    const following = cli(['--data-dir', dataDir, 'run', 'events', created.id, '--follow']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await fetch(`${url}/api/v1/runs/${created.id}/events`, { method: 'POST', headers, body: JSON.stringify({ events: [{ type: 'log', payload: { message: 'late event' } }] }) });
    await fetch(`${url}/api/v1/runs/${created.id}/finish`, { method: 'POST', headers, body: '{}' });
    const result = await following;
    expect(result.code).toBe(0);
    expect(result.out).toContain('late event');
    expect(result.out).toContain('run_finished');
  });

  it('creates tokens with a scope, and lists them as JSON', async () => {
    const created = await cli(['--data-dir', dataDir, 'token', 'create', '--scope', 'viewer', '--name', 'dashboard', '--json']);
    expect(created.code).toBe(0);
    const token = JSON.parse(created.out) as { token: string; scope: string };
    expect(token).toMatchObject({ scope: 'viewer' });
    const whoami = await fetch(`${url}/api/v1/whoami`, { headers: { authorization: `Bearer ${token.token}` } });
    expect(await whoami.json()).toMatchObject({ scope: 'viewer', name: 'dashboard' });
    const list = await cli(['--data-dir', dataDir, 'token', 'list', '--json']);
    expect((JSON.parse(list.out) as { tokens: { name: string }[] }).tokens.map((t) => t.name)).toContain('dashboard');
  });

  it('exits 2 on usage errors and 1 when the operation fails', async () => {
    expect((await cli(['--data-dir', dataDir, 'run', 'list', '--limit', 'lots'])).code).toBe(2);
    expect((await cli(['--data-dir', dataDir, 'run', 'list', '--status', 'sleeping'])).code).toBe(2);
    expect((await cli(['no-such-command'])).code).toBe(2);
    const missing = await cli(['--data-dir', dataDir, 'run', 'show', '01930000-0000-7000-8000-00000000dead']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no run with id');
    expect((await cli(['--help'])).code).toBe(0);
  });

  it('reads the embedded files directly once the server has stopped', async () => {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    expect(fs.existsSync(path.join(dataDir, 'server.json'))).toBe(false);
    const list = await cli(['--data-dir', dataDir, 'run', 'list', '--name', 'ten-line-script', '--json']);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.out) as { runs: unknown[] }).runs).toHaveLength(1);
    const migrate = await cli(['--data-dir', dataDir, 'migrate']);
    expect(migrate.out).toContain('up to date');
  });
});
