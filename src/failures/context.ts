/**
 * Where the failure is: the first file:line:column the deciding tool pointed at. Patterns are tried
 * in order of precision — compiler diagnostics name the exact spot, stack traces only where the
 * error surfaced — and the first pattern that matches wins, taking its first match (or, for
 * Python tracebacks, the innermost frame, which is printed last).
 */
import { execAll, type RegexGate } from './gate.js';
import { linesMatching } from './text.js';

export interface Location {
  file: string;
  line: number;
  column?: number;
}

interface LocationPattern {
  /** Global, literal-led. Without `line`, its groups are file, line, column. */
  re: RegExp;
  /** When set, `re` only finds candidate lines and this (anchored, not global) extracts from each. */
  line?: RegExp;
  /** Use the last match instead of the first (Python prints the innermost frame last). */
  last?: boolean;
}

/** Compiler-style diagnostics: the exact spot. */
const COMPILER_PATTERNS: readonly LocationPattern[] = [
  // tsc: src/a.ts(6,26): error TS2551 / pretty: src/a.ts:6:26 - error TS2551; also C# (same shape)
  { re: /\): error /g, line: /^([^\s(][^\n(]*?)\((\d+),(\d+)\): error / },
  { re: / - error /g, line: /^([^\s:][^\n:]*?):(\d+):(\d+) - error / },
  // rustc / clippy: "  --> src/lib.rs:13:41"
  { re: /--> /g, line: /^[ \t]*--> ([^\n]+?):(\d+):(\d+)$/ },
  // gcc, clang, go, swift, flake8, pyflakes, ruff, go vet: "file.ext:12:5: msg"
  { re: /:\d+:\d+:? /g, line: /^(?:vet: )?((?:\.{0,2}\/)?[\w@+./-]+\.\w+):(\d+):(\d+):? / },
  // javac, mypy without a column
  { re: /: error|: warning/g, line: /^([^\s:][^\n:]*?\.\w+):(\d+): (?:error|warning)\b/ },
];

/** Linter reports, test-runner pointers and stack traces: where the failure surfaced. */
const OTHER_PATTERNS: readonly LocationPattern[] = [
  // shellcheck
  { re: /^In (\S+) line (\d+):$/gm },
  // vitest code frame pointer, node --test location, rust panic location
  { re: /❯ ([^\s:][^\n:]*?):(\d+):(\d+)[ \t]*$/gm },
  { re: /location: '([^'\n]+?):(\d+):(\d+)'/g },
  { re: /panicked at ([^\n:]+):(\d+):(\d+)/g },
  // pytest "tests/test_money.py:6: AssertionError", go test "wrap_test.go:19: ..."
  { re: /\.py:\d+: [A-Z]/g, line: /^([^\s:][^\n:]*?\.py):(\d+): [A-Z]\w*/ },
  { re: /_test\.go:\d+: /g, line: /^[ \t]+(\w+_test\.go):(\d+): / },
  // Python traceback: innermost frame
  { re: /File "([^"\n]+)", line (\d+)/g, last: true },
  // Node: the "/path/file.js:3" header it prints above a code frame, then stack frames outside node_modules
  { re: /js:\d+$|ts:\d+$|jsx:\d+$|tsx:\d+$/gm, line: /^((?:\/|file:\/\/)[^\n:]+\.(?:[cm]?[jt]sx?)):(\d+)$/ },
  { re: /\((?:file:\/\/)?([^\n():]+\.\w+):(\d+):(\d+)\)/g },
  { re: /at (?:async )?((?:file:\/\/)?\/[^\s():]+):(\d+):(\d+)$/gm },
];

/** eslint stylish rows: "  2:7  error  message  rule". */
const STYLISH_ROW = /error {2}|warning {2}/g;

/** The regexes this module scans with, for the shared gate. */
export function locationRegexes(): RegExp[] {
  return [...COMPILER_PATTERNS, ...OTHER_PATTERNS].map((p) => p.re).concat(STYLISH_ROW);
}

export function findLocation(text: string, gate?: RegexGate): Location | undefined {
  return firstLocation(text, COMPILER_PATTERNS, gate) ?? eslintStylishLocation(text, gate) ?? firstLocation(text, OTHER_PATTERNS, gate);
}

function firstLocation(text: string, patterns: readonly LocationPattern[], gate: RegexGate): Location | undefined {
  for (const p of patterns) {
    const pick = p.line === undefined ? scanWhole(text, p, gate) : scanLines(text, p.re, p.line, p.last === true, gate);
    if (pick === undefined) continue;
    const file = (pick[1] ?? '').replace(/^file:\/\//, '');
    const line = Number(pick[2]);
    const column = pick[3] === undefined ? undefined : Number(pick[3]);
    if (file === '' || !Number.isFinite(line)) continue;
    return column === undefined ? { file, line } : { file, line, column };
  }
  return undefined;
}

function scanWhole(text: string, p: LocationPattern, gate: RegexGate): RegExpExecArray | undefined {
  let pick: RegExpExecArray | undefined;
  for (const m of execAll(p.re, text, gate, 1000)) {
    if (isNoise(m[1] ?? '')) continue;
    pick = m;
    if (p.last !== true) break;
  }
  return pick;
}

function scanLines(text: string, needle: RegExp, lineRe: RegExp, last: boolean, gate: RegexGate): RegExpExecArray | undefined {
  let pick: RegExpExecArray | undefined;
  for (const { line } of linesMatching(text, needle, 1000, gate)) {
    const m = lineRe.exec(line);
    if (m === null || isNoise(m[1] ?? '')) continue;
    pick = m;
    if (!last) break;
  }
  return pick;
}

/** eslint stylish: "/path/file.js" on one line, then indented "  2:7  error  message  rule". */
function eslintStylishLocation(text: string, gate: RegexGate): Location | undefined {
  for (const { line, start } of linesMatching(text, STYLISH_ROW, 200, gate)) {
    const row = /^[ \t]+(\d+):(\d+)[ \t]+(?:error|warning)[ \t]/.exec(line);
    if (row === null) continue;
    // Walk up over the other rows to the header line naming the file.
    let end = start - 1;
    while (end > 0) {
      const s = text.lastIndexOf('\n', end - 1) + 1;
      const prev = text.slice(s, end);
      if (!/^[ \t]/.test(prev) && prev.trim() !== '') {
        return /\.\w+$/.test(prev.trim()) ? { file: prev.trim(), line: Number(row[1]), column: Number(row[2]) } : undefined;
      }
      end = s - 1;
    }
    return undefined;
  }
  return undefined;
}

/** Frames inside the runtime or installed packages are never the place to fix. */
function isNoise(file: string): boolean {
  return file.startsWith('node:') || file.includes('/node_modules/') || file.includes('/rustc/') || /\/lib\/python\d/.test(file) || /^https?:/.test(file);
}
