/**
 * gaffer demo [--reset] [--port N]
 *
 * The README's first command (`npm start`): Gaffer with a seeded demo workspace on the embedded
 * database, its agents answered by the bundled scripted model server (a test and demo tool, not a
 * model) unless OPENAI_BASE_URL names a real endpoint. See src/demo/startDemo.ts.
 */
import path from 'node:path';
import { Command } from 'commander';
import pino from 'pino';
import { configFromEnv, resolveConfig } from '../../config/config.js';
import { startDemo } from '../../demo/startDemo.js';
import type { GlobalOptions } from '../context.js';
import type { CliIo } from '../io.js';
import { runUntilSignal, UsageError } from '../io.js';

export function registerDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('run Gaffer with a seeded demo workspace (sample repository, specs, schedule, tasks) on the embedded database')
    .option('--reset', 'remove the demo data directory first and seed it again')
    .option('--port <port>', 'HTTP port (GAFFER_PORT, default 4800)')
    .action(async (opts: { reset?: boolean; port?: string }) => {
      const port = opts.port === undefined ? undefined : Number(opts.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
        throw new UsageError('--port must be an integer from 0 to 65535');
      }
      const globals = program.opts<GlobalOptions>();
      const config = resolveConfig(configFromEnv(process.env), {
        ...(globals.dataDir ? { dataDir: globals.dataDir } : {}),
        ...(port === undefined ? {} : { port }),
      });
      // The demo's terminal is for the person trying it: warnings and errors only, unless asked.
      const logger = pino({ level: process.env.GAFFER_LOG_LEVEL ? config.logLevel : 'warn' });
      if (process.env.DATABASE_URL) io.stderr('DATABASE_URL is ignored: the demo runs on the embedded database in its data directory.');
      const { databaseUrl: _ignored, ...input } = config;
      const demo = await startDemo({ config: input, env: process.env, reset: opts.reset ?? false, logger });
      const { server } = demo;
      const relative = (p: string): string => (path.relative(process.cwd(), p).startsWith('..') ? p : `./${path.relative(process.cwd(), p)}`);
      const lines = [
        '',
        `  Gaffer demo is running at ${server.url}`,
        '',
        `  sign in with:  the admin token in ${relative(server.adminTokenFile)}   (cat ${relative(server.adminTokenFile)})`,
        `  storage:       embedded database in ${relative(config.dataDir)}`,
        demo.models.kind === 'scripted'
          ? `  model:         DEMO MODEL: the bundled scripted model server at ${demo.model!.baseUrl} (a test and demo tool, not a model)`
          : `  model:         ${process.env.OPENAI_BASE_URL} (${demo.models.small} / ${demo.models.large})`,
      ];
      if (demo.seeded) {
        lines.push(
          `  seeded:        the sample repository ${relative(demo.seeded.repo)}, 3 specs, 2 profiles, a lint schedule every 2 minutes, 4 tasks`,
          '',
          '  Try: watch the fix and lint tasks run (Tasks); approve the add-feature task (Approvals) and watch its run live;',
          '       the slugify fix fails its test and waits in Escalations: open it and retry it with the stronger profile.',
        );
      } else if (demo.notDemo) {
        lines.push(`  note:          ${relative(config.dataDir)} holds data that is not the demo's, so nothing was seeded (use --data-dir for a fresh demo)`);
      } else {
        lines.push('  demo data:     kept from the last start (gaffer demo --reset starts over)');
      }
      lines.push('', '  Stop with Ctrl-C.', '');
      io.stdout(lines.join('\n'));
      await runUntilSignal(logger, 'gaffer demo', () => demo.close());
    });
}
