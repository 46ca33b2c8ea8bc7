/**
 * Workspaces: each run of a spec that targets a repository gets its own git worktree, checked out
 * at the base ref on a branch named after the task and attempt (`gaffer/<task-short>/<attempt>`).
 *
 * Lifecycle, as the executor drives it:
 *
 *   createWorkspace ─▶ agent works in ws.path ─▶ ws.diff() (recorded as an artifact)
 *        │                                          │
 *        │                     success ◀────────────┴────────────▶ failure
 *        │                 ws.remove()                       ws.markFailed(reason)
 *        │        (branch kept only if ws.commit() put          (kept for inspection; the
 *        │         commits on it)                                oldest beyond the retention
 *        ▼                                                        limit are removed)
 *   repository: local path → worktree added to it; git URL → bare clone in the cache, fetched
 *
 * Concurrency: every worktree add/remove/commit on one repository runs under that repository's
 * lock (in-process mutex + lock file, see repoLock.ts), because concurrent `git worktree add` on
 * one repository races on `.git/worktrees` and lock files and fails.
 *
 * Errors: a missing repository or an unknown base ref is VALIDATION_FAILED naming `workspace.repo`
 * or `workspace.baseRef`; a branch or folder that already exists is CONFLICT; a patch that does not
 * apply is CONFLICT; git failing otherwise is INTERNAL with git's stderr in the message.
 *
 * The patch is text (UTF-8): binary files (git's test: a NUL byte) are encoded safely, but a text
 * file in another encoding comes out lossy in `patch` (its line counts are still right).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GafferError } from '../errors.js';
import { isUuid } from '../util/ids.js';
import { workspaceDiff, type WorkspaceDiff } from './diff.js';
import { DEFAULT_GIT_IDENTITY, git, gitFailure, gitOk, type GitIdentity } from './git.js';
import { currentProcess, withRepoLock } from './repoLock.js';
import { isGitUrl, localRepo, remoteRepo, resolveBaseCommit } from './repoSource.js';
import {
  deleteRecord,
  destroyWorkspace,
  retainFailed,
  writeRecord,
  type RetentionOptions,
  type RetentionResult,
  type WorkspaceRecord,
} from './retention.js';

export type { FileChange, FileChangeStatus, WorkspaceDiff } from './diff.js';
export { MAX_PATCH_BYTES } from './diff.js';
export type { GitIdentity } from './git.js';
export { cachePathFor, isGitUrl } from './repoSource.js';
export { DEFAULT_RETAIN_FAILED, DEFAULT_RETAIN_MAX_AGE_MS, RECORDS_DIR, retainFailed, readRecords } from './retention.js';
export type { RetentionOptions, RetentionResult, WorkspaceRecord, WorkspaceStatus } from './retention.js';

export const BRANCH_PREFIX = 'gaffer';

export interface CreateWorkspaceOptions {
  /** A local repository path or a git URL (https://, ssh://, file://, user@host:path). */
  repo: string;
  /** Branch, tag or commit to start from. Default `HEAD` (for a URL: the remote's default branch). */
  baseRef?: string;
  taskId: string;
  /** The run's attempt number (the fencing token); one workspace per (task, attempt). */
  attempt: number;
  /** The folder holding the worktrees (created if missing); records live in `<root>/.gaffer-workspaces`. */
  root: string;
  /** Where git URLs are cloned (bare) once; required when `repo` is a URL. */
  cacheDir?: string;
  /** Author and committer of `commit()`. Default `Gaffer <gaffer@localhost>`. */
  identity?: GitIdentity;
  /** Applied by `markFailed()`. */
  retention?: Omit<RetentionOptions, 'now'>;
  /** Clock for record timestamps (inject in tests). */
  now?: () => Date;
}

export interface RemoveOptions {
  /**
   * Delete the workspace's branch too. Default: delete it only when it carries no commits beyond
   * the base commit (nothing would be lost); a branch with `commit()`s is kept for merging.
   */
  deleteBranch?: boolean;
}

export interface Workspace {
  /** The worktree folder (a real path: no symlinks). */
  readonly path: string;
  readonly branch: string;
  /** The commit the base ref resolved to when the workspace was created. */
  readonly baseCommit: string;
  readonly baseRef: string;
  readonly taskId: string;
  readonly attempt: number;
  /** Everything changed since `baseCommit`: committed, staged, unstaged and new untracked files. */
  diff(options?: { maxPatchBytes?: number }): Promise<WorkspaceDiff>;
  /** Stages everything and commits it on the workspace branch; the new commit's sha, or null if nothing changed. */
  commit(message: string): Promise<string | null>;
  /** Applies a patch (e.g. an approved proposal) to the working tree and index (`git apply --index`). */
  applyPatch(patch: string): Promise<void>;
  /** Keeps the workspace for inspection and applies the retention limit to the root; see retention.ts. */
  markFailed(reason?: string): Promise<RetentionResult>;
  /** Removes the worktree (and, by default, an empty branch) and its record. */
  remove(options?: RemoveOptions): Promise<void>;
}

function invalid(field: string, message: string): GafferError {
  return new GafferError('VALIDATION_FAILED', `${field}: ${message}`, { details: { issues: [{ path: field, message }] } });
}

/**
 * The task id as it appears in branch and folder names. For UUIDs the last 12 hex digits: a
 * UUIDv7 starts with its timestamp, so its first digits are shared by every task created in the
 * same minute. Other ids are sanitised to `[A-Za-z0-9_-]`, long ones shortened with a hash.
 */
export function shortTaskId(taskId: string): string {
  if (isUuid(taskId)) return taskId.slice(-12).toLowerCase();
  const clean = taskId.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  if (clean && clean.length <= 24 && clean === taskId) return clean;
  return `${clean.slice(0, 15) || 'task'}-${createHash('sha256').update(taskId).digest('hex').slice(0, 8)}`;
}

export function workspaceBranch(taskId: string, attempt: number): string {
  return `${BRANCH_PREFIX}/${shortTaskId(taskId)}/${attempt}`;
}

function validate(options: CreateWorkspaceOptions): void {
  if (typeof options.repo !== 'string' || options.repo.trim() === '') throw invalid('workspace.repo', 'is required: a repository path or git URL');
  if (typeof options.taskId !== 'string' || options.taskId === '') throw invalid('workspace.taskId', 'is required');
  if (!Number.isSafeInteger(options.attempt) || options.attempt < 0) {
    throw invalid('workspace.attempt', `must be a non-negative integer, got ${String(options.attempt)}`);
  }
  if (typeof options.root !== 'string' || options.root === '') throw invalid('workspace.root', 'is required: the folder holding worktrees');
}

export async function createWorkspace(options: CreateWorkspaceOptions): Promise<Workspace> {
  validate(options);
  const baseRef = options.baseRef ?? 'HEAD';
  const now = options.now ?? (() => new Date());
  const source = isGitUrl(options.repo) ? await remoteRepo(options.repo, options.cacheDir) : await localRepo(options.repo);
  fs.mkdirSync(options.root, { recursive: true });
  const root = fs.realpathSync(options.root);
  const branch = workspaceBranch(options.taskId, options.attempt);
  const repoName = path.basename(source.repoDir).replace(/\.git$/, '').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40);
  const worktreePath = path.join(root, `${repoName}-${shortTaskId(options.taskId)}-${options.attempt}`);

  const record = await withRepoLock(source.lockPath, async () => {
    const baseCommit = await resolveBaseCommit(source, baseRef);
    const existing = await git(source.repoDir, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
    if (existing.exitCode === 0) {
      throw new GafferError(
        'CONFLICT',
        `branch ${branch} already exists in ${source.display}; a workspace for task ${options.taskId} attempt ${options.attempt} was made before (remove the branch, or use the next attempt)`,
        { details: { branch } },
      );
    }
    if (fs.existsSync(worktreePath)) {
      throw new GafferError('CONFLICT', `workspace folder ${worktreePath} already exists; remove it or use the next attempt`, {
        details: { path: worktreePath },
      });
    }
    const rec: WorkspaceRecord = {
      version: 1,
      path: worktreePath,
      branch,
      baseCommit,
      baseRef,
      repo: source.display,
      repoDir: source.repoDir,
      lockPath: source.lockPath,
      taskId: options.taskId,
      attempt: options.attempt,
      createdAt: now().toISOString(),
      status: 'active',
      owner: currentProcess(),
    };
    writeRecord(root, rec);
    const added = await git(source.repoDir, ['worktree', 'add', '--quiet', '--no-track', '-b', branch, worktreePath, baseCommit]);
    if (added.exitCode !== 0) {
      deleteRecord(root, worktreePath);
      fs.rmSync(worktreePath, { recursive: true, force: true });
      await git(source.repoDir, ['worktree', 'prune']);
      throw gitFailure(`adding a worktree for ${source.display} at ${baseRef} (${baseCommit.slice(0, 12)})`, added);
    }
    return { ...rec, path: fs.realpathSync(worktreePath) };
  });
  return new GitWorkspace(root, record, options.identity ?? DEFAULT_GIT_IDENTITY, options.retention ?? {}, now);
}

class GitWorkspace implements Workspace {
  private removed = false;

  constructor(
    private readonly root: string,
    private record: WorkspaceRecord,
    private readonly identity: GitIdentity,
    private readonly retention: Omit<RetentionOptions, 'now'>,
    private readonly now: () => Date,
  ) {}

  get path(): string {
    return this.record.path;
  }
  get branch(): string {
    return this.record.branch;
  }
  get baseCommit(): string {
    return this.record.baseCommit;
  }
  get baseRef(): string {
    return this.record.baseRef;
  }
  get taskId(): string {
    return this.record.taskId;
  }
  get attempt(): number {
    return this.record.attempt;
  }

  private live(what: string): void {
    if (this.removed) throw new GafferError('INTERNAL', `cannot ${what}: workspace ${this.path} was removed`);
  }

  async diff(options: { maxPatchBytes?: number } = {}): Promise<WorkspaceDiff> {
    this.live('diff');
    return workspaceDiff(this.path, this.baseCommit, options.maxPatchBytes);
  }

  async commit(message: string): Promise<string | null> {
    this.live('commit');
    const env = {
      GIT_AUTHOR_NAME: this.identity.name,
      GIT_AUTHOR_EMAIL: this.identity.email,
      GIT_COMMITTER_NAME: this.identity.name,
      GIT_COMMITTER_EMAIL: this.identity.email,
    };
    return withRepoLock(this.record.lockPath, async () => {
      await gitOk(this.path, ['add', '-A', '--', '.'], `staging the changes in ${this.path}`);
      const staged = await git(this.path, ['diff', '--cached', '--quiet']);
      if (staged.exitCode === 0) return null;
      if (staged.exitCode !== 1) throw gitFailure(`checking for staged changes in ${this.path}`, staged);
      await gitOk(this.path, ['commit', '--quiet', '--no-verify', '--no-gpg-sign', '--file=-'], `committing in ${this.path}`, { env, stdin: message });
      return (await gitOk(this.path, ['rev-parse', 'HEAD'], 'reading the new commit')).trim();
    });
  }

  async applyPatch(patch: string): Promise<void> {
    this.live('apply a patch');
    if (patch.trim() === '') return;
    const result = await git(this.path, ['apply', '--index', '--whitespace=nowarn', '-'], { stdin: patch });
    if (result.exitCode !== 0) throw gitFailure(`applying the patch to ${this.path}`, result, 'CONFLICT');
  }

  async markFailed(reason?: string): Promise<RetentionResult> {
    this.live('mark failed');
    this.record = { ...this.record, status: 'failed', failedAt: this.now().toISOString(), ...(reason === undefined ? {} : { reason }) };
    writeRecord(this.root, this.record);
    const result = await retainFailed(this.root, { ...this.retention, now: this.now() });
    if (result.removed.includes(this.path)) this.removed = true;
    return result;
  }

  async remove(options: RemoveOptions = {}): Promise<void> {
    if (this.removed) return;
    let deleteBranch = options.deleteBranch;
    if (deleteBranch === undefined) {
      const tip = await git(this.record.repoDir, ['rev-parse', '--verify', '--quiet', `refs/heads/${this.branch}`]);
      deleteBranch = tip.exitCode !== 0 || tip.stdout.toString('utf8').trim() === this.baseCommit;
    }
    await destroyWorkspace(this.root, this.record, deleteBranch);
    this.removed = true;
  }
}

