/**
 * Reliability on server Postgres, with real processes:
 *   - a worker killed with SIGKILL mid-task: the task is completed exactly once by another
 *     worker after the lease expires, and the killed attempt's run is marked lost;
 *   - Postgres restarted during a run: the worker reconnects and the run finishes;
 *   - 4 worker processes draining 2,000 tasks: every task executed exactly once.
 * (Two schedulers never double-firing is in test/scheduler.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShellExecutor } from '../../src/executor/shellExecutor.js';
import { createGaffer, type Gaffer } from '../../src/gaffer.js';
import { silentLogger } from '../../src/resources.js';
import { createScratchDatabase, templateDb } from '../helpers/db.js';
import { createPgCluster, type PgCluster } from '../helpers/pgCluster.js';
import { waitFor } from '../helpers/wait.js';

const url = process.env.TEST_DATABASE_URL;
const CLI = path.resolve('src/cli/main.ts');


function startWorkerProcess(databaseUrl: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'worker', ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl, GAFFER_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

describe.skipIf(!url)('reliability on server Postgres', () => {
  let gaffer: Gaffer;
  let drop: () => Promise<void>;
  let dbUrl: string;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-rel-'));

  beforeAll(async () => {
    const scratch = await createScratchDatabase(url!, templateDb());
    drop = scratch.drop;
    dbUrl = scratch.url;
    gaffer = await createGaffer({ database: { kind: 'postgres', url: dbUrl, poolSize: 8 }, logger: silentLogger(), config: { migrateOnStart: false } });
  });
  afterAll(async () => {
    await gaffer?.close();
    await drop?.();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('completes a task exactly once after its worker is killed with SIGKILL mid-task', async () => {
    const marker = path.join(tmp, 'kill-marker');
    await gaffer.specs.apply({
      name: 'slow-marker',
      executor: 'shell',
      command: ['sh', '-c', 'echo "start $GAFFER_TASK_ID" >> "$0"; sleep 2', marker],
      acceptance: { retry: { policy: 'fixed', maxRetries: 2, backoffMs: 0 } },
    });
    const victim = startWorkerProcess(dbUrl, ['--concurrency', '1', '--lease-ms', '1500']);
    try {
      const { task } = await gaffer.tasks.submit({ spec: 'slow-marker' });
      await waitFor('the command to start', async () => (fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : ''), (t) => t.includes('start'));
      const running = await gaffer.tasks.get(task.id);
      expect(running).toMatchObject({ status: 'running', attempt: 1 });
      expect(running.leaseOwner).toContain(`:${victim.pid}:`);
      await stopProcess(victim, 'SIGKILL');

      const rescuer = gaffer.createWorker({ concurrency: 1, executors: [new ShellExecutor()], leaseMs: 1500, reapEveryMs: 300, pollMs: 200 });
      await rescuer.start();
      const done = await waitFor('the task to succeed', () => gaffer.tasks.get(task.id), (t) => t.status === 'succeeded', 60_000);
      await rescuer.stop();
      expect(done.attempt).toBe(2);
      const attempts = (await gaffer.tasks.detail(task.id)).attempts;
      expect(attempts.map((r) => [r.attempt, r.status])).toEqual([
        [1, 'lost'],
        [2, 'succeeded'],
      ]);
      expect(attempts[1]!.createdBy).toBe(`worker:${rescuer.id}`);
      const log = await gaffer.tasks.events(task.id);
      expect(log.filter((e) => e.type === 'lease_expired')).toHaveLength(1);
      expect(log.filter((e) => e.type === 'status_change' && (e.payload as { to: string }).to === 'succeeded')).toHaveLength(1);
    } finally {
      await stopProcess(victim, 'SIGKILL');
    }
  });

  it('runs 2,000 tasks on 4 worker processes, each exactly once', async () => {
    const out = path.join(tmp, 'many');
    fs.mkdirSync(out);
    await gaffer.specs.apply({ name: 'touch', executor: 'shell', command: ['sh', '-c', 'echo "$1" >> "$0/$1"', out, '{{input.n}}'] });
    const total = 2_000;
    // Submit in parallel batches; every submit is its own transaction.
    for (let i = 0; i < total; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, k) => gaffer.tasks.submit({ spec: 'touch', input: { n: String(i + k) } })));
    }
    const workers = Array.from({ length: 4 }, () => startWorkerProcess(dbUrl, ['--concurrency', '4']));
    try {
      await waitFor(
        'all tasks to finish',
        async () => (await gaffer.db.rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM tasks WHERE spec_id = (SELECT id FROM specs WHERE name = 'touch') AND status = 'succeeded'`))[0]!.n,
        (n) => n === total,
        240_000,
      );
    } finally {
      await Promise.all(workers.map((w) => stopProcess(w)));
    }
    const files = fs.readdirSync(out);
    expect(files).toHaveLength(total);
    for (const f of files) expect(fs.readFileSync(path.join(out, f), 'utf8')).toBe(`${f}\n`); // one line: ran once
    const [stats] = await gaffer.db.rows<{ attempts: number; runs: number; succeeded: number; owners: number }>(sql`
      SELECT (SELECT max(attempt) FROM tasks t JOIN specs s ON s.id = t.spec_id WHERE s.name = 'touch') AS attempts,
             (SELECT count(*)::int FROM runs r JOIN tasks t ON t.id = r.task_id JOIN specs s ON s.id = t.spec_id WHERE s.name = 'touch') AS runs,
             (SELECT count(*)::int FROM runs r JOIN tasks t ON t.id = r.task_id JOIN specs s ON s.id = t.spec_id WHERE s.name = 'touch' AND r.status = 'succeeded') AS succeeded,
             (SELECT count(DISTINCT r.created_by)::int FROM runs r JOIN tasks t ON t.id = r.task_id JOIN specs s ON s.id = t.spec_id WHERE s.name = 'touch') AS owners`);
    expect(stats).toMatchObject({ attempts: 1, runs: total, succeeded: total });
    expect(stats!.owners).toBe(4);
  }, 300_000);
});

describe.skipIf(!url)('a Postgres restart during a run', () => {
  let cluster: PgCluster;
  let gaffer: Gaffer;

  beforeAll(async () => {
    cluster = await createPgCluster();
    gaffer = await createGaffer({ database: { kind: 'postgres', url: cluster.url, poolSize: 4 }, logger: silentLogger() });
  });
  afterAll(async () => {
    await gaffer?.close().catch(() => {});
    cluster?.destroy();
  });

  it('reconnects and finishes the run', async () => {
    await gaffer.specs.apply({ name: 'sleeper', executor: 'shell', command: ['sleep', '2'] });
    const worker = gaffer.createWorker({ concurrency: 1, executors: [new ShellExecutor()], leaseMs: 10_000, pollMs: 200 });
    await worker.start();
    const { task } = await gaffer.tasks.submit({ spec: 'sleeper' });
    await waitFor('running', () => gaffer.tasks.get(task.id), (t) => t.status === 'running');
    cluster.restart();
    const done = await waitFor('success after the restart', () => gaffer.tasks.get(task.id).catch(() => undefined), (t) => t?.status === 'succeeded');
    expect(done!.attempt).toBe(1);
    expect((await gaffer.tasks.detail(task.id)).attempts.map((r) => r.status)).toEqual(['succeeded']);
    // The worker still takes new work after the restart (its LISTEN connection came back too).
    const next = await gaffer.tasks.submit({ spec: 'sleeper' });
    await waitFor('a task after the restart', () => gaffer.tasks.get(next.task.id), (t) => t.status === 'succeeded');
    await worker.stop();
  });
});
