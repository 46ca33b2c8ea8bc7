/**
 * Turning raw captured output into text the rules can read: ANSI colour and cursor codes removed,
 * CRLF and bare CR (progress bars) turned into LF, and huge logs cut down to the regions that can
 * decide a verdict.
 *
 * Why windowing: a step may print hundreds of megabytes (verbose test runs, build logs), and the
 * classifier runs on every failure. The step that stopped the work prints last, so the tail
 * decides; the head says what ran; and any error-dense region in the middle (a compile error
 * followed by 50 MB of retries) is found by a bounded backwards indexOf scan for a few markers.
 * Everything after windowing is bounded by ANALYSED_MAX_CHARS, so the regex rules run in constant
 * time whatever the input size (measured: bench/classify.ts).
 */
import { execAll, type RegexGate } from './gate.js';

/** Logs up to this size are analysed whole. */
export const FULL_SCAN_MAX_CHARS = 512 * 1024;
/** Kept from the start of a long log: what ran, early fatal errors. */
export const HEAD_CHARS = 32 * 1024;
/** Kept from the end of a long log: the step that stopped the work. */
export const TAIL_CHARS = 160 * 1024;
/** Each middle snippet keeps this many characters either side of a marker. */
export const SNIPPET_RADIUS_CHARS = 2 * 1024;
/** At most this many middle snippets, preferring those nearest the end. */
export const MAX_SNIPPETS = 16;
/**
 * Upper bound on analysed text: head + tail + snippets (+ separators), ~256 KB. Kept at half of
 * FULL_SCAN_MAX_CHARS so that a log just over the limit is still classified at more than twice the
 * full-scan rate (bench/classify.ts measures both).
 */
export const ANALYSED_MAX_CHARS = HEAD_CHARS + TAIL_CHARS + MAX_SNIPPETS * (2 * SNIPPET_RADIUS_CHARS + 2) + 64;

/**
 * Words that mark the error-dense parts of a log. 'rror' covers error / Error / ERROR with one scan.
 * Each is searched backwards with lastIndexOf, at most MARKER_HITS times, so a marker that occurs
 * millions of times costs no more than one that occurs a few times.
 */
const MIDDLE_MARKERS = ['rror', 'FAIL', 'fatal', 'panic', 'Traceback', 'Killed', 'not found', 'exceeded', 'CONFLICT'];
const MARKER_HITS = 8;

/**
 * CSI sequences (colours, cursor moves, clear screen), OSC sequences (titles, hyperlinks) ended by
 * BEL or ST, and two-byte escapes; plus the 8-bit CSI introducer. Every branch is a simple
 * character-class run, so the replace is linear in the input.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ANSI_RE = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.includes('\x1b') || text.includes('\x9b') ? text.replace(ANSI_RE, '') : text;
}

/** CRLF → LF; a bare CR (a progress bar redrawing its line) also becomes a line break. */
export function normaliseNewlines(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/**
 * Lines longer than this are broken up. A minified bundle or a one-line JSON dump can be a
 * single 20 MB "line"; a pattern like `X[^\n]*Y` tried at every X on such a line is quadratic
 * (measured: 6.5 s for 400 KB). Real diagnostics are far shorter than this.
 */
export const MAX_LINE_CHARS = 2048;

/** Breaks every line longer than MAX_LINE_CHARS into MAX_LINE_CHARS pieces. Linear; copies only if needed. */
export function splitLongLines(text: string): string {
  let start = 0;
  let needed = false;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end - start > MAX_LINE_CHARS) {
      needed = true;
      break;
    }
    start = end + 1;
  }
  if (!needed) return text;
  const parts: string[] = [];
  start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    for (let at = start; at < end; at += MAX_LINE_CHARS) parts.push(text.slice(at, Math.min(end, at + MAX_LINE_CHARS)));
    if (end === start) parts.push('');
    start = end + 1;
  }
  if (text.endsWith('\n')) parts.push('');
  return parts.join('\n');
}

export interface PreparedText {
  /** ANSI-free, LF-only text the rules run on. */
  text: string;
  /** True when the input was longer than FULL_SCAN_MAX_CHARS and only windows were kept. */
  windowed: boolean;
  /** Length of the raw input in UTF-16 code units. */
  inputChars: number;
}

/** stdout then stderr: tools print their final error on stderr, so it belongs at the end. */
export function joinStreams(stdout: string | undefined, stderr: string | undefined): string {
  const out = stdout ?? '';
  const err = stderr ?? '';
  if (out === '') return err;
  if (err === '') return out;
  return out.endsWith('\n') ? out + err : `${out}\n${err}`;
}

export function prepareText(raw: string): PreparedText {
  if (raw.length <= FULL_SCAN_MAX_CHARS) {
    return { text: splitLongLines(normaliseNewlines(stripAnsi(raw))), windowed: false, inputChars: raw.length };
  }
  const pieces = selectWindows(raw).map((piece) => splitLongLines(normaliseNewlines(stripAnsi(piece))));
  return { text: pieces.join('\n'), windowed: true, inputChars: raw.length };
}

/** Head, middle snippets around markers (nearest the end first), and tail, each cut at line breaks. */
function selectWindows(raw: string): string[] {
  const headEnd = cutAfterLineBreak(raw, HEAD_CHARS);
  const tailStart = cutAfterLineBreak(raw, raw.length - TAIL_CHARS);
  const hits: number[] = [];
  for (const marker of MIDDLE_MARKERS) {
    let from = tailStart - 1;
    for (let n = 0; n < MARKER_HITS && from > headEnd; n++) {
      const at = raw.lastIndexOf(marker, from);
      if (at < headEnd) break;
      hits.push(at);
      // Jump a whole snippet back so a dense run of one marker yields spread-out regions.
      from = at - 2 * SNIPPET_RADIUS_CHARS;
    }
  }
  hits.sort((a, b) => b - a);
  const ranges: Array<[number, number]> = [];
  for (const at of hits) {
    if (ranges.length >= MAX_SNIPPETS) break;
    const start = Math.max(headEnd, lineStart(raw, at - SNIPPET_RADIUS_CHARS));
    const end = Math.min(tailStart, lineEnd(raw, at + SNIPPET_RADIUS_CHARS));
    const last = ranges[ranges.length - 1];
    // Hits arrive end-first; merge a range that overlaps the one before it.
    if (last !== undefined && end >= last[0]) last[0] = Math.min(last[0], start);
    else ranges.push([start, end]);
  }
  ranges.reverse();
  return [raw.slice(0, headEnd), ...ranges.map(([s, e]) => raw.slice(s, e)), raw.slice(tailStart)];
}

/** Index just past the first line break at or after `at` (bounded search), else `at`. */
function cutAfterLineBreak(raw: string, at: number): number {
  const nl = raw.indexOf('\n', at);
  return nl === -1 || nl - at > 4096 ? at : nl + 1;
}

function lineStart(raw: string, at: number): number {
  if (at <= 0) return 0;
  const nl = raw.lastIndexOf('\n', at);
  return nl === -1 || at - nl > 4096 ? at : nl + 1;
}

function lineEnd(raw: string, at: number): number {
  if (at >= raw.length) return raw.length;
  const nl = raw.indexOf('\n', at);
  return nl === -1 || nl - at > 4096 ? at : nl;
}

/** The full line around `index`, trimmed and shortened to `max` characters. */
export function lineAt(text: string, index: number, max = 240): string {
  const start = text.lastIndexOf('\n', index - 1) + 1;
  let end = text.indexOf('\n', index);
  if (end === -1) end = text.length;
  return clip(text.slice(start, Math.min(end, start + max * 4)).trim(), max);
}

export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Last non-blank line of the text, clipped; '' when there is none. */
export function lastNonBlankLine(text: string, max = 240): string {
  let end = text.length;
  while (end > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end).trim();
    if (line !== '') return clip(line, max);
    end = start - 1;
  }
  return '';
}

export interface MatchedLine {
  line: string;
  /** Index of the line's first character in the text. */
  start: number;
}

/**
 * Each line containing a match of `needle` (a global, literal-led regex), once, in order, at most
 * `limit`. Detectors find candidates with a cheap literal scan and then apply an exact, anchored
 * regex to the line alone — so the exact regex never runs at every position of a large text.
 */
export function linesMatching(text: string, needle: RegExp, limit = 1000, gate?: RegexGate): MatchedLine[] {
  const out: MatchedLine[] = [];
  let lastStart = -1;
  // execAll stops at its limit; several matches on one line collapse, so ask for a few more.
  for (const m of execAll(needle, text, gate, limit * 4)) {
    const start = text.lastIndexOf('\n', m.index - 1) + 1;
    if (start === lastStart) continue;
    lastStart = start;
    let end = text.indexOf('\n', m.index);
    if (end === -1) end = text.length;
    out.push({ line: text.slice(start, end), start });
    if (out.length >= limit) break;
  }
  return out;
}
