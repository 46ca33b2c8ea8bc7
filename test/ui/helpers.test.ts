/**
 * The dashboard's pure helpers: the SSE frame parser that follows a run live (frames split
 * anywhere across chunks, comments and pings skipped, multi-line data joined), the JSON diff
 * behind "what changed between versions", and the diff-line classes of the diff view.
 */
import { describe, expect, it } from 'vitest';
import { classifyDiffLine, jsonDiff } from '../../ui/app/diff.js';
import { parseFrames } from '../../ui/app/sse.js';

describe('parseFrames', () => {
  it('parses complete frames and keeps the unfinished rest for the next chunk', () => {
    const stream = ': ping\n\nid: 4\nevent: llm_call\ndata: {"seq":4}\n\nid: 5\nevent: log\ndata: {"seq"';
    const first = parseFrames(stream);
    expect(first.frames).toEqual([{ id: '4', event: 'llm_call', data: '{"seq":4}' }]);
    const second = parseFrames(`${first.rest}:5}\n\nevent: end\ndata: {}\n\n`);
    expect(second.frames).toEqual([
      { id: '5', event: 'log', data: '{"seq":5}' },
      { event: 'end', data: '{}' },
    ]);
    expect(second.rest).toBe('');
  });

  it('joins multi-line data and accepts CRLF line ends', () => {
    expect(parseFrames('data: a\r\ndata: b\r\n\r\n').frames).toEqual([{ event: 'message', data: 'a\nb' }]);
  });

  it('splits the same stream at every byte into the same frames', () => {
    const stream = 'id: 1\nevent: x\ndata: {"seq":1}\n\n: ping\n\nid: 2\nevent: y\ndata: {"seq":2}\n\nevent: end\ndata: {}\n\n';
    for (let cut = 0; cut <= stream.length; cut++) {
      const a = parseFrames(stream.slice(0, cut));
      const b = parseFrames(a.rest + stream.slice(cut));
      expect([...a.frames, ...b.frames].map((f) => f.event), `cut at ${cut}`).toEqual(['x', 'y', 'end']);
    }
  });
});

describe('jsonDiff', () => {
  it('lists added, removed and changed leaves by path', () => {
    const a = { model: 'm1', routing: { tier: 0 }, tools: ['read', 'write'], old: true };
    const b = { model: 'm2', routing: { tier: 1, maxComplexity: 1 }, tools: ['read'], baseUrl: 'http://x' };
    expect(jsonDiff(a, b)).toEqual([
      { path: 'baseUrl', kind: 'added', after: 'http://x' },
      { path: 'model', kind: 'changed', before: 'm1', after: 'm2' },
      { path: 'old', kind: 'removed', before: true },
      { path: 'routing.maxComplexity', kind: 'added', after: 1 },
      { path: 'routing.tier', kind: 'changed', before: 0, after: 1 },
      { path: 'tools[1]', kind: 'removed', before: 'write' },
    ]);
    expect(jsonDiff(a, structuredClone(a))).toEqual([]);
  });
});

describe('classifyDiffLine', () => {
  it('tells file headers, hunks, additions, deletions and context apart', () => {
    expect(['diff --git a/x b/x', '--- a/x', '+++ b/x', '@@ -1 +1 @@', '+new', '-old', ' same'].map(classifyDiffLine)).toEqual(['file', 'file', 'file', 'hunk', 'add', 'del', 'ctx']);
  });
});
