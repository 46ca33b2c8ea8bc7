/**
 * Combining evidence into a verdict. Per class, the weights of its distinct rules combine as a
 * noisy-OR (1 − Π(1 − w)): independent signals that agree make a class more certain, but many
 * matches of one rule count once. Then "the step that actually stopped the work decides": a class
 * whose latest evidence sits nearer the end of the output keeps more of its score (up to
 * RECENCY_SPAN), so lint warnings printed before a compile failure lose to the compile error.
 */
import { FAILURE_CLASSES, type FailureClass } from '../db/vocabulary.js';
import type { Evidence } from './types.js';

/** Below this combined score nothing is believed and the answer is 'unknown'. */
export const UNKNOWN_BELOW = 0.4;
/** Score multiplier for a class that a more specific piece of evidence overrides. */
export const OVERRIDDEN_FACTOR = 0.5;
/** How much of a score depends on where its latest evidence sits (0 = start, 1 = end of output). */
export const RECENCY_SPAN = 0.1;

export interface ClassScore {
  cls: FailureClass;
  /** Score after the recency adjustment; what verdicts compare. */
  score: number;
  /** Noisy-OR of the evidence before the recency adjustment. */
  combined: number;
  evidence: Evidence[];
}

/** Exact ties go to the class whose cause is further upstream (an OOM explains a failed test). */
const TIE_ORDER: readonly FailureClass[] = [
  'timeout',
  'resource_exhausted',
  'budget_exceeded',
  'provider_error',
  'dependency_missing',
  'compile_error',
  'contract_violation',
  'lint_error',
  'test_fail',
  'orchestration_error',
  'unknown',
];

export function scoreEvidence(evidence: readonly Evidence[]): ClassScore[] {
  const byClass = new Map<FailureClass, Map<string, Evidence>>();
  for (const e of evidence) {
    if (e.weight <= 0) continue;
    let rules = byClass.get(e.cls);
    if (rules === undefined) byClass.set(e.cls, (rules = new Map()));
    const prev = rules.get(e.rule);
    if (prev === undefined || e.weight > prev.weight) rules.set(e.rule, e);
  }
  const overridden = new Set<FailureClass>();
  for (const e of evidence) for (const cls of e.overrides ?? []) if (cls !== e.cls) overridden.add(cls);
  const scores: ClassScore[] = [];
  for (const cls of FAILURE_CLASSES) {
    const rules = byClass.get(cls);
    if (rules === undefined) continue;
    const list = [...rules.values()];
    let miss = 1;
    for (const e of list) miss *= 1 - Math.min(0.999, e.weight);
    const combined = 1 - miss;
    // Non-text evidence (exit code, signal, stage, command) describes the end state: position 1.
    const positions = list.map((e) => e.pos ?? 1);
    const recency = Math.max(...positions);
    const score = combined * (1 - RECENCY_SPAN + RECENCY_SPAN * recency) * (overridden.has(cls) ? OVERRIDDEN_FACTOR : 1);
    scores.push({ cls, score, combined, evidence: list.sort((a, b) => b.weight - a.weight) });
  }
  return scores.sort((a, b) => b.score - a.score || TIE_ORDER.indexOf(a.cls) - TIE_ORDER.indexOf(b.cls));
}

/**
 * Confidence in the winner: its score, discounted when the runner-up is close. Equal scores halve
 * it; a runner-up at half the winner's score costs 12.5%.
 */
export function confidenceOf(top: number, second: number): number {
  if (top <= 0) return 0;
  const ratio = Math.min(1, second / top);
  return round3(top * (1 - 0.5 * ratio * ratio));
}

/** How sure 'unknown' is: near 0.8 when nothing at all pointed anywhere, lower as evidence grows. */
export function unknownConfidence(top: number): number {
  return round3(Math.max(0.3, 0.8 - top));
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
