/**
 * Public shapes of the failure classifier. The classes themselves live in the shared vocabulary
 * (src/db/vocabulary.ts) so the database CHECK constraint and the classifier cannot disagree.
 */
import type { FailureClass } from '../db/vocabulary.js';

/** Everything known about one failed step. Every field is optional; more fields, better verdicts. */
export interface ClassifyInput {
  /** Pipeline stage that ran: 'build', 'test', 'lint', 'install', 'git', 'agent', 'validator', 'provider'. */
  stage?: string;
  /** The command line as one string, or as argv. */
  command?: string | string[];
  /** Process exit code; null when the process died from a signal. */
  exitCode?: number | null;
  /** Terminating signal ('SIGKILL', 'SIGTERM', ...), when the process died from one. */
  signal?: string | null;
  stdout?: string;
  stderr?: string;
  /** For stage 'validator': which validator failed ('forbidden_patterns', 'allowed_paths', 'api_compat', ...). */
  validatorType?: string;
}

/** What the classifier could pull out of the output; every field is best-effort. */
export interface FailureContext {
  file?: string;
  line?: number;
  column?: number;
  /** Compiler / linter / runtime codes in order of first appearance: TS2322, E0425, SC2086, ENOSPC... */
  errorCodes: string[];
  /** Names of failing tests as the runner printed them. */
  failingTests: string[];
  /** A module / package / crate that could not be resolved. */
  missingModule?: string;
  /** An executable that was not found. */
  missingProgram?: string;
  command?: string;
  exitCode?: number;
  signal?: string;
  /** One line saying what went wrong, usually the decisive line of output. */
  summary: string;
}

export interface Classification {
  failureClass: FailureClass;
  /** 0..1: how sure the classifier is. Below ~0.4 of evidence the class is 'unknown'. */
  confidence: number;
  context: FailureContext;
}

/**
 * A user-supplied rule. `pattern` is a JavaScript regular expression source tested against the
 * ANSI-stripped, LF-normalised output (windowed for huge logs).
 *
 * `precedence` decides how the rule competes with the built-in evidence:
 * - `> 0`: a match decides the class outright, over every built-in signal (even exit 124). Among
 *   several matching rules the highest precedence wins; ties go to the earlier rule.
 * - `0` (default): a match is one more piece of evidence (weight 0.85) scored with the built-ins.
 * - `< 0`: a fallback, used only when the built-ins would answer 'unknown'.
 */
export interface UserRule {
  pattern: string;
  /** RegExp flags; 'g' and 'y' are ignored because a rule is tested once against the whole log. */
  flags?: string;
  class: FailureClass;
  precedence?: number;
  /** Shown in explanations; defaults to `rules[i]`. */
  name?: string;
}

export interface ClassifyOptions {
  rules?: readonly UserRule[];
}

export type EvidenceSource = 'text' | 'exit' | 'signal' | 'command' | 'stage' | 'validator' | 'user';

/** One reason to believe a class. Weights are combined per class as a noisy-OR. */
export interface Evidence {
  cls: FailureClass;
  weight: number;
  source: EvidenceSource;
  /** Rule id, for explanations and the report script. */
  rule: string;
  /** The line of output that produced this evidence, when it came from the text. */
  line?: string;
  /** Position of the last match as a fraction of the analysed text (0 = start, 1 = end). */
  pos?: number;
  /**
   * Classes this evidence is a more specific reading of: a provider's 429 that says the quota is
   * exhausted is budget_exceeded, not a rate limit. Their scores are discounted when it is present.
   */
  overrides?: readonly FailureClass[];
}
