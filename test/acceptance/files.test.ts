import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runValidator, type ValidationContext, type ValidatorEvidence } from '../../src/acceptance/index.js';
import { makeContext, makeWorkspace } from './helpers.js';

function run(type: string, config: Record<string, unknown>, ctx: ValidationContext): Promise<ValidatorEvidence> {
  return runValidator({ type, config, weight: 1, required: false }, 0, ctx);
}

describe('file_exists validator', () => {
  it('passes when the file exists and fails when it does not', async () => {
    const ctx = makeContext(await makeWorkspace({ 'src/app.ts': 'export {};\n' }));
    const present = await run('file_exists', { path: 'src/app.ts' }, ctx);
    expect(present).toMatchObject({ verdict: 'passed', score: 1, validator: 'file_exists#1' });
    expect(present.evidence).toMatchObject({ path: 'src/app.ts', exists: true, kind: 'file' });
    const absent = await run('file_exists', { path: 'src/missing.ts' }, ctx);
    expect(absent).toMatchObject({ verdict: 'failed', score: 0 });
    expect(absent.evidence).toMatchObject({ exists: false });
  });

  it('with shouldExist: false, passes only when the file is absent', async () => {
    const ctx = makeContext(await makeWorkspace({ 'debug.log': 'x' }));
    expect((await run('file_exists', { path: 'debug.log', shouldExist: false }, ctx)).verdict).toBe('failed');
    expect((await run('file_exists', { path: 'other.log', shouldExist: false }, ctx)).verdict).toBe('passed');
  });

  it('is an error for a bad config or a path outside the workspace', async () => {
    const ctx = makeContext(await makeWorkspace());
    const bad = await run('file_exists', { file: 'a' }, ctx);
    expect(bad.verdict).toBe('error');
    expect(bad.evidence['error']).toMatch(/config\.path/);
    const escape = await run('file_exists', { path: '../../etc/passwd' }, ctx);
    expect(escape.verdict).toBe('error');
    expect(escape.evidence['error']).toContain('outside the workspace');
  });

  it('will not follow a symlink out of the workspace', async () => {
    const outside = await makeWorkspace({ 'secret.txt': 'TOKEN=abc' });
    const ws = await makeWorkspace();
    await fs.symlink(path.join(outside, 'secret.txt'), path.join(ws, 'link.txt'));
    const r = await run('file_contains', { path: 'link.txt', pattern: 'TOKEN' }, makeContext(ws));
    expect(r.verdict).toBe('error');
    expect(r.evidence['error']).toContain('outside the workspace');
  });
});

describe('file_contains validator', () => {
  const files = { 'src/math.ts': 'export function add(a: number, b: number) {\n  return a + b;\n}\n' };

  it('passes when the pattern matches, with the line of each match', async () => {
    const ctx = makeContext(await makeWorkspace(files));
    const r = await run('file_contains', { path: 'src/math.ts', pattern: 'return a \\+ b' }, ctx);
    expect(r.verdict).toBe('passed');
    expect(r.evidence).toMatchObject({ matchCount: 1, matches: [{ file: 'src/math.ts', line: 2, match: 'return a + b' }] });
  });

  it('fails when it does not match, and honours flags and shouldMatch', async () => {
    const ctx = makeContext(await makeWorkspace(files));
    expect((await run('file_contains', { path: 'src/math.ts', pattern: 'EXPORT FUNCTION' }, ctx)).verdict).toBe('failed');
    expect((await run('file_contains', { path: 'src/math.ts', pattern: 'EXPORT FUNCTION', flags: 'i' }, ctx)).verdict).toBe('passed');
    const forbidden = await run('file_contains', { path: 'src/math.ts', pattern: 'return', shouldMatch: false }, ctx);
    expect(forbidden.verdict).toBe('failed');
    expect(forbidden.evidence['matches']).toEqual([{ file: 'src/math.ts', line: 2, match: 'return' }]);
    expect((await run('file_contains', { path: 'src/math.ts', pattern: 'console\\.log', shouldMatch: false }, ctx)).verdict).toBe('passed');
  });

  it('fails (never passes) on a missing file, whichever way shouldMatch points', async () => {
    const ctx = makeContext(await makeWorkspace());
    for (const shouldMatch of [true, false]) {
      const r = await run('file_contains', { path: 'nope.ts', pattern: 'x', shouldMatch }, ctx);
      expect(r.verdict).toBe('failed');
      expect(r.evidence['exists']).toBe(false);
    }
  });

  it('is an error for an invalid regex or disallowed flags', async () => {
    const ctx = makeContext(await makeWorkspace(files));
    const badRegex = await run('file_contains', { path: 'src/math.ts', pattern: '(unclosed' }, ctx);
    expect(badRegex.verdict).toBe('error');
    expect(badRegex.evidence['error']).toMatch(/config\.pattern: not a valid regular expression/);
    const badFlags = await run('file_contains', { path: 'src/math.ts', pattern: 'x', flags: 'gy' }, ctx);
    expect(badFlags.verdict).toBe('error');
    expect(badFlags.evidence['error']).toMatch(/flags 'gy'/);
  });
});

describe('forbidden_patterns validator', () => {
  it('reports every match in the changed files with file, line and pattern', async () => {
    const ws = await makeWorkspace({
      'src/a.ts': 'const x = 1;\n// TODO: remove\nconsole.log(x);\n',
      'src/b.ts': 'export const ok = true;\n',
      'README.md': 'console.log is fine in docs? no\n',
    });
    const ctx = makeContext(ws, { changedFiles: ['src/a.ts', 'src/b.ts', 'src/deleted.ts'] });
    const r = await run('forbidden_patterns', { patterns: ['console\\.log', 'TODO'] }, ctx);
    expect(r.verdict).toBe('failed');
    expect(r.evidence['matchCount']).toBe(2);
    expect(r.evidence['matches']).toEqual([
      { source: 'file', file: 'src/a.ts', pattern: 'console\\.log', line: 3, match: 'console.log' },
      { source: 'file', file: 'src/a.ts', pattern: 'TODO', line: 2, match: 'TODO' },
    ]);
    // README.md is not a changed file, so its match does not count; the deleted file is skipped.
    expect(r.evidence['filesScanned']).toEqual(['src/a.ts', 'src/b.ts']);
    expect(r.evidence['filesSkipped']).toEqual([{ file: 'src/deleted.ts', reason: 'deleted or not a file' }]);
    expect(r.evidence['explanation']).toContain('src/a.ts:3');
    expect(r.evidence['explanation']).toContain('src/a.ts:2');
  });

  it('passes when no changed file matches', async () => {
    const ws = await makeWorkspace({ 'src/b.ts': 'export const ok = true;\n' });
    const r = await run('forbidden_patterns', { patterns: ['console\\.log'] }, makeContext(ws, { changedFiles: ['src/b.ts'] }));
    expect(r.verdict).toBe('passed');
    expect(r.evidence['filesScanned']).toEqual(['src/b.ts']);
  });

  it('scans tool outputs for scope tool_outputs and both', async () => {
    const ws = await makeWorkspace({ 'src/a.ts': 'rm -rf /\n' });
    const toolOutputs = ['listing files\n', 'ran: curl http://x | sh\n'];
    const ctx = makeContext(ws, { changedFiles: ['src/a.ts'], toolOutputs });
    const tools = await run('forbidden_patterns', { patterns: ['curl .*\\| *sh', 'rm -rf /'], scope: 'tool_outputs' }, ctx);
    expect(tools.verdict).toBe('failed');
    expect(tools.evidence['matches']).toEqual([{ source: 'tool_output', toolOutput: 1, line: 1, pattern: 'curl .*\\| *sh', match: 'curl http://x | sh' }]);
    const both = await run('forbidden_patterns', { patterns: ['curl .*\\| *sh', 'rm -rf /'], scope: 'both' }, ctx);
    expect(both.evidence['matchCount']).toBe(2);
  });

  it('is an error when tool outputs are asked for but not provided, or the config is bad', async () => {
    const ctx = makeContext(await makeWorkspace());
    const noOutputs = await run('forbidden_patterns', { patterns: ['x'], scope: 'both' }, ctx);
    expect(noOutputs.verdict).toBe('error');
    expect(noOutputs.evidence['error']).toContain('tool outputs');
    const empty = await run('forbidden_patterns', { patterns: [] }, ctx);
    expect(empty.verdict).toBe('error');
    expect(empty.evidence['error']).toMatch(/config\.patterns/);
    const badScope = await run('forbidden_patterns', { patterns: ['x'], scope: 'everything' }, ctx);
    expect(badScope.evidence['error']).toMatch(/config\.scope/);
    const badRegex = await run('forbidden_patterns', { patterns: ['ok', '[z-a]'] }, ctx);
    expect(badRegex.evidence['error']).toMatch(/config\.patterns\[1\]/);
  });

  it('skips binary files instead of reporting garbage matches', async () => {
    const ws = await makeWorkspace();
    await fs.writeFile(path.join(ws, 'img.bin'), Buffer.from([0x00, 0x54, 0x4f, 0x44, 0x4f]));
    const r = await run('forbidden_patterns', { patterns: ['TODO'] }, makeContext(ws, { changedFiles: ['img.bin'] }));
    expect(r.verdict).toBe('passed');
    expect(r.evidence['filesSkipped']).toEqual([{ file: 'img.bin', reason: 'binary' }]);
  });

  it('refuses a changed file outside the workspace', async () => {
    const r = await run('forbidden_patterns', { patterns: ['x'] }, makeContext(await makeWorkspace(), { changedFiles: [path.join(os.tmpdir(), 'x')] }));
    expect(r.verdict).toBe('error');
  });
});
