/**
 * The diff of a workspace against its base commit: what the agent changed, committed or not,
 * including new files it never `git add`ed.
 *
 * It is taken through a throw-away copy of the worktree's index (GIT_INDEX_FILE): `git add -A`
 * into the copy, then `git diff --cached <base>`. The worktree's own index — which the agent's
 * commands may be using — is never touched, and the copy keeps the real index's stat cache, so
 * unchanged files are not re-read. Files ignored by `.gitignore` (node_modules, build output) are
 * left out, as `git status` leaves them out; everything else the agent wrote is in. Renames are
 * reported as a deletion and an addition (`--no-renames`), so every entry has one path.
 *
 * The patch is binary-safe (`--binary --full-index`) with explicit `a/` `b/` prefixes and no
 * colour, external diff or textconv, so a user's diff settings cannot make it unappliable.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GafferError } from '../errors.js';
import { git, gitFailure, gitOk } from './git.js';

/** Patches larger than this are refused rather than recorded truncated (a cut patch is corrupt). */
export const MAX_PATCH_BYTES = 32 * 1024 * 1024;

export const FILE_CHANGE_STATUSES = ['added', 'modified', 'deleted'] as const;
export type FileChangeStatus = (typeof FILE_CHANGE_STATUSES)[number];

export interface FileChange {
  path: string;
  status: FileChangeStatus;
  additions: number;
  deletions: number;
  /** Binary files count no lines. */
  binary: boolean;
}

export interface WorkspaceDiff {
  /** `git apply`-able patch against the base commit; empty when nothing changed. */
  patch: string;
  files: FileChange[];
  linesAdded: number;
  linesRemoved: number;
}

const DIFF_FLAGS = ['--no-color', '--no-ext-diff', '--no-textconv', '--no-renames', '--src-prefix=a/', '--dst-prefix=b/'];

export async function workspaceDiff(worktree: string, baseCommit: string, maxPatchBytes = MAX_PATCH_BYTES): Promise<WorkspaceDiff> {
  const realIndex = (await gitOk(worktree, ['rev-parse', '--path-format=absolute', '--git-path', 'index'], 'locating the index')).trim();
  const tmpIndex = path.join(os.tmpdir(), `gaffer-index-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    if (fs.existsSync(realIndex)) {
      fs.copyFileSync(realIndex, tmpIndex);
      // Keep the real index's times: git trusts cached stat data for files older than the
      // index, so a copy stamped "now" made same-size edits from the same second invisible.
      const { atime, mtime } = fs.statSync(realIndex);
      fs.utimesSync(tmpIndex, atime, mtime);
    }
    const env = { GIT_INDEX_FILE: tmpIndex };
    await gitOk(worktree, ['add', '-A', '--', '.'], `staging the changes in ${worktree} for the diff`, { env });
    const patchResult = await git(worktree, ['diff', '--cached', '--binary', '--full-index', ...DIFF_FLAGS, baseCommit, '--'], {
      env,
      maxOutputBytes: maxPatchBytes,
    });
    if (patchResult.exitCode !== 0) throw gitFailure(`diffing ${worktree} against ${baseCommit}`, patchResult);
    if (patchResult.droppedStdout > 0) {
      throw new GafferError(
        'PAYLOAD_TOO_LARGE',
        `the diff of ${worktree} against ${baseCommit} is larger than ${maxPatchBytes} bytes; it was not recorded`,
        { details: { maxPatchBytes, bytes: patchResult.stdout.length + patchResult.droppedStdout } },
      );
    }
    const numstat = await gitOk(worktree, ['diff', '--cached', '--numstat', '-z', ...DIFF_FLAGS, baseCommit, '--'], 'counting changed lines', { env });
    const nameStatus = await gitOk(worktree, ['diff', '--cached', '--name-status', '-z', ...DIFF_FLAGS, baseCommit, '--'], 'listing changed files', {
      env,
    });
    const files = mergeStats(parseNameStatus(nameStatus), parseNumstat(numstat));
    return {
      patch: patchResult.stdout.toString('utf8'),
      files,
      linesAdded: files.reduce((n, f) => n + f.additions, 0),
      linesRemoved: files.reduce((n, f) => n + f.deletions, 0),
    };
  } finally {
    fs.rmSync(tmpIndex, { force: true });
    fs.rmSync(`${tmpIndex}.lock`, { force: true });
  }
}

/** `-z --name-status`: `M\0path\0A\0path\0...` (no renames, so always one path). */
function parseNameStatus(out: string): Map<string, FileChangeStatus> {
  const parts = out.split('\0');
  const statuses = new Map<string, FileChangeStatus>();
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const code = parts[i]!.charAt(0);
    const file = parts[i + 1]!;
    // T (type change: file ↔ symlink) is reported as modified.
    statuses.set(file, code === 'A' ? 'added' : code === 'D' ? 'deleted' : 'modified');
  }
  return statuses;
}

/** `-z --numstat`: `added\tdeleted\tpath\0`, `-\t-\tpath` for binary files. */
function parseNumstat(out: string): Map<string, { additions: number; deletions: number; binary: boolean }> {
  const stats = new Map<string, { additions: number; deletions: number; binary: boolean }>();
  for (const entry of out.split('\0')) {
    if (!entry) continue;
    const [added, deleted, ...rest] = entry.split('\t');
    const file = rest.join('\t');
    const binary = added === '-';
    stats.set(file, { additions: binary ? 0 : Number(added), deletions: binary ? 0 : Number(deleted), binary });
  }
  return stats;
}

function mergeStats(
  statuses: Map<string, FileChangeStatus>,
  stats: Map<string, { additions: number; deletions: number; binary: boolean }>,
): FileChange[] {
  return [...statuses].map(([file, status]) => ({ path: file, status, ...(stats.get(file) ?? { additions: 0, deletions: 0, binary: false }) }));
}
