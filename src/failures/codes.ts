/**
 * Error codes printed by compilers, linters and runtimes (TS2322, E0308, SC2086, ENOSPC...), and the
 * compile evidence they carry. Module-resolution codes (TS2307, E0432...) are left to modules.ts,
 * because whether they mean compile_error or dependency_missing depends on the module's name.
 */
import type { Evidence } from './types.js';
import { execAll, type RegexGate } from './gate.js';
import { lineAt, linesMatching } from './text.js';

/** Codes whose meaning depends on the module name; modules.ts decides their class. */
const MODULE_RESOLUTION_CODES = new Set(['TS2307', 'TS2792', 'TS7016', 'E0432', 'E0433', 'E0463']);

const MAX_CODES = 50;

interface CodePattern {
  /** Global, literal-led. */
  re: RegExp;
  /** When set, `re` finds candidate lines and this (not global) extracts the code from each. */
  line?: RegExp;
  code?: (m: RegExpExecArray) => string | undefined;
}

const CODE_PATTERNS: readonly CodePattern[] = [
  { re: /error (TS\d{4,5})\b/g },
  { re: /error\[(E\d{4})\]/g },
  { re: /CS(\d{4}): /g, code: (m) => `CS${m[1] ?? ''}` },
  { re: /\.pyi?:\d+:\d+: ([A-Z]{1,3}\d{3,4})\b/g },
  { re: /SC(\d{4})\b/g, code: (m) => `SC${m[1] ?? ''}` },
  { re: /clippy::([a-z][a-z_-]*)/g, code: (m) => `clippy::${(m[1] ?? '').replace(/-/g, '_')}` },
  // eslint stylish rows end with the rule id after two or more spaces.
  { re: /error {2}|warning {2}/g, line: /^[ \t]+\d+:\d+[ \t]+(?:error|warning)[ \t]+[^\n]*?[ \t]{2}(@?[a-z][\w-]*(?:\/[\w-]+)*)[ \t]*$/ },
  { re: /^npm (?:error|ERR!) code (E[A-Z0-9]+)$/gm, code: (m) => (m[1] === 'ELIFECYCLE' ? undefined : m[1]) },
  { re: /\[ERR_([A-Z0-9_]+)\]/g, code: (m) => `ERR_${m[1] ?? ''}` },
  { re: /code: '([A-Z][A-Z0-9_]{2,})'/g },
  { re: /ENOSPC\b|EMFILE\b|ENFILE\b|ENOMEM\b|ECONNREFUSED\b|ECONNRESET\b|ETIMEDOUT\b|ENOTFOUND\b|EAI_AGAIN\b|EACCES\b|EPERM\b|EDQUOT\b/g, code: (m) => m[0] },
  { re: /rate_limit_exceeded\b|rate_limit_error\b|context_length_exceeded\b|invalid_api_key\b|insufficient_quota\b|overloaded_error\b/g, code: (m) => m[0] },
];

export interface FoundCode {
  code: string;
  index: number;
}

/** The regexes this module scans with, for the shared gate. */
export function codeRegexes(): RegExp[] {
  return CODE_PATTERNS.map((p) => p.re);
}

export function findErrorCodes(text: string, gate?: RegexGate): FoundCode[] {
  const found: FoundCode[] = [];
  const seen = new Set<string>();
  const add = (m: RegExpExecArray, p: CodePattern, index: number): void => {
    const code = p.code === undefined ? m[1] : p.code(m);
    if (code === undefined || code === '' || seen.has(code)) return;
    seen.add(code);
    found.push({ code, index });
  };
  for (const p of CODE_PATTERNS) {
    if (p.line !== undefined) {
      for (const { line, start } of linesMatching(text, p.re, 500, gate)) {
        const m = p.line.exec(line);
        if (m !== null) add(m, p, start);
      }
      continue;
    }
    for (const m of execAll(p.re, text, gate, 500)) add(m, p, m.index);
  }
  return found.sort((a, b) => a.index - b.index).slice(0, MAX_CODES);
}

/** tsc and rustc codes other than module resolution: the code does not type-check or build. */
export function compilerCodeEvidence(text: string, codes: readonly FoundCode[]): Evidence[] {
  const size = Math.max(1, text.length);
  const out: Evidence[] = [];
  const groups: Array<[string, RegExp]> = [
    ['tsc-error', /^TS\d+$/],
    ['rustc-error-code', /^E\d{4}$/],
  ];
  for (const [rule, shape] of groups) {
    const hits = codes.filter((c) => shape.test(c.code) && !MODULE_RESOLUTION_CODES.has(c.code));
    const first = hits[0];
    if (first === undefined) continue;
    // The last occurrence of any such code marks how late in the log compiling was still failing.
    const lastIndex = Math.max(...hits.map((h) => text.lastIndexOf(h.code)));
    out.push({ cls: 'compile_error', weight: 0.9, source: 'text', rule, line: lineAt(text, first.index), pos: lastIndex / size });
  }
  return out;
}
