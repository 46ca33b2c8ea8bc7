/**
 * What a validator sees (ValidationContext) and what it hands back (ValidatorEvidence).
 *
 * Verdicts: `passed` and `failed` are judgements about the work; `error` means the check could not
 * be made (bad config, command not found, judge call failed, missing input) and says nothing about
 * the work. A validator never turns "could not check" into `failed`, and never into `passed`.
 */
import type { ProfileDefinition } from '../specs/definitions.js';
import type { ModelProfile, RecordedCall } from '../providers/index.js';

export const VALIDATOR_VERDICTS = ['passed', 'failed', 'error'] as const;
export type ValidatorVerdict = (typeof VALIDATOR_VERDICTS)[number];

/** JSON-shaped evidence; the runner drops undefined fields before it is recorded. */
export type Evidence = Record<string, unknown>;

/** One changed file of the diff under review. */
export interface DiffFile {
  path: string;
  additions: number;
  deletions: number;
}

export interface DiffSummary {
  files: DiffFile[];
  linesAdded: number;
  linesRemoved: number;
}

export interface ValidationContext {
  /** Absolute path of the folder holding the changed code; validators never read outside it. */
  workspace: string;
  /** Changed files, relative to the workspace (deleted files may be listed; they are skipped when read). */
  changedFiles: string[];
  diff?: DiffSummary;
  /** Outputs of the agent's tool calls, for `forbidden_patterns` with scope tool_outputs/both. */
  toolOutputs?: string[];
  /** The agent's final output, for `json_schema`. */
  finalOutput?: unknown;
  /** Aborts running commands and judge calls; validators not yet started report `error`. */
  signal?: AbortSignal;
  /** Stores bytes as a content-addressed artifact; resolves to its sha256. */
  storeArtifact(content: string | Uint8Array, name: string, contentType: string): Promise<string>;
  /** Resolves a judge profile given by name in an `llm_judge` config. */
  resolveProfile?: (name: string) => ProfileDefinition | ModelProfile | Promise<ProfileDefinition | ModelProfile>;
  /** Environment for judge API keys (default process.env). Commands always get a scrubbed one. */
  env?: NodeJS.ProcessEnv;
  /** Told about every judge model call (for `llm_call` events); exceptions are ignored. */
  onLlmCall?: (call: RecordedCall) => void;
}

/** What a validator reports; the runner adds name, type, timing, weight and required. */
export interface ValidatorOutcome {
  verdict: ValidatorVerdict;
  /** 0..1; default 1 when passed, 0 otherwise. */
  score?: number;
  evidence: Evidence;
}

export interface ValidatorEvidence {
  /** The validator's name (`name` from the spec, else `<type>#<position>`). */
  validator: string;
  type: string;
  verdict: ValidatorVerdict;
  passed: boolean;
  score: number;
  durationMs: number;
  evidence: Evidence;
  required: boolean;
  weight: number;
}

export type ValidatorFn = (config: Record<string, unknown>, ctx: ValidationContext) => Promise<ValidatorOutcome>;
