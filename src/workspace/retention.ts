/**
 * Workspace records and the retention of failed workspaces.
 *
 * Every workspace has a record, `<root>/.gaffer-workspaces/<name>.json`, written before its
 * worktree is added (so a crash between the two leaves a record to clean up, never an untracked
 * worktree) and kept outside every worktree (so an agent cannot edit it and it never shows in a
 * diff). A record is `active` while its run uses it and `failed` once the run failed
 * (`Workspace.markFailed`). An `active` record whose owning process has exited — the worker
 * crashed — counts as failed from its creation time.
 *
 * `retainFailed(root)` keeps the `keep` most recent failed workspaces (default 10) that are younger
 * than `maxAgeMs` (default 7 days) for inspection, and removes the rest: worktree, branch and
 * record. Active workspaces of live processes are never touched, whatever their age.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { git } from './git.js';
import { isOwnerGone, withRepoLock, type ProcessIdentity } from './repoLock.js';

export const DEFAULT_RETAIN_FAILED = 10;
export const DEFAULT_RETAIN_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
/** The folder under a workspace root holding the records. */
export const RECORDS_DIR = '.gaffer-workspaces';

export const WORKSPACE_STATUSES = ['active', 'failed'] as const;
export type WorkspaceStatus = (typeof WORKSPACE_STATUSES)[number];

export interface WorkspaceRecord {
  version: 1;
  /** The worktree's folder (real path). */
  path: string;
  branch: string;
  baseCommit: string;
  baseRef: string;
  /** Path or URL (without credentials) the workspace came from. */
  repo: string;
  /** Folder git worktree commands run in (the local repository or the bare cache clone). */
  repoDir: string;
  lockPath: string;
  taskId: string;
  attempt: number;
  createdAt: string;
  status: WorkspaceStatus;
  failedAt?: string;
  reason?: string;
  owner: ProcessIdentity;
}

export interface RetentionOptions {
  /** How many failed workspaces to keep, most recent first. Default 10. */
  keep?: number;
  /** Failed workspaces older than this (ms) are removed even within `keep`. Default 7 days. */
  maxAgeMs?: number;
  /** The current time (inject in tests). */
  now?: Date;
}

export interface RetentionResult {
  /** Worktree paths kept for inspection, most recent first. */
  kept: string[];
  removed: string[];
  /** Workspaces that could not be removed (they are retried next time). */
  errors: { path: string; message: string }[];
}

export function recordPath(root: string, worktreePath: string): string {
  return path.join(root, RECORDS_DIR, `${path.basename(worktreePath)}.json`);
}

export function writeRecord(root: string, record: WorkspaceRecord): void {
  const file = recordPath(root, record.path);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Write then rename: a reader never sees half a record.
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

export function readRecords(root: string): WorkspaceRecord[] {
  const dir = path.join(root, RECORDS_DIR);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const records: WorkspaceRecord[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    try {
      const parsed = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as WorkspaceRecord;
      if (parsed.version === 1 && typeof parsed.path === 'string') records.push(parsed);
    } catch {
      // removed concurrently, or not ours
    }
  }
  return records;
}

export function deleteRecord(root: string, worktreePath: string): void {
  fs.rmSync(recordPath(root, worktreePath), { force: true });
}

/**
 * Removes a worktree (even with untracked or ignored files, even if its folder is already gone)
 * and optionally its branch, under the repository lock; then its record.
 */
export async function destroyWorkspace(root: string, record: WorkspaceRecord, deleteBranch: boolean): Promise<void> {
  if (!fs.existsSync(record.repoDir)) {
    // The repository itself is gone: only the folder and the record are left to clean.
    fs.rmSync(record.path, { recursive: true, force: true });
    deleteRecord(root, record.path);
    return;
  }
  await withRepoLock(record.lockPath, async () => {
    if (fs.existsSync(record.path)) {
      const removed = await git(record.repoDir, ['worktree', 'remove', '--force', '--force', record.path]);
      // Not (or no longer) a registered worktree: remove the folder ourselves.
      if (removed.exitCode !== 0) fs.rmSync(record.path, { recursive: true, force: true });
    }
    await git(record.repoDir, ['worktree', 'prune']);
    if (deleteBranch) await git(record.repoDir, ['branch', '-D', '--', record.branch]);
  });
  deleteRecord(root, record.path);
}

/** Keeps the most recent failed workspaces under `root` and removes the others. */
export async function retainFailed(root: string, options: RetentionOptions = {}): Promise<RetentionResult> {
  const keep = options.keep ?? DEFAULT_RETAIN_FAILED;
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_RETAIN_MAX_AGE_MS;
  const now = (options.now ?? new Date()).getTime();
  const failed = readRecords(root)
    .filter((r) => r.status === 'failed' || isOwnerGone(r.owner))
    .map((r) => ({ record: r, at: Date.parse(r.failedAt ?? r.createdAt) }))
    .sort((a, b) => b.at - a.at || b.record.path.localeCompare(a.record.path));
  const result: RetentionResult = { kept: [], removed: [], errors: [] };
  for (const { record, at } of failed) {
    if (result.kept.length < keep && now - at <= maxAgeMs && fs.existsSync(record.path)) {
      result.kept.push(record.path);
      continue;
    }
    try {
      await destroyWorkspace(root, record, true);
      result.removed.push(record.path);
    } catch (err) {
      result.errors.push({ path: record.path, message: (err as Error).message });
    }
  }
  return result;
}
