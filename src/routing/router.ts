/**
 * Rules routing: which of a spec's allowed profiles runs an attempt. `chooseProfile` is the pure
 * rule (unit-tested on its own); `routeAttempt` gathers its inputs from the task, the previous
 * attempt and today's spend, records the `routing` decision and stamps the run with the profile
 * version it uses.
 *
 * The rules, in order — the first that applies decides:
 *   0. A person's choice (task overrides.profile, set by resolving an escalation) among the allowed.
 *   1. Spend today ≥ the hard cap: `refuse` → no run; `cheapest` → the cheapest allowed profile.
 *   2. A keyword class matches the instructions or input → the strongest allowed profile.
 *   3. A retry after a failed attempt → the cheapest profile stronger than the last attempt's that
 *      covers the complexity (else the strongest stronger one; else the last one again).
 *   4. Otherwise → the cheapest profile whose `routing.maxComplexity` covers the complexity; when
 *      none does, the one with the highest `maxComplexity`.
 * Past the soft cap the choice is unchanged and the decision carries a warning.
 *
 * Strength is `routing.tier` (higher is stronger), then price; cost is the price of a million
 * input plus a million output tokens (a profile without prices counts as free).
 *
 * Complexity (0..1), documented in docs/glossary.md#routing:
 *   0.45 · min(1, instruction chars / 4,000) + 0.35 · min(1, files in scope / 20)
 *     + 0.20 · min(1, input JSON bytes / 20,000)
 * where files in scope is the length of `input.files` when it is a list, else the number of
 * distinct file-like paths (`src/a.ts`, `README.md`) in the instructions and input.
 */
import { sql } from 'drizzle-orm';
import { execRows } from '../db/connection.js';
import type { ExecutionContext } from '../executor/types.js';
import type { ProfileDefinition, SpecDefinition } from '../specs/definitions.js';
import { getProfile, type ProfileVersionRecord } from '../specs/specStore.js';

export const DEFAULT_KEYWORD_CLASSES: Readonly<Record<string, readonly string[]>> = {
  security: ['security', 'vulnerability', 'cve', 'auth', 'authentication', 'authorization', 'password', 'secret', 'credential', 'encrypt', 'permission', 'xss', 'csrf', 'injection'],
  schema: ['migration', 'schema', 'alter table', 'database', 'drop column', 'foreign key'],
  api: ['public api', 'api change', 'breaking change', 'endpoint', 'openapi', 'graphql schema', 'protocol'],
};

export interface RouteCandidate {
  name: string;
  version: number;
  tier: number;
  maxComplexity: number;
  /** USD for 1M input + 1M output tokens. */
  cost: number;
}

export interface RouteInputs {
  candidates: RouteCandidate[];
  complexity: number;
  keywordMatches: { className: string; keyword: string }[];
  attempt: number;
  /** The profile of the previous attempt, when it failed. */
  previousProfile?: string;
  spentTodayUsd: number;
  budget?: NonNullable<SpecDefinition['routing']>['dailyBudgetUsd'];
  /** A person's choice (an escalation resolved with "retry with a stronger profile"). */
  override?: string;
}

export interface RouteChoice {
  /** Undefined when the hard cap refuses the run. */
  profile: RouteCandidate | undefined;
  rule: 'override' | 'hard_cap_refuse' | 'hard_cap_cheapest' | 'keyword' | 'retry_stronger' | 'complexity';
  reason: string;
  warnings: string[];
  /** How sure the rule is of its choice (0..1). */
  confidence: number;
}

const byCheapest = (a: RouteCandidate, b: RouteCandidate): number => a.cost - b.cost || a.tier - b.tier || a.name.localeCompare(b.name);
/** Strongest first: higher tier, then higher price. Escalations rank profiles the same way. */
export const byStrongest = (a: RouteCandidate, b: RouteCandidate): number => b.tier - a.tier || b.cost - a.cost || a.name.localeCompare(b.name);

export function chooseProfile(inputs: RouteInputs): RouteChoice {
  const { candidates, complexity, budget } = inputs;
  const warnings: string[] = [];
  const cheapest = [...candidates].sort(byCheapest);
  const strongest = [...candidates].sort(byStrongest);
  const spent = inputs.spentTodayUsd;
  const chosen = inputs.override === undefined ? undefined : candidates.find((c) => c.name === inputs.override);
  if (chosen) return { profile: chosen, rule: 'override', reason: `a person chose '${chosen.name}' (escalation resolved)`, warnings, confidence: 1 };
  if (budget?.hard !== undefined && spent >= budget.hard) {
    const why = `spent $${spent.toFixed(4)} today, at or over the hard cap of $${budget.hard}`;
    if (budget.atHardCap === 'refuse') return { profile: undefined, rule: 'hard_cap_refuse', reason: `${why}: no run`, warnings, confidence: 1 };
    return { profile: cheapest[0], rule: 'hard_cap_cheapest', reason: `${why}: the cheapest profile only`, warnings, confidence: 1 };
  }
  if (budget?.soft !== undefined && spent >= budget.soft) warnings.push(`spent $${spent.toFixed(4)} today, over the soft cap of $${budget.soft}`);

  if (inputs.keywordMatches.length > 0) {
    const classes = [...new Set(inputs.keywordMatches.map((m) => m.className))];
    return { profile: strongest[0], rule: 'keyword', reason: `matches ${classes.join(', ')} (${inputs.keywordMatches.map((m) => `'${m.keyword}'`).join(', ')}): the strongest allowed profile`, warnings, confidence: 0.9 };
  }
  const covering = cheapest.filter((c) => c.maxComplexity >= complexity);
  if (inputs.attempt > 1 && inputs.previousProfile) {
    const previous = candidates.find((c) => c.name === inputs.previousProfile);
    if (previous) {
      const stronger = cheapest.filter((c) => byStrongest(c, previous) < 0);
      const pick = stronger.find((c) => c.maxComplexity >= complexity) ?? [...stronger].sort(byStrongest)[0];
      if (pick) return { profile: pick, rule: 'retry_stronger', reason: `attempt ${inputs.attempt - 1} failed with '${previous.name}': a stronger profile`, warnings, confidence: 0.7 };
      return { profile: previous, rule: 'retry_stronger', reason: `attempt ${inputs.attempt - 1} failed with '${previous.name}', the strongest allowed: the same again`, warnings, confidence: 0.5 };
    }
  }
  if (covering[0]) {
    return { profile: covering[0], rule: 'complexity', reason: `complexity ${complexity.toFixed(2)}: the cheapest profile covering it (maxComplexity ${covering[0].maxComplexity})`, warnings, confidence: 0.6 + 0.4 * Math.abs(covering[0].maxComplexity - complexity) };
  }
  const widest = [...candidates].sort((a, b) => b.maxComplexity - a.maxComplexity || byCheapest(a, b))[0];
  return { profile: widest, rule: 'complexity', reason: `complexity ${complexity.toFixed(2)} is above every profile's maxComplexity: the one that reaches highest`, warnings, confidence: 0.4 };
}

export interface ComplexityFactors {
  instructionChars: number;
  filesInScope: number;
  inputBytes: number;
}

export function complexityOf(f: ComplexityFactors): number {
  const c = 0.45 * Math.min(1, f.instructionChars / 4_000) + 0.35 * Math.min(1, f.filesInScope / 20) + 0.2 * Math.min(1, f.inputBytes / 20_000);
  return Math.round(Math.min(1, Math.max(0, c)) * 1000) / 1000;
}

const FILE_LIKE = /(?:^|[\s"'`(])((?:[\w.-]+\/)*[\w-]+\.(?:ts|tsx|js|jsx|mjs|cjs|py|rs|go|java|kt|rb|php|cs|c|h|cpp|hpp|swift|md|json|ya?ml|toml|sql|sh|css|html))\b/g;

export function complexityFactors(instructions: string, input: unknown): ComplexityFactors {
  const inputJson = JSON.stringify(input ?? {});
  const files = (input as { files?: unknown } | null)?.files;
  let filesInScope: number;
  if (Array.isArray(files)) filesInScope = files.length;
  else {
    const found = new Set<string>();
    for (const text of [instructions, inputJson]) for (const m of text.matchAll(FILE_LIKE)) found.add(m[1]!);
    filesInScope = found.size;
  }
  return { instructionChars: instructions.length, filesInScope, inputBytes: Buffer.byteLength(inputJson) };
}

export function keywordMatches(text: string, classes: Readonly<Record<string, readonly string[]>>): { className: string; keyword: string }[] {
  const lower = text.toLowerCase();
  const matches: { className: string; keyword: string }[] = [];
  for (const [className, keywords] of Object.entries(classes)) {
    for (const keyword of keywords) {
      const k = keyword.toLowerCase();
      const re = new RegExp(`(^|[^a-z0-9])${k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-z0-9])`);
      if (re.test(lower)) {
        matches.push({ className, keyword });
        break;
      }
    }
  }
  return matches;
}

function costOf(p: ProfileDefinition): number {
  return p.prices ? p.prices.inputPerMTok + p.prices.outputPerMTok : 0;
}

/** A profile version as routing (and escalation options) compare it. */
export function routeCandidate(name: string, version: number, definition: ProfileDefinition): RouteCandidate {
  return { name, version, tier: definition.routing.tier, maxComplexity: definition.routing.maxComplexity, cost: costOf(definition) };
}

export type Routed = { profile: ProfileVersionRecord; choice: RouteChoice } | { profile: undefined; choice: RouteChoice };

/** Routes one attempt of an agent task; records the decision; stamps the run's profile version. */
export async function routeAttempt(ctx: ExecutionContext, instructions: string): Promise<Routed> {
  const def = ctx.spec.definition;
  const profiles = await Promise.all(def.profiles.map((name) => getProfile(ctx.resources, name)));
  const candidates = profiles.map((p) => routeCandidate(p.name, p.version, p.definition));
  const factors = complexityFactors(instructions, ctx.input);
  const complexity = complexityOf(factors);
  const classes = def.routing?.keywordClasses ?? DEFAULT_KEYWORD_CLASSES;
  const matches = keywordMatches(`${instructions}\n${JSON.stringify(ctx.input ?? {})}`, classes);
  const res = ctx.resources;
  const [spend] = await execRows<{ spent: number; previous: string | null }>(
    res.db.drizzle,
    sql`SELECT
          (SELECT coalesce(sum(r.cost_usd), 0)::float8 FROM runs r
             WHERE r.spec_version_id IN (SELECT id FROM spec_versions WHERE spec_id = ${ctx.spec.specId})
               AND r.started_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS spent,
          (SELECT p.name FROM runs r JOIN profile_versions pv ON pv.id = r.profile_version_id JOIN profiles p ON p.id = pv.profile_id
             WHERE r.task_id = ${ctx.task.id} AND r.attempt = ${ctx.attempt - 1} AND r.status <> 'succeeded' LIMIT 1) AS previous`,
  );
  const inputs: RouteInputs = {
    candidates,
    complexity,
    keywordMatches: matches,
    attempt: ctx.attempt,
    ...(spend?.previous ? { previousProfile: spend.previous } : {}),
    spentTodayUsd: spend?.spent ?? 0,
    ...(def.routing?.dailyBudgetUsd ? { budget: def.routing.dailyBudgetUsd } : {}),
  };
  const override = (ctx.task.overrides as { profile?: unknown } | null)?.profile;
  if (typeof override === 'string') inputs.override = override;
  const choice = chooseProfile(inputs);
  await ctx.record('decision', {
    decisionType: 'routing',
    inputs: { complexity, factors, keywordMatches: matches, attempt: ctx.attempt, previousProfile: inputs.previousProfile ?? null, spentTodayUsd: inputs.spentTodayUsd, budget: inputs.budget ?? null },
    output: choice.profile ? { profile: choice.profile.name, profileVersion: choice.profile.version, rule: choice.rule } : { profile: null, rule: choice.rule },
    candidates: candidates.map((c) => ({ ...c, covers: c.maxComplexity >= complexity })),
    confidence: Math.min(1, Math.max(0, choice.confidence)),
    reason: [choice.reason, ...choice.warnings].join('; '),
    ...(choice.warnings.length ? { warnings: choice.warnings } : {}),
  });
  if (!choice.profile) return { profile: undefined, choice };
  const profile = profiles.find((p) => p.name === choice.profile!.name)!;
  if (ctx.runId) await res.db.drizzle.execute(sql`UPDATE runs SET profile_version_id = ${profile.profileVersionId} WHERE id = ${ctx.runId}`);
  return { profile, choice };
}
