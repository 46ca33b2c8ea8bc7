/** Acceptance: validators that check the work with recorded evidence, and the gate that decides. */
export { evaluateGate, type GateDecision, type GateInput, type GateMode, type GateOptions } from './gate.js';
export { globToRegExp, matchesAny, matchesGlob } from './glob.js';
export {
  VALIDATORS,
  VALIDATOR_TYPES,
  runAcceptance,
  runValidator,
  type AcceptanceResult,
  type AcceptanceSpec,
  type RunAcceptanceOptions,
  type ValidatorSpec,
  type ValidatorType,
} from './runAcceptance.js';
export { ValidatorCannotRun } from './support.js';
export {
  VALIDATOR_VERDICTS,
  type DiffFile,
  type DiffSummary,
  type Evidence,
  type ValidationContext,
  type ValidatorEvidence,
  type ValidatorFn,
  type ValidatorOutcome,
  type ValidatorVerdict,
} from './types.js';
export { commandConfigSchema, DEFAULT_COMMAND_TIMEOUT_MS } from './validators/command.js';
export { diffLimitsConfigSchema } from './validators/diffLimits.js';
export { fileContainsConfigSchema, fileExistsConfigSchema, forbiddenPatternsConfigSchema } from './validators/files.js';
export { jsonSchemaConfigSchema } from './validators/jsonSchema.js';
export { DEFAULT_JUDGE_THRESHOLD, JUDGE_INSTRUCTIONS, llmJudgeConfigSchema } from './validators/llmJudge.js';
