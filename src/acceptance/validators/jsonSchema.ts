/**
 * `json_schema`: the agent's final output must match a JSON Schema (draft 2020-12, with formats).
 * A string output is parsed as JSON first (a ```json fence around it is allowed) unless
 * `parseJson: false`; an output that is absent or does not parse fails — the work did not produce
 * what was asked. An invalid schema is a config problem: `error`.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { z } from 'zod';
import { parseConfig, ValidatorCannotRun } from '../support.js';
import type { ValidationContext, ValidatorOutcome } from '../types.js';

/** Schema errors listed in evidence. */
const MAX_SCHEMA_ERRORS = 20;

export const jsonSchemaConfigSchema = z.strictObject({
  schema: z.record(z.string(), z.unknown()),
  parseJson: z.boolean().default(true),
});

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
/** Compiled schemas kept; bounded so a stream of distinct schemas cannot grow memory without end. */
const COMPILED_MAX_ENTRIES = 500;
const compiled = new Map<string, ValidateFunction>();

function compile(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } catch (err) {
      throw new ValidatorCannotRun(`config.schema: not a valid JSON Schema: ${(err as Error).message}`);
    }
    if (compiled.size >= COMPILED_MAX_ENTRIES) compiled.clear();
    compiled.set(key, validate);
  }
  return validate;
}

const FENCE = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/;

export async function jsonSchemaValidator(config: Record<string, unknown>, ctx: ValidationContext): Promise<ValidatorOutcome> {
  const cfg = parseConfig(jsonSchemaConfigSchema, config, 'json_schema');
  const validate = compile(cfg.schema);
  if (ctx.finalOutput === undefined) {
    return { verdict: 'failed', evidence: { explanation: 'the agent produced no final output to check' } };
  }
  let value: unknown = ctx.finalOutput;
  if (cfg.parseJson && typeof value === 'string') {
    const text = FENCE.exec(value)?.[1] ?? value;
    try {
      value = JSON.parse(text) as unknown;
    } catch (err) {
      return {
        verdict: 'failed',
        evidence: { parsed: false, outputPreview: text.slice(0, 500), explanation: `the final output is not JSON: ${(err as Error).message}` },
      };
    }
  }
  const valid = validate(value) === true;
  const errors = (validate.errors ?? []).slice(0, MAX_SCHEMA_ERRORS).map(describe);
  return {
    verdict: valid ? 'passed' : 'failed',
    evidence: {
      errors: valid ? [] : errors,
      explanation: valid ? 'the final output matches the schema' : `the final output does not match the schema: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
    },
  };
}

function describe(e: ErrorObject): { path: string; message: string } {
  const missing = e.keyword === 'required' ? `/${String((e.params as { missingProperty: string }).missingProperty)}` : '';
  return { path: `${e.instancePath}${missing}` || '/', message: e.message ?? 'is invalid' };
}
