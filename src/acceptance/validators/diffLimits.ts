/**
 * `diff_limits`: bounds on the change itself — how many files, how many lines, and which paths may
 * (allowedPaths) or may not (forbiddenPaths) be touched. Paths are workspace-relative globs (see
 * glob.ts). The files are the diff's files when a diff summary is given, else `changedFiles`.
 */
import { z } from 'zod';
import { matchesAny } from '../glob.js';
import { normalizeRelative, parseConfig, ValidatorCannotRun } from '../support.js';
import type { ValidationContext, ValidatorOutcome } from '../types.js';

export const diffLimitsConfigSchema = z
  .strictObject({
    maxFiles: z.number().int().nonnegative().optional(),
    /** Added plus removed lines. Needs a diff summary in the context. */
    maxLinesChanged: z.number().int().nonnegative().optional(),
    /** Every changed path must match one of these. */
    allowedPaths: z.array(z.string().min(1)).optional(),
    /** No changed path may match any of these. */
    forbiddenPaths: z.array(z.string().min(1)).optional(),
  })
  .refine((c) => c.maxFiles !== undefined || c.maxLinesChanged !== undefined || c.allowedPaths !== undefined || c.forbiddenPaths !== undefined, {
    message: 'sets no limit: give maxFiles, maxLinesChanged, allowedPaths or forbiddenPaths',
  });

interface Violation {
  rule: 'maxFiles' | 'maxLinesChanged' | 'allowedPaths' | 'forbiddenPaths';
  path?: string;
  detail: string;
}

export async function diffLimitsValidator(config: Record<string, unknown>, ctx: ValidationContext): Promise<ValidatorOutcome> {
  const cfg = parseConfig(diffLimitsConfigSchema, config, 'diff_limits');
  if (cfg.maxLinesChanged !== undefined && ctx.diff === undefined) {
    throw new ValidatorCannotRun('maxLinesChanged needs a diff summary (line counts), and none was provided');
  }
  const paths = [...new Set((ctx.diff ? ctx.diff.files.map((f) => f.path) : ctx.changedFiles).map(normalizeRelative))];
  const linesChanged = ctx.diff ? ctx.diff.linesAdded + ctx.diff.linesRemoved : undefined;
  const violations: Violation[] = [];

  if (cfg.maxFiles !== undefined && paths.length > cfg.maxFiles) {
    violations.push({ rule: 'maxFiles', detail: `${paths.length} files changed; at most ${cfg.maxFiles} allowed` });
  }
  if (cfg.maxLinesChanged !== undefined && linesChanged !== undefined && linesChanged > cfg.maxLinesChanged) {
    violations.push({ rule: 'maxLinesChanged', detail: `${linesChanged} lines changed; at most ${cfg.maxLinesChanged} allowed` });
  }
  for (const p of paths) {
    if (cfg.allowedPaths && matchesAny(p, cfg.allowedPaths) === undefined) {
      violations.push({ rule: 'allowedPaths', path: p, detail: `${p} matches none of the allowed paths` });
    }
    const forbidden = cfg.forbiddenPaths ? matchesAny(p, cfg.forbiddenPaths) : undefined;
    if (forbidden !== undefined) violations.push({ rule: 'forbiddenPaths', path: p, detail: `${p} matches forbidden path ${forbidden}` });
  }

  return {
    verdict: violations.length === 0 ? 'passed' : 'failed',
    evidence: {
      limits: cfg,
      files: paths.length,
      linesChanged,
      paths,
      violations,
      explanation:
        violations.length === 0
          ? `${paths.length} file(s)${linesChanged === undefined ? '' : `, ${linesChanged} line(s)`} changed, within limits`
          : violations.map((v) => v.detail).join('; '),
    },
  };
}
