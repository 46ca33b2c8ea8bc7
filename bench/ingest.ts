/**
 * Ingest benchmark (not a test). In one run, on PGlite and — when DATABASE_URL is given — on the
 * server Postgres, it measures:
 *   (a) raw: batched INSERTs of equivalent event rows straight into the same database (the limit);
 *   (b) sdk: recording through the in-process SDK (validation, redaction, sequencing, batching);
 *   (c) http: batch ingest over HTTP (POST /api/v1/runs/:id/events, batches of BATCH);
 * and the SDK's hot-path cost per event (p50/p99 of run.event()). Prints events/s and the ratios
 * (b)/(a), (c)/(a), and writes JSON under bench/results/.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { AddressInfo } from 'node:net';
import { buildServer } from '../src/api/server.js';
import { createGaffer, type Gaffer } from '../src/gaffer.js';
import { silentLogger } from '../src/resources.js';
import { openGaffer } from '../src/sdk/openGaffer.js';
import { createScratchDatabase } from '../test/helpers/db.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/connection.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 40_000);
const BATCH = 500;
const STREAMS = 4;
const HOT_PATH_SAMPLES = 200_000;

function payload(i: number): { level: string; message: string; data: Record<string, unknown> } {
  return {
    level: 'info',
    message: `step ${i}: ran the test suite, 3 failures in src/parser.test.ts; next: read the failing assertion and patch the tokenizer`,
    data: { step: i, file: 'src/parser.ts', line: 100 + (i % 50), ok: i % 3 === 0 },
  };
}

async function newRun(gaffer: Gaffer): Promise<string> {
  return (await gaffer.runs.create({ name: 'bench' })).id;
}

/** (a) The limit: one INSERT per batch of rows with precomputed sequence numbers, nothing else. */
async function measureRaw(gaffer: Gaffer): Promise<number> {
  const perStream = EVENTS / STREAMS;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: STREAMS }, async () => {
      const runId = await newRun(gaffer);
      for (let done = 0, seq = 2; done < perStream; done += BATCH) {
        const rows = Array.from({ length: BATCH }, (_, k) => ({ seq: seq + k, type: 'log', ts: new Date().toISOString(), payload: payload(done + k) }));
        seq += BATCH;
        await gaffer.db.rows(sql`INSERT INTO events (run_id, seq, type, ts, payload)
          SELECT ${runId}::uuid, x.seq, x.type, x.ts, x.payload
          FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(seq bigint, type text, ts timestamptz, payload jsonb)`);
      }
    }),
  );
  return EVENTS / ((performance.now() - start) / 1000);
}

/** (b) Through the SDK in this process. */
async function measureSdk(gaffer: Gaffer): Promise<{ rate: number }> {
  const recorder = await openGaffer({ gaffer, batchSize: BATCH, flushOnExit: false });
  const start = performance.now();
  const runs = Array.from({ length: STREAMS }, () => recorder.startRun({ name: 'bench-sdk' }));
  for (let i = 0; i < EVENTS; i++) runs[i % STREAMS]!.event('log', payload(i));
  await recorder.flush();
  const rate = EVENTS / ((performance.now() - start) / 1000);
  await recorder.close();
  return { rate };
}

/**
 * (c) Over HTTP from a separate client process (as agents are), STREAMS concurrent streams each
 * sending batches to its own run. Only the server's work and the wire are in this process.
 */
async function measureHttp(gaffer: Gaffer): Promise<number> {
  const app = await buildServer(gaffer);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const token = (await gaffer.tokens.create({ name: 'bench', scope: 'agent' })).token;
  const runIds = await Promise.all(Array.from({ length: STREAMS }, () => newRun(gaffer)));
  const client = path.resolve('bench/ingestClient.ts');
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', client, base, token, String(EVENTS), String(BATCH), runIds.join(',')]);
  await app.close();
  const { elapsedMs } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { elapsedMs: number };
  return EVENTS / (elapsedMs / 1000);
}

/** The agent's cost per recorded event: the synchronous call only (flushing happens later). */
async function measureHotPath(gaffer: Gaffer): Promise<{ p50Us: number; p99Us: number; meanUs: number }> {
  const recorder = await openGaffer({ gaffer, batchSize: BATCH, flushOnExit: false });
  const run = recorder.startRun({ name: 'bench-hot-path' });
  const samples = new Float64Array(HOT_PATH_SAMPLES);
  const p = payload(1);
  for (let i = 0; i < HOT_PATH_SAMPLES; i++) {
    const t0 = process.hrtime.bigint();
    run.event('log', p);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
    // Let background flushes run as they would in an agent doing real work between events.
    if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
  }
  await recorder.close();
  samples.sort();
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  return { p50Us: at(0.5), p99Us: at(0.99), meanUs: samples.reduce((a, b) => a + b, 0) / samples.length };
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * ROUNDS interleaved rounds of raw, sdk and http; each round's ratios are against the raw rate of
 * the same round, and the median ratio is reported, so a noisy neighbour on the shared machine
 * moves the absolute rates but hardly the ratios.
 */
async function benchBackend(name: string, gaffer: Gaffer): Promise<Record<string, unknown>> {
  await measureRaw(gaffer); // warm-up: JIT, connections
  await measureSdk(gaffer);
  const rounds: { raw: number; sdk: number; http: number }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const raw = await measureRaw(gaffer);
    const sdk = (await measureSdk(gaffer)).rate;
    const http = await measureHttp(gaffer);
    rounds.push({ raw, sdk, http });
    console.log(`  [${name}] round ${i + 1}: raw ${Math.round(raw)} | sdk ${Math.round(sdk)} (${(sdk / raw).toFixed(3)}) | http ${Math.round(http)} (${(http / raw).toFixed(3)})`);
  }
  const hot = await measureHotPath(gaffer);
  const result = {
    backend: name,
    events: EVENTS,
    batch: BATCH,
    streams: STREAMS,
    rounds: rounds.map((r) => ({ raw: Math.round(r.raw), sdk: Math.round(r.sdk), http: Math.round(r.http) })),
    rawEventsPerSec: Math.round(median(rounds.map((r) => r.raw))),
    sdkEventsPerSec: Math.round(median(rounds.map((r) => r.sdk))),
    httpEventsPerSec: Math.round(median(rounds.map((r) => r.http))),
    sdkToRaw: +median(rounds.map((r) => r.sdk / r.raw)).toFixed(3),
    httpToRaw: +median(rounds.map((r) => r.http / r.raw)).toFixed(3),
    hotPath: { p50Us: +hot.p50Us.toFixed(2), p99Us: +hot.p99Us.toFixed(2), meanUs: +hot.meanUs.toFixed(2) },
    targets: { httpToRaw: 0.6, hotPathP99Us: 50 },
  };
  console.log(
    `[${name}] median of ${ROUNDS}: raw ${result.rawEventsPerSec} ev/s | sdk ${result.sdkEventsPerSec} ev/s (${result.sdkToRaw}× raw) | ` +
      `http ${result.httpEventsPerSec} ev/s (${result.httpToRaw}× raw, target ≥ 0.6) | ` +
      `hot path p50 ${result.hotPath.p50Us} µs, p99 ${result.hotPath.p99Us} µs (target < 50)`,
  );
  return result;
}

export async function benchIngest(): Promise<Record<string, unknown>[]> {
  const results: Record<string, unknown>[] = [];
  const pglite = await createGaffer({ memory: true, logger: silentLogger() });
  results.push(await benchBackend('pglite', pglite));
  await pglite.close();
  const url = process.env.DATABASE_URL;
  if (url) {
    const scratch = await createScratchDatabase(url);
    const db = await openDatabase({ kind: 'postgres', url: scratch.url, poolSize: 2 });
    await migrate(db);
    await db.close();
    const server = await createGaffer({ database: { kind: 'postgres', url: scratch.url, poolSize: 10 }, logger: silentLogger(), config: { migrateOnStart: false } });
    results.push(await benchBackend('postgres', server));
    await server.close();
    await scratch.drop();
  } else {
    console.log('\nDATABASE_URL not set: server Postgres not measured.');
  }
  const out = path.resolve('bench/results', `ingest-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ machine: { cpus: (await import('node:os')).cpus().length, node: process.version }, results }, null, 2));
  console.log(`\nwrote ${out}`);
  return results;
}
