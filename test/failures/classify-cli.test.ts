import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerClassifyCommand, type ClassifyIo } from '../../src/cli/commands/classify.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CORPUS_DIR = resolve(REPO_ROOT, '../shared/corpus/failures');

function corpusFile(stem: string): string {
  const file = resolve(CORPUS_DIR, `${stem}.log`);
  if (!existsSync(file)) throw new Error(`corpus sample not found at ${file}: clone shared/ beside the repository`);
  return file;
}

interface Run {
  stdout: string;
  stderr: string;
  exitCode: number | undefined;
}

/** Drives `classify` through commander in-process, capturing both streams and the exit code. */
async function run(args: string[], stdin?: string): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: ClassifyIo = {
    stdout: (s) => {
      stdout += s.endsWith('\n') ? s : `${s}\n`;
    },
    stderr: (s) => {
      stderr += s.endsWith('\n') ? s : `${s}\n`;
    },
    ...(stdin === undefined ? {} : { stdin: () => Promise.resolve(stdin) }),
  };
  const program = new Command('gaffer').exitOverride();
  registerClassifyCommand(program, io);
  await program.parseAsync(['classify', ...args], { from: 'user' });
  const code = process.exitCode;
  return { stdout, stderr, exitCode: typeof code === 'number' ? code : undefined };
}

describe('gaffer classify', () => {
  let saved: typeof process.exitCode;
  beforeEach(() => {
    saved = process.exitCode;
    process.exitCode = undefined;
  });
  afterEach(() => {
    process.exitCode = saved;
  });

  it('--json prints exactly one JSON object with the verdict and context', async () => {
    const r = await run([corpusFile('tsc-type-mismatch-02'), '--json', '--command', 'npx tsc -p tsconfig.json', '--exit-code', '2']);
    expect(r.exitCode).toBeUndefined();
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0] ?? '') as { failureClass: string; confidence: number; context: Record<string, unknown> };
    expect(Object.keys(parsed).sort()).toEqual(['confidence', 'context', 'failureClass']);
    expect(parsed.failureClass).toBe('compile_error');
    expect(parsed.context).toMatchObject({ file: 'src/invoice.ts', line: 11, column: 5, errorCodes: ['TS2322'], exitCode: 2, command: 'npx tsc -p tsconfig.json' });
  });

  it('prints a human summary by default', async () => {
    const r = await run([corpusFile('vitest-assert-01')]);
    expect(r.exitCode).toBeUndefined();
    expect(r.stdout).toMatch(/^class:\s+test_fail \(confidence 0\.\d\d\)$/m);
    expect(r.stdout).toMatch(/^location:\s+test\/cart\.test\.js:13:27$/m);
    expect(r.stdout).toMatch(/^failing tests:\s+cart > accumulates quantity for an existing sku; cart > never lets/m);
    expect(r.stdout).toMatch(/^summary:\s+Tests {2}2 failed \| 2 passed \(4\)$/m);
  });

  it('shows the missing module and program', async () => {
    expect((await run([corpusFile('tsc-bare-package-07')])).stdout).toMatch(/^missing module:\s+lodash-es$/m);
    expect((await run([corpusFile('command-not-found-05'), '--exit-code', '127'])).stdout).toMatch(/^missing program:\s+pnpm$/m);
  });

  it("reads stdin for '-' and when no file is given", async () => {
    const log = 'bash: line 1: pnpm: command not found\n';
    const dash = await run(['-', '--json', '--exit-code', '127'], log);
    expect((JSON.parse(dash.stdout) as { failureClass: string }).failureClass).toBe('dependency_missing');
    const none = await run(['--json'], "ModuleNotFoundError: No module named 'httpx'\n");
    expect((JSON.parse(none.stdout) as { context: { missingModule: string } }).context.missingModule).toBe('httpx');
  });

  it('uses --exit-code, --command and --stage as evidence', async () => {
    const r = await run(['-', '--json', '--exit-code', '124', '--command', 'timeout 8 npx vitest run', '--stage', 'test'], ' RUN  v3.2.7 /app\n');
    expect((JSON.parse(r.stdout) as { failureClass: string }).failureClass).toBe('timeout');
  });

  it('exits 2 with a message for a bad --exit-code', async () => {
    const r = await run([corpusFile('tsc-type-mismatch-02'), '--exit-code', 'twelve']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--exit-code must be an integer, got "twelve"');
  });

  it('applies your own rules from --rules (YAML or JSON), and refuses a bad rule naming its field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gaffer-rules-'));
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, '- pattern: QUOTA_GONE\n  class: resource_exhausted\n  precedence: 1\n  name: our deploy quota\n');
    const r = await run(['-', '--rules', rules, '--json'], 'deploying...\nerror: QUOTA_GONE for project acme\n');
    expect(r.exitCode).toBeUndefined();
    expect(JSON.parse(r.stdout)).toMatchObject({ failureClass: 'resource_exhausted' });
    const without = await run(['-', '--json'], 'deploying...\nerror: QUOTA_GONE for project acme\n');
    expect(JSON.parse(without.stdout).failureClass).not.toBe('resource_exhausted');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ pattern: '(', class: 'test_fail' }]));
    const refused = await run(['-', '--rules', bad], 'x');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('classifierRules[0].pattern: invalid regular expression');
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 1 with a clear message for an unreadable file', async () => {
    const missing = resolve(CORPUS_DIR, 'no-such-sample.log');
    const r = await run([missing]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`cannot read ${missing} (ENOENT)`);
  });
});
