import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classifyFailure, explainFailure, scanGate } from '../../src/failures/classifier.js';
import { findErrorCodes } from '../../src/failures/codes.js';
import { findLocation } from '../../src/failures/context.js';
import { evaluateClassifier, loadLabelledSamples, type LabelledSample } from '../../src/failures/evaluate.js';
import { needlesOf } from '../../src/failures/gate.js';
import { findMissingModules, findMissingPrograms } from '../../src/failures/modules.js';
import { BUILTIN_RULES, runTextRules } from '../../src/failures/rules.js';
import { findFailingTests } from '../../src/failures/tests.js';
import { analyseCommand } from '../../src/failures/command.js';
import { FULL_SCAN_MAX_CHARS, normaliseNewlines, prepareText, stripAnsi } from '../../src/failures/text.js';
import { REALISTIC_CASES } from './realistic-outputs.js';

/** CI clones the repository with shared/ beside it: resolve from the repo root, never absolutely. */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CORPUS_DIR = resolve(REPO_ROOT, '../shared/corpus/failures');
const MIN_CORPUS_ACCURACY = 0.95;

function corpus(): LabelledSample[] {
  if (!existsSync(CORPUS_DIR)) {
    throw new Error(`failure corpus not found at ${CORPUS_DIR}: clone shared/ beside the repository (it is never optional)`);
  }
  return loadLabelledSamples(CORPUS_DIR);
}

function sample(stem: string): LabelledSample {
  const s = corpus().find((x) => x.stem === stem);
  if (s === undefined) throw new Error(`corpus sample ${stem} is missing from ${CORPUS_DIR}`);
  return s;
}

function classifySample(stem: string): ReturnType<typeof classifyFailure> {
  const s = sample(stem);
  return classifyFailure({ command: s.command, exitCode: s.exitCode, stdout: s.log });
}

describe('corpus accuracy', () => {
  it(`classifies at least ${MIN_CORPUS_ACCURACY * 100}% of every labelled sample correctly`, () => {
    const samples = corpus();
    expect(samples.length).toBeGreaterThan(0);
    const result = evaluateClassifier(samples);
    const misses = result.misses.map((m) => `${m.stem}: expected ${m.expected}, got ${m.got} (${m.confidence}) — ${m.summary}`);
    expect(result.accuracy, `accuracy ${(result.accuracy * 100).toFixed(1)}% (${result.correct}/${result.total}); misclassified:\n${misses.join('\n')}`).toBeGreaterThanOrEqual(MIN_CORPUS_ACCURACY);
  });

  it('gives every verdict a confidence in 0..1', () => {
    for (const s of corpus()) {
      const { confidence } = classifyFailure({ command: s.command, exitCode: s.exitCode, stdout: s.log });
      expect(confidence, s.stem).toBeGreaterThanOrEqual(0);
      expect(confidence, s.stem).toBeLessThanOrEqual(1);
    }
  });
});

describe('tool outputs outside the corpus', () => {
  for (const c of REALISTIC_CASES) {
    it(c.name, () => {
      expect(classifyFailure(c.input).failureClass).toBe(c.want);
    });
  }
});

describe('judgment rules', () => {
  it('a build that prints lint warnings and then fails to compile is compile_error', () => {
    const stdout = [
      '> web@1.0.0 build',
      '> eslint src && tsc -p .',
      '',
      '/app/src/util.ts',
      "  4:10  warning  'unused' is defined but never used  @typescript-eslint/no-unused-vars",
      '',
      '✖ 1 problem (0 errors, 1 warning)',
      '',
      "src/util.ts(12,3): error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.",
    ].join('\n');
    const r = classifyFailure({ command: 'npm run build', exitCode: 2, stdout });
    expect(r.failureClass).toBe('compile_error');
    expect(r.context.errorCodes).toContain('TS2345');
    expect(r.context).toMatchObject({ file: 'src/util.ts', line: 12, column: 3 });
  });

  it('a cargo build with warnings and then a type error is compile_error', () => {
    const stderr =
      'warning: unused variable: `x`\n --> src/main.rs:2:9\n  |\n2 |     let x = 5;\n  |         ^ help: if this is intentional, prefix it with an underscore: `_x`\n  |\n  = note: `#[warn(unused_variables)]` on by default\n\n' +
      'error[E0308]: mismatched types\n --> src/main.rs:3:18\n  |\n3 |     let y: u32 = "a";\n  |            ---   ^^^ expected `u32`, found `&str`\n\n' +
      'error: could not compile `app` (bin "app") due to 1 previous error; 1 warning emitted\n';
    expect(classifyFailure({ command: 'cargo build', exitCode: 101, stderr }).failureClass).toBe('compile_error');
  });

  it('a failing test run that mentions "timeout" in a deprecation warning is test_fail', () => {
    const stdout = [
      '> api@1.0.0 test',
      '> jest',
      '',
      '(node:48213) [DEP0040] DeprecationWarning: The `punycode` module is deprecated.',
      '(node:48213) Warning: the `timeout` option is deprecated; use `testTimeout` instead',
      'FAIL src/math.test.js',
      '  ● sum › adds two numbers',
      '',
      '    expect(received).toBe(expected) // Object.is equality',
      '',
      '    Expected: 3',
      '    Received: 4',
      '',
      '      at Object.toBe (src/math.test.js:4:19)',
      '',
      'Test Suites: 1 failed, 1 total',
      'Tests:       1 failed, 1 total',
    ].join('\n');
    const r = classifyFailure({ command: 'npm test', exitCode: 1, stdout });
    expect(r.failureClass).toBe('test_fail');
    expect(r.context.failingTests).toEqual(['sum › adds two numbers']);
  });

  it('a test exceeding its own per-test timeout in a completed run is test_fail', () => {
    expect(classifySample('vitest-per-test-timeout-07').failureClass).toBe('test_fail');
  });

  it('a run killed by `timeout` is timeout whatever it printed', () => {
    const stdout = [
      "src/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.",
      ' FAIL  test/a.test.ts > a > works',
      'Error: Test timed out in 5000ms.',
      '      Tests  1 failed | 3 passed (4)',
    ].join('\n');
    const r = classifyFailure({ command: 'timeout 300 npm test', exitCode: 124, stdout });
    expect(r.failureClass).toBe('timeout');
    expect(r.confidence).toBeGreaterThan(0.9);
    expect(r.context.summary).toContain('timeout 300 npm test');
  });

  it('a run stopped by `timeout --preserve-status` (SIGTERM) is timeout', () => {
    const r = classifyFailure({ command: 'timeout --preserve-status 60 make test', signal: 'SIGTERM', exitCode: null, stdout: 'running 12 tests\n' });
    expect(r.failureClass).toBe('timeout');
    expect(r.context.signal).toBe('SIGTERM');
  });

  it('exit 124 means timeout even without a visible wrapper', () => {
    expect(classifyFailure({ command: 'npm run e2e', exitCode: 124, stdout: 'waiting for server...\n' }).failureClass).toBe('timeout');
  });

  it('exit 127 means a command was not found', () => {
    const r = classifyFailure({ command: 'npm run build', exitCode: 127, stderr: '\n> app@1.0.0 build\n> tsc -p .\n\nsh: 1: tsc: not found\n' });
    expect(r.failureClass).toBe('dependency_missing');
    expect(r.context.missingProgram).toBe('tsc');
    expect(classifyFailure({ command: './run.sh', exitCode: 127 }).failureClass).toBe('dependency_missing');
  });

  it('exit 137 (SIGKILL) with no other cause is resource_exhausted', () => {
    expect(classifyFailure({ command: 'node build-index.js', exitCode: 137, stdout: 'indexing 1200000 documents\n' }).failureClass).toBe('resource_exhausted');
    expect(classifyFailure({ command: 'node build-index.js', exitCode: null, signal: 'SIGKILL' }).failureClass).toBe('resource_exhausted');
  });

  it('exit 137 under `timeout -s KILL` is timeout, not out of memory', () => {
    expect(classifyFailure({ command: 'timeout -s KILL 30 ./soak', exitCode: 137 }).failureClass).toBe('timeout');
  });

  it('a missing relative import is compile_error and a missing bare package is dependency_missing', () => {
    expect(classifySample('tsc-relative-import-03').failureClass).toBe('compile_error');
    expect(classifySample('node-relative-require-09').failureClass).toBe('compile_error');
    expect(classifySample('tsc-bare-package-07').failureClass).toBe('dependency_missing');
    expect(classifySample('node-require-bare-01').failureClass).toBe('dependency_missing');
    expect(classifySample('python-modulenotfound-03').failureClass).toBe('dependency_missing');
  });

  it("a missing module inside the project's own Python package is compile_error", () => {
    const stderr =
      'Traceback (most recent call last):\n  File "/srv/shop/app/main.py", line 1, in <module>\n    from app.views import index\n  File "/srv/shop/app/views.py", line 2, in <module>\n    from app.utlis import slugify\n' +
      "ModuleNotFoundError: No module named 'app.utlis'\n";
    const r = classifyFailure({ command: 'python3 -m app.main', exitCode: 1, stderr });
    expect(r.failureClass).toBe('compile_error');
    expect(r.context.missingModule).toBe('app.utlis');
  });

  it('an unresolved crate:: path is compile_error; an unlinked crate is dependency_missing', () => {
    const local =
      'error[E0432]: unresolved import `crate::utlis`\n --> src/main.rs:1:12\n  |\n1 | use crate::utlis::slugify;\n  |            ^^^^^ could not find `utlis` in the crate root\n\n' +
      "For more information about this error, try `rustc --explain E0432`.\nerror: could not compile `app` (bin \"app\") due to 1 previous error\n";
    const r = classifyFailure({ command: 'cargo build', exitCode: 101, stderr: local });
    expect(r.failureClass).toBe('compile_error');
    expect(r.context.missingModule).toBe('crate::utlis');
    expect(classifySample('cargo-unlinked-crate-06').failureClass).toBe('dependency_missing');
  });

  it('"git … timed out" is orchestration_error, not timeout', () => {
    const stderr = "fatal: unable to access 'https://github.com/acme/app.git/': Failed to connect to github.com port 443 after 130041 ms: Connection timed out\n";
    const r = classifyFailure({ command: 'git fetch origin', exitCode: 128, stderr });
    expect(r.failureClass).toBe('orchestration_error');
    const ssh = 'ssh: connect to host github.com port 22: Connection timed out\nfatal: Could not read from remote repository.\n';
    expect(classifyFailure({ command: 'git push origin main', exitCode: 128, stderr: ssh }).failureClass).toBe('orchestration_error');
  });

  it('the word "dependency" alone is not dependency_missing', () => {
    const stdout = "Checking dependency graph...\nwarning: 3 packages have a dependency on deprecated 'request'\nError: deploy script exited with status 1\n";
    const r = classifyFailure({ command: './deploy.sh', exitCode: 1, stdout });
    expect(r.failureClass).not.toBe('dependency_missing');
    expect(r.failureClass).toBe('unknown');
  });

  it('falls back to unknown when nothing reaches reasonable confidence', () => {
    const silent = classifyFailure({ command: './postbuild.sh', exitCode: 3 });
    expect(silent.failureClass).toBe('unknown');
    expect(silent.context.summary).toBe('exited with code 3 and printed nothing');
    expect(classifySample('python-keyerror-05').failureClass).toBe('unknown');
  });
});

describe('ANSI, CRLF and long logs', () => {
  const coloured =
    '\x1b[96msrc/index.ts\x1b[0m:\x1b[93m3\x1b[0m:\x1b[93m7\x1b[0m - \x1b[91merror\x1b[0m\x1b[90m TS2322: \x1b[0mType \'string\' is not assignable to type \'number\'.\r\n\r\n' +
    '\x1b[7m3\x1b[0m const x: number = "a";\r\n\x1b[7m \x1b[0m \x1b[91m      ~\x1b[0m\r\n\r\nFound 1 error in src/index.ts\x1b[90m:3\x1b[0m\r\n';

  it('strips colour codes and CRLF before classifying and extracting', () => {
    const r = classifyFailure({ command: 'npx tsc -p . --pretty', exitCode: 2, stdout: coloured });
    expect(r.failureClass).toBe('compile_error');
    expect(r.context).toMatchObject({ file: 'src/index.ts', line: 3, column: 7 });
    expect(r.context.errorCodes).toEqual(['TS2322']);
    expect(r.context.summary).not.toContain('\x1b');
    expect(r.context.summary).not.toContain('\r');
  });

  it('stripAnsi and normaliseNewlines remove escapes and carriage returns only', () => {
    expect(stripAnsi('\x1b[1;31mFAIL\x1b[0m \x1b]8;;https://x.dev\x07link\x1b]8;;\x07')).toBe('FAIL link');
    expect(normaliseNewlines('a\r\nb\rc\n')).toBe('a\nb\nc\n');
  });

  it('classifies a 20 MB log by its tail', () => {
    const noise = ' ✓ test/unit/format.test.ts > formats dates 3ms\n2026-11-22T03:05:13.120Z INFO  http: GET /api/items 200 1.2ms\n[info] retrying request after error (attempt 1)\n';
    const tail = "src/report.ts(6,26): error TS2551: Property 'customer' does not exist on type 'Order'. Did you mean 'customerId'?\n";
    const log = noise.repeat(Math.ceil((20 * 1024 * 1024) / noise.length)) + tail;
    expect(log.length).toBeGreaterThan(20 * 1024 * 1024);
    const started = performance.now();
    const r = explainFailure({ command: 'npm run build', exitCode: 2, stdout: log });
    const elapsedMs = performance.now() - started;
    expect(r.windowed).toBe(true);
    expect(r.failureClass).toBe('compile_error');
    expect(r.context).toMatchObject({ file: 'src/report.ts', line: 6, column: 26 });
    expect(r.context.errorCodes).toContain('TS2551');
    // Windowing keeps the work bounded: 20 MB at 50 MB/s is 400 ms; allow for slow CI machines.
    expect(elapsedMs).toBeLessThan(2000);
  });

  it('finds an error-dense region in the middle of a long log', () => {
    const quiet = 'compiled module ok\n'.repeat(40_000);
    const middle = "src/pay.ts(9,3): error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.\n";
    const r = classifyFailure({ command: 'npm run build', exitCode: 2, stdout: quiet + middle + quiet });
    expect(quiet.length * 2).toBeGreaterThan(FULL_SCAN_MAX_CHARS);
    expect(r.failureClass).toBe('compile_error');
    expect(r.context.file).toBe('src/pay.ts');
  });

  it('stays fast on one huge line full of rule needles (no quadratic regex)', () => {
    // Each "- error: " starts a candidate for a `- error: [^\n]*(report...)` rule; before long lines
    // were split this took 6.5 s for 400 KB.
    const started = performance.now();
    const r = classifyFailure({ exitCode: 1, stdout: '- error: '.repeat(44_000) });
    expect(r.failureClass).toBe('unknown');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('keeps head and tail of a windowed log and bounds its size', () => {
    const raw = `HEAD-MARKER\n${'x'.repeat(3 * FULL_SCAN_MAX_CHARS)}\nTAIL-MARKER\n`;
    const prepared = prepareText(raw);
    expect(prepared.windowed).toBe(true);
    expect(prepared.text.startsWith('HEAD-MARKER')).toBe(true);
    expect(prepared.text.trimEnd().endsWith('TAIL-MARKER')).toBe(true);
    expect(prepared.text.length).toBeLessThan(FULL_SCAN_MAX_CHARS);
  });
});

describe('context extraction', () => {
  it('file, line and column for tsc and rustc', () => {
    expect(classifySample('tsc-type-mismatch-02').context).toMatchObject({ file: 'src/invoice.ts', line: 11, column: 5 });
    expect(classifySample('cargo-mismatched-types-05').context).toMatchObject({ file: 'src/lib.rs', line: 13, column: 41 });
    expect(findLocation('error[E0425]: cannot find value `totl` in this scope\n --> src/main.rs:4:20\n')).toEqual({ file: 'src/main.rs', line: 4, column: 20 });
  });

  it('error codes in order of first appearance', () => {
    expect(classifySample('tsc-missing-prop-01').context.errorCodes).toEqual(['TS2551', 'TS2339']);
    expect(classifySample('cargo-unlinked-crate-06').context.errorCodes).toEqual(['E0432', 'E0433']);
    expect(findErrorCodes('error[E0425]: cannot find value `x`\nsrc/a.ts(1,1): error TS2322: no\n').map((c) => c.code)).toEqual(['E0425', 'TS2322']);
  });

  it('failing test names for vitest, jest and pytest', () => {
    expect(classifySample('vitest-assert-01').context.failingTests).toEqual(['cart > accumulates quantity for an existing sku', 'cart > never lets a fixed coupon make the total negative']);
    expect(classifySample('jest-assert-02').context.failingTests).toEqual(['slugify › strips accents to ascii', 'slugify › collapses repeated dashes']);
    expect(classifySample('pytest-assert-04').context.failingTests).toEqual(['tests/test_money.py::test_split_sums_to_total']);
    expect(classifySample('go-test-06').context.failingTests).toEqual(['TestWrapCountsSpaces']);
    expect(findFailingTests(REALISTIC_CASES.find((c) => c.name === 'mocha failing test')?.input.stdout ?? '').map((t) => t.name)).toEqual(['Array #indexOf() should return -1 when the value is not present']);
  });

  it('missing module and missing program', () => {
    expect(classifySample('tsc-bare-package-07').context.missingModule).toBe('lodash-es');
    expect(classifySample('npm-install-404-04').context.missingModule).toBe('left-pad-utils-corpus-nonexistent');
    expect(classifySample('go-missing-module-08').context.missingModule).toBe('github.com/spf13/cobra');
    expect(classifySample('command-not-found-05').context.missingProgram).toBe('pnpm');
    expect(findMissingPrograms("Error: spawn docker ENOENT\n").map((p) => p.name)).toEqual(['docker']);
    expect(findMissingModules("Module not found: Error: Can't resolve './utlis' in '/app/src'\n")).toMatchObject([{ name: './utlis', local: true }]);
  });

  it('command, exit code and a one-line summary', () => {
    const r = classifySample('pytest-assert-04');
    expect(r.context.command).toBe('python3 -m pytest -q');
    expect(r.context.exitCode).toBe(1);
    expect(r.context.summary).toBe('1 failed, 3 passed in 0.50s');
    expect(r.context.summary).not.toContain('\n');
  });
});

describe('user rules', () => {
  const tscLog = sample('tsc-type-mismatch-02');
  const input = { command: tscLog.command, exitCode: tscLog.exitCode, stdout: tscLog.log };

  it('a rule with precedence above 0 wins over built-in evidence', () => {
    const r = classifyFailure(input, { rules: [{ pattern: 'src/invoice\\.ts', class: 'contract_violation', precedence: 1, name: 'invoice is frozen' }] });
    expect(r.failureClass).toBe('contract_violation');
    expect(r.context.summary).toContain('src/invoice.ts');
  });

  it('the highest precedence wins among matching rules, then the earlier rule', () => {
    const rules = [
      { pattern: 'TS2322', class: 'lint_error' as const, precedence: 1 },
      { pattern: 'TS2322', class: 'contract_violation' as const, precedence: 5 },
      { pattern: 'TS2322', class: 'budget_exceeded' as const, precedence: 5 },
    ];
    expect(classifyFailure(input, { rules }).failureClass).toBe('contract_violation');
  });

  it('a rule at the default precedence is evidence that competes with the built-ins', () => {
    expect(classifyFailure(input, { rules: [{ pattern: 'error TS', class: 'lint_error' }] }).failureClass).toBe('compile_error');
    const quota = classifyFailure({ command: './agent.sh', exitCode: 1, stdout: 'QUOTA_GONE for project 17\n' }, { rules: [{ pattern: 'QUOTA_GONE', class: 'budget_exceeded' }] });
    expect(quota.failureClass).toBe('budget_exceeded');
  });

  it('a rule with negative precedence is only a fallback for unknown', () => {
    const rules = [{ pattern: 'something went wrong|error', flags: 'i', class: 'orchestration_error' as const, precedence: -1 }];
    expect(classifySample('python-generic-exit-02').failureClass).toBe('unknown');
    const s = sample('python-generic-exit-02');
    expect(classifyFailure({ command: s.command, exitCode: s.exitCode, stdout: s.log }, { rules }).failureClass).toBe('orchestration_error');
    expect(classifyFailure(input, { rules }).failureClass).toBe('compile_error');
  });

  it('invalid rules throw an error naming the field', () => {
    const ok = { pattern: 'x', class: 'unknown' as const };
    expect(() => classifyFailure(input, { rules: [ok, ok, { pattern: '(unclosed', class: 'unknown' }] })).toThrow(/rules\[2\]\.pattern: invalid regular expression/);
    expect(() => classifyFailure(input, { rules: [{ pattern: 'x', class: 'nonsense' as 'unknown' }] })).toThrow(/rules\[0\]\.class: must be one of compile_error/);
    expect(() => classifyFailure(input, { rules: [{ pattern: 'x', flags: 'q', class: 'unknown' }] })).toThrow(/rules\[0\]\.flags/);
    expect(() => classifyFailure(input, { rules: [{ pattern: '', class: 'unknown' }] })).toThrow(/rules\[0\]\.pattern: must be a non-empty/);
    expect(() => classifyFailure(input, { rules: [{ pattern: 'x', class: 'unknown', precedence: Number.NaN }] })).toThrow(/rules\[0\]\.precedence/);
  });
});

describe('prefilter gate', () => {
  it('derives needles from the leading literal of every branch', () => {
    expect(needlesOf(/No space left on device|\bENOSPC\b/)).toEqual(['No space left on device', 'ENOSPC']);
    expect(needlesOf(/^fatal: (?:a|b)|\.go:\d+/m)).toEqual(['fatal: ', '.go:']);
    expect(needlesOf(/overloaded/i)).toEqual(['overloaded']);
    expect(needlesOf(/[×✗] x|ab/)).toBeUndefined();
    // An optional character ends the literal before it.
    expect(needlesOf(/colou?r|ab/)).toEqual(['colo', 'ab']);
    expect(needlesOf(/a|colour/)).toBeUndefined();
  });

  it('never hides a match that a full scan finds (corpus and realistic outputs)', () => {
    const texts = [...corpus().map((s) => s.log), ...REALISTIC_CASES.map((c) => `${c.input.stdout ?? ''}\n${c.input.stderr ?? ''}`)];
    for (const raw of texts) {
      const text = prepareText(raw).text;
      const gate = scanGate(text);
      const command = analyseCommand('npm run build');
      const strip = (es: ReturnType<typeof runTextRules>): string[] => es.map((e) => `${e.rule}@${e.line ?? ''}@${e.pos ?? ''}`);
      expect(strip(runTextRules(text, BUILTIN_RULES, command, gate))).toEqual(strip(runTextRules(text, BUILTIN_RULES, command)));
      expect(findMissingModules(text, gate)).toEqual(findMissingModules(text));
      expect(findMissingPrograms(text, gate)).toEqual(findMissingPrograms(text));
      expect(findFailingTests(text, gate)).toEqual(findFailingTests(text));
      expect(findErrorCodes(text, gate)).toEqual(findErrorCodes(text));
      expect(findLocation(text, gate)).toEqual(findLocation(text));
    }
  });
});
