import { describe, expect, it } from 'vitest';
import { runValidator, type ValidatorEvidence } from '../../src/acceptance/index.js';
import { makeContext, makeWorkspace } from './helpers.js';

const schema = {
  type: 'object',
  required: ['status', 'filesChanged'],
  properties: {
    status: { enum: ['done', 'blocked'] },
    filesChanged: { type: 'integer', minimum: 0 },
    url: { type: 'string', format: 'uri' },
  },
  additionalProperties: false,
};

async function run(config: Record<string, unknown>, finalOutput: unknown): Promise<ValidatorEvidence> {
  const ctx = makeContext(await makeWorkspace(), finalOutput === undefined ? {} : { finalOutput });
  return runValidator({ type: 'json_schema', config, weight: 1, required: false }, 0, ctx);
}

describe('json_schema validator', () => {
  it('passes an object output that matches', async () => {
    const r = await run({ schema }, { status: 'done', filesChanged: 2, url: 'https://example.com/pr/1' });
    expect(r.verdict).toBe('passed');
    expect(r.evidence['errors']).toEqual([]);
  });

  it('parses a string output as JSON, fenced or not', async () => {
    expect((await run({ schema }, '{"status":"done","filesChanged":0}')).verdict).toBe('passed');
    expect((await run({ schema }, '```json\n{"status":"blocked","filesChanged":1}\n```')).verdict).toBe('passed');
  });

  it('fails with the schema errors, by path', async () => {
    const r = await run({ schema }, { status: 'finished', url: 'not a uri' });
    expect(r.verdict).toBe('failed');
    const errors = r.evidence['errors'] as { path: string; message: string }[];
    expect(errors.map((e) => e.path).sort()).toEqual(['/filesChanged', '/status', '/url']);
  });

  it('fails when the output is missing or not JSON', async () => {
    const missing = await run({ schema }, undefined);
    expect(missing.verdict).toBe('failed');
    expect(missing.evidence['explanation']).toContain('no final output');
    const prose = await run({ schema }, 'I finished the task.');
    expect(prose.verdict).toBe('failed');
    expect(prose.evidence['explanation']).toContain('not JSON');
  });

  it('checks a string as a string when parseJson is false', async () => {
    expect((await run({ schema: { type: 'string', pattern: '^ok' }, parseJson: false }, 'ok then')).verdict).toBe('passed');
    expect((await run({ schema: { type: 'string' }, parseJson: false }, '{"a":1}')).verdict).toBe('passed');
  });

  it('is an error for an invalid schema or a missing one', async () => {
    const invalid = await run({ schema: { type: 'no-such-type' } }, {});
    expect(invalid.verdict).toBe('error');
    expect(invalid.evidence['error']).toContain('config.schema: not a valid JSON Schema');
    const missing = await run({}, {});
    expect(missing.verdict).toBe('error');
    expect(missing.evidence['error']).toMatch(/config\.schema/);
  });
});
