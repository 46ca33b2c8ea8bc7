/**
 * User rules: project-specific patterns ("our deploy script prints QUOTA_GONE") that extend the
 * built-ins. Validated with zod so a bad rule fails loudly at configuration time with the field
 * named (`rules[2].pattern: invalid regular expression: ...`), never silently at classification.
 * See UserRule in types.ts for how `precedence` competes with built-in evidence.
 */
import { z } from 'zod';
import { FAILURE_CLASSES, type FailureClass } from '../db/vocabulary.js';
import type { Evidence, UserRule } from './types.js';
import { lineAt } from './text.js';

/** A user rule that matches adds this much evidence at precedence 0. */
export const USER_RULE_WEIGHT = 0.85;
/** Longest accepted pattern source; longer ones are almost always pasted logs, not rules. */
export const MAX_PATTERN_CHARS = 2000;

const userRuleSchema = z
  .object({
    pattern: z.string().min(1, 'must be a non-empty regular expression').max(MAX_PATTERN_CHARS, `must be at most ${MAX_PATTERN_CHARS} characters`),
    flags: z
      .string()
      .regex(/^[dgimsuvy]*$/, "may only contain the RegExp flags d, g, i, m, s, u, v, y")
      .optional(),
    class: z.enum(FAILURE_CLASSES, { error: `must be one of ${FAILURE_CLASSES.join(', ')}` }),
    precedence: z.number({ error: 'must be a finite number' }).optional(),
    name: z.string().max(200).optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    try {
      new RegExp(rule.pattern, cleanFlags(rule.flags));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: `invalid regular expression: ${why}` });
    }
  });

export const userRulesSchema = z.array(userRuleSchema);

export interface CompiledUserRule {
  name: string;
  cls: FailureClass;
  precedence: number;
  /** Position in the caller's list; earlier rules win ties. */
  order: number;
  re: RegExp;
}

/** 'g' and 'y' make RegExp stateful; a rule is tested once against the whole text, so drop them. */
function cleanFlags(flags: string | undefined): string {
  return (flags ?? '').replace(/[gy]/g, '');
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = 'rules';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `.${String(part)}`;
  return out;
}

/**
 * Validates and compiles user rules. Throws an Error naming every bad field, e.g.
 * `rules[2].pattern: invalid regular expression: Invalid regular expression: /(/: Unterminated group`.
 */
export function compileUserRules(rules: unknown): CompiledUserRule[] {
  const parsed = userRulesSchema.safeParse(rules);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    throw new Error(lines.join('; '));
  }
  return parsed.data.map((r: UserRule, order) => ({
    name: r.name ?? `rules[${order}]`,
    cls: r.class,
    precedence: r.precedence ?? 0,
    order,
    re: new RegExp(r.pattern, cleanFlags(r.flags)),
  }));
}

export interface UserRuleMatch {
  rule: CompiledUserRule;
  index: number;
}

export function matchUserRules(text: string, rules: readonly CompiledUserRule[]): UserRuleMatch[] {
  const out: UserRuleMatch[] = [];
  for (const rule of rules) {
    const m = rule.re.exec(text);
    if (m !== null) out.push({ rule, index: m.index });
  }
  return out;
}

/** The decisive match: highest precedence above zero, earliest rule on ties. */
export function decisiveUserMatch(matches: readonly UserRuleMatch[]): UserRuleMatch | undefined {
  let best: UserRuleMatch | undefined;
  for (const m of matches) {
    if (m.rule.precedence <= 0) continue;
    if (best === undefined || m.rule.precedence > best.rule.precedence) best = m;
  }
  return best;
}

/** Fallback used only when the built-ins answer unknown: highest (negative) precedence, earliest on ties. */
export function fallbackUserMatch(matches: readonly UserRuleMatch[]): UserRuleMatch | undefined {
  let best: UserRuleMatch | undefined;
  for (const m of matches) {
    if (m.rule.precedence >= 0) continue;
    if (best === undefined || m.rule.precedence > best.rule.precedence) best = m;
  }
  return best;
}

/** Precedence-0 matches become ordinary evidence. */
export function userEvidence(text: string, matches: readonly UserRuleMatch[]): Evidence[] {
  const size = Math.max(1, text.length);
  return matches
    .filter((m) => m.rule.precedence === 0)
    .map((m) => ({ cls: m.rule.cls, weight: USER_RULE_WEIGHT, source: 'user' as const, rule: m.rule.name, line: lineAt(text, m.index), pos: m.index / size }));
}
