import { describe, expect, it } from 'vitest';
import { checkEventPayload, EVENT_SCHEMAS, KNOWN_EVENT_TYPES, type KnownEventType } from '../../src/events/eventTypes.js';

const at = '2026-01-01T00:00:00.000Z';
/** For each kind: payloads zod accepts and payloads it rejects. */
const SAMPLES: Record<KnownEventType, { good: unknown[]; bad: unknown[] }> = {
  run_started: { good: [{}, { name: 'r', input: { a: [1, null] } }], bad: [{ name: 3 }, null, 'x', []] },
  run_finished: { good: [{ status: 'succeeded' }, { status: 'failed', failureClass: 'timeout', verdict: 'failed' }], bad: [{}, { status: 'nope' }, { status: 'failed', failureClass: 'oops' }] },
  llm_call: {
    good: [{ provider: 'p', model: 'm', request: {}, startedAt: at, endedAt: '2026-01-01T01:00:00+02:00', latencyMs: 3, usage: { inputTokens: 1 } }],
    bad: [
      { provider: '', model: 'm', request: {}, startedAt: at, endedAt: at, latencyMs: 3 },
      { provider: 'p', model: 'm', request: {}, startedAt: 'yesterday', endedAt: at, latencyMs: 3 },
      { provider: 'p', model: 'm', request: {}, startedAt: at, endedAt: at, latencyMs: 3, usage: { inputTokens: 1.5 } },
      { provider: 'p', model: 'm', startedAt: at, endedAt: at, latencyMs: 3 },
    ],
  },
  tool_call: { good: [{ callId: 'c', name: 'read_file', arguments: { path: 'a' }, risk: 'read' }], bad: [{ callId: 'c', name: 'x', arguments: 1, risk: 'delete' }, { callId: 'c', name: 'x' }] },
  tool_result: { good: [{ callId: 'c', name: 'x', output: 'ok' }, { callId: 'c', name: 'x', output: null, isError: true, denied: { reason: 'mode' } }], bad: [{ callId: 'c', name: 'x', output: 1, isError: 'no' }, { callId: 'c', name: 'x', output: 1, denied: {} }] },
  decision: { good: [{ decisionType: 'routing', output: { profile: 'a' }, confidence: 0.5 }], bad: [{ decisionType: 'routing', output: 1, confidence: 2 }, { output: 1 }] },
  log: { good: [{ message: 'm' }, { level: 'warn', message: 'm', data: [1, { a: 'b' }] }], bad: [{ level: 'loud', message: 'm' }, { message: 3 }, {}] },
  artifact: { good: [{ sha256: 'a'.repeat(64), name: 'f', contentType: 'text/plain', bytes: 3 }], bad: [{ sha256: 'A'.repeat(64), name: 'f', contentType: 'text/plain', bytes: 3 }, { sha256: 'a'.repeat(64), name: 'f', contentType: 'text/plain', bytes: -1 }] },
  validator_result: {
    good: [{ validator: 'tests', type: 'command', verdict: 'passed', passed: true, score: 1, durationMs: 5 }],
    bad: [{ validator: 'tests', type: 'command', verdict: 'maybe', passed: true, score: 1, durationMs: 5 }, { validator: 'tests', type: 'command', verdict: 'passed', passed: true, score: 1.5, durationMs: 5 }],
  },
  status_change: { good: [{ from: null, to: 'running' }], bad: [{ to: 'running' }, { from: 'a', to: '' }] },
};

describe('the compiled payload check', () => {
  it('has samples for every kind', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...KNOWN_EVENT_TYPES].sort());
  });

  it.each(KNOWN_EVENT_TYPES)('accepts and rejects exactly what the zod schema of %s does, with its issues and defaults', (type) => {
    for (const payload of SAMPLES[type].good) {
      const zod = EVENT_SCHEMAS[type].safeParse(payload);
      expect(zod.success).toBe(true);
      const before = JSON.stringify(payload);
      const checked = checkEventPayload(type, payload);
      expect(checked).toEqual({ ok: true, payload: zod.data });
      expect(JSON.stringify(payload)).toBe(before); // defaults go on a copy, never on the caller's object
    }
    for (const payload of SAMPLES[type].bad) {
      const zod = EVENT_SCHEMAS[type].safeParse(payload);
      expect(zod.success).toBe(false);
      expect(checkEventPayload(type, payload)).toEqual({ ok: false, issues: zod.error!.issues });
    }
  });

  it('fills a default on a copy when it is missing and keeps what the caller gave', () => {
    const given = { message: 'm' };
    const checked = checkEventPayload('log', given);
    expect(checked).toEqual({ ok: true, payload: { level: 'info', message: 'm' } });
    expect(given).toEqual({ message: 'm' });
    const full = { level: 'error', message: 'm' };
    expect(checkEventPayload('log', full)).toEqual({ ok: true, payload: full });
  });
});
