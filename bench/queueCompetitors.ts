/**
 * The queue benchmark's anchors: pg-boss and graphile-worker, each on its own scratch database of
 * the same server, running the same trivial job at the same worker concurrency as Gaffer.
 * Everything else is each library's documented default (pool of 10, polling interval, retries),
 * with two exceptions said where they are made: loggers are silenced (Gaffer's is too), and
 * pg-boss's `work()` is replaced by the loop it runs (see pgBossWorkers).
 */
import PgBoss from 'pg-boss';
import { Logger, makeWorkerUtils, run, type Runner, type WorkerUtils } from 'graphile-worker';
import { createScratchDatabase } from '../test/helpers/db.js';

/** Called first thing in a job, with the number the enqueuer gave it. */
export type OnStart = (i: number) => void;

/** One queue system opened on its scratch database for one round. */
export interface QueueSystem {
  /** Enqueues one job carrying `i` through the system's normal single-job API. */
  enqueue(i: number): Promise<void>;
  /** Starts `concurrency` job slots in this process; each job calls onStart(i) first. */
  startWorkers(concurrency: number, onStart: OnStart): Promise<void>;
  /** Stops the workers and closes every pool this system opened. */
  close(): Promise<void>;
}

export interface QueueContender {
  name: string;
  /** The scratch database (the harness counts unfinished jobs there on its own connection). */
  url: string;
  /** One row, one column `n`: jobs not yet recorded complete. */
  unfinishedSql: string;
  open(): Promise<QueueSystem>;
  drop(): Promise<void>;
}

const PG_BOSS_QUEUE = 'bench-noop';
/** pg-boss's documented default polling interval (`pollingIntervalSeconds` = 2). */
const PG_BOSS_DEFAULT_POLL_MS = 2_000;

export async function preparePgBoss(baseUrl: string): Promise<QueueContender> {
  const scratch = await createScratchDatabase(baseUrl);
  const boss = new PgBoss(scratch.url);
  boss.on('error', (err) => console.error('pg-boss:', err.message));
  await boss.start();
  await boss.createQueue(PG_BOSS_QUEUE);
  await boss.stop();
  return {
    name: 'pg-boss',
    url: scratch.url,
    unfinishedSql: `SELECT count(*)::int AS n FROM pgboss.job WHERE name = '${PG_BOSS_QUEUE}' AND state <> 'completed'`,
    drop: scratch.drop,
    open: async () => {
      const boss = new PgBoss(scratch.url);
      boss.on('error', (err) => console.error('pg-boss:', err.message));
      await boss.start();
      let stopWorkers: () => Promise<void> = async () => {};
      return {
        enqueue: async (i) => {
          await boss.send(PG_BOSS_QUEUE, { i });
        },
        startWorkers: async (concurrency, onStart) => {
          stopWorkers = pgBossWorkers(boss, concurrency, onStart);
        },
        close: async () => {
          await stopWorkers();
          await boss.stop({ graceful: true, wait: true });
        },
      };
    },
  };
}

/**
 * pg-boss 10's `work()` fetches `batchSize` (default 1) jobs, runs them, completes them without
 * waiting, and then sleeps out the rest of its polling interval (default 2 s) whether or not it
 * found a job: "the default options for work() is 1 job every 2 seconds" — 2 jobs/s for 4
 * workers whatever the database can do (measureWorkDefaults shows it). To measure pg-boss's queue
 * rather than its pacing, each slot here is that same loop without the sleep after a non-empty
 * fetch: fetch() → handler → complete() (not awaited, as work() does), and the default 2 s sleep
 * only when the queue was empty. Same SQL as work(); never slower than it.
 */
function pgBossWorkers(boss: PgBoss, concurrency: number, onStart: OnStart): () => Promise<void> {
  let running = true;
  const completions = new Set<Promise<void>>();
  let wake: (() => void) | undefined;
  const idle = (): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, PG_BOSS_DEFAULT_POLL_MS);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const slot = async (): Promise<void> => {
    while (running) {
      const [job] = await boss.fetch<{ i: number }>(PG_BOSS_QUEUE);
      if (!job) {
        await idle();
        continue;
      }
      onStart(job.data.i);
      const done = boss.complete(PG_BOSS_QUEUE, job.id).finally(() => completions.delete(done));
      completions.add(done);
    }
  };
  const slots = Array.from({ length: concurrency }, slot);
  return async () => {
    running = false;
    wake?.();
    await Promise.all(slots);
    await Promise.all(completions);
  };
}

/**
 * pg-boss's own `work()` at its defaults (batchSize 1, pollingIntervalSeconds 2), `concurrency`
 * workers, for `ms`: the jobs/s it completes. A reference number, measured once.
 */
export async function measurePgBossWorkDefaults(contender: QueueContender, concurrency: number, ms: number): Promise<number> {
  const boss = new PgBoss(contender.url);
  boss.on('error', (err) => console.error('pg-boss:', err.message));
  await boss.start();
  for (let i = 0; i < concurrency * Math.ceil(ms / PG_BOSS_DEFAULT_POLL_MS + 2); i++) await boss.send(PG_BOSS_QUEUE, { i });
  let completed = 0;
  const start = performance.now();
  for (let w = 0; w < concurrency; w++) {
    await boss.work<{ i: number }>(PG_BOSS_QUEUE, async () => {
      if (performance.now() - start <= ms) completed++;
    });
  }
  await new Promise((resolve) => setTimeout(resolve, ms));
  await boss.offWork(PG_BOSS_QUEUE);
  await boss.stop({ graceful: true, wait: true });
  // Leave the database as the rounds expect it: every job complete.
  const cleanup = new PgBoss(contender.url);
  cleanup.on('error', () => {});
  await cleanup.start();
  for (let jobs = await cleanup.fetch(PG_BOSS_QUEUE, { batchSize: 100 }); jobs.length; jobs = await cleanup.fetch(PG_BOSS_QUEUE, { batchSize: 100 })) {
    await cleanup.complete(PG_BOSS_QUEUE, jobs.map((j) => j.id));
  }
  await cleanup.stop({ graceful: true, wait: true });
  return completed / (ms / 1000);
}

/** graphile-worker's default logger prints a line per completed job; Gaffer's is silent too. */
const silentGraphileLogger = new Logger(() => () => {});

export async function prepareGraphileWorker(baseUrl: string): Promise<QueueContender> {
  const scratch = await createScratchDatabase(baseUrl);
  const utils = await makeWorkerUtils({ connectionString: scratch.url, logger: silentGraphileLogger });
  await utils.migrate();
  await utils.release();
  return {
    name: 'graphile-worker',
    url: scratch.url,
    // Completed jobs are deleted; what is left is unfinished.
    unfinishedSql: 'SELECT count(*)::int AS n FROM graphile_worker._private_jobs',
    drop: scratch.drop,
    open: async () => {
      const utils: WorkerUtils = await makeWorkerUtils({ connectionString: scratch.url, logger: silentGraphileLogger });
      let runner: Runner | undefined;
      return {
        enqueue: async (i) => {
          await utils.addJob('noop', { i });
        },
        startWorkers: async (concurrency, onStart) => {
          runner = await run({
            connectionString: scratch.url,
            concurrency,
            logger: silentGraphileLogger,
            taskList: {
              noop: async (payload) => {
                onStart((payload as { i: number }).i);
              },
            },
          });
        },
        close: async () => {
          await runner?.stop();
          await utils.release();
        },
      };
    },
  };
}
