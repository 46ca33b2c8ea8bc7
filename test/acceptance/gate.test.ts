import { describe, expect, it } from 'vitest';
import { evaluateGate, type GateInput, type GateMode, type ValidatorVerdict } from '../../src/acceptance/index.js';

/** A result: verdict, score (default 1/0 from the verdict), weight (1), required (false). */
function v(name: string, verdict: ValidatorVerdict, opts: { score?: number; weight?: number; required?: boolean } = {}): GateInput {
  return {
    validator: name,
    verdict,
    score: opts.score ?? (verdict === 'passed' ? 1 : 0),
    weight: opts.weight ?? 1,
    required: opts.required ?? false,
  };
}

interface Row {
  why: string;
  gate: GateMode;
  minScore?: number;
  results: GateInput[];
  verdict: ValidatorVerdict;
  score?: number;
}

const P = 'passed' as const;
const F = 'failed' as const;
const E = 'error' as const;

const rows: Row[] = [
  // Nothing verified is never a pass, in any mode.
  { why: 'no validators', gate: 'all_pass', results: [], verdict: E },
  { why: 'no validators', gate: 'any_pass', results: [], verdict: E },
  { why: 'no validators', gate: 'weighted', minScore: 0, results: [], verdict: E },

  // all_pass
  { why: 'all passed', gate: 'all_pass', results: [v('a', P), v('b', P)], verdict: P, score: 1 },
  { why: 'one failed', gate: 'all_pass', results: [v('a', P), v('b', F)], verdict: F, score: 0.5 },
  { why: 'any error, even non-required', gate: 'all_pass', results: [v('a', P), v('b', E)], verdict: E },
  { why: 'error wins over a failure', gate: 'all_pass', results: [v('a', F), v('b', E)], verdict: E },

  // any_pass
  { why: 'one passed', gate: 'any_pass', results: [v('a', F), v('b', P)], verdict: P, score: 0.5 },
  { why: 'none passed', gate: 'any_pass', results: [v('a', F), v('b', F)], verdict: F, score: 0 },
  { why: 'one passed, a non-required errored', gate: 'any_pass', results: [v('a', P), v('b', E)], verdict: P },
  { why: 'none passed, one errored: undetermined', gate: 'any_pass', results: [v('a', F), v('b', E)], verdict: E },
  { why: 'a required one errored', gate: 'any_pass', results: [v('a', P), v('b', E, { required: true })], verdict: E },
  { why: 'a required one failed', gate: 'any_pass', results: [v('a', P), v('b', F, { required: true })], verdict: F },

  // weighted
  { why: 'score reaches minScore', gate: 'weighted', minScore: 0.75, results: [v('a', P, { weight: 3 }), v('b', F)], verdict: P, score: 0.75 },
  { why: 'score below minScore', gate: 'weighted', minScore: 0.8, results: [v('a', P, { weight: 3 }), v('b', F)], verdict: F, score: 0.75 },
  {
    why: 'required failed although the weighted score is high',
    gate: 'weighted',
    minScore: 0.5,
    results: [v('tests', P, { weight: 9 }), v('lint', F, { required: true })],
    verdict: F,
    score: 0.9,
  },
  { why: 'required errored', gate: 'weighted', minScore: 0.5, results: [v('a', P, { weight: 9 }), v('b', E, { required: true })], verdict: E },
  { why: 'judge scores count as their value', gate: 'weighted', minScore: 0.7, results: [v('judge', F, { score: 0.6 }), v('tests', P)], verdict: P, score: 0.8 },
  {
    why: 'non-required error that cannot change the outcome',
    gate: 'weighted',
    minScore: 0.9,
    results: [v('a', F, { weight: 5 }), v('b', E)],
    verdict: F,
  },
  {
    why: 'non-required error that could change the outcome',
    gate: 'weighted',
    minScore: 0.95,
    results: [v('a', P, { weight: 9 }), v('b', E)],
    verdict: E,
    score: 0.9,
  },
  { why: 'non-required error, still passing without it', gate: 'weighted', minScore: 0.5, results: [v('a', P, { weight: 9 }), v('b', E)], verdict: P, score: 0.9 },
  { why: 'all weights 0', gate: 'weighted', minScore: 0, results: [v('a', P, { weight: 0 })], verdict: E },
  { why: 'float noise does not fail an exact tie', gate: 'weighted', minScore: 0.3, results: [v('a', P, { weight: 0.1 }), v('b', P, { weight: 0.2 }), v('c', F, { weight: 0.7 })], verdict: P },
  { why: 'minScore 1 needs every score 1', gate: 'weighted', minScore: 1, results: [v('a', P), v('b', P, { score: 0.99 })], verdict: F },

  // required is honoured in all_pass too (it is already covered by "every validator passed")
  { why: 'required failed in all_pass', gate: 'all_pass', results: [v('a', F, { required: true })], verdict: F },
];

describe('evaluateGate rules', () => {
  it.each(rows.map((r) => [`${r.gate}: ${r.why} → ${r.verdict}`, r] as const))('%s', (_title, row) => {
    const decision = evaluateGate(row.results, { gate: row.gate, minScore: row.minScore ?? 1 });
    expect(decision.verdict).toBe(row.verdict);
    if (row.score !== undefined) expect(decision.score).toBeCloseTo(row.score, 9);
    expect(decision.reasons.length).toBeGreaterThan(0);
  });
});

describe('evaluateGate reasons', () => {
  it('says "nothing verified" when there are no validators', () => {
    expect(evaluateGate([], { gate: 'weighted', minScore: 0 }).reasons[0]).toContain('nothing verified');
  });

  it('names the required validator that failed, even with a high weighted score', () => {
    const d = evaluateGate([v('tests', P, { weight: 99 }), v('no-secrets', F, { required: true })], { gate: 'weighted', minScore: 0.1 });
    expect(d).toMatchObject({ verdict: 'failed', score: 0.99 });
    expect(d.reasons).toEqual(["required validator 'no-secrets' failed"]);
  });

  it('states the weighted comparison', () => {
    const d = evaluateGate([v('a', P), v('b', F)], { gate: 'weighted', minScore: 0.8 });
    expect(d.reasons[0]).toBe('weighted score 0.5 < minScore 0.8');
  });

  it('carries the error message of a validator that could not run', () => {
    const errored: GateInput = { ...v('lint', E), evidence: { error: 'eslint: command not found' } };
    const d = evaluateGate([v('a', P), errored], { gate: 'all_pass', minScore: 1 });
    expect(d.verdict).toBe('error');
    expect(d.reasons).toEqual(["validator 'lint' could not run: eslint: command not found"]);
  });

  it('says how many validators passed in words, singular or plural', () => {
    const reason = (gate: GateMode, results: GateInput[]): string => evaluateGate(results, { gate, minScore: 1 }).reasons[0]!;
    expect(reason('all_pass', [v('a', P)])).toBe('the validator passed');
    expect(reason('all_pass', [v('a', P), v('b', P)])).toBe('all 2 validators passed');
    expect(reason('any_pass', [v('a', P), v('b', F)])).toBe("1 of 2 validators passed: 'a'");
    expect(reason('any_pass', [v('a', F)])).toBe('the validator did not pass');
    expect(reason('any_pass', [v('a', F), v('b', F)])).toBe('none of the 2 validators passed');
  });

  it('never treats an unknown mode as a pass', () => {
    const d = evaluateGate([v('a', P)], { gate: 'majority' as GateMode, minScore: 1 });
    expect(d.verdict).toBe('error');
  });
});
