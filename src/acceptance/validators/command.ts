/**
 * `command`: runs an argv (no shell) in the workspace with a scrubbed environment and a time limit,
 * and passes when it exits with the expected code. stdout and stderr are stored as artifacts; the
 * evidence keeps their sha256 and the tail of each.
 *
 * - The program cannot be started (not found, not executable) → `error`: nothing was checked.
 * - Aborted through the context's signal → `error`: the check was cut short, not answered.
 * - Timed out → `failed`: the check ran and did not succeed in time (a hung test is the work's fault).
 */
import { z } from 'zod';
import { runCommand } from '../../executor/runCommand.js';
import { normalizeRelative, parseConfig, resolveInWorkspace, tail, ValidatorCannotRun } from '../support.js';
import type { ValidationContext, ValidatorOutcome } from '../types.js';

/** Default time limit of a command validator, ms (10 minutes). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 600_000;
/** Characters of each stream's tail kept inline in the evidence. */
export const OUTPUT_TAIL_CHARS = 2_000;

export const commandConfigSchema = z.strictObject({
  argv: z.array(z.string()).min(1, 'must name the program to run'),
  expectExitCode: z.number().int().default(0),
  timeoutMs: z.number().int().positive().default(DEFAULT_COMMAND_TIMEOUT_MS),
  /** Working directory relative to the workspace (default: the workspace). */
  cwd: z.string().min(1).optional(),
});

export async function commandValidator(config: Record<string, unknown>, ctx: ValidationContext): Promise<ValidatorOutcome> {
  const cfg = parseConfig(commandConfigSchema, config, 'command');
  if (cfg.argv[0] === '') throw new ValidatorCannotRun('config.argv[0]: must name the program to run');
  const cwd = await resolveInWorkspace(ctx.workspace, cfg.cwd ?? '.', 'config.cwd');
  const result = await runCommand(cfg.argv, { cwd, timeoutMs: cfg.timeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}) });

  const stdoutText = result.stdout.toString('utf8');
  const stderrText = result.stderr.toString('utf8');
  const stream = async (buf: Buffer, text: string, dropped: number, which: 'stdout' | 'stderr'): Promise<Record<string, unknown>> => ({
    bytes: buf.length,
    droppedBytes: dropped,
    ...(buf.length > 0 ? { sha256: await ctx.storeArtifact(buf, `${which}.log`, 'text/plain; charset=utf-8') } : {}),
    tail: tail(text, OUTPUT_TAIL_CHARS),
  });
  const evidence: Record<string, unknown> = {
    argv: cfg.argv,
    cwd: normalizeRelative(cfg.cwd ?? '.'),
    expectExitCode: cfg.expectExitCode,
    exitCode: result.exitCode,
    signal: result.signal,
    durationMs: result.durationMs,
    timeoutMs: cfg.timeoutMs,
    timedOut: result.stoppedBy === 'timeout',
    stdout: await stream(result.stdout, stdoutText, result.droppedStdout, 'stdout'),
    stderr: await stream(result.stderr, stderrText, result.droppedStderr, 'stderr'),
  };

  if (result.spawnError !== undefined) {
    throw new ValidatorCannotRun(`could not start '${cfg.argv[0]}': ${result.spawnError}`, evidence);
  }
  if (result.stoppedBy === 'abort') {
    throw new ValidatorCannotRun(`'${cfg.argv.join(' ')}' was aborted before it finished`, evidence);
  }
  if (result.stoppedBy === 'timeout') {
    return { verdict: 'failed', evidence: { ...evidence, explanation: `timed out after ${cfg.timeoutMs} ms and was killed` } };
  }
  const passed = result.exitCode === cfg.expectExitCode;
  const got = result.exitCode === null ? `was killed by ${result.signal ?? 'a signal'}` : `exited with ${result.exitCode}`;
  return {
    verdict: passed ? 'passed' : 'failed',
    evidence: { ...evidence, explanation: `${got}; expected exit code ${cfg.expectExitCode}` },
  };
}
