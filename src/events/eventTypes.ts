/**
 * The typed event kinds and their payload schemas. An event of a kind listed here must match its
 * schema; custom kinds are allowed under the `x-` prefix (any JSON payload); anything else is
 * rejected with UNKNOWN_EVENT_TYPE. Schemas are open objects (`looseObject`): the documented fields
 * are checked, extra fields are kept, because raw provider payloads carry fields we do not model.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { z } from 'zod';
import { FAILURE_CLASSES, RUN_STATUSES, VERDICTS } from '../db/vocabulary.js';

export const CUSTOM_EVENT_PREFIX = 'x-';

const json = z.json();
const nonNegInt = z.number().int().nonnegative();

/** Token usage of one model call (reference/formats.md). */
export const usageSchema = z.looseObject({
  inputTokens: nonNegInt.optional(),
  outputTokens: nonNegInt.optional(),
  cachedInputTokens: nonNegInt.optional(),
  reasoningTokens: nonNegInt.optional(),
  totalTokens: nonNegInt.optional(),
});

/**
 * One model call, recorded raw: the exact request body sent and the exact response body received
 * (a stream reassembled into the final body), so every export can be derived losslessly.
 */
export const llmCallSchema = z.looseObject({
  provider: z.string().min(1),
  model: z.string().min(1),
  operation: z.string().default('chat'),
  request: json,
  response: json.optional(),
  error: z.looseObject({ message: z.string(), status: z.number().int().optional(), code: z.string().optional() }).optional(),
  stream: z.boolean().optional(),
  startedAt: z.iso.datetime({ offset: true }),
  endedAt: z.iso.datetime({ offset: true }),
  latencyMs: z.number().nonnegative(),
  timeToFirstTokenMs: z.number().nonnegative().optional(),
  usage: usageSchema.optional(),
  costUsd: z.number().nonnegative().optional(),
  finishReason: z.string().optional(),
  tokenIds: z.array(z.number().int()).optional(),
  logprobs: json.optional(),
  callId: z.string().optional(),
});

export const toolCallSchema = z.looseObject({
  callId: z.string().min(1),
  name: z.string().min(1),
  arguments: json,
  risk: z.enum(['read', 'write', 'execute']).optional(),
});

export const toolResultSchema = z.looseObject({
  callId: z.string().min(1),
  name: z.string().min(1),
  output: json,
  isError: z.boolean().default(false),
  durationMs: z.number().nonnegative().optional(),
  /** Set when policy refused the call; the reason is what the model was told. */
  denied: z.looseObject({ reason: z.string().min(1) }).optional(),
});

export const decisionSchema = z.looseObject({
  decisionType: z.string().min(1),
  inputs: json.default({}),
  output: json,
  confidence: z.number().min(0).max(1).optional(),
  reason: z.string().optional(),
  taskId: z.string().optional(),
});

export const logSchema = z.looseObject({
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  message: z.string(),
  data: json.optional(),
});

export const artifactEventSchema = z.looseObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex sha256'),
  name: z.string().min(1),
  contentType: z.string().min(1),
  bytes: nonNegInt,
});

export const validatorResultSchema = z.looseObject({
  validator: z.string().min(1),
  type: z.string().min(1),
  verdict: z.enum(['passed', 'failed', 'error']),
  passed: z.boolean(),
  score: z.number().min(0).max(1),
  durationMs: z.number().nonnegative(),
  evidence: json.default({}),
});

export const statusChangeSchema = z.looseObject({
  from: z.string().nullable(),
  to: z.string().min(1),
  reason: z.string().optional(),
});

export const runStartedSchema = z.looseObject({
  name: z.string().optional(),
  agent: z.string().optional(),
  input: json.optional(),
});

export const runFinishedSchema = z.looseObject({
  status: z.enum(RUN_STATUSES),
  verdict: z.enum(VERDICTS).optional(),
  failureClass: z.enum(FAILURE_CLASSES).optional(),
  output: json.optional(),
  error: json.optional(),
});

export const EVENT_SCHEMAS = {
  run_started: runStartedSchema,
  run_finished: runFinishedSchema,
  llm_call: llmCallSchema,
  tool_call: toolCallSchema,
  tool_result: toolResultSchema,
  decision: decisionSchema,
  log: logSchema,
  artifact: artifactEventSchema,
  validator_result: validatorResultSchema,
  status_change: statusChangeSchema,
} as const;

export type KnownEventType = keyof typeof EVENT_SCHEMAS;
export const KNOWN_EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as KnownEventType[];
export type EventPayload<K extends KnownEventType> = z.input<(typeof EVENT_SCHEMAS)[K]>;
export type LlmCallPayload = EventPayload<'llm_call'>;
export type ToolCallPayload = EventPayload<'tool_call'>;
export type ToolResultPayload = EventPayload<'tool_result'>;

export function isKnownEventType(type: string): type is KnownEventType {
  return Object.prototype.hasOwnProperty.call(EVENT_SCHEMAS, type);
}

export function isCustomEventType(type: string): boolean {
  return type.startsWith(CUSTOM_EVENT_PREFIX) && /^x-[a-z0-9][a-z0-9_.:-]{0,99}$/i.test(type);
}

/**
 * The hot path's payload check. Each kind's zod schema is compiled once, through its JSON Schema,
 * into an ajv validator (about four times as fast as zod's parse on the ingest path, and it allocates
 * no copy). A payload ajv accepts is stored as given, with the schema's top-level defaults filled in on
 * a shallow copy; a payload it rejects is parsed by zod, whose issues are the ones reported. zod
 * stays the single definition: the compiled form is derived from it, never written by hand.
 */
interface CompiledKind {
  validate: ValidateFunction;
  defaults: [string, unknown][];
}

const compiled = new Map<KnownEventType, CompiledKind>();
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false });

function compiledKind(type: KnownEventType): CompiledKind {
  let kind = compiled.get(type);
  if (!kind) {
    const jsonSchema = z.toJSONSchema(EVENT_SCHEMAS[type], {
      io: 'input',
      unrepresentable: 'any',
      // "Any JSON value" is left to serialisation, which the append does anyway and which fails
      // on what is not JSON (a BigInt, a cycle); checking it here too would double the cost.
      override: (ctx) => {
        if (ctx.zodSchema === json) for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as Record<string, unknown>)[key];
      },
    }) as {
      properties?: Record<string, { default?: unknown }>;
    };
    const defaults = Object.entries(jsonSchema.properties ?? {})
      .filter(([, property]) => property.default !== undefined)
      .map(([key, property]): [string, unknown] => [key, property.default]);
    kind = { validate: ajv.compile(jsonSchema), defaults };
    compiled.set(type, kind);
  }
  return kind;
}

export type PayloadCheck = { ok: true; payload: unknown } | { ok: false; issues: z.core.$ZodIssue[] };

/** Checks a payload of a known kind; returns the payload to store (defaults applied) or zod's issues. */
export function checkEventPayload(type: KnownEventType, payload: unknown): PayloadCheck {
  const kind = compiledKind(type);
  if (kind.validate(payload)) {
    let out = payload as Record<string, unknown>;
    for (const [key, value] of kind.defaults) {
      if (out[key] === undefined) {
        if (out === payload) out = { ...out };
        out[key] = structuredClone(value);
      }
    }
    return { ok: true, payload: out };
  }
  const parsed = EVENT_SCHEMAS[type].safeParse(payload);
  // ajv and zod agree on what they reject; should zod accept what ajv did not, zod's answer stands.
  return parsed.success ? { ok: true, payload: parsed.data } : { ok: false, issues: parsed.error.issues };
}
