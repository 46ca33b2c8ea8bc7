import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runValidator, type ValidatorEvidence } from '../../src/acceptance/index.js';
import { makeContext, makeWorkspace, type TestContext } from './helpers.js';

function run(config: Record<string, unknown>, ctx: TestContext): Promise<ValidatorEvidence> {
  return runValidator({ type: 'command', name: 'cmd', config, weight: 1, required: false }, 0, ctx);
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('command validator', () => {
  it('passes on the expected exit code and stores stdout as an artifact', async () => {
    const ctx = makeContext(await makeWorkspace());
    const r = await run({ argv: ['node', '-e', "process.stdout.write('all 12 tests ok')"] }, ctx);
    expect(r).toMatchObject({ validator: 'cmd', type: 'command', verdict: 'passed', passed: true, score: 1 });
    const stdout = r.evidence['stdout'] as { sha256: string; bytes: number; tail: string };
    expect(r.evidence['exitCode']).toBe(0);
    expect(r.evidence['argv']).toEqual(['node', '-e', "process.stdout.write('all 12 tests ok')"]);
    expect(stdout.sha256).toBe(sha('all 12 tests ok'));
    expect(ctx.artifacts.get(stdout.sha256)?.content.toString()).toBe('all 12 tests ok');
    expect(stdout.tail).toBe('all 12 tests ok');
    // Nothing written to stderr, so no artifact for it.
    expect((r.evidence['stderr'] as { sha256?: string }).sha256).toBeUndefined();
  });

  it('fails on another exit code, with the exit code and the stderr tail as evidence', async () => {
    const ctx = makeContext(await makeWorkspace());
    const r = await run({ argv: ['node', '-e', "console.error('AssertionError: expected 2 to be 3'); process.exit(1)"] }, ctx);
    expect(r).toMatchObject({ verdict: 'failed', passed: false, score: 0 });
    expect(r.evidence['exitCode']).toBe(1);
    const stderr = r.evidence['stderr'] as { sha256: string; tail: string };
    expect(stderr.tail).toContain('AssertionError: expected 2 to be 3');
    expect(ctx.artifacts.get(stderr.sha256)?.content.toString()).toContain('expected 2 to be 3');
    expect(r.evidence['explanation']).toBe('exited with 1; expected exit code 0');
  });

  it('honours expectExitCode', async () => {
    const ctx = makeContext(await makeWorkspace());
    expect((await run({ argv: ['sh', '-c', 'exit 3'], expectExitCode: 3 }, ctx)).verdict).toBe('passed');
    expect((await run({ argv: ['sh', '-c', 'exit 0'], expectExitCode: 3 }, ctx)).verdict).toBe('failed');
  });

  it('runs in the workspace, or in cwd relative to it', async () => {
    const ws = await makeWorkspace({ 'marker.txt': 'x', 'sub/inner.txt': 'y' });
    const ctx = makeContext(ws);
    expect((await run({ argv: ['sh', '-c', 'test -f marker.txt'] }, ctx)).verdict).toBe('passed');
    const r = await run({ argv: ['sh', '-c', 'test -f inner.txt && pwd'], cwd: 'sub' }, ctx);
    expect(r.verdict).toBe('passed');
    expect((r.evidence['stdout'] as { tail: string }).tail.trim().endsWith('/sub')).toBe(true);
  });

  it('gives the command a scrubbed environment', async () => {
    process.env['GAFFER_ACCEPTANCE_SECRET'] = 'hunter2';
    try {
      const r = await run({ argv: ['sh', '-c', 'echo "[$GAFFER_ACCEPTANCE_SECRET]"'] }, makeContext(await makeWorkspace()));
      expect((r.evidence['stdout'] as { tail: string }).tail).toBe('[]\n');
    } finally {
      delete process.env['GAFFER_ACCEPTANCE_SECRET'];
    }
  });

  it('kills a command that runs past timeoutMs and fails it', async () => {
    const ctx = makeContext(await makeWorkspace());
    const r = await run({ argv: ['node', '-e', 'setTimeout(() => {}, 60000)'], timeoutMs: 300 }, ctx);
    expect(r.verdict).toBe('failed');
    expect(r.evidence['timedOut']).toBe(true);
    expect(r.evidence['explanation']).toContain('timed out after 300 ms');
    expect(r.durationMs).toBeLessThan(10_000);
  });

  it('is an error, not a failure, when the program does not exist', async () => {
    const r = await run({ argv: ['gaffer-no-such-program-7f3a'] }, makeContext(await makeWorkspace()));
    expect(r).toMatchObject({ verdict: 'error', passed: false, score: 0 });
    expect(r.evidence['error']).toContain('gaffer-no-such-program-7f3a: command not found');
  });

  it('is an error naming the field when the config is bad', async () => {
    const ctx = makeContext(await makeWorkspace());
    const missing = await run({ command: 'npm test' }, ctx);
    expect(missing.verdict).toBe('error');
    expect(missing.evidence['error']).toMatch(/config\.argv/);
    const badTimeout = await run({ argv: ['true'], timeoutMs: -5 }, ctx);
    expect(badTimeout.verdict).toBe('error');
    expect(badTimeout.evidence['error']).toMatch(/config\.timeoutMs/);
    const empty = await run({ argv: [] }, ctx);
    expect(empty.evidence['error']).toMatch(/config\.argv: must name the program/);
  });

  it('refuses a cwd outside the workspace', async () => {
    const r = await run({ argv: ['pwd'], cwd: '../..' }, makeContext(await makeWorkspace()));
    expect(r.verdict).toBe('error');
    expect(r.evidence['error']).toContain('outside the workspace');
  });

  it('is an error when aborted through the context signal', async () => {
    const controller = new AbortController();
    const ctx = makeContext(await makeWorkspace(), { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const r = await run({ argv: ['node', '-e', 'setTimeout(() => {}, 60000)'] }, ctx);
    expect(r.verdict).toBe('error');
    expect(r.evidence['error']).toContain('aborted');
  });
});
