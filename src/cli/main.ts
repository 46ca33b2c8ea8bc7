#!/usr/bin/env node
/**
 * The `gaffer` command. Exit codes: 0 ok, 1 the operation failed, 2 usage error.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { isGafferError } from '../errors.js';
import { registerClassifyCommand } from './commands/classify.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDecisionCommands, registerStatsCommand } from './commands/decisions.js';
import { registerEscalationCommands } from './commands/escalations.js';
import { registerRunCommands } from './commands/runs.js';
import { registerScriptedModelCommand } from './commands/scriptedModel.js';
import { registerScheduleCommands } from './commands/schedules.js';
import { registerSpecCommands } from './commands/specs.js';
import { registerTaskCommands } from './commands/tasks.js';
import { registerServeCommands } from './commands/serve.js';
import { registerTokenCommands } from './commands/tokens.js';
import { registerWorkerCommand } from './commands/worker.js';
import { processIo, UsageError, type CliIo } from './io.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command('gaffer')
    .description('Gaffer — the foreman for autonomous AI agents')
    .version('0.1.0', '-V, --version')
    .option('--url <url>', 'talk to this Gaffer server (GAFFER_URL); default: the local server or database')
    .option('--token <token>', 'API token for --url (GAFFER_TOKEN)')
    .option('--data-dir <dir>', 'embedded data folder (GAFFER_DATA_DIR, default ./.gaffer)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true });
  registerServeCommands(program, io);
  registerDemoCommand(program, io);
  registerRunCommands(program, io);
  registerTokenCommands(program, io);
  registerWorkerCommand(program, io);
  registerSpecCommands(program, io);
  registerTaskCommands(program, io);
  registerScheduleCommands(program, io);
  registerClassifyCommand(program, io);
  registerDecisionCommands(program, io);
  registerStatsCommand(program, io);
  registerEscalationCommands(program, io);
  registerScriptedModelCommand(program, io);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI with argv (without node and script); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
      return EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      io.stderr(`error: ${err.message}`);
      return EXIT_USAGE;
    }
    if (isGafferError(err)) {
      io.stderr(`error: ${err.message}`);
      return EXIT_FAILED;
    }
    io.stderr(`error: ${(err as Error).message ?? String(err)}`);
    return EXIT_FAILED;
  }
}

function isMain(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
