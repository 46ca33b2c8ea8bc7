import { describe, expect, it } from 'vitest';
import { chooseProfile, complexityFactors, complexityOf, DEFAULT_KEYWORD_CLASSES, keywordMatches, type RouteCandidate, type RouteInputs } from '../../src/routing/router.js';

const small: RouteCandidate = { name: 'small', version: 1, tier: 0, maxComplexity: 0.3, cost: 1 };
const medium: RouteCandidate = { name: 'medium', version: 2, tier: 1, maxComplexity: 0.7, cost: 5 };
const large: RouteCandidate = { name: 'large', version: 1, tier: 2, maxComplexity: 1, cost: 30 };
const base: RouteInputs = { candidates: [large, small, medium], complexity: 0.2, keywordMatches: [], attempt: 1, spentTodayUsd: 0 };

describe('rules routing', () => {
  it('takes the cheapest profile whose maxComplexity covers the task', () => {
    expect(chooseProfile(base)).toMatchObject({ profile: { name: 'small' }, rule: 'complexity' });
    expect(chooseProfile({ ...base, complexity: 0.5 })).toMatchObject({ profile: { name: 'medium' } });
    expect(chooseProfile({ ...base, complexity: 0.95 })).toMatchObject({ profile: { name: 'large' } });
  });

  it('falls back to the profile that reaches highest when none covers the task', () => {
    expect(chooseProfile({ ...base, candidates: [small, medium], complexity: 0.9 })).toMatchObject({ profile: { name: 'medium' }, confidence: 0.4 });
  });

  it('sends a keyword class (security, schema, API) to the strongest allowed profile', () => {
    const matches = keywordMatches('Fix the password reset flow', DEFAULT_KEYWORD_CLASSES);
    expect(matches).toEqual([{ className: 'security', keyword: 'password' }]);
    expect(chooseProfile({ ...base, keywordMatches: matches })).toMatchObject({ profile: { name: 'large' }, rule: 'keyword' });
    // Whole words only: "authoring" is not "auth".
    expect(keywordMatches('improve authoring docs', DEFAULT_KEYWORD_CLASSES)).toEqual([]);
  });

  it('moves a retry after a failure up to a stronger profile, and stays on the strongest', () => {
    expect(chooseProfile({ ...base, attempt: 2, previousProfile: 'small' })).toMatchObject({ profile: { name: 'medium' }, rule: 'retry_stronger' });
    expect(chooseProfile({ ...base, attempt: 3, previousProfile: 'medium' })).toMatchObject({ profile: { name: 'large' } });
    expect(chooseProfile({ ...base, attempt: 4, previousProfile: 'large' })).toMatchObject({ profile: { name: 'large' } });
  });

  it('warns past the soft cap, and at the hard cap takes the cheapest or refuses', () => {
    const soft = chooseProfile({ ...base, complexity: 0.9, spentTodayUsd: 6, budget: { soft: 5, hard: 10, atHardCap: 'cheapest' } });
    expect(soft).toMatchObject({ profile: { name: 'large' } });
    expect(soft.warnings[0]).toMatch(/soft cap of \$5/);
    expect(chooseProfile({ ...base, complexity: 0.9, spentTodayUsd: 10, budget: { hard: 10, atHardCap: 'cheapest' } })).toMatchObject({ profile: { name: 'small' }, rule: 'hard_cap_cheapest' });
    expect(chooseProfile({ ...base, spentTodayUsd: 11, budget: { hard: 10, atHardCap: 'refuse' } })).toMatchObject({ profile: undefined, rule: 'hard_cap_refuse' });
    // The hard cap outranks a keyword class.
    expect(chooseProfile({ ...base, keywordMatches: [{ className: 'security', keyword: 'auth' }], spentTodayUsd: 10, budget: { hard: 10, atHardCap: 'cheapest' } })).toMatchObject({ profile: { name: 'small' } });
  });

  it('estimates complexity from the instructions, the files in scope and the input size', () => {
    expect(complexityOf(complexityFactors('Fix the typo in README.md', {}))).toBeLessThan(0.05);
    const many = complexityFactors('Refactor the parser', { files: Array.from({ length: 20 }, (_, i) => `src/f${i}.ts`) });
    expect(many.filesInScope).toBe(20);
    expect(complexityOf(many)).toBeGreaterThanOrEqual(0.35);
    const mentioned = complexityFactors('Touch src/a.ts, src/b.ts and lib/c.py', {});
    expect(mentioned.filesInScope).toBe(3);
    expect(complexityOf({ instructionChars: 10_000, filesInScope: 100, inputBytes: 1e6 })).toBe(1);
  });
});
