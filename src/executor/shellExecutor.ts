/**
 * The `shell` executor: runs the spec's `command` (argv, `{{input.x}}` substituted per element —
 * no shell) with a scrubbed environment and output caps, records stdout and stderr as artifacts
 * and the command and its exit code as a tool call, and succeeds on exit code 0.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderArgv } from '../util/template.js';
import { runCommand, scrubbedEnv } from './runCommand.js';
import type { ExecutionContext, ExecutionResult, TaskExecutor } from './types.js';

export class ShellExecutor implements TaskExecutor {
  readonly name = 'shell';

  async execute(ctx: ExecutionContext): Promise<ExecutionResult> {
    const { definition } = ctx.spec;
    // Without a configured cwd the command gets a fresh folder of its own, removed afterwards.
    const scratch = definition.cwd === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), `gaffer-${ctx.task.id.slice(-12)}-`)) : undefined;
    const cwd = definition.cwd ?? scratch!;
    try {
      return await this.runIn(ctx, cwd);
    } finally {
      if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    }
  }

  private async runIn(ctx: ExecutionContext, cwd: string): Promise<ExecutionResult> {
    const argv = renderArgv(ctx.spec.definition.command ?? [], { input: ctx.input, task: { id: ctx.task.id, attempt: ctx.attempt } });
    const callId = `shell-${ctx.attempt}`;
    await ctx.record('tool_call', { callId, name: 'shell', arguments: { argv, cwd }, risk: 'execute' });
    const result = await runCommand(argv, { cwd, env: scrubbedEnv({ GAFFER_TASK_ID: ctx.task.id }), signal: ctx.signal });
    const stdoutSha = await ctx.artifact(result.stdout, { name: 'stdout', contentType: 'text/plain' });
    const stderrSha = await ctx.artifact(result.stderr, { name: 'stderr', contentType: 'text/plain' });
    const summary = {
      exitCode: result.exitCode,
      signal: result.signal,
      durationMs: result.durationMs,
      stdout: stdoutSha,
      stderr: stderrSha,
      ...(result.droppedStdout || result.droppedStderr ? { droppedBytes: { stdout: result.droppedStdout, stderr: result.droppedStderr } } : {}),
      ...(result.stoppedBy ? { stoppedBy: result.stoppedBy } : {}),
    };
    await ctx.record('tool_result', { callId, name: 'shell', output: summary, isError: result.exitCode !== 0, durationMs: result.durationMs });
    if (result.exitCode === 0) return { status: 'succeeded', output: { exitCode: 0, stdout: tail(result.stdout) } };
    return {
      status: 'failed',
      error: {
        message: result.spawnError ?? `command exited with ${result.exitCode ?? result.signal}`,
        command: argv,
        exitCode: result.exitCode,
        signal: result.signal,
        stderr: tail(result.stderr),
        stdout: tail(result.stdout),
      },
    };
  }
}

/** The last few KiB of output, for the task's error and result (the whole output is an artifact). */
function tail(buf: Buffer, bytes = 4096): string {
  return buf.subarray(Math.max(0, buf.length - bytes)).toString('utf8');
}
