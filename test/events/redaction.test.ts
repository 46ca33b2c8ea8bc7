/**
 * Secrets never reach the database: provider keys and bearer tokens by pattern, sensitive header
 * and config keys, and the values of secret environment variables — checked by searching the raw
 * tables for every secret after recording them every way a secret could arrive.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gaffer } from '../../src/gaffer.js';
import { Redactor } from '../../src/events/redact.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';

const OPENAI_KEY = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
const ANTHROPIC_KEY = 'sk-ant-api03-ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210';
const GITHUB_TOKEN = 'ghp_0123456789abcdefghijABCDEFGHIJ012345';
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl';
const HEADER_KEY = 'plain-looking-header-value-42';
const ENV_SECRET = 'correct-horse-battery-staple-9';
const CONFIGURED_SECRET = 'my-db-p4ssw0rd-that-is-long';
const URL_PASSWORD = 'hunter2hunter2';

describe.each(testBackends())('redaction on $name', (backend) => {
  let gaffer: Gaffer;
  beforeAll(async () => {
    gaffer = await openTestGaffer(backend, {
      env: { ...process.env, MY_SERVICE_TOKEN: ENV_SECRET, LEGACY_DB_PASS: CONFIGURED_SECRET },
      config: { secretEnvVars: ['LEGACY_DB_PASS'] },
    });
  });
  afterAll(async () => {
    await gaffer?.close();
  });

  it('stores none of the secrets in events, run errors or text artifacts', async () => {
    const run = await gaffer.runs.create({ name: 'secrets' });
    await gaffer.events.append(run.id, [
      {
        type: 'llm_call',
        payload: {
          provider: 'openai',
          model: 'm',
          request: {
            headers: { Authorization: `Bearer ${BEARER}`, 'api-key': HEADER_KEY, 'x-api-key': HEADER_KEY },
            messages: [{ role: 'user', content: `my key is ${OPENAI_KEY} and ${ANTHROPIC_KEY}` }],
          },
          response: { content: `echo ${GITHUB_TOKEN}` },
          startedAt: new Date().toISOString(),
          endedAt: new Date().toISOString(),
          latencyMs: 1,
        },
      },
      { type: 'log', payload: { message: `env leak ${ENV_SECRET} and ${CONFIGURED_SECRET}` } },
      { type: 'tool_result', payload: { callId: 'c', name: 'run_command', output: `postgres://app:${URL_PASSWORD}@db/x\ncurl -H "Authorization: Bearer ${BEARER}" https://api` } },
      { type: 'x-big', payload: { blob: 'z'.repeat(70_000) + `\nOPENAI_API_KEY=${OPENAI_KEY}` } },
    ]);
    await gaffer.runs.finish(run.id, { status: 'failed', error: { message: `auth failed for ${OPENAI_KEY}` } });
    const artifact = await gaffer.artifacts.put(`log line with ${ENV_SECRET}`, 'text/plain');
    expect((await gaffer.artifacts.get(artifact.sha256)).content.toString()).toContain('[REDACTED]');

    const dump = JSON.stringify(
      await gaffer.db.rows(sql`SELECT (SELECT json_agg(e) FROM events e) AS events, (SELECT json_agg(r) FROM runs r) AS runs`),
    );
    const blobs = await gaffer.db.rows<{ content: string }>(
      sql`SELECT convert_from(coalesce(a.inline_data, (SELECT string_agg(c.data, ''::bytea ORDER BY c.idx) FROM artifact_chunks c WHERE c.sha256 = a.sha256)), 'UTF8') AS content FROM artifacts a`,
    );
    const everything = dump + blobs.map((b) => b.content).join('\n');
    for (const secret of [OPENAI_KEY, ANTHROPIC_KEY, GITHUB_TOKEN, BEARER, HEADER_KEY, ENV_SECRET, CONFIGURED_SECRET, URL_PASSWORD]) {
      expect(everything.includes(secret), `secret ${secret.slice(0, 8)}… reached the database`).toBe(false);
    }
    expect(everything).toContain('[REDACTED]');
    expect(everything).toContain('Bearer [REDACTED]');
    expect(everything).toContain('postgres://app:[REDACTED]@db/x');
  });

  it('stores a payload with NUL characters in object keys, replacing them as in values', async () => {
    const run = await gaffer.runs.create({ name: 'nul-keys', metadata: { 'meta\u0000key': 'v' } });
    expect(run.metadata).toEqual({ 'meta\uFFFDkey': 'v' });
    await gaffer.events.append(run.id, [
      { type: 'x-nul', payload: { 'a\u0000b': { 'nested\u0000': 'x\u0000y' } } },
      { type: 'log', payload: { message: 'm', data: [{ 'k\u0000': 1 }] } },
    ]);
    const page = await gaffer.events.read(run.id);
    expect(page.events[1]!.payload).toEqual({ 'a\uFFFDb': { 'nested\uFFFD': 'x\uFFFDy' } });
    expect(page.events[2]!.payload).toMatchObject({ data: [{ 'k\uFFFD': 1 }] });
  });
});

describe('Redactor', () => {
  it('leaves ordinary text and short env values alone', () => {
    const r = new Redactor({ env: { SHORT_TOKEN: 'abc' } });
    const text = 'The basic idea: tokens are counted; abc is fine; see https://example.com/path';
    expect(r.text(text)).toBe(text);
    expect(r.value({ max_tokens: 5, nested: [{ password: 'x1', ok: 'yes' }] })).toEqual({
      max_tokens: 5,
      nested: [{ password: '[REDACTED]', ok: 'yes' }],
    });
  });

  it('removes NUL characters Postgres jsonb cannot hold instead of failing the batch', () => {
    const r = new Redactor({ env: {} });
    expect(r.text('a\u0000b')).toBe('a\uFFFDb');
    expect(r.jsonNeedsRedaction(JSON.stringify({ 'k\u0000': 1 }))).toBe(true);
    expect(r.value({ 'k\u0000': [{ 'password\u0000': 'x' }], 'password': 'y' })).toEqual({ 'k\uFFFD': [{ 'password\uFFFD': 'x' }], password: '[REDACTED]' });
  });
});
