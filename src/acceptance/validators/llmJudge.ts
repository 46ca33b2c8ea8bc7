/**
 * `llm_judge`: a real model call, through the provider layer, that grades the work against a rubric
 * and answers `{ "score": 0..1, "explanation": "..." }`. Passes when score ≥ threshold; the score
 * itself feeds the weighted gate. Every HTTP call the judge makes is kept raw in the evidence (and
 * handed to `ctx.onLlmCall`, so the caller can record `llm_call` events).
 *
 * The judge never gets to pass by failing: a call that errors (no key, 429, 500, timeout), a reply
 * that is not the JSON asked for, or a score outside 0..1 gives verdict `error`, never a score.
 */
import { generateText } from 'ai';
import { z } from 'zod';
import {
  createRecordingModel,
  profileCallSettings,
  type ModelProfile,
  type ProviderLanguageModel,
  type RecordedCall,
} from '../../providers/index.js';
import { profileDefinitionSchema } from '../../specs/definitions.js';
import { looksBinary, normalizeRelative, parseConfig, readFileIfPresent, resolveInWorkspace, ValidatorCannotRun } from '../support.js';
import type { ValidationContext, ValidatorOutcome } from '../types.js';

export const DEFAULT_JUDGE_THRESHOLD = 0.7;
/** Default budget of characters for what the judge is shown (final output plus files). */
export const DEFAULT_JUDGE_INPUT_CHARS = 60_000;
/** At most this many characters of one file are shown to the judge. */
export const JUDGE_FILE_MAX_CHARS = 20_000;

export const llmJudgeConfigSchema = z.strictObject({
  rubric: z.string().min(1),
  /** A profile name (resolved by the caller) or a whole profile definition. */
  profile: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  threshold: z.number().min(0).max(1).default(DEFAULT_JUDGE_THRESHOLD),
  /** Retries of a failed call (429, 5xx) by the AI SDK, each recorded. */
  maxRetries: z.number().int().min(0).max(10).default(2),
  /** Show the judge the contents of the changed files (up to the input budget). */
  includeFiles: z.boolean().default(true),
  maxInputChars: z.number().int().positive().default(DEFAULT_JUDGE_INPUT_CHARS),
});

const verdictSchema = z.object({
  score: z.number().min(0).max(1),
  explanation: z.string(),
});

export const JUDGE_INSTRUCTIONS =
  'You are a strict reviewer of work done by an AI coding agent. Grade the work against the rubric. ' +
  'Reply with only a JSON object, no prose around it: {"score": <number from 0 to 1>, "explanation": "<why, briefly>"}. ' +
  '1 means the rubric is fully met, 0 means not at all.';

export async function llmJudgeValidator(config: Record<string, unknown>, ctx: ValidationContext): Promise<ValidatorOutcome> {
  const cfg = parseConfig(llmJudgeConfigSchema, config, 'llm_judge');
  const profile = await judgeProfile(cfg.profile, ctx);
  const calls: RecordedCall[] = [];
  let model: ProviderLanguageModel;
  try {
    model = createRecordingModel(profile, {
      env: ctx.env ?? process.env,
      onCall: (call) => {
        calls.push(call);
        ctx.onLlmCall?.(call);
      },
    });
  } catch (err) {
    throw new ValidatorCannotRun(`judge profile '${profile.name}': ${(err as Error).message}`);
  }
  const prompt = await judgePrompt(cfg.rubric, ctx, cfg.includeFiles, cfg.maxInputChars);
  const base = { profile: profile.name, model: profile.model, threshold: cfg.threshold, rubric: cfg.rubric };

  let text: string;
  try {
    const result = await generateText({
      model,
      system: profile.systemPrompt ? `${JUDGE_INSTRUCTIONS}\n\n${profile.systemPrompt}` : JUDGE_INSTRUCTIONS,
      prompt: prompt.text,
      maxRetries: cfg.maxRetries,
      ...profileCallSettings(profile),
      ...(ctx.signal ? { abortSignal: ctx.signal } : {}),
    });
    text = result.text;
  } catch (err) {
    const last = calls.at(-1);
    const status = last?.error?.status ?? (last && last.status > 0 ? last.status : undefined);
    throw new ValidatorCannotRun(`judge call failed${status ? ` (HTTP ${status})` : ''}: ${(err as Error).message}`, {
      ...base,
      calls: [...calls],
    });
  }

  const parsed = verdictSchema.safeParse(extractJson(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidatorCannotRun(
      `judge reply is not {"score": 0..1, "explanation": "..."}${issue ? ` (${issue.path.join('.') || 'reply'}: ${issue.message})` : ''}`,
      { ...base, reply: text.slice(0, 2_000), calls: [...calls] },
    );
  }
  const { score, explanation } = parsed.data;
  return {
    verdict: score >= cfg.threshold ? 'passed' : 'failed',
    score,
    evidence: {
      ...base,
      score,
      explanation,
      shown: prompt.shown,
      costUsd: calls.reduce((sum, c) => sum + (c.costUsd ?? 0), 0),
      calls: [...calls],
    },
  };
}

async function judgeProfile(profile: string | Record<string, unknown>, ctx: ValidationContext): Promise<ModelProfile> {
  if (typeof profile === 'string') {
    if (!ctx.resolveProfile) throw new ValidatorCannotRun(`config.profile: '${profile}' is a profile name, and no profile resolver was provided`);
    try {
      return await ctx.resolveProfile(profile);
    } catch (err) {
      throw new ValidatorCannotRun(`config.profile: could not resolve profile '${profile}': ${(err as Error).message}`);
    }
  }
  const parsed = profileDefinitionSchema.safeParse(profile);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ValidatorCannotRun(`config.profile.${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

interface JudgePrompt {
  text: string;
  /** What the judge was shown, for the evidence. */
  shown: { files: string[]; truncated: boolean };
}

async function judgePrompt(rubric: string, ctx: ValidationContext, includeFiles: boolean, budget: number): Promise<JudgePrompt> {
  const parts = [`## Rubric\n${rubric}`];
  const changed = ctx.changedFiles.map(normalizeRelative);
  parts.push(`## Changed files\n${changed.length > 0 ? changed.join('\n') : '(none)'}`);
  if (ctx.diff) parts.push(`## Diff size\n+${ctx.diff.linesAdded} −${ctx.diff.linesRemoved} lines in ${ctx.diff.files.length} file(s)`);
  let left = budget;
  let truncated = false;
  const take = (text: string, cap: number): string => {
    const n = Math.max(0, Math.min(cap, left));
    if (text.length > n) truncated = true;
    left -= Math.min(text.length, n);
    return text.length > n ? `${text.slice(0, n)}\n[… cut]` : text;
  };
  if (ctx.finalOutput !== undefined) {
    const out = typeof ctx.finalOutput === 'string' ? ctx.finalOutput : JSON.stringify(ctx.finalOutput, null, 2);
    parts.push(`## Final output of the agent\n${take(out, budget)}`);
  }
  const files: string[] = [];
  if (includeFiles) {
    for (const rel of changed) {
      if (left <= 0) {
        truncated = true;
        break;
      }
      const content = await readFileIfPresent(await resolveInWorkspace(ctx.workspace, rel, 'changedFiles'));
      if (content === undefined || looksBinary(content)) continue;
      files.push(rel);
      parts.push(`## File ${rel}\n\`\`\`\n${take(content.toString('utf8'), JUDGE_FILE_MAX_CHARS)}\n\`\`\``);
    }
  }
  return { text: parts.join('\n\n'), shown: { files, truncated } };
}

/** The reply as JSON: the whole text, a fenced block, or the outermost `{...}` in it. */
function extractJson(text: string): unknown {
  const candidates = [text, /```(?:json)?\s*\n([\s\S]*?)```/.exec(text)?.[1], text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)];
  for (const c of candidates) {
    if (!c || !c.trim()) continue;
    try {
      return JSON.parse(c) as unknown;
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}
