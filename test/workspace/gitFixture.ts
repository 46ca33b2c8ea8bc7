/**
 * Real git repositories for workspace tests, made in a temp folder: `git init`, files, commits.
 * Git runs with a fixed identity and without the caller's GIT_DIR/GIT_INDEX_FILE (set when the
 * suite runs from a git hook), so the fixtures never touch the project's own repository.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function fixtureEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('GIT_')) delete env[name];
  return {
    ...env,
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    GIT_CONFIG_NOSYSTEM: '1',
  };
}

/** Runs git in `dir` and returns trimmed stdout; throws with stderr on failure. */
export function sh(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], { env: fixtureEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function tempDir(prefix: string): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `gaffer-${prefix}-`)));
}

export function writeFile(root: string, rel: string, content: string | Buffer): void {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** Writes files and commits them; returns the new commit's sha. */
export function commitFiles(repo: string, files: Record<string, string | Buffer>, message: string): string {
  for (const [rel, content] of Object.entries(files)) writeFile(repo, rel, content);
  sh(repo, 'add', '-A');
  sh(repo, 'commit', '-q', '-m', message);
  return sh(repo, 'rev-parse', 'HEAD');
}

export interface Fixture {
  dir: string;
  repo: string;
  root: string;
  cacheDir: string;
  /** First commit (tagged v1) and the head of main. */
  first: string;
  head: string;
}

/**
 * A repository on `main` with two commits: the first (tag v1) has README.md, src/app.ts and
 * old.txt; the second changes src/app.ts.
 */
export function makeFixture(): Fixture {
  const dir = tempDir('ws');
  const repo = path.join(dir, 'project');
  fs.mkdirSync(repo);
  sh(repo, 'init', '-q', '-b', 'main');
  const first = commitFiles(
    repo,
    {
      'README.md': '# project\n',
      'src/app.ts': 'export const a = 1;\nexport const b = 2;\nexport const c = 3;\n',
      'old.txt': 'one\ntwo\nthree\n',
      '.gitignore': 'node_modules/\n',
    },
    'first',
  );
  sh(repo, 'tag', 'v1');
  const head = commitFiles(repo, { 'src/app.ts': 'export const a = 1;\nexport const b = 20;\nexport const c = 3;\n' }, 'second');
  return { dir, repo, root: path.join(dir, 'worktrees'), cacheDir: path.join(dir, 'cache'), first, head };
}

export function removeFixture(fixture: Fixture): void {
  fs.rmSync(fixture.dir, { recursive: true, force: true });
}

/** Branch names under refs/heads/gaffer/ in a repository. */
export function gafferBranches(repo: string): string[] {
  const out = sh(repo, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/gaffer/');
  return out ? out.split('\n').sort() : [];
}

/** Paths of a repository's linked worktrees (the main worktree, always listed first, left out). */
export function linkedWorktrees(repo: string): string[] {
  return sh(repo, 'worktree', 'list', '--porcelain')
    .split('\n')
    .filter((l) => l.startsWith('worktree '))
    .map((l) => l.slice('worktree '.length))
    .slice(1)
    .sort();
}
