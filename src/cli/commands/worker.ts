/**
 * gaffer worker: workers alone, on a server Postgres, any number of them on any machine.
 */
import { Command } from 'commander';
import pino from 'pino';
import { configFromEnv, resolveConfig } from '../../config/config.js';
import { GafferError } from '../../errors.js';
import { defaultExecutors } from '../../executor/registry.js';
import { createGaffer } from '../../gaffer.js';
import type { GlobalOptions } from '../context.js';
import type { CliIo } from '../io.js';
import { runUntilSignal, UsageError } from '../io.js';

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer`);
  return n;
}

export function registerWorkerCommand(program: Command, io: CliIo): void {
  program
    .command('worker')
    .description('run workers only (server Postgres: DATABASE_URL); start as many as you like, anywhere')
    .option('--concurrency <n>', 'tasks run at once by this process (GAFFER_WORKER_CONCURRENCY, default 4)')
    .option('--lease-ms <ms>', 'lease length; a dead worker\'s task is retried after it (GAFFER_LEASE_MS, default 30000)')
    .action(async (opts: { concurrency?: string; leaseMs?: string }) => {
      const concurrencyFlag = positiveInt(opts.concurrency, '--concurrency');
      const leaseFlag = positiveInt(opts.leaseMs, '--lease-ms');
      const global = program.opts<GlobalOptions>();
      const config = resolveConfig(configFromEnv(process.env), {
        ...(global.dataDir ? { dataDir: global.dataDir } : {}),
        ...(concurrencyFlag ? { workerConcurrency: concurrencyFlag } : {}),
        ...(leaseFlag ? { leaseMs: leaseFlag } : {}),
      });
      const concurrency = config.workerConcurrency;
      const leaseMs = config.leaseMs;
      if (!config.databaseUrl) {
        throw new GafferError(
          'VALIDATION_FAILED',
          'gaffer worker needs a server Postgres: set DATABASE_URL. With the embedded database, `gaffer serve` runs the workers itself.',
        );
      }
      const logger = pino({ level: config.logLevel });
      const gaffer = await createGaffer({ env: process.env, config: { ...config }, logger });
      const worker = gaffer.createWorker({ concurrency, leaseMs, executors: defaultExecutors() });
      await worker.start();
      io.stdout(`worker ${worker.id} started (concurrency ${concurrency}); stop with Ctrl-C`);
      // Finishing or handing back claimed tasks before the connections close.
      await runUntilSignal(logger, 'worker', () => gaffer.close());
    });
}
