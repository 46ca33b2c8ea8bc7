import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { policyDenial, ProposalOverlay, readOnlyCommandDenial, runTool, STANDARD_TOOLS, type ToolEnv } from '../../../src/executor/agent/tools.js';

const tool = (name: string) => STANDARD_TOOLS.find((t) => t.name === name)!;
function env(mode: ToolEnv['mode'] = 'autonomous'): ToolEnv {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-tools-')));
  return { root, mode, signal: new AbortController().signal, ...(mode === 'propose' ? { overlay: new ProposalOverlay() } : {}) };
}

describe('agent tools', () => {
  it('edit_file fails unless the search text occurs exactly once', async () => {
    const e = env();
    fs.writeFileSync(path.join(e.root, 'f.txt'), 'x = 1\nx = 1\ny = 2\n');
    const twice = await runTool(tool('edit_file'), { path: 'f.txt', search: 'x = 1', replace: 'x = 3' }, e);
    expect(twice).toMatchObject({ isError: true, output: expect.stringContaining('more than once') as unknown });
    const missing = await runTool(tool('edit_file'), { path: 'f.txt', search: 'z = 9', replace: '' }, e);
    expect(missing).toMatchObject({ isError: true, output: expect.stringContaining('not found') as unknown });
    const once = await runTool(tool('edit_file'), { path: 'f.txt', search: 'y = 2', replace: 'y = 5' }, e);
    expect(once.isError).toBe(false);
    expect(fs.readFileSync(path.join(e.root, 'f.txt'), 'utf8')).toBe('x = 1\nx = 1\ny = 5\n');
  });

  it('search_files finds regex matches with path and line', async () => {
    const e = env();
    fs.mkdirSync(path.join(e.root, 'src'));
    fs.writeFileSync(path.join(e.root, 'src', 'a.ts'), 'const a = 1;\nfunction foo() {}\n');
    const r = await runTool(tool('search_files'), { pattern: 'fun\\w+ foo' }, e);
    expect(r.output).toBe('src/a.ts:2:function foo() {}');
  });

  it("the spec's allowedPaths and forbiddenPatterns deny writes and commands, with the reason", async () => {
    const e: ToolEnv = { ...env(), allowedPaths: ['src/**'], forbiddenPatterns: [/eval\(/, /rm -rf/] };
    const outside = await runTool(tool('write_file'), { path: 'README.md', content: 'x' }, e);
    expect(outside).toMatchObject({ isError: true, denied: { reason: expect.stringContaining('allows writes only to src/**') as unknown } });
    expect(fs.existsSync(path.join(e.root, 'README.md'))).toBe(false);
    const evil = await runTool(tool('write_file'), { path: 'src/a.js', content: 'eval(input)' }, e);
    expect(evil).toMatchObject({ isError: true, denied: { reason: expect.stringContaining('/eval\\(/') as unknown } });
    expect(fs.existsSync(path.join(e.root, 'src', 'a.js'))).toBe(false);
    const fine = await runTool(tool('write_file'), { path: 'src/a.js', content: 'ok()' }, e);
    expect(fine.isError).toBe(false);
    const edited = await runTool(tool('edit_file'), { path: 'src/a.js', search: 'ok()', replace: 'eval(x)' }, e);
    expect(edited).toMatchObject({ isError: true, denied: {} });
    expect(fs.readFileSync(path.join(e.root, 'src', 'a.js'), 'utf8')).toBe('ok()');
    const command = await runTool(tool('run_command'), { argv: ['sh', '-c', 'rm -rf src'] }, e);
    expect(command).toMatchObject({ isError: true, denied: { reason: expect.stringContaining('forbidden pattern /rm -rf/') as unknown } });
    expect(fs.existsSync(path.join(e.root, 'src', 'a.js'))).toBe(true);
  });

  it('invalid arguments are a tool error, not a crash', async () => {
    const r = await runTool(tool('read_file'), { nope: 1 }, env());
    expect(r).toMatchObject({ isError: true, output: expect.stringContaining('invalid arguments for read_file') as unknown });
  });

  it('the propose-mode command allow-list refuses writes', () => {
    expect(readOnlyCommandDenial(['git', 'status'])).toBeNull();
    expect(readOnlyCommandDenial(['grep', '-rn', 'x', '.'])).toBeNull();
    expect(readOnlyCommandDenial(['git', 'commit', '-m', 'x'])).toContain('git commit');
    expect(readOnlyCommandDenial(['git', 'diff', '--output=x'])).toContain('--output');
    expect(readOnlyCommandDenial(['find', '.', '-delete'])).toContain('-delete');
    expect(readOnlyCommandDenial(['rm', '-rf', '.'])).toContain("'rm'");
  });

  it('policy: observe allows reads and finish only; allowedTools restricts', () => {
    expect(policyDenial(tool('read_file'), 'observe', undefined)).toBeNull();
    expect(policyDenial(tool('run_command'), 'observe', undefined)).toContain('observe mode');
    expect(policyDenial(tool('write_file'), 'autonomous', ['read_file'])).toContain('allowed tools');
    expect(policyDenial(tool('finish'), 'observe', [])).toBeNull();
  });
});
