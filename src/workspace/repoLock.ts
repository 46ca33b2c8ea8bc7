/**
 * One lock per repository around the git operations that race when run concurrently on the same
 * repository: `git worktree add/remove/prune` all write `.git/worktrees/` and take
 * `.git/index.lock`-style lock files, and git fails rather than waits when it finds one ("fatal:
 * Unable to create '.../index.lock': File exists"). Two layers:
 *
 * - an in-process mutex per lock path (a promise chain), so async callers in one process queue up
 *   without touching the file system;
 * - a lock file created with `open(..., 'wx')` (O_CREAT|O_EXCL: atomic on local file systems), so
 *   separate processes on the same machine (several `gaffer worker`s sharing a repository) queue up
 *   too. Waiters retry with exponential backoff and jitter.
 *
 * A lock file left by a process that died is stale: it holds `{ pid, host, token }`, and a waiter on
 * the same host that finds the pid no longer alive (kill(pid, 0) → ESRCH) removes it. The token
 * guards against pid reuse inside containers, where every run of the worker may be pid 1: a lock
 * carrying our own pid but another token was left by an earlier process. Breaking a stale lock is
 * itself serialised by a second `wx` file, so two waiters cannot both break it and then delete each
 * other's fresh lock. A lock file from another host is never broken (its pid means nothing here);
 * waiters time out with CONFLICT naming the holder.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { GafferError } from '../errors.js';

/** How long a waiter waits for a repository lock before giving up. */
export const LOCK_TIMEOUT_MS = 120_000;
/** First retry delay; doubles up to LOCK_MAX_BACKOFF_MS, with ±50% jitter. */
const LOCK_MIN_BACKOFF_MS = 5;
const LOCK_MAX_BACKOFF_MS = 250;
/** A lock file with no readable owner (its writer died between open and write) is stale after this. */
const UNREADABLE_LOCK_STALE_MS = 10_000;
/** The break-lock is held for microseconds; one older than this was left by a dead breaker. */
const BREAK_LOCK_STALE_MS = 10_000;

/** Identifies this process's lock files, so one left by an earlier process with the same pid is stale. */
const PROCESS_TOKEN = randomUUID();

interface LockOwner extends ProcessIdentity {
  acquiredAt: string;
}

const chains = new Map<string, Promise<void>>();

/**
 * Runs `fn` holding the lock at `lockPath` (in this process and across processes on this host).
 * The lock file's folder must exist.
 */
export async function withRepoLock<T>(lockPath: string, fn: () => Promise<T>, timeoutMs = LOCK_TIMEOUT_MS): Promise<T> {
  const previous = chains.get(lockPath) ?? Promise.resolve();
  let releaseInProcess!: () => void;
  const mine = new Promise<void>((resolve) => {
    releaseInProcess = resolve;
  });
  const tail = previous.then(() => mine);
  chains.set(lockPath, tail);
  await previous;
  try {
    await acquireLockFile(lockPath, timeoutMs);
    try {
      return await fn();
    } finally {
      releaseLockFile(lockPath);
    }
  } finally {
    releaseInProcess();
    // The last one out removes the chain, so the map does not grow with every repository ever used.
    if (chains.get(lockPath) === tail) chains.delete(lockPath);
  }
}

async function acquireLockFile(lockPath: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let backoff = LOCK_MIN_BACKOFF_MS;
  for (;;) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      try {
        const owner: LockOwner = { ...currentProcess(), acquiredAt: new Date().toISOString() };
        fs.writeSync(fd, JSON.stringify(owner));
      } finally {
        fs.closeSync(fd);
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new GafferError('INTERNAL', `cannot create lock file ${lockPath}: ${(err as Error).message}`, { cause: err });
      }
    }
    if (breakIfStale(lockPath)) continue;
    if (Date.now() > deadline) {
      const owner = readOwner(lockPath);
      throw new GafferError(
        'CONFLICT',
        `timed out after ${timeoutMs} ms waiting for the repository lock ${lockPath}` +
          (owner ? ` held by pid ${owner.pid} on ${owner.host} since ${owner.acquiredAt}` : '') +
          '; if no Gaffer process is using this repository, delete the lock file',
        { details: { lockPath, owner } },
      );
    }
    await sleep(backoff * (0.5 + Math.random()));
    backoff = Math.min(backoff * 2, LOCK_MAX_BACKOFF_MS);
  }
}

function releaseLockFile(lockPath: string): void {
  const owner = readOwner(lockPath);
  // Only remove our own lock: if it was (wrongly) broken and re-taken, the new holder keeps it.
  if (owner && owner.pid === process.pid && owner.token === PROCESS_TOKEN) {
    try {
      fs.unlinkSync(lockPath);
    } catch {
      // already gone
    }
  }
}

function readOwner(lockPath: string): LockOwner | null {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
    if (parsed && typeof parsed === 'object' && 'pid' in parsed && typeof parsed.pid === 'number') return parsed as LockOwner;
    return null;
  } catch {
    return null;
  }
}

function isStale(lockPath: string): boolean {
  const owner = readOwner(lockPath);
  if (!owner) {
    try {
      return Date.now() - fs.statSync(lockPath).mtimeMs > UNREADABLE_LOCK_STALE_MS;
    } catch {
      return false; // gone: the next open will succeed
    }
  }
  // Our pid but not our token: left by an earlier process that had the same pid. (Our own live
  // lock never reaches here: the in-process mutex keeps us from waiting on ourselves.)
  return isOwnerGone(owner);
}

/** Removes the lock file if its owner is dead; true if it did (or the lock vanished meanwhile). */
function breakIfStale(lockPath: string): boolean {
  if (!isStale(lockPath)) return false;
  const breakPath = `${lockPath}.break`;
  let fd: number;
  try {
    fd = fs.openSync(breakPath, 'wx');
  } catch {
    try {
      if (Date.now() - fs.statSync(breakPath).mtimeMs > BREAK_LOCK_STALE_MS) fs.unlinkSync(breakPath);
    } catch {
      // another waiter is breaking it right now, or just finished
    }
    return false;
  }
  try {
    // Re-check under the break-lock: another waiter may have broken it and taken a fresh one.
    if (!isStale(lockPath)) return false;
    fs.unlinkSync(lockPath);
    return true;
  } catch {
    return false;
  } finally {
    fs.closeSync(fd);
    fs.unlinkSync(breakPath);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The owner of a lock or a workspace record, as written by this module's process. */
export interface ProcessIdentity {
  pid: number;
  host: string;
  token: string;
}

export function currentProcess(): ProcessIdentity {
  return { pid: process.pid, host: os.hostname(), token: PROCESS_TOKEN };
}

/**
 * Whether the process that wrote `owner` has certainly exited: same host and its pid is not alive
 * (or is our pid with another token: an earlier process). Another host's owner is never "gone".
 */
export function isOwnerGone(owner: ProcessIdentity): boolean {
  if (owner.host !== os.hostname()) return false;
  if (owner.pid === process.pid) return owner.token !== PROCESS_TOKEN;
  return !isAlive(owner.pid);
}
