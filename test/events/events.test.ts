import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_EVENT_PAYLOAD_BYTES } from '../../src/config/config.js';
import { SQLSTATE, sqlstate } from '../../src/db/sqlstate.js';
import { isGafferError } from '../../src/errors.js';
import type { Gaffer } from '../../src/gaffer.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';

const llmCall = {
  provider: 'openai',
  model: 'gpt-test',
  request: { model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] },
  response: { id: 'c1', choices: [{ message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }] },
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:00:01.000Z',
  latencyMs: 1000,
  usage: { inputTokens: 10, outputTokens: 3 },
  costUsd: 0.0002,
  finishReason: 'stop',
};

describe.each(testBackends())('events on $name', (backend) => {
  let gaffer: Gaffer;
  beforeAll(async () => {
    gaffer = await openTestGaffer(backend);
  });
  afterAll(async () => {
    await gaffer?.close();
  });

  it('appends single events and batches with a gapless sequence starting after run_started', async () => {
    const run = await gaffer.runs.create({ name: 'seq' });
    const one = await gaffer.events.append(run.id, [{ type: 'log', payload: { message: 'a' } }]);
    expect(one).toEqual({ appended: 1, firstSeq: 2, lastSeq: 2 });
    const batch = await gaffer.events.append(run.id, [
      { type: 'log', payload: { message: 'b' } },
      { type: 'x-custom.thing', payload: { anything: [1, 2] } },
      { type: 'llm_call', payload: llmCall },
    ]);
    expect(batch).toEqual({ appended: 3, firstSeq: 3, lastSeq: 5 });
    const page = await gaffer.events.read(run.id);
    expect(page.events.map((e) => [e.seq, e.type])).toEqual([
      [1, 'run_started'],
      [2, 'log'],
      [3, 'log'],
      [4, 'x-custom.thing'],
      [5, 'llm_call'],
    ]);
    expect(page.events[4]!.payload).toMatchObject({ request: llmCall.request, response: llmCall.response });
    const after = await gaffer.runs.get(run.id);
    expect(after).toMatchObject({ turns: 1, inputTokens: 10, outputTokens: 3, costUsd: 0.0002, lastSeq: 5 });
  });

  it('keeps the sequence gapless and strictly increasing with many concurrent appenders', async () => {
    const run = await gaffer.runs.create({ name: 'concurrent' });
    const appenders = 20;
    const perAppender = 10;
    await Promise.all(
      Array.from({ length: appenders }, (_, a) =>
        (async () => {
          for (let i = 0; i < perAppender; i++) {
            await gaffer.events.append(run.id, [
              { type: 'log', payload: { message: `${a}:${i}` } },
              { type: 'log', payload: { message: `${a}:${i}b` } },
            ]);
          }
        })(),
      ),
    );
    const seqs: number[] = [];
    for (let after = 0; ; ) {
      const page = await gaffer.events.read(run.id, { after, limit: 1000 });
      seqs.push(...page.events.map((e) => e.seq));
      if (page.next === null) break;
      after = page.next;
    }
    const total = 1 + appenders * perAppender * 2;
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // Each appender's two events of a batch are adjacent: a batch is one transaction.
    const page = await gaffer.events.read(run.id, { limit: 1000 });
    for (const e of page.events.filter((x) => x.type === 'log' && (x.payload as { message: string }).message.endsWith('b'))) {
      const prev = page.events[e.seq - 2]!;
      expect((prev.payload as { message: string }).message + 'b').toBe((e.payload as { message: string }).message);
    }
  });

  it('rejects unknown kinds and bad payloads naming the field, and writes nothing of the batch', async () => {
    const run = await gaffer.runs.create({ name: 'bad' });
    const unknown = await gaffer.events
      .append(run.id, [
        { type: 'log', payload: { message: 'fine' } },
        { type: 'thought', payload: {} },
      ])
      .catch((e: unknown) => e);
    expect(isGafferError(unknown, 'UNKNOWN_EVENT_TYPE')).toBe(true);
    expect((unknown as Error).message).toMatch(/events\[1\]\.type: unknown event type 'thought'.*x-/);
    const bad = await gaffer.events
      .append(run.id, [{ type: 'llm_call', payload: { ...llmCall, latencyMs: -1 } }])
      .catch((e: unknown) => e);
    expect(isGafferError(bad, 'VALIDATION_FAILED')).toBe(true);
    expect((bad as Error).message).toContain('events[0].payload.latencyMs');
    expect((await gaffer.events.read(run.id)).events.map((e) => e.type)).toEqual(['run_started']);
    expect((await gaffer.runs.get(run.id)).lastSeq).toBe(1);
  });

  it('reports a missing or empty type as VALIDATION_FAILED naming events[i].type, not as an unknown type', async () => {
    const run = await gaffer.runs.create({ name: 'no-type' });
    for (const type of [undefined, '']) {
      const err = await gaffer.events
        .append(run.id, [{ type: 'log', payload: { message: 'fine' } }, { type: type as never, payload: {} }])
        .catch((e: unknown) => e);
      expect(isGafferError(err, 'VALIDATION_FAILED')).toBe(true);
      expect((err as Error).message).toMatch(/events\[1\]\.type: is required/);
      expect((err as { details: unknown }).details).toEqual({ issues: [{ path: 'events[1].type', message: expect.stringMatching(/^is required/) }] });
    }
    const notString = await gaffer.events.append(run.id, [{ type: 7 as never, payload: {} }]).catch((e: unknown) => e);
    expect(isGafferError(notString, 'VALIDATION_FAILED')).toBe(true);
    expect((notString as Error).message).toContain('events[0].type: must be a string');
    expect((await gaffer.runs.get(run.id)).lastSeq).toBe(1);
  });

  it('rejects a payload that is not JSON (a BigInt, a cycle) naming the field, writing nothing', async () => {
    const run = await gaffer.runs.create({ name: 'not-json' });
    const cycle: Record<string, unknown> = { message: 'loop' };
    cycle.self = cycle;
    for (const payload of [{ message: 'big', data: { n: 10n } }, cycle]) {
      const err = await gaffer.events
        .append(run.id, [{ type: 'log', payload: { message: 'fine' } }, { type: 'log', payload }])
        .catch((e: unknown) => e);
      expect(isGafferError(err, 'VALIDATION_FAILED')).toBe(true);
      expect((err as Error).message).toContain('events[1].payload: must be a JSON value');
    }
    expect((await gaffer.runs.get(run.id)).lastSeq).toBe(1);
  });

  it('returns the original range when a batch is retried with the same batchId', async () => {
    const run = await gaffer.runs.create({ name: 'idempotent' });
    const events = [{ type: 'log', payload: { message: 'once' } }];
    const first = await gaffer.events.append(run.id, events, { batchId: 'b-1' });
    const again = await gaffer.events.append(run.id, events, { batchId: 'b-1' });
    expect(again).toEqual(first);
    expect((await gaffer.events.read(run.id)).events).toHaveLength(2);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on events in the database itself', async () => {
    const run = await gaffer.runs.create({ name: 'immutable' });
    await gaffer.events.append(run.id, [{ type: 'log', payload: { message: 'original' } }]);
    for (const statement of [
      sql`UPDATE events SET payload = '{}'::jsonb WHERE run_id = ${run.id}`,
      sql`DELETE FROM events WHERE run_id = ${run.id}`,
      sql`TRUNCATE events CASCADE`,
    ]) {
      const err = await gaffer.db.rows(statement).catch((e: unknown) => e);
      expect(sqlstate(err)).toBe(SQLSTATE.eventsImmutable);
      expect(String((err as Error).cause)).toMatch(/events are append-only/);
    }
    const page = await gaffer.events.read(run.id);
    expect(page.events[1]!.payload).toEqual({ level: 'info', message: 'original' });
  });

  it('spills a payload over the size cap into an artifact, losing nothing', async () => {
    const run = await gaffer.runs.create({ name: 'spill' });
    const big = 'x'.repeat(MAX_EVENT_PAYLOAD_BYTES + 1000);
    await gaffer.events.append(run.id, [{ type: 'tool_result', payload: { callId: 'c1', name: 'read_file', output: big } }]);
    const raw = await gaffer.events.read(run.id, { after: 1 });
    const stored = raw.events[0]!.payload as { $spilled: { sha256: string; bytes: number } };
    expect(stored.$spilled.bytes).toBeGreaterThan(MAX_EVENT_PAYLOAD_BYTES);
    const artifact = await gaffer.artifacts.get(stored.$spilled.sha256);
    expect(JSON.parse(artifact.content.toString()).output).toBe(big);
    const resolved = await gaffer.events.read(run.id, { after: 1, resolveSpilled: true });
    expect((resolved.events[0]!.payload as { output: string }).output).toBe(big);

    // A reference that cannot be read back stays a reference saying why; the rest of the log reads.
    const ghost = await gaffer.runs.create({ name: 'spill-ghost' });
    const missing = 'f'.repeat(64);
    await gaffer.db.rows(sql`INSERT INTO events (run_id, seq, type, ts, payload) VALUES (${ghost.id}, 2, 'log', now(), ${JSON.stringify({ $spilled: { sha256: missing, bytes: 70_000 } })}::jsonb)`);
    await gaffer.db.rows(sql`UPDATE runs SET last_seq = 2 WHERE id = ${ghost.id}`);
    const page = await gaffer.events.read(ghost.id, { resolveSpilled: true });
    expect(page.events.map((e) => e.seq)).toEqual([1, 2]);
    expect(page.events[1]!.payload).toMatchObject({ $spilled: { sha256: missing, unresolved: expect.stringContaining(missing) } });
  });

  it('pages with after/limit and reports next', async () => {
    const run = await gaffer.runs.create({ name: 'paging' });
    await gaffer.events.append(
      run.id,
      Array.from({ length: 9 }, (_, i) => ({ type: 'log', payload: { message: String(i) } })),
    );
    const first = await gaffer.events.read(run.id, { limit: 4 });
    expect(first.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(first.next).toBe(4);
    const last = await gaffer.events.read(run.id, { after: 8, limit: 4 });
    expect(last.events.map((e) => e.seq)).toEqual([9, 10]);
    expect(last.next).toBeNull();
    const logsOnly = await gaffer.events.read(run.id, { types: ['run_started'] });
    expect(logsOnly.events).toHaveLength(1);
  });

  it('reports RUN_NOT_FOUND for events of a run that does not exist', async () => {
    const missing = '01900000-0000-7000-8000-000000000000';
    await expect(gaffer.events.append(missing, [{ type: 'log', payload: { message: 'x' } }])).rejects.toMatchObject({
      code: 'RUN_NOT_FOUND',
    });
    await expect(gaffer.events.read(missing)).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });
});
