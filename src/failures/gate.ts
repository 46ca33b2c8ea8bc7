/**
 * A prefilter that decides which rules can possibly match, in one pass over the text.
 *
 * Why: ~100 rules each scanning the whole text cost ~13 ms per 500 KB (V8 runs a regex with a
 * multi-branch alternation at near every position). Every built-in rule's branches begin with a
 * literal ("No space left on device", "ENOSPC", ".go:"), so one alternation of all those literals
 * finds which rules have a chance (~2.5 ms per 500 KB), and only those run. Needles are derived
 * from the regex sources themselves, so a rule cannot drift from its gate; a rule with a branch
 * that does not start with a usable literal is simply always run.
 */

/** Needles shorter than this match too often to filter anything ('✖ ', 'SC' are still worth it). */
const MIN_NEEDLE_CHARS = 2;

const SIMPLE_ESCAPES = new Set(['.', '/', '(', ')', '[', ']', '*', '+', '?', '-', '{', '}', '\\', '|', '$', '^', ' ', "'", '"', '`', ':', '@', '#', '!', '=', ',', '<', '>', '~', '%', '&']);

/** Splits a regex source at top-level `|` (outside groups and character classes). */
export function topLevelBranches(source: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      i++;
    } else if (inClass) {
      if (ch === ']') inClass = false;
    } else if (ch === '[') inClass = true;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '|' && depth === 0) {
      out.push(source.slice(start, i));
      start = i + 1;
    }
  }
  out.push(source.slice(start));
  return out;
}

/** The literal text every match of this branch starts with, or '' when there is none. */
export function leadingLiteral(branch: string): string {
  let i = 0;
  // Zero-width prefixes do not consume text.
  for (;;) {
    if (branch.startsWith('^', i)) i += 1;
    else if (branch.startsWith('\\b', i)) i += 2;
    else break;
  }
  let out = '';
  while (i < branch.length) {
    const ch = branch[i] as string;
    let lit: string | undefined;
    let width = 1;
    if (ch === '\\') {
      const next = branch[i + 1];
      if (next === undefined || !SIMPLE_ESCAPES.has(next)) break;
      lit = next;
      width = 2;
    } else if ('.*+?()[]{}|^$'.includes(ch)) {
      break;
    } else lit = ch;
    const quant = branch[i + width];
    // An optional character ends the literal before it; a repeated one ends it after it.
    if (quant === '?' || quant === '*' || quant === '{') break;
    out += lit;
    i += width;
    if (quant === '+') break;
  }
  return out;
}

/** Needles for a whole regex: one per top-level branch, or undefined when any branch has none. */
export function needlesOf(re: RegExp): string[] | undefined {
  const needles: string[] = [];
  for (const branch of topLevelBranches(re.source)) {
    const lit = leadingLiteral(branch);
    if (lit.length < MIN_NEEDLE_CHARS) return undefined;
    needles.push(re.flags.includes('i') ? lit.toLowerCase() : lit);
  }
  return needles;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export interface GateResult<T> {
  /** Could this item match at all: one of its needles occurs, or it has no needles. */
  has(item: T): boolean;
  /**
   * Every position where one of the item's needles starts, ascending — the only places a match can
   * start. Undefined when not tracked: the item has no needles, or one is too frequent to track.
   */
  positions(item: T): readonly number[] | undefined;
}

export interface Gate<T> {
  scan(text: string): GateResult<T>;
}

/** What detectors receive: the gate's answer for the regexes they scan with (undefined = no gate). */
export type RegexGate = GateResult<RegExp> | undefined;

const stickyCopies = new WeakMap<RegExp, RegExp>();

/** A sticky copy of a regex, for matching at one position. */
export function stickyOf(re: RegExp): RegExp {
  let sticky = stickyCopies.get(re);
  if (sticky === undefined) stickyCopies.set(re, (sticky = new RegExp(re.source, `${re.flags.replace('g', '')}y`)));
  return sticky;
}

/**
 * Up to `limit` matches of a global regex, in order. When the gate knows where the regex's needles
 * occur, only those positions are tried (sticky); when it knows none occur, nothing is scanned.
 */
export function execAll(re: RegExp, text: string, gate: RegexGate, limit: number): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  if (gate !== undefined && !gate.has(re)) return out;
  const positions = gate?.positions(re);
  if (positions !== undefined) {
    const sticky = stickyOf(re);
    let next = 0;
    for (const p of positions) {
      if (p < next) continue;
      sticky.lastIndex = p;
      const m = sticky.exec(text);
      if (m === null) continue;
      out.push(m);
      if (out.length >= limit) break;
      next = p + Math.max(1, m[0].length);
    }
    return out;
  }
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null && out.length < limit; m = re.exec(text)) {
    if (m[0] === '') re.lastIndex++;
    out.push(m);
  }
  re.lastIndex = 0;
  return out;
}

/** Positions kept per needle; a needle seen more often than this is "saturated" and not tracked. */
const MAX_POSITIONS_PER_NEEDLE = 256;
/** After this many matches of saturated needles, the alternation is rebuilt without them. */
const REBUILD_AFTER_REPEATS = 64;

interface NeedleTable<T> {
  items: Map<string, T[]>;
  prefixes: Map<string, string[]>;
  re: RegExp | undefined;
  lower: boolean;
}

/**
 * Builds a gate over items with regexes. Case-sensitive and case-insensitive needles get separate
 * alternations so a case-insensitive rule still finds "Out of memory" and "OUT OF MEMORY".
 */
export function buildGate<T>(items: readonly T[], regexOf: (item: T) => RegExp): Gate<T> {
  const sensitive = new Map<string, T[]>();
  const insensitive = new Map<string, T[]>();
  const needlesByItem = new Map<T, string[]>();
  const ungated = new Set<T>();
  for (const item of items) {
    const re = regexOf(item);
    const needles = needlesOf(re);
    if (needles === undefined) {
      ungated.add(item);
      continue;
    }
    needlesByItem.set(item, needles);
    const map = re.flags.includes('i') ? insensitive : sensitive;
    for (const n of needles) {
      const list = map.get(n) ?? [];
      if (!list.includes(item)) list.push(item);
      map.set(n, list);
    }
  }
  const table = (map: Map<string, T[]>, flags: string, lower: boolean): NeedleTable<T> => ({
    items: map,
    prefixes: prefixTable([...map.keys()]),
    re: map.size === 0 ? undefined : alternation([...map.keys()], flags),
    lower,
  });
  const tables = [table(sensitive, 'g', false), table(insensitive, 'gi', true)];
  return {
    scan(text: string): GateResult<T> {
      const found = new Map<string, number[]>();
      const saturated = new Set<string>();
      for (const t of tables) collect(text, t, found, saturated);
      const merged = new Map<T, readonly number[] | undefined>();
      return {
        has: (item) => ungated.has(item) || (needlesByItem.get(item) ?? []).some((n) => found.has(n)),
        positions: (item) => {
          if (merged.has(item)) return merged.get(item);
          const needles = needlesByItem.get(item);
          let result: number[] | undefined;
          if (needles !== undefined && !needles.some((n) => saturated.has(n))) {
            result = [...new Set(needles.flatMap((n) => found.get(n) ?? []))].sort((a, b) => a - b);
          }
          merged.set(item, result);
          return result;
        },
      };
    },
  };
}

/**
 * One pass of the alternation, recording where each needle occurs. The alternation reports only
 * the longest needle at a position, so the needles that are its prefixes are credited too, and the
 * scan resumes one character later so needles starting inside a match are found. A needle seen
 * more than MAX_POSITIONS_PER_NEEDLE times is saturated: its positions stop being useful, so once
 * saturated needles keep matching, the alternation is rebuilt without them and the scan goes on.
 */
function collect<T>(text: string, table: NeedleTable<T>, found: Map<string, number[]>, saturated: Set<string>): void {
  const { re, prefixes, lower } = table;
  if (re === undefined) return;
  let current = re;
  let repeats = 0;
  current.lastIndex = 0;
  for (let m = current.exec(text); m !== null; m = current.exec(text)) {
    const at = m.index;
    current.lastIndex = at + 1;
    const key = lower ? m[0].toLowerCase() : m[0];
    if (saturated.has(key)) {
      if (++repeats < REBUILD_AFTER_REPEATS) continue;
      repeats = 0;
      const rest = [...table.items.keys()].filter((k) => !saturated.has(k));
      if (rest.length === 0) break;
      current = alternation(rest, re.flags);
      current.lastIndex = at + 1;
      continue;
    }
    for (const needle of [key, ...(prefixes.get(key) ?? [])]) {
      if (saturated.has(needle)) continue;
      const list = found.get(needle);
      if (list === undefined) found.set(needle, [at]);
      else if (list.length < MAX_POSITIONS_PER_NEEDLE) list.push(at);
      else saturated.add(needle);
    }
  }
  re.lastIndex = 0;
}

/** Longest needle first, so a needle that is a prefix of another does not hide it at the same position. */
function alternation(needles: readonly string[], flags: string): RegExp {
  return new RegExp([...needles].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), flags);
}

/** For each needle, the other needles that are its proper prefixes. */
function prefixTable(keys: readonly string[]): Map<string, string[]> {
  const table = new Map<string, string[]>();
  for (const k of keys) table.set(k, keys.filter((other) => other !== k && k.startsWith(other)));
  return table;
}
