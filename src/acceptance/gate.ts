/**
 * The acceptance gate: turns validator results into one verdict. Pure; no I/O.
 *
 * An earlier system's weighted gate silently fell back to all-pass (reference/prior-systems.md,
 * E). Here every mode is its own rule, a run with nothing verified never passes, and "could not
 * check" (`error`) is never read as a pass. Rules, applied in this order — the first that applies
 * decides:
 *
 *   1. No validators                                   → error  ("nothing verified")
 *   2. weighted, and the weights sum to 0              → error  (the weighted score is undefined)
 *   3. Any validator errored, in all_pass              → error
 *      A required validator errored, in any mode       → error
 *   4. A required validator failed, in any mode        → failed
 *   5. all_pass:  every validator passed               → passed, else failed
 *      any_pass:  at least one passed                  → passed;
 *                 none passed but one errored          → error  (the errored one might have passed)
 *                 none passed                          → failed
 *      weighted:  score ≥ minScore                     → passed;
 *                 score < minScore, but counting the errored (non-required) validators as full
 *                 marks would reach it                 → error  (the outcome depends on them)
 *                 otherwise                            → failed
 *
 * `score` is the weighted mean of the validator scores (an errored validator counts 0); when all
 * weights are 0 (possible outside weighted mode) it is the plain mean. `required` is honoured in
 * every mode, not only weighted: a validator marked required must pass for the gate to pass.
 */
import type { GATE_MODES } from '../specs/definitions.js';
import type { ValidatorEvidence, ValidatorVerdict } from './types.js';
import { plural } from '../util/plural.js';

export type GateMode = (typeof GATE_MODES)[number];

export interface GateOptions {
  gate: GateMode;
  /** Weighted mode: the weighted mean score must reach this (0..1). */
  minScore: number;
}

export interface GateDecision {
  verdict: ValidatorVerdict;
  /** 0..1, see the module comment. */
  score: number;
  /** Why, in plain words; never empty. */
  reasons: string[];
}

export type GateInput = Pick<ValidatorEvidence, 'validator' | 'verdict' | 'score' | 'weight' | 'required'> &
  Partial<Pick<ValidatorEvidence, 'evidence'>>;

/** Float noise in weighted sums (0.1 + 0.2) must not turn a pass into a fail. */
const SCORE_EPSILON = 1e-9;

export function evaluateGate(results: readonly GateInput[], options: GateOptions): GateDecision {
  if (results.length === 0) {
    return { verdict: 'error', score: 0, reasons: ['nothing verified: the acceptance spec has no validators'] };
  }
  const { gate, minScore } = options;
  const scoreOf = (r: GateInput): number => (r.verdict === 'error' ? 0 : clamp01(r.score));
  const totalWeight = results.reduce((sum, r) => sum + r.weight, 0);
  const score =
    totalWeight > 0
      ? results.reduce((sum, r) => sum + r.weight * scoreOf(r), 0) / totalWeight
      : results.reduce((sum, r) => sum + scoreOf(r), 0) / results.length;
  const decide = (verdict: ValidatorVerdict, reasons: string[]): GateDecision => ({ verdict, score: round(score), reasons });

  if (gate === 'weighted' && !(totalWeight > 0)) {
    return decide('error', ['weighted gate: every validator has weight 0, so there is no weighted score to compare with minScore']);
  }

  const errored = results.filter((r) => r.verdict === 'error');
  const requiredErrored = errored.filter((r) => r.required);
  const requiredFailed = results.filter((r) => r.required && r.verdict === 'failed');
  const passed = results.filter((r) => r.verdict === 'passed');

  if (gate === 'all_pass' && errored.length > 0) {
    return decide('error', errored.map((r) => couldNotRun(r)));
  }
  if (requiredErrored.length > 0) {
    return decide('error', [...requiredErrored.map((r) => `required ${couldNotRun(r)}`), ...requiredFailed.map((r) => `required validator '${r.validator}' failed`)]);
  }
  if (requiredFailed.length > 0) {
    return decide('failed', requiredFailed.map((r) => `required validator '${r.validator}' failed`));
  }

  switch (gate) {
    case 'all_pass': {
      const notPassed = results.filter((r) => r.verdict !== 'passed');
      return notPassed.length === 0
        ? decide('passed', [results.length === 1 ? 'the validator passed' : `all ${plural(results.length, 'validator')} passed`])
        : decide('failed', notPassed.map((r) => `validator '${r.validator}' failed`));
    }
    case 'any_pass': {
      if (passed.length > 0) return decide('passed', [`${passed.length} of ${plural(results.length, 'validator')} passed: ${names(passed)}`]);
      if (errored.length > 0) {
        return decide('error', [`no validator passed, and ${errored.length} could not run (they might have passed)`, ...errored.map((r) => couldNotRun(r))]);
      }
      return decide('failed', [results.length === 1 ? 'the validator did not pass' : `none of the ${plural(results.length, 'validator')} passed`]);
    }
    case 'weighted': {
      const shown = `weighted score ${round(score)} ${score + SCORE_EPSILON >= minScore ? '≥' : '<'} minScore ${minScore}`;
      if (score + SCORE_EPSILON >= minScore) return decide('passed', [shown, 'every required validator passed']);
      const bestCase = results.reduce((sum, r) => sum + r.weight * (r.verdict === 'error' ? 1 : clamp01(r.score)), 0) / totalWeight;
      if (errored.length > 0 && bestCase + SCORE_EPSILON >= minScore) {
        return decide('error', [shown, `the validators that could not run (${names(errored)}) decide the outcome`, ...errored.map((r) => couldNotRun(r))]);
      }
      const below = results.filter((r) => r.verdict !== 'passed');
      return decide('failed', [shown, ...below.map((r) => `validator '${r.validator}' ${r.verdict === 'error' ? 'could not run' : 'failed'} (score ${round(scoreOf(r))}, weight ${r.weight})`)]);
    }
    default: {
      // Unreachable for a typed caller; an unknown mode from untyped input must still not pass.
      const unknown: never = gate;
      return decide('error', [`unknown gate mode '${String(unknown)}'`]);
    }
  }
}

function couldNotRun(r: GateInput): string {
  const message = r.evidence?.['error'];
  return `validator '${r.validator}' could not run${typeof message === 'string' ? `: ${message}` : ''}`;
}

function names(rs: readonly GateInput[]): string {
  return rs.map((r) => `'${r.validator}'`).join(', ');
}

function clamp01(n: number): number {
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
