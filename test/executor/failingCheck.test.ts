/**
 * A failing check's summary and signature (src/executor/verify.ts): the summary leads with the
 * failing tests by name; the signature says "same checks, failing the same way" — unmoved by the
 * order a parallel runner prints its failures in, or by durations and temp paths — and moved by
 * a different failing test.
 */
import { describe, expect, it } from 'vitest';
import type { ValidatorEvidence } from '../../src/acceptance/types.js';
import { failingCheck } from '../../src/executor/verify.js';
import type { Classification } from '../../src/failures/types.js';

function check(tail: string): ValidatorEvidence {
  return {
    validator: 'tests',
    type: 'command',
    verdict: 'failed',
    passed: false,
    score: 0,
    durationMs: 10,
    required: true,
    weight: 1,
    evidence: { argv: ['npx', 'jest'], exitCode: 1, stdout: { tail }, stderr: { tail: '' } },
  };
}

function reading(failingTests: string[]): Classification {
  return { failureClass: 'test_fail', confidence: 0.9, context: { errorCodes: [], failingTests, summary: `Tests: ${failingTests.length} failed` } };
}

describe('failingCheck', () => {
  it('leads the summary with the failing tests by name', () => {
    const f = failingCheck(check('Tests: 2 failed, 8 passed'), reading(['adds', 'subtracts']));
    expect(f.summary.split('\n')).toEqual(['failing tests: adds; subtracts', 'Tests: 2 failed', 'Tests: 2 failed, 8 passed']);
  });

  it('gives the same signature whatever order the failures were printed in, and whatever they took', () => {
    const a = failingCheck(check('Tests: 2 failed, 8 passed in 1.2 s (/tmp/jest-abc/x)'), reading(['adds', 'subtracts']));
    const b = failingCheck(check('Tests: 2 failed, 8 passed in 3.9 s (/tmp/jest-def/x)'), reading(['subtracts', 'adds']));
    expect(a.signature).toBe(b.signature);
  });

  it('gives another signature when another test fails, even with the same totals', () => {
    const a = failingCheck(check('Tests: 1 failed, 9 passed'), reading(['adds']));
    const b = failingCheck(check('Tests: 1 failed, 9 passed'), reading(['subtracts']));
    expect(a.signature).not.toBe(b.signature);
  });
});
