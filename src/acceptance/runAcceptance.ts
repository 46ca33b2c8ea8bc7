/**
 * Runs an acceptance spec's validators — in order, one at a time, every one of them even after a
 * failure (the evidence of each is worth having, and the gate needs them all) — and applies the
 * gate. A validator that throws, has a bad config, or has an unknown type is reported as `error`
 * with the reason in `evidence.error`; nothing a validator does can make the run itself throw.
 */
import type { z } from 'zod';
import type { acceptanceSchema, validatorSchema } from '../specs/definitions.js';
import { evaluateGate, type GateDecision } from './gate.js';
import { ValidatorCannotRun } from './support.js';
import type { Evidence, ValidationContext, ValidatorEvidence, ValidatorFn, ValidatorOutcome } from './types.js';
import { commandValidator } from './validators/command.js';
import { diffLimitsValidator } from './validators/diffLimits.js';
import { fileContainsValidator, fileExistsValidator, forbiddenPatternsValidator } from './validators/files.js';
import { jsonSchemaValidator } from './validators/jsonSchema.js';
import { llmJudgeValidator } from './validators/llmJudge.js';

export const VALIDATOR_TYPES = ['command', 'file_exists', 'file_contains', 'forbidden_patterns', 'diff_limits', 'json_schema', 'llm_judge'] as const;
export type ValidatorType = (typeof VALIDATOR_TYPES)[number];

export const VALIDATORS: Readonly<Record<ValidatorType, ValidatorFn>> = {
  command: commandValidator,
  file_exists: fileExistsValidator,
  file_contains: fileContainsValidator,
  forbidden_patterns: forbiddenPatternsValidator,
  diff_limits: diffLimitsValidator,
  json_schema: jsonSchemaValidator,
  llm_judge: llmJudgeValidator,
};

export type ValidatorSpec = z.output<typeof validatorSchema>;
export type AcceptanceSpec = Pick<z.output<typeof acceptanceSchema>, 'validators' | 'gate' | 'minScore'>;

export interface AcceptanceResult {
  results: ValidatorEvidence[];
  decision: GateDecision;
}

export interface RunAcceptanceOptions {
  /** Called as each validator finishes (e.g. to append its `validator_result` event); exceptions are ignored. */
  onResult?: (result: ValidatorEvidence) => void;
}

export async function runAcceptance(acceptance: AcceptanceSpec, ctx: ValidationContext, options: RunAcceptanceOptions = {}): Promise<AcceptanceResult> {
  const results: ValidatorEvidence[] = [];
  for (const [index, spec] of acceptance.validators.entries()) {
    const result = await runValidator(spec, index, ctx);
    results.push(result);
    try {
      options.onResult?.(result);
    } catch {
      // A reporting hook must not stop the remaining validators.
    }
  }
  return { results, decision: evaluateGate(results, { gate: acceptance.gate, minScore: acceptance.minScore }) };
}

/** Runs one validator of a spec (at `index`, used for its default name) and never throws. */
export async function runValidator(spec: ValidatorSpec, index: number, ctx: ValidationContext): Promise<ValidatorEvidence> {
  const started = performance.now();
  const name = spec.name ?? `${spec.type}#${index + 1}`;
  let outcome: ValidatorOutcome;
  if (ctx.signal?.aborted) {
    outcome = { verdict: 'error', evidence: { error: 'acceptance was aborted before this validator ran' } };
  } else if (!isValidatorType(spec.type)) {
    outcome = { verdict: 'error', evidence: { error: `unknown validator type '${spec.type}'; known types: ${VALIDATOR_TYPES.join(', ')}` } };
  } else {
    try {
      outcome = await VALIDATORS[spec.type](spec.config, ctx);
    } catch (err) {
      const details = err instanceof ValidatorCannotRun ? err.details : {};
      outcome = { verdict: 'error', evidence: { ...details, error: err instanceof Error ? err.message : String(err) } };
    }
  }
  const score = outcome.verdict === 'error' ? 0 : clamp01(outcome.score ?? (outcome.verdict === 'passed' ? 1 : 0));
  return {
    validator: name,
    type: spec.type,
    verdict: outcome.verdict,
    passed: outcome.verdict === 'passed',
    score,
    durationMs: Math.round(performance.now() - started),
    evidence: toJsonObject(outcome.evidence),
    required: spec.required,
    weight: spec.weight,
  };
}

function isValidatorType(type: string): type is ValidatorType {
  return (VALIDATOR_TYPES as readonly string[]).includes(type);
}

function clamp01(n: number): number {
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
}

/** Evidence as it will be stored: JSON only (undefined fields dropped, Buffers never leak in). */
function toJsonObject(evidence: Evidence): Evidence {
  try {
    const parsed = JSON.parse(JSON.stringify(evidence)) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Evidence) : {};
  } catch (err) {
    return { error: `evidence could not be serialised: ${(err as Error).message}` };
  }
}
