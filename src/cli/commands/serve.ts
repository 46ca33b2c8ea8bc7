/**
 * gaffer serve | gaffer migrate
 */
import { Command } from 'commander';
import pino from 'pino';
import { configFromEnv, resolveConfig } from '../../config/config.js';
import { openDatabase } from '../../db/connection.js';
import { migrate } from '../../db/migrate.js';
import { databaseTargetFor } from '../../gaffer.js';
import { startServer } from '../../server/startServer.js';
import type { GlobalOptions } from '../context.js';
import type { CliIo } from '../io.js';
import { runUntilSignal, UsageError } from '../io.js';

export function registerServeCommands(program: Command, io: CliIo): void {
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();

  program
    .command('serve')
    .description('run the Gaffer server (API, dashboard) on the embedded database or DATABASE_URL')
    .option('--port <port>', 'HTTP port (GAFFER_PORT, default 4800)')
    .option('--host <host>', 'interface to bind (GAFFER_HOST, default 127.0.0.1)')
    .action(async (opts: { port?: string; host?: string }) => {
      const port = opts.port === undefined ? undefined : Number(opts.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
        throw new UsageError('--port must be an integer from 0 to 65535');
      }
      const config = resolveConfig(configFromEnv(process.env), {
        ...(globals().dataDir ? { dataDir: globals().dataDir } : {}),
        ...(port === undefined ? {} : { port }),
        ...(opts.host ? { host: opts.host } : {}),
      });
      const logger = pino({ level: config.logLevel });
      const server = await startServer({ env: process.env, config: { ...config }, logger });
      const where = config.databaseUrl ? 'server Postgres (DATABASE_URL)' : `embedded database in ${config.dataDir}`;
      io.stdout(
        [
          '',
          `  Gaffer is running at ${server.url}`,
          `  storage:     ${where}`,
          `  admin token: ${server.adminTokenFile}${server.adminTokenCreated ? ' (created now)' : ''}`,
          `  API:         ${server.url}/api/v1/openapi.json`,
          `  workers:     ${server.worker ? `${config.workers} task(s) at once in this process` : 'none (GAFFER_WORKERS=0)'}${server.scheduler ? '; scheduler on' : ''}`,
          '',
          '  Stop with Ctrl-C.',
          '',
        ].join('\n'),
      );
      await runUntilSignal(logger, 'gaffer serve', () => server.close());
    });

  program
    .command('migrate')
    .description('apply pending database migrations (serve and worker also do this on start)')
    .action(async () => {
      const config = resolveConfig(configFromEnv(process.env), globals().dataDir ? { dataDir: globals().dataDir } : {});
      const db = await openDatabase(databaseTargetFor(config));
      try {
        const result = await migrate(db);
        io.stdout(
          result.applied.length
            ? `applied ${result.applied.length} migration(s): ${result.applied.join(', ')}`
            : `database is up to date (${result.current ?? 'no migrations'})`,
        );
      } finally {
        await db.close();
      }
    });
}
