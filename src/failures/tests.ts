/**
 * Test runs: did a run complete with failing tests, and which tests failed. A runner's own summary
 * line ("Tests  2 failed | 2 passed", "1 failed, 3 passed in 0.50s", "test result: FAILED") is the
 * strongest evidence there is for test_fail. But a test *file* that failed to load (a missing
 * import, a syntax error) also makes runners print "failed"; then the load error is the cause, so
 * without any failing test the run counts only weakly.
 */
import type { Evidence } from './types.js';
import { execAll, type RegexGate } from './gate.js';
import { firstAndLastGated } from './rules.js';
import { clip, lineAt, linesMatching } from './text.js';

/**
 * Summary lines of completed runs with at least one failure, per runner. Each `re` leads with a
 * literal (fast to scan for); `lineTest`, when present, checks the count on the candidate's line.
 */
const RUN_SUMMARIES: ReadonlyArray<{ re: RegExp; lineTest?: RegExp }> = [
  { re: /Tests[ \t]+[1-9]\d* failed\b/g }, // vitest
  { re: /Tests:[ \t]+[1-9]\d* failed\b/g }, // jest
  { re: / failed(?:, [^\n]*)? in [\d.]+m?s\b/g, lineTest: /\b[1-9]\d* failed\b/ }, // pytest, playwright
  { re: / errors? in [\d.]+m?s\b/g, lineTest: /\b[1-9]\d* errors? in / }, // pytest errors in fixtures
  { re: /^FAILED \((?:failures|errors)=\d+/gm }, // unittest
  { re: /^--- FAIL: |^FAIL\t\S+\t[\d.]+s$/gm }, // go test
  { re: /^test result: FAILED\./gm }, // cargo test
  { re: /^# fail [1-9]\d*$|^ℹ fail [1-9]\d*$/gm }, // node --test (TAP, spec)
  { re: / failing$/gm, lineTest: /^[ \t]*[1-9]\d* failing$/ }, // mocha
  { re: / examples?, [1-9]\d* failures?\b/g }, // rspec
  { re: /Tests run: \d+, Failures: (?:[1-9]\d*|\d+, Errors: [1-9]\d*)/g }, // junit / maven surefire
  { re: /^FAILURES!$|^ERRORS!$/gm }, // phpunit
  { re: / tests? failed$/gm, lineTest: /^[ \t]*[1-9]\d* tests? failed$/ }, // ava
  { re: /^Failed!\s+-\s+Failed:\s+[1-9]/gm }, // dotnet test
  { re: /^FAILED \| \d+ passed \| [1-9]\d* failed/gm }, // deno
  { re: / fail$/gm, lineTest: /^[ \t]*[1-9]\d* fail$/ }, // bun
  { re: / failed$/gm, lineTest: /^[ \t]*[1-9]\d* failed$/ }, // playwright
];

/** Runner lines that say files failed without saying tests failed. */
const FILE_LEVEL_FAILURES = /Test Files[ \t]+[1-9]\d* failed|Test Suites:[ \t]+[1-9]\d* failed|^FAIL[ \t]+\S+\.(?:test|spec)\.\w+$/gm;

/** A test file could not even be loaded: the cause is elsewhere (import, syntax, environment). */
const LOAD_FAILURES = /Test suite failed to run| during collection|ImportError while importing test module|Failed to import test module|Tests[ \t]+no tests$|Failed to load url |Error: No test files found/gm;

const MAX_TESTS = 100;

/** Mocha's "  3 failing" line, after which it lists the failures by number. */
const MOCHA_FAILING = / failing$/gm;

interface NamePattern {
  /** Literal-led global regex whose first group (or `name`) is the test name. */
  re: RegExp;
  name?: (m: RegExpExecArray) => string | undefined;
  /** Find candidate lines with this literal-led needle, then apply `re` (not global) to each line. */
  needle?: RegExp;
  /** Mocha's numbered list only lists failures after its "N failing" line. */
  afterMochaFailing?: boolean;
}

const unittestName = (m: RegExpExecArray): string | undefined =>
  // 3.11+ prints "test_x (mod.Class.test_x)"; older versions "test_x (mod.Class)".
  (m[2] ?? '').endsWith(`.${m[1] ?? ''}`) ? m[2] : `${m[2] ?? ''}.${m[1] ?? ''}`;

const NAME_PATTERNS: readonly NamePattern[] = [
  // vitest: " FAIL  test/cart.test.js > cart > accumulates quantity"; "   × cart > accumulates 6ms"
  { re: /FAIL[ \t]+\S+ > ([^\n]+?)[ \t]*$/gm },
  { re: /× [ \t]*([^\n]+?)(?:[ \t]+\d+m?s)?[ \t]*$/gm },
  { re: /✗ [ \t]*([^\n]+?)(?:[ \t]+\d+m?s)?[ \t]*$/gm },
  // jest: "  ● slugify › strips accents to ascii"
  { re: /● ([^\n]+?)[ \t]*$/gm, name: (m) => (/^(?:Test suite failed to run|Console)$/.test(m[1] ?? '') ? undefined : m[1]) },
  // pytest: "FAILED tests/test_money.py::test_split - assert ..." and verbose "path::test FAILED"
  { re: /^FAILED (\S+::\S+)/gm },
  { re: /^ERROR (\S+::\S+)/gm },
  { needle: /::\S* (?:FAILED|ERROR)\b/g, re: /^(\S+::\S+) (?:FAILED|ERROR)\b/ },
  // unittest
  { re: /^FAIL: (\w+) \(([\w.]+)\)/gm, name: unittestName },
  { re: /^ERROR: (\w+) \(([\w.]+)\)/gm, name: unittestName },
  // go test, cargo test
  { re: /--- FAIL: (\S+)/g },
  { re: /^test (\S+) \.\.\. FAILED$/gm },
  // TAP (node --test, tap, ava --tap)
  { re: /not ok \d+ - ([^\n#]+?)[ \t]*(?:#[^\n]*)?$/gm },
  // node --test spec reporter
  { re: /✖ ([^\n]+?)(?: \([\d.]+m?s\))?[ \t]*$/gm, name: (m) => (/^(?:\d+ problems?\b|failing tests:?$)/.test(m[1] ?? '') ? undefined : m[1]) },
  // playwright: "  1) [chromium] › login.spec.ts:5:1 › logs in ─────"
  { needle: /\] › /g, re: /^[ \t]+\d+\) (\[[\w-]+\] › [^\n]+?)(?:[ \t]+─+)?[ \t]*$/ },
  // mocha, rspec
  { re: /^ {2}\d+\) ([^\n]+?):?$/gm, afterMochaFailing: true },
  { re: /^rspec \S+ # ([^\n]+)$/gm },
];

/**
 * Mocha prints a failure's title over several indented lines, the last ending with ':'
 * ("  1) Array\n       #indexOf()\n         should return -1:"); join them into one name.
 */
function mochaTitle(text: string, m: RegExpExecArray): string {
  const first = m[1] ?? '';
  // The pattern's optional trailing ':' is outside the group: a one-line title ends the match with it.
  if (m[0].endsWith(':')) return first;
  const parts = [first];
  let at = m.index + m[0].length + 1;
  for (let i = 0; i < 6 && at < text.length; i++) {
    let end = text.indexOf('\n', at);
    if (end === -1) end = text.length;
    const line = text.slice(at, end);
    if (!/^ {4,}\S/.test(line)) break;
    parts.push(line.trim().replace(/:$/, ''));
    if (line.trimEnd().endsWith(':')) break;
    at = end + 1;
  }
  return parts.join(' ');
}

export interface FailingTest {
  name: string;
  index: number;
}

/** Failing test names in order of first appearance, deduplicated. */
/** The regexes this module scans with, for the shared gate. */
export function testRegexes(): RegExp[] {
  return [...RUN_SUMMARIES.map((s) => s.re), ...NAME_PATTERNS.map((p) => p.needle ?? p.re), MOCHA_FAILING, FILE_LEVEL_FAILURES, LOAD_FAILURES];
}

export function findFailingTests(text: string, gate?: RegexGate): FailingTest[] {
  const hits: FailingTest[] = [];
  const seen = new Set<string>();
  const add = (name: string | undefined, index: number): void => {
    const n = name?.trim();
    if (n === undefined || n === '' || seen.has(n)) return;
    seen.add(n);
    hits.push({ index, name: clip(n, 200) });
  };
  const mochaStart = linesMatching(text, MOCHA_FAILING, 1, gate).find((l) => /^[ \t]*\d+ failing$/.test(l.line))?.start ?? -1;
  for (const p of NAME_PATTERNS) {
    if (p.afterMochaFailing === true && mochaStart === -1) continue;
    if (p.needle !== undefined) {
      for (const { line, start } of linesMatching(text, p.needle, MAX_TESTS * 2, gate)) {
        const m = p.re.exec(line);
        if (m !== null) add(p.name === undefined ? m[1] : p.name(m), start);
      }
      continue;
    }
    for (const m of execAll(p.re, text, gate, MAX_TESTS * 2)) {
      if (p.afterMochaFailing !== true) add(p.name === undefined ? m[1] : p.name(m), m.index);
      else if (m.index > mochaStart) add(mochaTitle(text, m), m.index);
    }
  }
  return hits.sort((a, b) => a.index - b.index).slice(0, MAX_TESTS);
}

/** Evidence that a test run completed with failures. */
export function testEvidence(text: string, failingTests: readonly FailingTest[], gate?: RegexGate): Evidence[] {
  const size = Math.max(1, text.length);
  // The latest summary wins: with several runs in one log, the last one is the one that failed the step.
  let summary = -1;
  for (const { re, lineTest } of RUN_SUMMARIES) {
    const found = firstAndLastGated(re, text, gate, lineTest);
    if (found !== undefined && found.last > summary) summary = found.last;
  }
  const loadFailure = execAll(LOAD_FAILURES, text, gate, 1).length > 0;
  const fileLevel = execAll(FILE_LEVEL_FAILURES, text, gate, 1)[0] ?? null;
  const out: Evidence[] = [];
  if (summary !== -1) {
    const weight = loadFailure && failingTests.length === 0 ? 0.35 : 0.95;
    out.push({ cls: 'test_fail', weight, source: 'text', rule: 'test-run-summary', line: lineAt(text, summary), pos: summary / size });
  } else {
    const first = failingTests[0];
    const last = failingTests[failingTests.length - 1];
    if (first !== undefined && last !== undefined) {
      out.push({ cls: 'test_fail', weight: 0.8, source: 'text', rule: 'failing-tests', line: lineAt(text, first.index), pos: last.index / size });
    }
  }
  if (fileLevel !== null) {
    const weight = loadFailure && failingTests.length === 0 ? 0.3 : 0.5;
    out.push({ cls: 'test_fail', weight, source: 'text', rule: 'test-files-failed', line: lineAt(text, fileLevel.index), pos: fileLevel.index / size });
  }
  return out;
}
