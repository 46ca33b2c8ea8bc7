/**
 * Missing modules and programs. The same words ("Cannot find module") mean two different next
 * actions: a project-local path that does not resolve ('./utlis', crate::utlis) is a bug in the
 * code — compile_error — while a bare third-party name ('left-pad', httpx, serde_json) is an install
 * problem — dependency_missing. So this detector extracts the name and decides by its shape.
 */
import type { Evidence } from './types.js';
import { execAll, type RegexGate } from './gate.js';
import { lineAt, linesMatching } from './text.js';

export interface MissingModule {
  name: string;
  /** True for a project-local specifier: relative, absolute outside node_modules, crate::, an alias. */
  local: boolean;
  /** Only type declarations are missing (TS7016): weaker evidence. */
  typesOnly: boolean;
  index: number;
}

export interface MissingProgram {
  name: string;
  index: number;
}

/** 'pkg' is a registry lookup that failed: always a third-party name. */
type Lang = 'js' | 'py' | 'rust' | 'go' | 'c' | 'pkg';

const MODULE_PATTERNS: ReadonlyArray<{ re: RegExp; lang: Lang; typesOnly?: boolean }> = [
  { re: /Cannot find (?:module|package) '([^'\n]+)'/g, lang: 'js' },
  { re: /Can't resolve '([^'\n]+)'/g, lang: 'js' },
  { re: /Could not resolve "([^"\n]+)"/g, lang: 'js' },
  { re: /ailed to resolve (?:import|entry for package) "([^"\n]+)"/g, lang: 'js' },
  { re: /Could not find a declaration file for module '([^'\n]+)'/g, lang: 'js', typesOnly: true },
  { re: /No module named '([^'\n]+)'/g, lang: 'py' },
  { re: /No module named ([\w.]+)$/gm, lang: 'py' },
  { re: /unresolved import `([^`\n]+)`/g, lang: 'rust' },
  { re: /unlinked crate(?: or module)? `([^`\n]+)`/g, lang: 'rust' },
  { re: /undeclared crate(?: or module)? `([^`\n]+)`/g, lang: 'rust' },
  { re: /can't find crate for `([^`\n]+)`/g, lang: 'rust' },
  { re: /no required module provides package ([^\s;]+)/g, lang: 'go' },
  { re: /cannot find module providing package ([^\s;:]+)/g, lang: 'go' },
  { re: /missing go\.sum entry for module providing package ([^\s;:(]+)/g, lang: 'go' },
  { re: /package ([^\s]+) is not in (?:std|GOROOT)/g, lang: 'go' },
  { re: /fatal error: ([^\s:'"]+\.h\w*): No such file or directory/g, lang: 'c' },
  { re: /fatal error: '([^'\n]+\.h\w*)' file not found/g, lang: 'c' },
  { re: /404 Not Found - GET https?:\/\/\S+?\/((?:@[^/\s]+(?:\/|%2[fF]))?[^/\s]+)$/gm, lang: 'pkg' },
  { re: /No matching version found for ((?:@[\w.-]+\/)?[\w.-]+)@/g, lang: 'pkg' },
  { re: /No matching distribution found for ([^\s;<>=!~[]+)/g, lang: 'pkg' },
  { re: /no matching package named `([^`\n]+)` found/g, lang: 'pkg' },
  { re: /Could not find gem '([^'\s]+)/g, lang: 'pkg' },
];

/**
 * Missing executables. `needle` is a literal-led scan; `line` extracts the program from the line,
 * so the name-capturing part (which starts with a character class) only runs on candidate lines.
 */
const PROGRAM_PATTERNS: ReadonlyArray<{ needle: RegExp; line: RegExp }> = [
  { needle: /: command not found/g, line: /([^\s:'"`]+): command not found/ }, // bash
  { needle: /command not found: /g, line: /command not found: ([^\s]+)/ }, // zsh
  { needle: /: not found$/gm, line: /^(?:[\w/.-]*sh|dash): (?:\d+: |line \d+: )?([^\s:]+): not found$/ }, // sh, dash
  { needle: /env: /g, line: /env: [‘'"]?([^\s’'":]+)[’'"]?: No such file or directory/ },
  { needle: /spawn/g, line: /\bspawn(?:Sync)? ([^\s]+) ENOENT/ }, // node child_process
  { needle: / is not recognized as an internal or external command/g, line: /'([^'\n]+)' is not recognized/ }, // cmd.exe
  { needle: /^which: no /gm, line: /^which: no ([^\s]+) in \(/ },
];

/** Rust crates the compiler says are unlinked or absent: `use serde_json::X` resolves to these. */
function rustDependencyRoots(text: string): Set<string> {
  const roots = new Set<string>();
  const re = /unlinked crate(?: or module)? `([^`\n]+)`|undeclared crate(?: or module)? `([^`\n]+)`|can't find crate for `([^`\n]+)`|use `cargo add ([\w-]+)`/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) roots.add((m[1] ?? m[2] ?? m[3] ?? m[4] ?? '').replace(/-/g, '_'));
  return roots;
}

function isLocalJs(spec: string): boolean {
  if (spec.includes('/node_modules/') || spec.includes('\\node_modules\\')) return false;
  return /^(?:\.{1,2}(?:\/|\\|$)|\/|~\/|@\/|#|\$lib|file:|[A-Za-z]:[\\/])/.test(spec);
}

function isLocal(name: string, lang: Lang, text: string, after: number, rustDeps: Set<string>): boolean {
  switch (lang) {
    case 'js':
      return isLocalJs(name);
    case 'py': {
      if (name.startsWith('.')) return true;
      // `pkg.utlis` where pkg is a directory the traceback runs from: the project's own package.
      const root = name.split('.')[0] ?? name;
      return name.includes('.') && new RegExp(`File "[^"\\n]*[/\\\\]${escapeRegExp(root)}[/\\\\]`).test(text);
    }
    case 'rust': {
      if (/^(?:crate|self|super)::/.test(name)) return true;
      const root = (name.split('::')[0] ?? name).replace(/-/g, '_');
      return !rustDeps.has(root);
    }
    case 'go':
      // "is not in std" means the path has no domain: a misspelt local or standard package.
      return !name.includes('.');
    case 'pkg':
      return false;
    case 'c': {
      // gcc and clang echo the offending #include line right after the message.
      const echo = text.slice(after, after + 400);
      const include = /#\s*include\s*([<"])/.exec(echo);
      return include === null ? !name.includes('/') : include[1] === '"';
    }
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The regexes this module scans with, for the shared gate. */
export function moduleRegexes(): RegExp[] {
  return [...MODULE_PATTERNS.map((p) => p.re), ...PROGRAM_PATTERNS.map((p) => p.needle), CARGO_NO_SUCH_COMMAND];
}

export function findMissingModules(text: string, gate?: RegexGate): MissingModule[] {
  const found: MissingModule[] = [];
  const seen = new Set<string>();
  const rustDeps = text.includes('crate') ? rustDependencyRoots(text) : new Set<string>();
  for (const p of MODULE_PATTERNS) {
    for (const m of execAll(p.re, text, gate, 50)) {
      const name = p.lang === 'pkg' ? safeDecode(m[1] ?? '') : (m[1] ?? '');
      if (name === '' || seen.has(`${p.lang}:${name}`)) continue;
      seen.add(`${p.lang}:${name}`);
      const local = isLocal(name, p.lang, text, m.index + m[0].length, rustDeps);
      found.push({ name, local, typesOnly: p.typesOnly === true, index: m.index });
    }
  }
  return found.sort((a, b) => a.index - b.index);
}

/** cargo prints `no such command: \`semver-checks\`` for an uninstalled cargo-semver-checks. */
const CARGO_NO_SUCH_COMMAND = /error: no such (?:sub)?command: `([^`\n]+)`/;

export function findMissingPrograms(text: string, gate?: RegexGate): MissingProgram[] {
  const found: MissingProgram[] = [];
  for (const p of PROGRAM_PATTERNS) {
    for (const { line, start } of linesMatching(text, p.needle, 20, gate)) {
      const m = p.line.exec(line);
      const name = m?.[1] ?? '';
      if (m !== null && name !== '' && !found.some((f) => f.name === name)) found.push({ name, index: start + m.index });
    }
  }
  const cargo = gate === undefined || gate.has(CARGO_NO_SUCH_COMMAND) ? CARGO_NO_SUCH_COMMAND.exec(text) : null;
  if (cargo !== null) found.push({ name: `cargo-${cargo[1] ?? ''}`, index: cargo.index });
  return found.sort((a, b) => a.index - b.index);
}

/** Evidence from missing modules (class by shape) and missing programs (always dependency_missing). */
export function moduleEvidence(text: string, modules: readonly MissingModule[], programs: readonly MissingProgram[]): Evidence[] {
  const out: Evidence[] = [];
  const size = Math.max(1, text.length);
  const local = modules.filter((m) => m.local);
  const bare = modules.filter((m) => !m.local && !m.typesOnly);
  const types = modules.filter((m) => !m.local && m.typesOnly);
  const push = (list: readonly { index: number; name: string }[], e: Omit<Evidence, 'source' | 'line' | 'pos'>): void => {
    const first = list[0];
    if (first === undefined) return;
    // Names are deduplicated on first sight; the latest mention says how late resolution still failed.
    const last = Math.max(...list.map((m) => Math.max(m.index, text.lastIndexOf(m.name))));
    out.push({ ...e, source: 'text', line: lineAt(text, first.index), pos: last / size });
  };
  push(local, { cls: 'compile_error', weight: 0.9, rule: 'missing-local-module' });
  push(bare, { cls: 'dependency_missing', weight: 0.93, rule: 'missing-package' });
  push(types, { cls: 'dependency_missing', weight: 0.7, rule: 'missing-type-declarations' });
  push(programs, { cls: 'dependency_missing', weight: 0.9, rule: 'missing-program' });
  return out;
}
