/**
 * What a profile and a spec are, as written in YAML/JSON files (`gaffer spec apply`) or sent to
 * the API. These zod schemas are the contract every subsystem reads: the queue (executor,
 * timeout, retry, approval, concurrency), the executors (command, instructions, tool policy,
 * budgets), acceptance (validators, gate) and routing (profiles and their thresholds).
 */
import { z } from 'zod';
import { FAILURE_CLASSES, MODES } from '../db/vocabulary.js';

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'must be lowercase letters, digits, ".", "_" or "-" (at most 100)');

/** Per-token prices in US dollars per million tokens. */
export const pricesSchema = z.strictObject({
  inputPerMTok: z.number().nonnegative(),
  outputPerMTok: z.number().nonnegative(),
  cachedInputPerMTok: z.number().nonnegative().optional(),
});

export const profileDefinitionSchema = z.strictObject({
  kind: z.literal('Profile').optional(),
  name,
  description: z.string().optional(),
  /** Any OpenAI-compatible endpoint. */
  provider: z.enum(['openai-compatible']).default('openai-compatible'),
  /** Base URL of the endpoint (…/v1); default OPENAI_BASE_URL. */
  baseUrl: z.url().optional(),
  model: z.string().min(1),
  /** Environment variable holding the API key (never the key itself). Default OPENAI_API_KEY. */
  apiKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name').default('OPENAI_API_KEY'),
  parameters: z
    .strictObject({
      temperature: z.number().min(0).max(2).optional(),
      topP: z.number().min(0).max(1).optional(),
      maxTokens: z.number().int().positive().optional(),
      seed: z.number().int().optional(),
    })
    .default({}),
  systemPrompt: z.string().optional(),
  /** Restrict the agent's tools to these (default: all the spec's mode allows). */
  tools: z.array(z.string().min(1)).optional(),
  prices: pricesSchema.optional(),
  /** Rules routing: the highest task complexity (0..1) this profile should take; its tier orders strength. */
  routing: z
    .strictObject({
      maxComplexity: z.number().min(0).max(1).default(1),
      tier: z.number().int().min(0).default(0),
    })
    .default({ maxComplexity: 1, tier: 0 }),
});
export type ProfileDefinition = z.output<typeof profileDefinitionSchema>;

export const RETRY_POLICIES = ['none', 'fixed', 'exponential'] as const;
export const GATE_MODES = ['all_pass', 'any_pass', 'weighted'] as const;

export const validatorSchema = z.looseObject({
  /** Validator type: command, file_exists, file_contains, forbidden_patterns, diff_limits, json_schema, llm_judge. */
  type: z.string().min(1),
  name: z.string().min(1).optional(),
  config: z.record(z.string(), z.unknown()).default({}),
  weight: z.number().nonnegative().default(1),
  required: z.boolean().default(false),
});

export const retrySchema = z
  .strictObject({
    policy: z.enum(RETRY_POLICIES).default('none'),
    maxRetries: z.number().int().min(0).max(100).default(0),
    /** First delay (fixed: every delay), ms. */
    backoffMs: z.number().int().min(0).default(1_000),
    /** Cap for exponential backoff, ms. */
    maxBackoffMs: z.number().int().min(0).default(300_000),
    /** Random share of each delay (0..1) so retries of many tasks do not line up. */
    jitter: z.number().min(0).max(1).default(0.2),
  })
  .default({ policy: 'none', maxRetries: 0, backoffMs: 1_000, maxBackoffMs: 300_000, jitter: 0.2 });

export const acceptanceSchema = z
  .strictObject({
    validators: z.array(validatorSchema).default([]),
    gate: z.enum(GATE_MODES).default('all_pass'),
    /** Weighted gate: the weighted mean score must reach this (and every required validator pass). */
    minScore: z.number().min(0).max(1).default(1),
    retry: retrySchema,
    /** A spec run as a new, linked task once retries are exhausted. */
    fallbackSpec: name.optional(),
    /** Failure classes escalated at once instead of retried (default: contract_violation, budget_exceeded, unknown). */
    noRetryClasses: z.array(z.enum(FAILURE_CLASSES)).optional(),
  })
  .default({
    validators: [],
    gate: 'all_pass',
    minScore: 1,
    retry: { policy: 'none', maxRetries: 0, backoffMs: 1_000, maxBackoffMs: 300_000, jitter: 0.2 },
  });

/**
 * When a task of this spec needs a person's approval before it runs: never, always, or when the
 * input matches a JSON Schema (`{ when: { type: 'object', properties: { env: { const: 'prod' } } } }`).
 */
export const approvalPolicySchema = z.union([
  z.enum(['never', 'always']),
  z.strictObject({ when: z.record(z.string(), z.unknown()) }),
]);

export const specDefinitionSchema = z.strictObject({
  kind: z.literal('Spec').optional(),
  name,
  description: z.string().optional(),
  executor: z.enum(['shell', 'agent', 'cli_agent']),
  /** shell: argv; each element may hold {{input.path}} placeholders, substituted per element (no shell). */
  command: z.array(z.string()).min(1).optional(),
  /** Working directory for shell commands (default: the worker's temporary folder for the run). */
  cwd: z.string().optional(),
  /** agent / cli_agent: the instruction template ({{input.path}} placeholders). */
  instructions: z.string().optional(),
  /** cli_agent: argv template; {{promptFile}} is the rendered instructions written to a file. */
  cli: z.strictObject({ argv: z.array(z.string()).min(1) }).optional(),
  /** JSON Schema the task input must match. */
  inputSchema: z.record(z.string(), z.unknown()).optional(),
  /** Profiles this spec may run with (routing picks among them). */
  profiles: z.array(name).default([]),
  /** Rules routing (docs/glossary.md#routing): keyword classes and a daily spend budget. */
  routing: z
    .strictObject({
      /** Keyword classes that force the strongest allowed profile; default: security, schema, api. */
      keywordClasses: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).optional(),
      /** What this spec's runs may spend per UTC day, in USD. */
      dailyBudgetUsd: z
        .strictObject({
          /** Past this: still routed as usual, with a warning in the routing decision and the run. */
          soft: z.number().nonnegative().optional(),
          /** Past this: only the cheapest profile (`cheapest`), or no run at all (`refuse`). */
          hard: z.number().nonnegative().optional(),
          atHardCap: z.enum(['cheapest', 'refuse']).default('cheapest'),
        })
        .optional(),
    })
    .optional(),
  workspace: z
    .strictObject({
      /** A local repository path or git URL; a task may give `input.repo` instead. */
      repo: z.string().optional(),
      baseRef: z.string().default('HEAD'),
    })
    .optional(),
  toolPolicy: z
    .strictObject({
      mode: z.enum(MODES).default('autonomous'),
      allowedTools: z.array(z.string()).optional(),
      /** Globs (workspace-relative) that every write must match. */
      allowedPaths: z.array(z.string().min(1)).optional(),
      /** Regexes no written file content and no command line may match. */
      forbiddenPatterns: z
        .array(
          z.string().refine((p) => {
            try {
              new RegExp(p, 'm');
              return true;
            } catch {
              return false;
            }
          }, 'must be a valid regular expression'),
        )
        .optional(),
    })
    .default({ mode: 'autonomous' }),
  budgets: z
    .strictObject({
      maxTurns: z.number().int().positive().optional(),
      maxTokens: z.number().int().positive().optional(),
      maxCostUsd: z.number().positive().optional(),
      wallTimeMs: z.number().int().positive().optional(),
    })
    .default({}),
  /** Kill the work after this long (ms); the run ends timed_out. */
  timeoutMs: z.number().int().positive().max(7 * 24 * 3600 * 1000).optional(),
  approval: approvalPolicySchema.default('never'),
  concurrency: z
    .strictObject({
      /** Template for the concurrency key ({{input.path}}); a submit's own key wins. */
      key: z.string().optional(),
      limit: z.number().int().min(1).default(1),
    })
    .default({ limit: 1 }),
  priority: z.number().int().min(-1000).max(1000).default(0),
  acceptance: acceptanceSchema,
}).superRefine((spec, ctx) => {
  if (spec.executor === 'shell' && !spec.command) {
    ctx.addIssue({ code: 'custom', path: ['command'], message: "is required for executor 'shell' (an argv array)" });
  }
  if (spec.executor === 'agent' && !spec.instructions) {
    ctx.addIssue({ code: 'custom', path: ['instructions'], message: "is required for executor 'agent'" });
  }
  if (spec.executor === 'cli_agent' && !spec.cli) {
    ctx.addIssue({ code: 'custom', path: ['cli'], message: "is required for executor 'cli_agent' ({ argv: [...] })" });
  }
});
export type SpecDefinition = z.output<typeof specDefinitionSchema>;
export type SpecDefinitionInput = z.input<typeof specDefinitionSchema>;
export type ProfileDefinitionInput = z.input<typeof profileDefinitionSchema>;
