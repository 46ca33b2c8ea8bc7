/**
 * Shared pieces of the validators: config parsing that names the bad field, paths that cannot
 * leave the workspace, regex compilation, and text helpers for evidence.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { formatPath, type FieldIssue } from '../errors.js';

/** Thrown when a validator cannot run; the runner turns it into verdict `error` with these details. */
export class ValidatorCannotRun extends Error {
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ValidatorCannotRun';
  }
}

/** Parses a validator's config; a bad config names the field (`config.argv: ...`). */
export function parseConfig<S extends z.ZodType>(schema: S, config: unknown, type: string): z.output<S> {
  const parsed = schema.safeParse(config);
  if (parsed.success) return parsed.data;
  const issues: FieldIssue[] = parsed.error.issues.map((i) => ({ path: formatPath(['config', ...i.path]), message: i.message }));
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  throw new ValidatorCannotRun(`invalid ${type} config: ${first.path}: ${first.message}${more}`, { issues });
}

/** Normalises a workspace-relative path for display and glob matching: `/` separators, no `./`. */
export function normalizeRelative(p: string): string {
  let out = p.replaceAll('\\', '/');
  while (out.startsWith('./')) out = out.slice(2);
  return out;
}

/**
 * The absolute path of `rel` inside the workspace. A path that leaves the workspace — by `..`, by
 * being absolute elsewhere, or through a symlink pointing outside — cannot be checked (error).
 */
export async function resolveInWorkspace(workspace: string, rel: string, field: string): Promise<string> {
  const root = path.resolve(workspace);
  const target = path.resolve(root, rel);
  if (!isInside(root, target)) {
    throw new ValidatorCannotRun(`${field}: '${rel}' is outside the workspace`, { path: rel });
  }
  // A symlink inside the workspace may still point outside it; follow it only to check.
  const [realRoot, realTarget] = await Promise.all([fs.realpath(root), fs.realpath(target).catch(() => undefined)]);
  if (realTarget !== undefined && !isInside(realRoot, realTarget)) {
    throw new ValidatorCannotRun(`${field}: '${rel}' resolves outside the workspace (a symlink)`, { path: rel });
  }
  return target;
}

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Regex flags a validator accepts ('g' is added where all matches are wanted). */
const REGEX_FLAGS = /^[imsuvd]*$/;

export function compileRegex(pattern: string, flags: string | undefined, field: string): RegExp {
  const f = flags ?? '';
  if (!REGEX_FLAGS.test(f)) throw new ValidatorCannotRun(`${field}: flags '${f}' are not allowed (use any of i, m, s, u, v, d)`);
  try {
    return new RegExp(pattern, `${f}g`);
  } catch (err) {
    throw new ValidatorCannotRun(`${field}: not a valid regular expression: ${(err as Error).message}`, { pattern });
  }
}

export interface TextMatch {
  line: number;
  /** The matched text, cut to MATCH_TEXT_MAX_CHARS. */
  match: string;
}

/** A matched text longer than this is cut in evidence. */
export const MATCH_TEXT_MAX_CHARS = 200;

/** Every match of a global regex in `text`, with its 1-based line, at most `limit` of them. */
export function findMatches(text: string, regex: RegExp, limit: number): { matches: TextMatch[]; total: number } {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const matches: TextMatch[] = [];
  let total = 0;
  regex.lastIndex = 0;
  for (const m of text.matchAll(regex)) {
    total += 1;
    if (matches.length < limit) matches.push({ line: lineOf(lineStarts, m.index), match: m[0].slice(0, MATCH_TEXT_MAX_CHARS) });
  }
  return { matches, total };
}

function lineOf(lineStarts: number[], index: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** The last `maxChars` characters of a text, marked when cut. */
export function tail(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `…${text.slice(text.length - maxChars)}`;
}

/** Whether a buffer looks binary (a NUL byte in its first 8 KiB), so text checks skip it. */
export function looksBinary(buf: Uint8Array): boolean {
  return buf.subarray(0, 8192).includes(0);
}

/** The file's contents, or undefined when it does not exist (or is not a regular file). */
export async function readFileIfPresent(file: string): Promise<Buffer | undefined> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return undefined;
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
}
