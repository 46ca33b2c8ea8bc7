/**
 * gaffer classify [FILE|-] [--exit-code N] [--command CMD] [--stage S] [--signal SIG] [--rules FILE] [--json]
 *
 * Classifies a failed step's output: reads FILE, or stdin when FILE is '-' or omitted and stdin is
 * not a terminal. Prints a summary, or with --json exactly one JSON object
 * { failureClass, confidence, context }. Exit codes: 0 classified (including 'unknown'),
 * 1 the input could not be read, 2 usage error.
 */
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { readRulesFile, resolveConfig } from '../../config/config.js';
import { classifyFailure, type Classification } from '../../failures/classifier.js';
import type { UserRule } from '../../failures/types.js';
import { processIo, type CliIo } from '../io.js';

export interface ClassifyIo extends CliIo {
  /** Reads all of stdin. When absent, process.stdin is used unless it is a terminal. */
  stdin?: () => Promise<string>;
}

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

interface ClassifyOptions {
  exitCode?: string;
  command?: string;
  stage?: string;
  signal?: string;
  rules?: string;
  json?: boolean;
}

export function registerClassifyCommand(program: Command, io: ClassifyIo = processIo): void {
  program
    .command('classify')
    .description("classify a failed step's output: compile_error, test_fail, lint_error, timeout, ...")
    .argument('[file]', "log file to read; '-' or nothing reads stdin")
    .addOption(new Option('--exit-code <n>', 'exit code of the step (124 → timeout, 127 → command not found, ...)'))
    .option('--command <cmd>', 'the command line that ran, e.g. "npx tsc -p ."')
    .option('--stage <stage>', 'pipeline stage: build, test, lint, install, git, agent, validator, provider')
    .option('--signal <signal>', 'signal that ended the step, e.g. SIGKILL')
    .option('--rules <file>', 'your own rules, a JSON or YAML list of { pattern, class, precedence?, flags?, name? } (default: GAFFER_CLASSIFIER_RULES)')
    .option('--json', 'print one JSON object { failureClass, confidence, context }')
    .action(async (file: string | undefined, opts: ClassifyOptions) => {
      const exitCode = parseExitCode(opts.exitCode);
      if (exitCode === 'invalid') {
        usage(io, `--exit-code must be an integer, got ${JSON.stringify(opts.exitCode)}`);
        return;
      }
      const rulesFile = opts.rules ?? process.env.GAFFER_CLASSIFIER_RULES;
      let rules: readonly UserRule[] = [];
      if (rulesFile) {
        try {
          rules = resolveConfig({ classifierRules: readRulesFile(rulesFile, opts.rules ? '--rules' : 'GAFFER_CLASSIFIER_RULES') }).classifierRules;
        } catch (err) {
          usage(io, (err as Error).message);
          return;
        }
      }
      const text = await readInput(file, io);
      if (text === undefined) return;
      const result = classifyFailure({
        stdout: text,
        ...(exitCode === undefined ? {} : { exitCode }),
        ...(opts.command === undefined ? {} : { command: opts.command }),
        ...(opts.stage === undefined ? {} : { stage: opts.stage }),
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      }, { rules });
      io.stdout(opts.json === true ? JSON.stringify(result) : formatClassification(result));
    });
}

function parseExitCode(raw: string | undefined): number | undefined | 'invalid' {
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  if (!/^-?\d{1,10}$/.test(trimmed)) return 'invalid';
  return Number(trimmed);
}

function usage(io: CliIo, message: string): void {
  io.stderr(`error: ${message}\n(run gaffer classify --help for usage)`);
  process.exitCode = EXIT_USAGE;
}

/** The log text, or undefined after reporting why it could not be read (exit code set). */
async function readInput(file: string | undefined, io: ClassifyIo): Promise<string | undefined> {
  if (file !== undefined && file !== '-') {
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      const why = err instanceof Error && 'code' in err ? String((err as NodeJS.ErrnoException).code) : String(err);
      io.stderr(`error: cannot read ${file} (${why}); pass a readable log file, or '-' to read stdin`);
      process.exitCode = EXIT_FAILED;
      return undefined;
    }
  }
  if (io.stdin !== undefined) return io.stdin();
  if (file === undefined && process.stdin.isTTY === true) {
    usage(io, 'no input: pass a log FILE, or pipe the log on stdin');
    return undefined;
  }
  try {
    return await readProcessStdin();
  } catch (err) {
    io.stderr(`error: cannot read stdin: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = EXIT_FAILED;
    return undefined;
  }
}

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The human summary: one labelled line per field that has a value. */
export function formatClassification(r: Classification): string {
  const c = r.context;
  const rows: Array<[string, string | undefined]> = [
    ['class', `${r.failureClass} (confidence ${r.confidence.toFixed(2)})`],
    ['location', c.file === undefined ? undefined : [c.file, c.line, c.column].filter((x) => x !== undefined).join(':')],
    ['error codes', c.errorCodes.length === 0 ? undefined : c.errorCodes.join(', ')],
    ['failing tests', c.failingTests.length === 0 ? undefined : c.failingTests.join('; ')],
    ['missing module', c.missingModule],
    ['missing program', c.missingProgram],
    ['summary', c.summary],
  ];
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows
    .filter((row): row is [string, string] => row[1] !== undefined && row[1] !== '')
    .map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`)
    .join('\n');
}
