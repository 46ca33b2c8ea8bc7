/**
 * The `cli_agent` executor: runs any coding-agent CLI on the task's workspace, then verifies the
 * result exactly as the built-in agent's is verified.
 *
 *   workspace (git worktree of spec.workspace.repo / input.repo, else a scratch folder)
 *     ─▶ the rendered instructions written to `.gaffer/prompt.md` in the workspace
 *     ─▶ spec.cli.argv run as argv (no shell), `{{prompt_file}}`, `{{workspace}}`, `{{input.x}}`
 *        substituted per element; scrubbed environment; killed at budgets.wallTimeMs (timeout)
 *     ─▶ stdout and stderr as artifacts; the command as a tool_call, its exit as a tool_result
 *     ─▶ the final diff (`final.diff`) ─▶ the spec's validators and gate (src/executor/verify.ts)
 *
 * A non-zero exit fails the attempt, classified from the CLI's output; exit 0 is the CLI's claim of
 * completion, which the gate then checks. The prompt file is removed before the diff is taken, so
 * it never shows up as a change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { classifyFailure } from '../failures/classifier.js';
import { renderArgv, renderTemplate } from '../util/template.js';
import type { Workspace } from '../workspace/workspace.js';
import { openAttemptWorkspace } from './attemptWorkspace.js';
import type { WorkspaceDiff } from '../workspace/diff.js';
import { runCommand, scrubbedEnv } from './runCommand.js';
import type { ExecutionContext, ExecutionResult, TaskExecutor } from './types.js';
import { verifiedResult, verifyAttempt } from './verify.js';

export const PROMPT_FILE = '.gaffer/prompt.md';

export interface CliAgentExecutorOptions {
  /** Folder holding the worktrees. Default `<os.tmpdir()>/gaffer-workspaces`. */
  workspaceRoot?: string;
}

export class CliAgentExecutor implements TaskExecutor {
  readonly name = 'cli_agent';

  constructor(private readonly options: CliAgentExecutorOptions = {}) {}

  async execute(ctx: ExecutionContext): Promise<ExecutionResult> {
    const { root, workspace, close } = await openAttemptWorkspace(ctx, { scratchPrefix: 'gaffer-cli', ...(this.options.workspaceRoot ? { workspaceRoot: this.options.workspaceRoot } : {}) });
    let result: ExecutionResult | undefined;
    try {
      return (result = await this.runIn(ctx, root, workspace));
    } finally {
      await close(result);
    }
  }

  private async runIn(ctx: ExecutionContext, root: string, workspace: Workspace | undefined): Promise<ExecutionResult> {
    const def = ctx.spec.definition;
    const vars = { input: ctx.input, task: { id: ctx.task.id, attempt: ctx.attempt } };
    const prompt = renderTemplate(def.instructions ?? '', vars, 'instructions');
    const promptPath = path.join(root, PROMPT_FILE);
    fs.mkdirSync(path.dirname(promptPath), { recursive: true });
    fs.writeFileSync(promptPath, prompt);
    const argv = renderArgv(def.cli!.argv, { ...vars, prompt_file: promptPath, workspace: root });
    const callId = `cli-${ctx.attempt}`;
    await ctx.record('tool_call', { callId, name: 'cli_agent', arguments: { argv, cwd: root, promptFile: PROMPT_FILE }, risk: 'execute' });
    const run = await runCommand(argv, {
      cwd: root,
      env: scrubbedEnv({ GAFFER_TASK_ID: ctx.task.id, GAFFER_PROMPT_FILE: promptPath }),
      signal: ctx.signal,
      ...(def.budgets.wallTimeMs !== undefined ? { timeoutMs: def.budgets.wallTimeMs } : {}),
    });
    fs.rmSync(path.join(root, '.gaffer'), { recursive: true, force: true });
    const stdout = await ctx.artifact(run.stdout, { name: 'stdout', contentType: 'text/plain' });
    const stderr = await ctx.artifact(run.stderr, { name: 'stderr', contentType: 'text/plain' });
    const stdoutText = run.stdout.toString('utf8');
    const stderrText = run.stderr.toString('utf8');
    const summary = { exitCode: run.exitCode, signal: run.signal, durationMs: run.durationMs, stdout, stderr, ...(run.stoppedBy ? { stoppedBy: run.stoppedBy } : {}) };
    await ctx.record('tool_result', { callId, name: 'cli_agent', output: summary, isError: run.exitCode !== 0, durationMs: run.durationMs });

    let diff: WorkspaceDiff | undefined;
    const extra: Record<string, unknown> = {};
    if (workspace) {
      diff = await workspace.diff();
      const sha = await ctx.artifact(diff.patch, { name: 'final.diff', contentType: 'text/x-diff' });
      extra['diff'] = { sha256: sha, files: diff.files, linesAdded: diff.linesAdded, linesRemoved: diff.linesRemoved, branch: workspace.branch };
    }
    if (run.stoppedBy === 'timeout') {
      return { status: 'failed', failureClass: 'timeout', error: { message: `the CLI agent ran past the wall time budget of ${def.budgets.wallTimeMs} ms`, ...extra } };
    }
    if (run.exitCode !== 0) {
      const classified = classifyFailure({ stage: 'agent', command: argv, exitCode: run.exitCode, signal: run.signal, stdout: stdoutText, stderr: stderrText });
      return {
        status: 'failed',
        failureClass: classified.failureClass,
        error: { message: run.spawnError ?? `the CLI agent exited with ${run.exitCode ?? run.signal}`, context: classified.context, stderr: tailOf(stderrText), ...extra },
      };
    }
    const output = { stdout: tailOf(stdoutText), exitCode: 0, ...extra };
    const verification = await verifyAttempt(ctx, { workspace: root, ...(diff ? { diff } : {}), toolOutputs: [stdoutText], finalOutput: output });
    return verifiedResult(verification, output, {}, 'the CLI agent');
  }
}

function tailOf(text: string, chars = 4096): string {
  return text.length > chars ? text.slice(-chars) : text;
}
