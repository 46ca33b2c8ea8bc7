/**
 * `file_exists`, `file_contains` and `forbidden_patterns`: checks on the files in the workspace
 * (and, for forbidden patterns, on the agent's tool outputs). Paths cannot leave the workspace.
 */
import fs from 'node:fs/promises';
import { z } from 'zod';
import {
  compileRegex,
  findMatches,
  looksBinary,
  normalizeRelative,
  parseConfig,
  readFileIfPresent,
  resolveInWorkspace,
  ValidatorCannotRun,
  type TextMatch,
} from '../support.js';
import type { ValidationContext, ValidatorOutcome } from '../types.js';

/** Matches listed in evidence per check; the total count is always given. */
export const MAX_MATCHES_IN_EVIDENCE = 50;

export const fileExistsConfigSchema = z.strictObject({
  path: z.string().min(1),
  shouldExist: z.boolean().default(true),
});

export async function fileExistsValidator(config: Record<string, unknown>, ctx: ValidationContext): Promise<ValidatorOutcome> {
  const cfg = parseConfig(fileExistsConfigSchema, config, 'file_exists');
  const file = await resolveInWorkspace(ctx.workspace, cfg.path, 'config.path');
  const stat = await fs.stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    throw err;
  });
  const exists = stat !== undefined;
  const kind = stat === undefined ? undefined : stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
  const passed = exists === cfg.shouldExist;
  return {
    verdict: passed ? 'passed' : 'failed',
    evidence: {
      path: normalizeRelative(cfg.path),
      shouldExist: cfg.shouldExist,
      exists,
      kind,
      explanation: `${normalizeRelative(cfg.path)} ${exists ? `exists (${kind})` : 'does not exist'}; it should ${cfg.shouldExist ? '' : 'not '}exist`,
    },
  };
}

export const fileContainsConfigSchema = z.strictObject({
  path: z.string().min(1),
  /** A JavaScript regular expression, matched against the whole file. */
  pattern: z.string().min(1),
  flags: z.string().optional(),
  shouldMatch: z.boolean().default(true),
});

/**
 * A missing file fails either way: the content check was about a file the work should have, and
 * passing `shouldMatch: false` on a file that is not there would verify nothing.
 */
export async function fileContainsValidator(config: Record<string, unknown>, ctx: ValidationContext): Promise<ValidatorOutcome> {
  const cfg = parseConfig(fileContainsConfigSchema, config, 'file_contains');
  const regex = compileRegex(cfg.pattern, cfg.flags, 'config.pattern');
  const file = await resolveInWorkspace(ctx.workspace, cfg.path, 'config.path');
  const rel = normalizeRelative(cfg.path);
  const content = await readFileIfPresent(file);
  const base = { path: rel, pattern: cfg.pattern, flags: cfg.flags ?? '', shouldMatch: cfg.shouldMatch };
  if (content === undefined) {
    return { verdict: 'failed', evidence: { ...base, exists: false, explanation: `${rel} does not exist (or is not a file)` } };
  }
  const { matches, total } = findMatches(content.toString('utf8'), regex, MAX_MATCHES_IN_EVIDENCE);
  const passed = (total > 0) === cfg.shouldMatch;
  return {
    verdict: passed ? 'passed' : 'failed',
    evidence: {
      ...base,
      exists: true,
      matchCount: total,
      matches: matches.map((m) => ({ file: rel, ...m })),
      explanation: `/${cfg.pattern}/ matched ${total} time(s) in ${rel}; it should ${cfg.shouldMatch ? '' : 'not '}match`,
    },
  };
}

export const FORBIDDEN_SCOPES = ['changed_files', 'tool_outputs', 'both'] as const;

export const forbiddenPatternsConfigSchema = z.strictObject({
  patterns: z.array(z.string().min(1)).min(1, 'must list at least one pattern'),
  scope: z.enum(FORBIDDEN_SCOPES).default('changed_files'),
  flags: z.string().optional(),
});

interface ForbiddenMatch extends TextMatch {
  /** `file` for a changed file; `tool_output` (with its index) for a tool output. */
  source: 'file' | 'tool_output';
  file?: string;
  toolOutput?: number;
  pattern: string;
}

/** Fails when any pattern occurs in the changed files and/or the tool outputs; lists each match. */
export async function forbiddenPatternsValidator(config: Record<string, unknown>, ctx: ValidationContext): Promise<ValidatorOutcome> {
  const cfg = parseConfig(forbiddenPatternsConfigSchema, config, 'forbidden_patterns');
  const regexes = cfg.patterns.map((p, i) => ({ pattern: p, regex: compileRegex(p, cfg.flags, `config.patterns[${i}]`) }));
  const scanFiles = cfg.scope !== 'tool_outputs';
  const scanTools = cfg.scope !== 'changed_files';
  if (scanTools && ctx.toolOutputs === undefined) {
    throw new ValidatorCannotRun(`scope '${cfg.scope}' needs the agent's tool outputs, and none were provided`);
  }

  const found: ForbiddenMatch[] = [];
  let total = 0;
  const scan = (text: string, where: Pick<ForbiddenMatch, 'source' | 'file' | 'toolOutput'>): void => {
    for (const { pattern, regex } of regexes) {
      const room = Math.max(0, MAX_MATCHES_IN_EVIDENCE - found.length);
      const { matches, total: n } = findMatches(text, regex, room);
      total += n;
      for (const m of matches) found.push({ ...where, pattern, ...m });
    }
  };

  const filesScanned: string[] = [];
  const filesSkipped: { file: string; reason: string }[] = [];
  if (scanFiles) {
    for (const changed of ctx.changedFiles) {
      const rel = normalizeRelative(changed);
      const content = await readFileIfPresent(await resolveInWorkspace(ctx.workspace, changed, 'changedFiles'));
      if (content === undefined) filesSkipped.push({ file: rel, reason: 'deleted or not a file' });
      else if (looksBinary(content)) filesSkipped.push({ file: rel, reason: 'binary' });
      else {
        filesScanned.push(rel);
        scan(content.toString('utf8'), { source: 'file', file: rel });
      }
    }
  }
  const toolOutputs = scanTools ? (ctx.toolOutputs ?? []) : [];
  toolOutputs.forEach((text, index) => scan(text, { source: 'tool_output', toolOutput: index }));

  const where = (m: ForbiddenMatch): string => (m.source === 'file' ? `${m.file}:${m.line}` : `tool output ${m.toolOutput}:${m.line}`);
  return {
    verdict: total === 0 ? 'passed' : 'failed',
    evidence: {
      scope: cfg.scope,
      patterns: cfg.patterns,
      filesScanned,
      filesSkipped,
      toolOutputsScanned: toolOutputs.length,
      matchCount: total,
      matches: found,
      explanation:
        total === 0
          ? `no forbidden pattern in ${filesScanned.length} file(s) and ${toolOutputs.length} tool output(s)`
          : `${total} forbidden match(es): ${found
              .slice(0, 5)
              .map((m) => `${where(m)} /${m.pattern}/`)
              .join(', ')}${found.length > 5 ? ', …' : ''}`,
    },
  };
}
