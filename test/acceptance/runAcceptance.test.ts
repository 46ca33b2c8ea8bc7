import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAcceptance, type ValidatorEvidence } from '../../src/acceptance/index.js';
import { validatorResultSchema } from '../../src/events/eventTypes.js';
import { acceptanceSchema } from '../../src/specs/definitions.js';
import { makeContext, makeWorkspace } from './helpers.js';

const PASSING = { type: 'command', name: 'tests', config: { argv: ['node', '-e', 'process.exit(0)'] } };
const FAILING = { type: 'command', name: 'lint', config: { argv: ['node', '-e', 'process.exit(1)'] } };

describe('runAcceptance', () => {
  it('runs every validator in order and passes an all_pass gate when all pass', async () => {
    const ws = await makeWorkspace({ 'src/app.ts': 'export const ok = 1;\n' });
    const seen: string[] = [];
    const acceptance = acceptanceSchema.parse({
      validators: [PASSING, { type: 'file_exists', config: { path: 'src/app.ts' } }],
    });
    const { results, decision } = await runAcceptance(acceptance, makeContext(ws, { changedFiles: ['src/app.ts'] }), {
      onResult: (r) => seen.push(r.validator),
    });
    expect(results.map((r) => [r.validator, r.verdict])).toEqual([
      ['tests', 'passed'],
      ['file_exists#2', 'passed'],
    ]);
    expect(seen).toEqual(['tests', 'file_exists#2']);
    expect(decision).toMatchObject({ verdict: 'passed', score: 1 });
    // Each result is a valid validator_result event payload.
    for (const r of results) expect(() => validatorResultSchema.parse(r)).not.toThrow();
  });

  it('does not stop at a failure: later validators still run', async () => {
    const ws = await makeWorkspace();
    const acceptance = acceptanceSchema.parse({
      validators: [FAILING, { type: 'command', name: 'marker', config: { argv: ['sh', '-c', 'echo ran > ran.txt'] } }],
    });
    const { results, decision } = await runAcceptance(acceptance, makeContext(ws));
    expect(results.map((r) => r.verdict)).toEqual(['failed', 'passed']);
    expect(await fs.readFile(path.join(ws, 'ran.txt'), 'utf8')).toBe('ran\n');
    expect(decision.verdict).toBe('failed');
    expect(decision.reasons).toEqual(["validator 'lint' failed"]);
  });

  it('weighted: a failing required validator fails the gate even when the weighted score is high', async () => {
    const ws = await makeWorkspace({ 'src/a.ts': 'const key = "sk-live-123";\n' });
    const acceptance = acceptanceSchema.parse({
      gate: 'weighted',
      minScore: 0.5,
      validators: [
        { ...PASSING, weight: 10 },
        { type: 'forbidden_patterns', name: 'no-secrets', required: true, weight: 1, config: { patterns: ['sk-live-[0-9]+'] } },
      ],
    });
    const { results, decision } = await runAcceptance(acceptance, makeContext(ws, { changedFiles: ['src/a.ts'] }));
    expect(results[1]).toMatchObject({ verdict: 'failed', required: true });
    expect(decision.score).toBeCloseTo(10 / 11, 6);
    expect(decision.verdict).toBe('failed');
    expect(decision.reasons).toEqual(["required validator 'no-secrets' failed"]);
  });

  it('weighted: below minScore fails; at or above passes', async () => {
    const ws = await makeWorkspace();
    const spec = (minScore: number): ReturnType<typeof acceptanceSchema.parse> =>
      acceptanceSchema.parse({ gate: 'weighted', minScore, validators: [{ ...PASSING, weight: 3 }, { ...FAILING, weight: 1 }] });
    const below = await runAcceptance(spec(0.8), makeContext(ws));
    expect(below.decision).toMatchObject({ verdict: 'failed', score: 0.75 });
    const at = await runAcceptance(spec(0.75), makeContext(ws));
    expect(at.decision).toMatchObject({ verdict: 'passed', score: 0.75 });
  });

  it('any_pass passes with one passing validator', async () => {
    const acceptance = acceptanceSchema.parse({ gate: 'any_pass', validators: [FAILING, PASSING] });
    const { decision } = await runAcceptance(acceptance, makeContext(await makeWorkspace()));
    expect(decision.verdict).toBe('passed');
  });

  it('zero validators is an error, never a silent pass', async () => {
    for (const gate of ['all_pass', 'any_pass', 'weighted'] as const) {
      const { results, decision } = await runAcceptance(acceptanceSchema.parse({ gate, minScore: 0 }), makeContext(await makeWorkspace()));
      expect(results).toEqual([]);
      expect(decision.verdict).toBe('error');
      expect(decision.reasons[0]).toContain('nothing verified');
    }
    // The acceptance default (no acceptance section at all) is also "nothing verified".
    const { decision } = await runAcceptance(acceptanceSchema.parse(undefined), makeContext(await makeWorkspace()));
    expect(decision.verdict).toBe('error');
  });

  it('an unknown validator type is an error result, and errors the all_pass gate', async () => {
    const acceptance = acceptanceSchema.parse({ validators: [PASSING, { type: 'test_pass', config: {} }] });
    const { results, decision } = await runAcceptance(acceptance, makeContext(await makeWorkspace()));
    expect(results[1]).toMatchObject({ validator: 'test_pass#2', verdict: 'error', score: 0 });
    expect(results[1]!.evidence['error']).toContain("unknown validator type 'test_pass'");
    expect(decision.verdict).toBe('error');
    expect(decision.reasons[0]).toContain("validator 'test_pass#2' could not run: unknown validator type");
  });

  it('a required validator that cannot run makes the weighted gate an error', async () => {
    const acceptance = acceptanceSchema.parse({
      gate: 'weighted',
      minScore: 0.1,
      validators: [{ ...PASSING, weight: 5 }, { type: 'command', name: 'typecheck', required: true, config: { argv: ['gaffer-missing-tsc-4b1c'] } }],
    });
    const { decision } = await runAcceptance(acceptance, makeContext(await makeWorkspace()));
    expect(decision.verdict).toBe('error');
    expect(decision.reasons[0]).toContain("required validator 'typecheck' could not run: could not start 'gaffer-missing-tsc-4b1c'");
  });

  it('an aborted context reports every validator as error without running it', async () => {
    const ws = await makeWorkspace();
    const controller = new AbortController();
    controller.abort();
    const acceptance = acceptanceSchema.parse({ validators: [{ type: 'command', config: { argv: ['sh', '-c', 'echo x > touched.txt'] } }] });
    const { results, decision } = await runAcceptance(acceptance, makeContext(ws, { signal: controller.signal }));
    expect(results[0]).toMatchObject({ verdict: 'error' });
    expect(await fs.stat(path.join(ws, 'touched.txt')).catch(() => undefined)).toBeUndefined();
    expect(decision.verdict).toBe('error');
  });

  it('keeps evidence JSON-only and a validator exception never escapes', async () => {
    const ctx = makeContext(await makeWorkspace(), {
      storeArtifact: () => Promise.reject(new Error('artifact store is down')),
    });
    const acceptance = acceptanceSchema.parse({ validators: [{ type: 'command', name: 'noisy', config: { argv: ['sh', '-c', 'echo hello'] } }] });
    const { results } = await runAcceptance(acceptance, ctx);
    const r: ValidatorEvidence = results[0]!;
    expect(r.verdict).toBe('error');
    expect(r.evidence['error']).toBe('artifact store is down');
  });
});
