/**
 * The dashboard's words and readings (ui/src/lib): statuses, escalation triggers, missed-run
 * policies, plurals, input previews, results and errors read into words, the attempts an
 * escalation or a last error speaks of, a live run's counters, and a task's log with its
 * attempts' starts put in.
 */
import { describe, expect, it } from 'vitest';
import { ApiError, isMissing } from '../../ui/src/lib/apiError.js';
import { readOutcome } from '../../ui/src/lib/outcome.js';
import { taskStory } from '../../ui/src/lib/taskLog.js';
import { inputPreview, missedPolicy, plural, statusWord, triggerText } from '../../ui/src/lib/words.js';
import { attemptText, escalationAttempts, lastErrorAttempt } from '../../ui/src/lib/attempts.js';
import { countEvents, liveCounters } from '../../ui/src/lib/runCounters.js';
import type { RunEvent } from '../../ui/src/types.js';

describe('words', () => {
  it('says statuses, triggers and policies in words', () => {
    expect(statusWord('awaiting_approval')).toBe('awaiting approval');
    expect(statusWord('timed_out')).toBe('timed out');
    expect(statusWord('failed')).toBe('failed');
    // One attempt allowed: nothing was retried, so "retries exhausted" would mislead.
    expect(triggerText('retries_exhausted', 'test_fail', 1, 1)).toBe('failed; no retries allowed by the spec');
    expect(triggerText('retries_exhausted', 'test_fail', 3, 3)).toBe('failed after all 3 attempts');
    expect(triggerText('retries_exhausted', null)).toBe('failed on every attempt');
    expect(triggerText('no_retry_class', 'budget_exceeded', 1, 3)).toContain('budget_exceeded');
    expect(triggerText('something_new', null)).toBe('something new');
    expect(missedPolicy('skip').label).toBe('skip them');
    expect(missedPolicy('all').label).toBe('fire each');
  });

  it('counts with the noun in the right number', () => {
    expect(plural(1, 'change')).toBe('1 change');
    expect(plural(3, 'change')).toBe('3 changes');
    expect(plural(0, 'run')).toBe('0 runs');
    expect(plural(1200, 'message')).toBe('1,200 messages');
    expect(plural(2, 'entry', 'entries')).toBe('2 entries');
  });

  it('previews an input in one short line, what is asked first', () => {
    const input = { test: 'test/titleCase.test.js', request: 'Add titleCase(text) to textkit: each word with its first letter upper case and the rest lower case.' };
    const line = inputPreview(input);
    expect(line.startsWith('request: Add titleCase(text)')).toBe(true);
    expect(line).toContain('… · test: test/titleCase.test.js');
    expect(inputPreview({ n: 3, flags: ['a', 'b'], nested: { a: 1 }, ok: true })).toBe('n: 3 · flags: 2 items · nested: {…} · ok: true');
    expect(inputPreview({})).toBe('');
    expect(inputPreview(null)).toBe('');
    expect(inputPreview({ a: 'x'.repeat(300), b: 'y'.repeat(300) }, 40)).toHaveLength(40);
  });
});

describe('outcome', () => {
  it('reads a verification failure into message, summary, class context and failing checks', () => {
    const error = {
      message: "the agent finished but verification failed: required validator 'tests' failed",
      summary: 'slugify keeps lowercase letters only.',
      mode: 'autonomous',
      diff: { files: [{ path: 'src/slugify.js', status: 'modified', additions: 1, deletions: 1 }], branch: 'gaffer/x/1' },
      verification: {
        verdict: 'failed',
        score: 0.5,
        reasons: ["required validator 'tests' failed"],
        failing: [{ validator: 'tests', type: 'command', verdict: 'failed', summary: 'failing tests: slugify lowercases\n…not ok 1\n  error: x' }],
      },
      classification: { failureClass: 'test_fail', confidence: 0.9, context: { failingTests: ['slugify lowercases'], file: 'test/slugify.test.js', line: 6, errorCodes: [], summary: 'not ok 1' } },
    };
    const o = readOutcome(error);
    expect(o.message).toBe(error.message);
    expect(o.summary).toBe('slugify keeps lowercase letters only.');
    expect(o.classification).toMatchObject({ failureClass: 'test_fail', confidence: 0.9, failingTests: ['slugify lowercases'], file: 'test/slugify.test.js', line: 6 });
    expect(o.failing).toEqual([{ validator: 'tests', type: 'command', verdict: 'failed', summary: error.verification.failing[0]!.summary }]);
    expect(o.files).toEqual([{ path: 'src/slugify.js', status: 'modified', additions: 1, deletions: 1 }]);
    expect(o.branch).toBe('gaffer/x/1');
    expect(o.facts).toEqual([['mode', 'autonomous']]);
  });

  it('reads a command failure, counters, text and unknown fields', () => {
    const o = readOutcome({ message: 'command exited with 2', command: ['make', 'test'], exitCode: 2, signal: null, stderr: 'boom\nline 2', stdout: { tail: 'ok', bytes: 2 } });
    expect(o.command).toBe('make test');
    expect(o.exitCode).toBe(2);
    expect(o.streams.map((s) => s.text)).toEqual(['ok', 'boom\nline 2']);
    const r = readOutcome({ summary: 'done', finishedBy: 'finish', counters: { turns: 4, costUsd: 0.000144 }, nested: { a: 1 } });
    expect(r.counters).toEqual({ turns: 4, costUsd: 0.000144 });
    expect(r.facts).toEqual([['finished by', 'finish']]);
    expect(readOutcome('plain text').text).toBe('plain text');
    expect(readOutcome(null).facts).toEqual([]);
  });
});

describe('attempts', () => {
  const evidence = [{ runId: 'r1', attempt: 1, status: 'failed' }];
  const later = { spec: null, status: 'succeeded', attempt: 2, maxAttempts: 2 };

  it('reads an open escalation with the task now, a closed one with its own evidence', () => {
    const open = escalationAttempts({ status: 'acknowledged', trigger: 'retries_exhausted', evidence, task: { ...later, status: 'escalated', attempt: 1, maxAttempts: 1 } });
    expect(open).toEqual({ attempt: 1, maxAttempts: 1 });
    // Resolved with a retry, the task has run a second attempt since: the escalation still tells of the first.
    const closed = escalationAttempts({ status: 'resolved', trigger: 'retries_exhausted', evidence, task: later });
    expect(closed).toEqual({ attempt: 1, maxAttempts: 1 });
    expect(attemptText(closed!)).toBe('1 of 1');
    expect(triggerText('retries_exhausted', 'test_fail', closed!.attempt, closed!.maxAttempts)).toBe('failed; no retries allowed by the spec');
    // Newest first in the evidence; the allowed number is known only when the retries ran out.
    const many = [{ runId: 'r3', attempt: 3 }, { runId: 'r2', attempt: 2 }];
    expect(escalationAttempts({ status: 'dismissed', trigger: 'retries_exhausted', evidence: many, task: later })).toEqual({ attempt: 3, maxAttempts: 3 });
    const noRetry = escalationAttempts({ status: 'resolved', trigger: 'no_retry_class', evidence: many, task: later });
    expect(noRetry).toEqual({ attempt: 3, maxAttempts: undefined });
    expect(attemptText(noRetry!)).toBe('3');
    expect(escalationAttempts({ status: 'resolved', trigger: 'retries_exhausted', evidence: [{ runId: null }], task: later })).toBeUndefined();
    expect(escalationAttempts({ status: 'open', trigger: 'retries_exhausted', evidence, task: null })).toBeUndefined();
  });

  it("names the attempt a task's last error came from", () => {
    expect(lastErrorAttempt([{ attempt: 1, status: 'failed' }, { attempt: 2, status: 'running' }])).toBe(1);
    expect(lastErrorAttempt([{ attempt: 1, status: 'failed' }, { attempt: 2, status: 'timed_out' }, { attempt: 3, status: 'succeeded' }])).toBe(2);
    expect(lastErrorAttempt([{ attempt: 1, status: 'running' }])).toBeUndefined();
    expect(lastErrorAttempt([])).toBeUndefined();
  });
});

describe('run counters while live', () => {
  const ev = (seq: number, type: string, payload: Record<string, unknown> = {}): RunEvent => ({ seq, type, ts: '2026-11-22T10:00:00.000Z', payload });
  const events = [
    ev(1, 'run_started'),
    ev(2, 'llm_call', { usage: { inputTokens: 100, outputTokens: 20 }, costUsd: 0.0002 }),
    ev(3, 'tool_call'),
    ev(4, 'llm_call', { usage: { inputTokens: 150 }, costUsd: 0.0001 }),
  ];

  it('adds up model calls as the server does', () => {
    expect(countEvents(events)).toEqual({ events: 4, turns: 2, inputTokens: 250, outputTokens: 20, costUsd: 0.0002 + 0.0001 });
    expect(countEvents([])).toEqual({ events: 0, turns: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 });
  });

  it('never shows fewer than the timeline, nor less than the run says', () => {
    const behind = { lastSeq: 2, turns: 1, inputTokens: 100, outputTokens: 20, costUsd: 0.0002 };
    expect(liveCounters(behind, events)).toMatchObject({ events: 4, turns: 2, inputTokens: 250, outputTokens: 20 });
    // Caught up (or more than the page has read): the run's own counters.
    const ahead = { lastSeq: 9, turns: 5, inputTokens: 900, outputTokens: 90, costUsd: 0.01 };
    expect(liveCounters(ahead, events)).toEqual({ events: 9, turns: 5, inputTokens: 900, outputTokens: 90, costUsd: 0.01 });
  });
});

describe('task story', () => {
  it('puts each attempt start between the log entries by time', () => {
    const log = [
      { seq: 1, ts: '2026-11-22T10:00:00.000Z' },
      { seq: 2, ts: '2026-11-22T10:00:05.000Z' },
      { seq: 3, ts: '2026-11-22T10:01:00.000Z' },
    ];
    const rows = taskStory(log, [
      { attempt: 2, runId: 'r2', startedAt: '2026-11-22T10:00:30.000Z' },
      { attempt: 1, runId: 'r1', startedAt: '2026-11-22T10:00:01.000Z' },
      { attempt: 3, runId: 'r3', startedAt: '2026-11-22T10:02:00.000Z' },
    ]);
    expect(rows.map((r) => (r.kind === 'log' ? `#${r.entry.seq}` : `a${r.start.attempt}`))).toEqual(['#1', 'a1', '#2', 'a2', '#3', 'a3']);
    // An entry at the same instant as a start stays before it.
    const same = taskStory([{ seq: 1, ts: '2026-11-22T10:00:00.000Z' }], [{ attempt: 1, runId: 'r', startedAt: '2026-11-22T10:00:00.000Z' }]);
    expect(same.map((r) => r.kind)).toEqual(['log', 'attempt']);
  });
});

describe('not found', () => {
  it('counts a 404 and a 400 on the path id as "not there", nothing else', () => {
    expect(isMissing(new ApiError(404, 'TASK_NOT_FOUND', 'no task with id x'))).toBe(true);
    expect(isMissing(new ApiError(400, 'VALIDATION_FAILED', 'params.id: Invalid UUID', { issues: [{ path: 'params.id', message: 'Invalid UUID' }] }))).toBe(true);
    expect(isMissing(new ApiError(400, 'VALIDATION_FAILED', 'query.limit: too big', { issues: [{ path: 'query.limit', message: 'too big' }] }))).toBe(false);
    expect(isMissing(new ApiError(500, 'INTERNAL', 'boom'))).toBe(false);
    expect(isMissing(new Error('Failed to fetch'))).toBe(false);
  });
});
