/**
 * gaffer scripted-model --script FILE [--port N]
 *
 * Runs the scripted model server — a TEST AND DEMO TOOL, not a model: a local OpenAI-compatible
 * endpoint (chat completions, tool calls, streaming) that answers each request with the next turn
 * of a script. FILE is JSON: `{ "<model name>": [turn, ...], "*": [...] }`, each turn as in
 * `ScriptedTurn` (src/testing/scriptedResponses.ts): `content`, `toolCalls: [{ name, arguments }]`,
 * `finishReason`, `usage`, `delayMs`, `error`. Prints the base URL to point a profile at, and runs
 * until SIGINT/SIGTERM.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { startScriptedModelServer, type ScriptedTurn } from '../../testing/scriptedModelServer.js';
import { processIo, runUntilSignal, type CliIo } from '../io.js';

export function registerScriptedModelCommand(program: Command, io: CliIo = processIo): void {
  program
    .command('scripted-model')
    .description('run the scripted model server (a test and demo tool, not a model) that plays a script of turns')
    .requiredOption('--script <file>', 'JSON: { "<model>": [turn, ...] } ("*" answers any model)')
    .option('--port <n>', 'port to listen on (0 picks one)', '4900')
    .action(async (opts: { script: string; port: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        io.stderr(`--port: '${opts.port}' is not a port number (0-65535)`);
        process.exitCode = 2;
        return;
      }
      let scripts: Record<string, ScriptedTurn[]>;
      try {
        scripts = JSON.parse(await readFile(opts.script, 'utf8')) as Record<string, ScriptedTurn[]>;
      } catch (err) {
        io.stderr(`--script: cannot read ${opts.script}: ${(err as Error).message}`);
        process.exitCode = 1;
        return;
      }
      const bad = Object.entries(scripts ?? {}).find(([, turns]) => !Array.isArray(turns));
      if (typeof scripts !== 'object' || scripts === null || Array.isArray(scripts) || bad) {
        io.stderr(`--script: ${opts.script} must be a JSON object of model name → list of turns${bad ? ` ('${bad[0]}' is not a list)` : ''}`);
        process.exitCode = 2;
        return;
      }
      const server = await startScriptedModelServer({ port, scripts });
      io.stdout(`scripted model server (test and demo tool, not a model) at ${server.baseUrl}`);
      io.stdout(`models: ${Object.keys(scripts).join(', ')}`);
      await runUntilSignal({ info: () => {}, error: (obj) => io.stderr(String((obj as { err?: Error }).err?.message ?? obj)) }, 'scripted model server', () => server.close());
    });
}
