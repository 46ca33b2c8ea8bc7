/**
 * The dashboard's pure helpers (ui/src/lib): the SSE frame parser that follows a
 * run live, the JSON diff behind "what changed between versions", diff lines, formatting, the
 * day series of the charts, and hash routes.
 */
import { describe, expect, it } from 'vitest';
import { SseParser, parseSse } from '../../ui/src/lib/sseFrames.js';
import { diffJson } from '../../ui/src/lib/jsonDiff.js';
import { classifyDiffLine, diffStats, parseDiff } from '../../ui/src/lib/diffLines.js';
import { duration, excerpt, relativeTime, usd, percent, shortId, zoneLabel } from '../../ui/src/lib/format.js';
import { fillDays, sinceDays } from '../../ui/src/lib/series.js';
import { parseRoute } from '../../ui/src/lib/routes.js';

describe('sse frames', () => {
  it('parses frames across chunk boundaries, CRLF split, comments and end', () => {
    const p = new SseParser();
    const text = ': ping\n\nid: 4\nevent: run_finished\ndata: {"seq":4}\n\nevent: end\ndata: {}\n\n';
    const frames = [];
    for (const ch of text.replace(/\n/g, '\r\n')) frames.push(...p.push(ch));
    expect(frames).toEqual([{ id: '4', event: 'run_finished', data: '{"seq":4}' }, { event: 'end', data: '{}' }]);
    expect(parseSse('data: a\ndata: b')).toEqual([{ event: 'message', data: 'a\nb' }]);
  });
});
describe('json diff', () => {
  it('lists added, removed and changed paths', () => {
    const a = { name: 'x', acceptance: { validators: [{ config: { argv: ['node', 'a'] } }] }, old: 1, 'odd-key': 1 };
    const b = { name: 'x', acceptance: { validators: [{ config: { argv: ['node', 'b'] } }, { type: 'lint' }] }, added: true, 'odd-key': 2 };
    expect(diffJson(a, b)).toEqual([
      { path: 'acceptance.validators[0].config.argv[1]', kind: 'changed', before: 'a', after: 'b' },
      { path: 'acceptance.validators[1]', kind: 'added', after: { type: 'lint' } },
      { path: 'added', kind: 'added', after: true },
      { path: '["odd-key"]', kind: 'changed', before: 1, after: 2 },
      { path: 'old', kind: 'removed', before: 1 },
    ]);
    expect(diffJson({ a: { b: 1 } }, { a: 'str' })).toEqual([{ path: 'a', kind: 'changed', before: { b: 1 }, after: 'str' }]);
    expect(diffJson([1], [1])).toEqual([]);
  });
});
describe('diff lines', () => {
  it('classifies git diff lines, with --- inside a hunk as removed', () => {
    const lines = parseDiff('diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n--- b\n+c\n\\ No newline at end of file\n');
    expect(lines.map((l) => l.kind)).toEqual(['file', 'meta', 'file', 'file', 'hunk', 'context', 'removed', 'added', 'meta']);
    expect(diffStats(lines)).toEqual({ added: 1, removed: 1 });
    expect(classifyDiffLine('+++ b/x', false)).toBe('file');
  });
});
describe('format', () => {
  it('formats', () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(relativeTime('2026-11-22T09:57:00Z', now)).toBe('3 min ago');
    expect(relativeTime('2026-11-22T12:00:00Z', now)).toBe('in 2 h');
    expect(relativeTime('2026-11-22T10:00:01Z', now)).toBe('just now');
    expect(duration(262)).toBe('262 ms');
    expect(duration(3533)).toBe('3.5 s');
    expect(duration(125_000)).toBe('2 min 05 s');
    expect(duration(3_780_000)).toBe('1 h 03 min');
    expect(usd(0.000144)).toBe('$0.000144');
    expect(usd(0.0283)).toBe('$0.0283');
    expect(usd(0.02414)).toBe('$0.0241');
    expect(usd(0.5)).toBe('$0.5');
    expect(usd(0.9996)).toBe('$1.00');
    expect(usd(12.5)).toBe('$12.50');
    expect(usd(2.13e-5)).toBe('$0.0000213');
    expect(usd(3e-9)).toBe('$0.000000003');
    expect(usd(0)).toBe('$0');
    expect(usd(null)).toBe('—');
    expect(zoneLabel(0)).toBe('UTC');
    expect(zoneLabel(60)).toBe('UTC+01:00');
    expect(zoneLabel(-330)).toBe('UTC-05:30');
    // A check's output: its first line; a text the server cut keeps one leading "…" and gets no second.
    expect(excerpt('failing tests: a; b\n…stdout')).toBe('failing tests: a; b');
    expect(excerpt('\n……s: 7.7\nmore')).toBe('…s: 7.7');
    expect(excerpt(`…${'x'.repeat(50)}`, 10)).toBe(`…${'x'.repeat(9)}`);
    expect(excerpt('y'.repeat(50), 10)).toBe(`${'y'.repeat(9)}…`);
    expect(percent(0.6667)).toBe('66.7%');
    expect(percent(1)).toBe('100%');
    expect(shortId('01a202e3-1a84-74a4-9a5e-daa75bc38b63')).toBe('daa75bc38b63');
  });
  it('fills days', () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(sinceDays(3, now)).toBe('2026-11-20T00:00:00.000Z');
    const pts = fillDays([{ key: '2026-11-21', runs: 2, successes: 1, failures: 1, successRate: 0.5, costUsd: 1, avgCostUsd: 0.5, avgDurationMs: 1 }], 3, now);
    expect(pts.map((p) => [p.day, p.runs, p.successRate])).toEqual([['2026-11-20', 0, null], ['2026-11-21', 2, 0.5], ['2026-11-22', 0, null]]);
  });
});
describe('routes', () => {
  it('parses hashes', () => {
    expect(parseRoute('#/')).toEqual({ page: 'overview' });
    expect(parseRoute('')).toEqual({ page: 'overview' });
    expect(parseRoute('#/tasks/abc')).toEqual({ page: 'task', id: 'abc' });
    expect(parseRoute('#/runs/r1')).toEqual({ page: 'run', id: 'r1' });
    expect(parseRoute('#/profiles/demo-small')).toEqual({ page: 'profile', name: 'demo-small' });
    const t = parseRoute('#/tasks?status=running&spec=x');
    expect(t.page === 'tasks' && t.params.get('status')).toBe('running');
    expect(parseRoute('#/nope').page).toBe('not_found');
  });
});
