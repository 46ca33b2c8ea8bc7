/**
 * Queue benchmark (not a test). On the server Postgres (DATABASE_URL), side by side in one run,
 * each system on its own scratch database of that server, with the same trivial job and the same
 * worker concurrency (CONCURRENCY slots in this process):
 *   gaffer-queue-only  Gaffer's worker with recordRuns: false (claim → execute → complete);
 *   gaffer-full        recordRuns: true — a run per attempt with run_started, one `log` event
 *                      from the job, run_finished on completion;
 *   pg-boss            (anchor for gaffer-full) — see queueCompetitors.ts for how it is driven;
 *   graphile-worker    (anchor for gaffer-queue-only), documented defaults.
 * Per round and system: enqueue JOBS one at a time through the normal single-job API (enqueue
 * rate), then start the workers and time first job start → every job recorded complete
 * (throughput); then, workers idle, enqueue LATENCY_SAMPLES jobs one at a time GAP_MS apart and
 * take job start − enqueue call (p50/p95). ROUNDS interleaved rounds after a warm-up; medians are
 * reported, so a noisy neighbour on the shared machine moves all systems alike. Also counted:
 * client round trips (pg `query` calls) per job, enqueue and processing apart.
 * Prints a table and the ratios against the targets; writes JSON under bench/results/.
 *
 * Measured 2026-11-22 (2 cores, median of 3 rounds, 2,000 jobs, concurrency 4), over four runs:
 * gaffer queue-only 4,022–4,272 jobs/s against graphile-worker 3,455–4,475 (0.94–1.23); gaffer
 * full 2,708–2,910 against pg-boss 1,153–1,456 (1.97–2.27); NOTIFY-woken latency p50 3.0–3.3 ms.
 * Before the hot path was rebuilt the same bench gave queue-only 379 and full 205: 7 round trips
 * to submit and ~11 to process a job, each statement parsed and planned afresh. Now a submit is
 * one prepared statement (after the spec lookup), a claim one, and a completion one that also
 * inserts the attempt's buffered events and claims the next tasks for the slots it frees —
 * shared by the slots that finish in the same turn of the event loop (0.3 round trips per job).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createGaffer } from '../src/gaffer.js';
import { silentLogger } from '../src/resources.js';
import type { TaskExecutor } from '../src/executor/types.js';
import type { Worker } from '../src/queue/worker.js';
import { createScratchDatabase } from '../test/helpers/db.js';
import {
  measurePgBossWorkDefaults,
  preparePgBoss,
  prepareGraphileWorker,
  type OnStart,
  type QueueContender,
  type QueueSystem,
} from './queueCompetitors.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 2_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 200);
/** Between one latency job's enqueue returning and the next enqueue, so each is woken alone. */
const GAP_MS = 15;
/** Same pool size for every system: graphile-worker's and pg-boss's default (node-postgres's). */
const POOL_SIZE = 10;
const WARMUP_JOBS = 200;
const WARMUP_SAMPLES = 20;
const PG_BOSS_WORK_DEFAULTS_MS = 6_000;
/** Longest wait for the last job of a phase (pg-boss polls every 2 s when idle). */
const PHASE_TIMEOUT_MS = 120_000;
const TARGET_LATENCY_P50_MS = 5;
const SPEC = 'bench-noop';

// ---- round trips: every pg query() call, whichever library makes it (all share one `pg`) ----

let roundTrips = 0;
const uncounted = new WeakSet<object>();
function countRoundTrips(): () => void {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: object, ...args: unknown[]): unknown {
    if (!uncounted.has(this)) roundTrips++;
    return original.apply(this, args);
  };
  return () => {
    proto.query = original;
  };
}

// ---- Gaffer ----

type GafferMode = 'queue-only' | 'full';

/**
 * The trivial job. The spec schema allows only shell|agent|cli_agent executors, so the bench spec
 * says `executor: 'shell'` and this worker registers the noop executor under the name 'shell':
 * nothing is spawned. In full mode the job records one event into its run.
 */
function noopExecutor(mode: GafferMode, onStart: OnStart): TaskExecutor {
  return {
    name: 'shell',
    async execute(ctx) {
      onStart((ctx.input as { i: number }).i);
      if (mode === 'full') await ctx.record('log', { level: 'info', message: 'noop' });
      return { status: 'succeeded' };
    },
  };
}

async function prepareGaffer(baseUrl: string, mode: GafferMode): Promise<QueueContender> {
  const scratch = await createScratchDatabase(baseUrl);
  const open = () =>
    createGaffer({ database: { kind: 'postgres', url: scratch.url, poolSize: POOL_SIZE }, logger: silentLogger(), config: { migrateOnStart: true } });
  const setup = await open();
  await setup.specs.apply({ name: SPEC, executor: 'shell', command: ['true'] });
  await setup.close();
  return {
    name: `gaffer-${mode}`,
    url: scratch.url,
    unfinishedSql: `SELECT count(*)::int AS n FROM tasks WHERE status <> 'succeeded'`,
    drop: scratch.drop,
    open: async (): Promise<QueueSystem> => {
      const gaffer = await open();
      let worker: Worker | undefined;
      return {
        enqueue: async (i) => {
          await gaffer.tasks.submit({ spec: SPEC, input: { i } });
        },
        startWorkers: async (concurrency, onStart) => {
          worker = gaffer.createWorker({ concurrency, recordRuns: mode === 'full', executors: [noopExecutor(mode, onStart)] });
          await worker.start();
        },
        close: () => gaffer.close(),
      };
    },
  };
}

// ---- one round of one system ----

interface RoundResult {
  enqueuePerSec: number;
  jobsPerSec: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  /** From the enqueue call's return (the commit) rather than its start. */
  latencyFromCommitP50Ms: number;
  latencyFromCommitP95Ms: number;
  enqueueRoundTripsPerJob: number;
  processRoundTripsPerJob: number;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
const median = (values: number[]): number => quantile(values, 0.5);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(what: string, done: () => boolean | Promise<boolean>, pollMs: number): Promise<void> {
  const deadline = performance.now() + PHASE_TIMEOUT_MS;
  while (!(await done())) {
    if (performance.now() > deadline) throw new Error(`queue bench: timed out waiting for ${what}`);
    await sleep(pollMs);
  }
}

async function measureRound(contender: QueueContender, probe: pg.Client, jobs: number, samples: number): Promise<RoundResult> {
  const system = await contender.open();
  try {
    const startedAt = new Float64Array(jobs + samples).fill(NaN);
    let started = 0;
    const onStart: OnStart = (i) => {
      if (Number.isNaN(startedAt[i]!)) started++;
      startedAt[i] = performance.now();
    };
    const unfinished = async (): Promise<number> => (await probe.query<{ n: number }>(contender.unfinishedSql)).rows[0]!.n;

    // Throughput: a backlog of `jobs`, then the workers.
    const rt0 = roundTrips;
    const e0 = performance.now();
    for (let i = 0; i < jobs; i++) await system.enqueue(i);
    const enqueueMs = performance.now() - e0;
    const rt1 = roundTrips;
    await system.startWorkers(CONCURRENCY, onStart);
    await waitUntil(`${contender.name} to start ${jobs} jobs`, () => started >= jobs, 2);
    await waitUntil(`${contender.name} to complete ${jobs} jobs`, async () => (await unfinished()) === 0, 2);
    const end = performance.now();
    const rt2 = roundTrips;
    let first = Infinity;
    for (let i = 0; i < jobs; i++) first = Math.min(first, startedAt[i]!);

    // Latency: workers idle; one job at a time.
    await sleep(50);
    const calledAt = new Float64Array(samples);
    const returnedAt = new Float64Array(samples);
    for (let k = 0; k < samples; k++) {
      calledAt[k] = performance.now();
      await system.enqueue(jobs + k);
      returnedAt[k] = performance.now();
      await sleep(GAP_MS);
    }
    await waitUntil(`${contender.name} to start the latency jobs`, () => started >= jobs + samples, 5);
    const fromCall = Array.from({ length: samples }, (_, k) => startedAt[jobs + k]! - calledAt[k]!);
    const fromCommit = Array.from({ length: samples }, (_, k) => startedAt[jobs + k]! - returnedAt[k]!);
    await waitUntil(`${contender.name} to complete the latency jobs`, async () => (await unfinished()) === 0, 5);

    return {
      enqueuePerSec: jobs / (enqueueMs / 1000),
      jobsPerSec: jobs / ((end - first) / 1000),
      latencyP50Ms: quantile(fromCall, 0.5),
      latencyP95Ms: quantile(fromCall, 0.95),
      latencyFromCommitP50Ms: quantile(fromCommit, 0.5),
      latencyFromCommitP95Ms: quantile(fromCommit, 0.95),
      enqueueRoundTripsPerJob: (rt1 - rt0) / jobs,
      processRoundTripsPerJob: (rt2 - rt1) / jobs,
    };
  } finally {
    await system.close();
  }
}

// ---- the run ----

function packageVersion(name: string): string {
  const file = new URL(`../node_modules/${name}/package.json`, import.meta.url);
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

const fmt = (n: number, digits = 0): string => n.toFixed(digits);

export async function benchQueue(): Promise<Record<string, unknown>> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('queue bench: set DATABASE_URL to a server Postgres (e.g. postgres://postgres@127.0.0.1:5432/test)');
    process.exitCode = 2;
    return {};
  }
  const restore = countRoundTrips();
  const contenders: QueueContender[] = [];
  const probes = new Map<string, pg.Client>();
  try {
    contenders.push(await prepareGaffer(url, 'queue-only'), await prepareGaffer(url, 'full'), await preparePgBoss(url), await prepareGraphileWorker(url));
    for (const c of contenders) {
      const probe = new pg.Client({ connectionString: c.url });
      uncounted.add(probe);
      await probe.connect();
      probes.set(c.name, probe);
    }
    const serverVersion = (await probes.get(contenders[0]!.name)!.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v;
    console.log(`queue bench: ${JOBS} jobs, concurrency ${CONCURRENCY}, ${LATENCY_SAMPLES} latency samples, ${ROUNDS} rounds; ${serverVersion.split(' on ')[0]}`);

    for (const c of contenders) await measureRound(c, probes.get(c.name)!, WARMUP_JOBS, WARMUP_SAMPLES); // JIT, connections, plans
    const rounds = new Map<string, RoundResult[]>(contenders.map((c) => [c.name, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const c of contenders) {
        const result = await measureRound(c, probes.get(c.name)!, JOBS, LATENCY_SAMPLES);
        rounds.get(c.name)!.push(result);
        console.log(
          `  round ${r + 1} ${c.name.padEnd(17)} enqueue ${fmt(result.enqueuePerSec).padStart(5)}/s  throughput ${fmt(result.jobsPerSec).padStart(5)} jobs/s  ` +
            `latency p50 ${fmt(result.latencyP50Ms, 1)} ms p95 ${fmt(result.latencyP95Ms, 1)} ms`,
        );
      }
    }
    const pgBoss = contenders.find((c) => c.name === 'pg-boss')!;
    const workDefaults = await measurePgBossWorkDefaults(pgBoss, CONCURRENCY, PG_BOSS_WORK_DEFAULTS_MS);

    const summary = Object.fromEntries(
      contenders.map((c) => {
        const rs = rounds.get(c.name)!;
        const m = (pick: (r: RoundResult) => number, digits: number): number => +median(rs.map(pick)).toFixed(digits);
        return [
          c.name,
          {
            enqueuePerSec: m((r) => r.enqueuePerSec, 0),
            jobsPerSec: m((r) => r.jobsPerSec, 0),
            latencyP50Ms: m((r) => r.latencyP50Ms, 2),
            latencyP95Ms: m((r) => r.latencyP95Ms, 2),
            latencyFromCommitP50Ms: m((r) => r.latencyFromCommitP50Ms, 2),
            latencyFromCommitP95Ms: m((r) => r.latencyFromCommitP95Ms, 2),
            enqueueRoundTripsPerJob: m((r) => r.enqueueRoundTripsPerJob, 2),
            processRoundTripsPerJob: m((r) => r.processRoundTripsPerJob, 2),
          },
        ];
      }),
    );
    type Summary = (typeof summary)[string];
    const s = (name: string): Summary => summary[name]!;
    // Ratios per round (same round, same conditions), then the median.
    const ratio = (a: string, b: string): number =>
      +median(rounds.get(a)!.map((r, k) => r.jobsPerSec / rounds.get(b)![k]!.jobsPerSec)).toFixed(3);
    const ratios = {
      queueOnlyToGraphileWorker: ratio('gaffer-queue-only', 'graphile-worker'),
      fullToPgBoss: ratio('gaffer-full', 'pg-boss'),
      queueOnlyLatencyP50ToTarget: +(s('gaffer-queue-only').latencyP50Ms / TARGET_LATENCY_P50_MS).toFixed(3),
      fullLatencyP50ToTarget: +(s('gaffer-full').latencyP50Ms / TARGET_LATENCY_P50_MS).toFixed(3),
    };

    console.log(`\nmedian of ${ROUNDS} rounds (concurrency ${CONCURRENCY}, ${JOBS} jobs; latency from the enqueue call, ${LATENCY_SAMPLES} jobs ${GAP_MS} ms apart)`);
    console.log('system              enqueue/s  jobs/s  p50 ms  p95 ms  from commit p50/p95  round trips/job (enqueue + process)');
    for (const c of contenders) {
      const x = s(c.name);
      console.log(
        `${c.name.padEnd(18)} ${fmt(x.enqueuePerSec).padStart(10)} ${fmt(x.jobsPerSec).padStart(7)} ${fmt(x.latencyP50Ms, 1).padStart(7)} ${fmt(x.latencyP95Ms, 1).padStart(7)} ` +
          `${`${fmt(x.latencyFromCommitP50Ms, 1)} / ${fmt(x.latencyFromCommitP95Ms, 1)}`.padStart(20)}  ${fmt(x.enqueueRoundTripsPerJob, 1)} + ${fmt(x.processRoundTripsPerJob, 1)}`,
      );
    }
    console.log(`pg-boss work() at its defaults (batchSize 1, 2 s polling, ${CONCURRENCY} workers): ${fmt(workDefaults, 1)} jobs/s`);
    const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');
    console.log(`\ngaffer-queue-only / graphile-worker throughput: ${ratios.queueOnlyToGraphileWorker} (target ≥ 1: ${verdict(ratios.queueOnlyToGraphileWorker >= 1)})`);
    console.log(`gaffer-full / pg-boss throughput:               ${ratios.fullToPgBoss} (target ≥ 1: ${verdict(ratios.fullToPgBoss >= 1)})`);
    console.log(
      `gaffer latency p50 (NOTIFY-woken): queue-only ${s('gaffer-queue-only').latencyP50Ms} ms, full ${s('gaffer-full').latencyP50Ms} ms ` +
        `(target ≤ ${TARGET_LATENCY_P50_MS}: ${verdict(s('gaffer-queue-only').latencyP50Ms <= TARGET_LATENCY_P50_MS)}, ${verdict(s('gaffer-full').latencyP50Ms <= TARGET_LATENCY_P50_MS)})`,
    );

    const result = {
      machine: { cpus: os.cpus().length, node: process.version, postgres: serverVersion },
      versions: { 'pg-boss': packageVersion('pg-boss'), 'graphile-worker': packageVersion('graphile-worker'), pg: packageVersion('pg') },
      config: { jobs: JOBS, concurrency: CONCURRENCY, rounds: ROUNDS, latencySamples: LATENCY_SAMPLES, gapMs: GAP_MS, poolSize: POOL_SIZE },
      rounds: Object.fromEntries(
        [...rounds].map(([name, rs]) => [name, rs.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, +v.toFixed(2)])))]),
      ),
      summary,
      pgBossWorkDefaultsJobsPerSec: +workDefaults.toFixed(2),
      ratios,
      targets: { queueOnlyToGraphileWorker: 1, fullToPgBoss: 1, latencyP50Ms: TARGET_LATENCY_P50_MS },
    };
    const out = path.resolve('bench/results', `queue-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(result, null, 2));
    console.log(`\nwrote ${out}`);
    return result;
  } finally {
    for (const probe of probes.values()) await probe.end();
    for (const c of contenders) await c.drop();
    restore();
  }
}
