/**
 * Where a workspace's repository comes from: a local path (used in place — worktrees are added to
 * it) or a git URL, cloned once into the cache folder and fetched before every new worktree.
 *
 * The cache holds a **bare** clone per URL, `<cacheDir>/<name>-<sha256(url):12>.git`. Bare, so no
 * checked-out branch is ever refused a fetch and nobody mistakes the cache for a working copy.
 * Fetches map `+refs/heads/*:refs/heads/*` (and tags), so `main` or `HEAD` in the cache is the
 * remote's `main` or default branch as of the last fetch. Fetches never prune: the worktree
 * branches Gaffer creates (`gaffer/...`) live in the same `refs/heads/` and must survive. A branch
 * deleted upstream therefore lingers in the cache, and a change of the remote's default branch is
 * not followed (delete the cache folder to start over). The clone is made in a temporary folder and
 * renamed into place, so a clone interrupted half-way never passes for a cache.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GafferError } from '../errors.js';
import { GIT_NETWORK_TIMEOUT_MS, git, gitFailure, gitOk, redactUrl } from './git.js';
import { withRepoLock } from './repoLock.js';

export interface RepoSource {
  /** The folder to run `git -C` in for worktree commands: the local repository or the bare cache. */
  repoDir: string;
  /** The repository lock's file; every worktree add/remove on this repository takes it. */
  lockPath: string;
  /** For messages: the path or the URL without credentials. */
  display: string;
  remote: boolean;
}

/** URLs git understands (`https://`, `ssh://`, `file://`...) and scp-like `user@host:path`. */
export function isGitUrl(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[\w.-]+@[\w.-]+:/.test(repo);
}

function invalid(field: string, message: string): GafferError {
  return new GafferError('VALIDATION_FAILED', `${field}: ${message}`, { details: { issues: [{ path: field, message }] } });
}

/** A local repository, checked to be one. Its lock file lives in the git common dir. */
export async function localRepo(repo: string): Promise<RepoSource> {
  const dir = path.resolve(repo);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw invalid('workspace.repo', `'${repo}' does not exist; give the path of a git repository or a git URL`);
  }
  if (!stat.isDirectory()) throw invalid('workspace.repo', `'${repo}' is not a folder; give the path of a git repository or a git URL`);
  const result = await git(dir, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
  if (result.exitCode !== 0) {
    throw invalid('workspace.repo', `'${repo}' is not a git repository (${result.stderr.toString('utf8').trim()})`);
  }
  const commonDir = fs.realpathSync(result.stdout.toString('utf8').trim());
  return { repoDir: fs.realpathSync(dir), lockPath: path.join(commonDir, 'gaffer-workspace.lock'), display: dir, remote: false };
}

/** The cache folder for a URL (exported for tests and operators). */
export function cachePathFor(cacheDir: string, url: string): string {
  const hash = createHash('sha256').update(url).digest('hex').slice(0, 12);
  const base = url.replace(/[?#].*$/, '').replace(/\/+$/, '').split(/[/:]/).pop() ?? 'repo';
  const name = base.replace(/\.git$/, '').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40) || 'repo';
  return path.join(path.resolve(cacheDir), `${name}-${hash}.git`);
}

/**
 * A git URL: the bare cache clone, created on first use and fetched now (under the repository
 * lock). Returns the source whose lock the caller takes again for the worktree add.
 */
export async function remoteRepo(url: string, cacheDir: string | undefined): Promise<RepoSource> {
  if (url.startsWith('-')) throw invalid('workspace.repo', `'${url}' is not a git URL`);
  if (!cacheDir) throw invalid('workspace.cacheDir', `is required when workspace.repo is a git URL (${redactUrl(url)})`);
  fs.mkdirSync(cacheDir, { recursive: true });
  const repoDir = cachePathFor(cacheDir, url);
  const source: RepoSource = { repoDir, lockPath: `${repoDir}.lock`, display: redactUrl(url), remote: true };
  await withRepoLock(source.lockPath, async () => {
    if (!fs.existsSync(path.join(repoDir, 'HEAD'))) await cloneInto(url, repoDir, source.display);
    await fetchAll(repoDir, source.display);
  });
  return source;
}

async function cloneInto(url: string, repoDir: string, display: string): Promise<void> {
  const tmp = `${repoDir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const parent = path.dirname(repoDir);
  const result = await git(parent, ['clone', '--bare', '--quiet', '--', url, tmp], { timeoutMs: GIT_NETWORK_TIMEOUT_MS });
  if (result.exitCode !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    const stderr = result.stderr.toString('utf8').trim();
    throw new GafferError('VALIDATION_FAILED', `workspace.repo: cannot clone ${display}: ${stderr.split('\n').pop() ?? ''}`, {
      details: { issues: [{ path: 'workspace.repo', message: `cannot clone: ${stderr}` }] },
    });
  }
  fs.rmSync(repoDir, { recursive: true, force: true }); // a leftover without HEAD is not a clone
  fs.renameSync(tmp, repoDir);
}

async function fetchAll(repoDir: string, display: string): Promise<void> {
  const result = await git(repoDir, ['fetch', '--quiet', '--force', '--tags', 'origin', '+refs/heads/*:refs/heads/*'], {
    timeoutMs: GIT_NETWORK_TIMEOUT_MS,
  });
  if (result.exitCode !== 0) throw gitFailure(`fetching ${display} into the cache ${repoDir}`, result);
}

/** The commit a base ref names, or a VALIDATION_FAILED error naming `workspace.baseRef`. */
export async function resolveBaseCommit(source: RepoSource, baseRef: string): Promise<string> {
  if (baseRef === '' || baseRef.startsWith('-') || /[\s\0]/.test(baseRef)) {
    throw invalid('workspace.baseRef', `'${baseRef}' is not a valid git ref`);
  }
  const result = await git(source.repoDir, ['rev-parse', '--verify', '--quiet', `${baseRef}^{commit}`]);
  const sha = result.stdout.toString('utf8').trim();
  if (result.exitCode !== 0 || !/^[0-9a-f]{40,64}$/.test(sha)) {
    const hint = (await gitOk(source.repoDir, ['branch', '--format=%(refname:short)', '--list'], 'listing branches'))
      .split('\n')
      .filter((b) => b && !b.startsWith('gaffer/'))
      .slice(0, 10);
    throw invalid(
      'workspace.baseRef',
      `'${baseRef}' is not a commit in ${source.display}` + (hint.length ? `; branches include ${hint.join(', ')}` : ' (the repository has no branches)'),
    );
  }
  return sha;
}
