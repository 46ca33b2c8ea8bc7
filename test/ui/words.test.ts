/**
 * The dashboard's words and readings (ui/src/lib): statuses, escalation triggers, missed-run
 * policies, input previews, results and errors read into words, and a task's log with its
 * attempts' starts put in.
 */
import { describe, expect, it } from 'vitest';
import { ApiError, isMissing } from '../../ui/src/lib/apiError.js';
import { readOutcome } from '../../ui/src/lib/outcome.js';
import { taskStory } from '../../ui/src/lib/taskLog.js';
import { inputPreview, missedPolicy, statusWord, triggerText } from '../../ui/src/lib/words.js';

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
