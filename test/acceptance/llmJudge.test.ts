import { afterEach, describe, expect, it } from 'vitest';
import { JUDGE_INSTRUCTIONS, runValidator, type ValidationContext, type ValidatorEvidence } from '../../src/acceptance/index.js';
import { llmCallSchema } from '../../src/events/eventTypes.js';
import { toLlmCallPayload, type RecordedCall } from '../../src/providers/index.js';
import { startScriptedModelServer, type ScriptedModelServer, type ScriptedTurn } from '../../src/testing/index.js';
import { makeContext, makeWorkspace } from './helpers.js';

let server: ScriptedModelServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

const RUBRIC = 'The add function must return the sum of its two arguments and have a test.';

async function setup(turns: ScriptedTurn[]): Promise<{ ctx: ValidationContext; calls: RecordedCall[]; profile: Record<string, unknown> }> {
  server = await startScriptedModelServer({ scripts: { 'judge-1': turns } });
  const ws = await makeWorkspace({ 'src/math.ts': 'export const add = (a: number, b: number) => a + b;\n' });
  const calls: RecordedCall[] = [];
  const ctx = makeContext(ws, {
    changedFiles: ['src/math.ts'],
    finalOutput: 'Implemented add.',
    env: {},
    onLlmCall: (call) => calls.push(call),
  });
  return { ctx, calls, profile: { name: 'judge', baseUrl: server.baseUrl, model: 'judge-1', prices: { inputPerMTok: 1, outputPerMTok: 4 } } };
}

function judge(config: Record<string, unknown>, ctx: ValidationContext): Promise<ValidatorEvidence> {
  return runValidator({ type: 'llm_judge', name: 'review', config, weight: 2, required: true }, 0, ctx);
}

const reply = (score: number, explanation: string): ScriptedTurn => ({ content: JSON.stringify({ score, explanation }) });

describe('llm_judge validator', () => {
  it('passes at or above the threshold, keeping the explanation and the raw call', async () => {
    const { ctx, calls, profile } = await setup([{ ...reply(0.9, 'Sum is correct; the test is missing.'), usage: { promptTokens: 1000, completionTokens: 100 } }]);
    const r = await judge({ rubric: RUBRIC, profile, threshold: 0.7 }, ctx);

    expect(r).toMatchObject({ validator: 'review', verdict: 'passed', passed: true, score: 0.9, weight: 2, required: true });
    expect(r.evidence).toMatchObject({ profile: 'judge', model: 'judge-1', threshold: 0.7, score: 0.9, explanation: 'Sum is correct; the test is missing.' });
    expect(r.evidence['costUsd']).toBeCloseTo((1000 * 1 + 100 * 4) / 1e6, 12);
    // The judge really saw the rubric and the changed file: check the request as the server got it.
    const sent = server!.requests[0]!.body as { model: string; messages: { role: string; content: string }[] };
    expect(sent.model).toBe('judge-1');
    expect(sent.messages[0]).toEqual({ role: 'system', content: JUDGE_INSTRUCTIONS });
    expect(sent.messages[1]!.content).toContain(RUBRIC);
    expect(sent.messages[1]!.content).toContain('export const add = (a: number, b: number) => a + b;');
    expect(sent.messages[1]!.content).toContain('Implemented add.');
    // The raw call is in the evidence, and was handed to onLlmCall for an llm_call event.
    const evidenceCalls = r.evidence['calls'] as { request: unknown; response: unknown; status: number }[];
    expect(evidenceCalls).toHaveLength(1);
    expect(evidenceCalls[0]!.request).toEqual(sent);
    expect(evidenceCalls[0]!.response).toMatchObject({ choices: [{ message: { content: JSON.stringify({ score: 0.9, explanation: 'Sum is correct; the test is missing.' }) } }] });
    expect(calls).toHaveLength(1);
    expect(llmCallSchema.parse(toLlmCallPayload(calls[0]!)).model).toBe('judge-1');
  });

  it('fails below the threshold and reports the score it gave', async () => {
    const { ctx, profile } = await setup([reply(0.4, 'No test was added.')]);
    const r = await judge({ rubric: RUBRIC, profile, threshold: 0.7 }, ctx);
    expect(r).toMatchObject({ verdict: 'failed', passed: false, score: 0.4 });
    expect(r.evidence['explanation']).toBe('No test was added.');
  });

  it('uses the default threshold of 0.7 and accepts a fenced JSON reply', async () => {
    const { ctx, profile } = await setup([{ content: '```json\n{"score": 0.7, "explanation": "Just enough."}\n```' }, reply(0.69, 'Almost.')]);
    expect((await judge({ rubric: RUBRIC, profile }, ctx)).verdict).toBe('passed');
    expect((await judge({ rubric: RUBRIC, profile }, ctx)).verdict).toBe('failed');
  });

  it('is an error, not a score, when the reply is not the JSON asked for', async () => {
    const { ctx, profile } = await setup([{ content: 'Looks good to me!' }, reply(1.5, 'Off the scale.'), { content: '{"score": "high"}' }]);
    const prose = await judge({ rubric: RUBRIC, profile }, ctx);
    expect(prose).toMatchObject({ verdict: 'error', passed: false, score: 0 });
    expect(prose.evidence['error']).toContain('judge reply is not');
    expect(prose.evidence['reply']).toBe('Looks good to me!');
    expect(prose.evidence['calls']).toHaveLength(1);
    const outOfRange = await judge({ rubric: RUBRIC, profile }, ctx);
    expect(outOfRange.verdict).toBe('error');
    expect(outOfRange.evidence['error']).toContain('score');
    expect((await judge({ rubric: RUBRIC, profile }, ctx)).verdict).toBe('error');
  });

  it('is an error when the judge call fails, with the status and the raw failed calls', async () => {
    const { ctx, calls, profile } = await setup([{ error: { status: 503, message: 'overloaded' } }]);
    const r = await judge({ rubric: RUBRIC, profile, maxRetries: 0 }, ctx);
    expect(r.verdict).toBe('error');
    expect(r.evidence['error']).toMatch(/judge call failed \(HTTP 503\)/);
    expect(r.evidence['calls']).toMatchObject([{ status: 503, error: { status: 503, message: 'overloaded' } }]);
    expect(calls).toHaveLength(1);
  });

  it('resolves a profile given by name through the context, and is an error without a resolver', async () => {
    const { ctx, profile } = await setup([reply(0.8, 'Fine.')]);
    const resolved: string[] = [];
    const withResolver: ValidationContext = {
      ...ctx,
      resolveProfile: (name) => {
        resolved.push(name);
        return { ...(profile as { name: string; baseUrl: string; model: string }), apiKeyEnv: 'OPENAI_API_KEY' };
      },
    };
    expect((await judge({ rubric: RUBRIC, profile: 'judge' }, withResolver)).verdict).toBe('passed');
    expect(resolved).toEqual(['judge']);
    const without = await judge({ rubric: RUBRIC, profile: 'judge' }, ctx);
    expect(without.verdict).toBe('error');
    expect(without.evidence['error']).toContain('no profile resolver');
  });

  it('is an error naming the env var when a remote judge has no API key', async () => {
    const ctx = makeContext(await makeWorkspace(), { env: {} });
    const r = await judge({ rubric: RUBRIC, profile: { name: 'remote', baseUrl: 'https://api.example.com/v1', model: 'm', apiKeyEnv: 'JUDGE_KEY' } }, ctx);
    expect(r.verdict).toBe('error');
    expect(r.evidence['error']).toContain('JUDGE_KEY');
  });

  it('is an error naming the field for a bad config', async () => {
    const ctx = makeContext(await makeWorkspace(), { env: {} });
    const noRubric = await judge({ profile: 'x' }, ctx);
    expect(noRubric.evidence['error']).toMatch(/config\.rubric/);
    const badThreshold = await judge({ rubric: 'r', profile: 'x', threshold: 2 }, ctx);
    expect(badThreshold.evidence['error']).toMatch(/config\.threshold/);
    const badProfile = await judge({ rubric: 'r', profile: { name: 'p' } }, ctx);
    expect(badProfile.verdict).toBe('error');
    expect(badProfile.evidence['error']).toMatch(/config\.profile\.model/);
  });
});
