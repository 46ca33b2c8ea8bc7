/**
 * Where an attempt works: a git worktree of the spec's `workspace.repo` (or a string `input.repo`)
 * at the base ref, on a branch named after the task and attempt — or, without a repository, a
 * scratch folder. Closing it removes the worktree after a success (its diff is kept as an
 * artifact), keeps it for inspection after a failure (`markFailed`, with retention), and always
 * removes a scratch folder. Shared by the agent and cli_agent executors.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createWorkspace, type Workspace } from '../workspace/workspace.js';
import type { ExecutionContext, ExecutionResult } from './types.js';

export interface AttemptWorkspace {
  /** The folder the attempt works in (a real path). */
  root: string;
  /** The worktree, when the attempt has a repository. */
  workspace: Workspace | undefined;
  /** Removes or keeps the folder according to how the attempt ended (undefined: it threw). */
  close(result: ExecutionResult | undefined): Promise<void>;
}

/** The repository an attempt works on: the spec's, else a string `input.repo`. */
export function repositoryOf(ctx: ExecutionContext): string | undefined {
  const input = (ctx.input ?? {}) as Record<string, unknown>;
  return ctx.spec.definition.workspace?.repo ?? (typeof input['repo'] === 'string' ? input['repo'] : undefined);
}

export async function openAttemptWorkspace(ctx: ExecutionContext, options: { workspaceRoot?: string; scratchPrefix: string }): Promise<AttemptWorkspace> {
  const repo = repositoryOf(ctx);
  if (!repo) {
    const scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `${options.scratchPrefix}-${ctx.task.id.slice(-12)}-`)));
    return { root: scratch, workspace: undefined, close: async () => fs.rmSync(scratch, { recursive: true, force: true }) };
  }
  const workspace = await createWorkspace({
    repo,
    baseRef: ctx.spec.definition.workspace?.baseRef ?? 'HEAD',
    taskId: ctx.task.id,
    attempt: ctx.attempt,
    root: options.workspaceRoot ?? path.join(os.tmpdir(), 'gaffer-workspaces'),
  });
  return {
    root: workspace.path,
    workspace,
    close: async (result) => {
      if (result?.status === 'succeeded' || result?.status === 'proposed') await workspace.remove();
      else await workspace.markFailed(result?.status === 'failed' ? String(result.error['message'] ?? '') : 'aborted');
    },
  };
}
