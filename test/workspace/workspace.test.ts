import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGafferError, type GafferError } from '../../src/errors.js';
import { uuidv7 } from '../../src/util/ids.js';
import { createWorkspace, readRecords, retainFailed, shortTaskId, workspaceBranch, type Workspace } from '../../src/workspace/workspace.js';
import { commitFiles, gafferBranches, linkedWorktrees, makeFixture, removeFixture, sh, writeFile, type Fixture } from './gitFixture.js';

let fx: Fixture;
beforeEach(() => {
  fx = makeFixture();
});
afterEach(() => {
  removeFixture(fx);
});

async function rejection(promise: Promise<unknown>): Promise<GafferError> {
  try {
    await promise;
  } catch (err) {
    if (isGafferError(err)) return err;
    throw err;
  }
  throw new Error('expected a GafferError, got success');
}

describe('createWorkspace', () => {
  it('adds a worktree per run at the base ref, on gaffer/<task-short>/<attempt>', async () => {
    const taskId = uuidv7();
    const ws = await createWorkspace({ repo: fx.repo, taskId, attempt: 1, root: fx.root });
    expect(ws.branch).toBe(`gaffer/${taskId.slice(-12)}/1`);
    expect(ws.branch).toBe(workspaceBranch(taskId, 1));
    expect(ws.baseCommit).toBe(fx.head);
    expect(path.dirname(ws.path)).toBe(fs.realpathSync(fx.root));
    expect(sh(ws.path, 'rev-parse', 'HEAD')).toBe(fx.head);
    expect(sh(ws.path, 'branch', '--show-current')).toBe(ws.branch);
    expect(fs.readFileSync(path.join(ws.path, 'src/app.ts'), 'utf8')).toContain('b = 20');
    expect(linkedWorktrees(fx.repo)).toEqual([ws.path]);
    // The main checkout is untouched: still on main.
    expect(sh(fx.repo, 'branch', '--show-current')).toBe('main');

    const atTag = await createWorkspace({ repo: fx.repo, baseRef: 'v1', taskId, attempt: 2, root: fx.root });
    expect(atTag.baseCommit).toBe(fx.first);
    expect(sh(atTag.path, 'rev-parse', 'HEAD')).toBe(fx.first);
    expect(fs.readFileSync(path.join(atTag.path, 'src/app.ts'), 'utf8')).toContain('b = 2;');
    expect(atTag.branch).toBe(`gaffer/${taskId.slice(-12)}/2`);
    expect(gafferBranches(fx.repo)).toEqual([ws.branch, atTag.branch].sort());
    expect(readRecords(fx.root).map((r) => r.status)).toEqual(['active', 'active']);
  });

  it('shortens task ids: the random tail of a UUIDv7, sanitised other ids', () => {
    // Two UUIDv7s from the same millisecond share their first digits, never their tails.
    const a = uuidv7(1_700_000_000_000);
    const b = uuidv7(1_700_000_000_000);
    expect(a.slice(0, 8)).toBe(b.slice(0, 8));
    expect(shortTaskId(a)).not.toBe(shortTaskId(b));
    expect(shortTaskId('fix-tests')).toBe('fix-tests');
    expect(shortTaskId('weird name/../x')).toMatch(/^weird-name-x-[0-9a-f]{8}$/);
    expect(shortTaskId('a'.repeat(100))).toHaveLength(24);
  });

  it('names the field when the repository is missing or not a repository, or the base ref unknown', async () => {
    const missing = await rejection(createWorkspace({ repo: path.join(fx.dir, 'nope'), taskId: 't', attempt: 1, root: fx.root }));
    expect(missing.code).toBe('VALIDATION_FAILED');
    expect(missing.message).toMatch(/^workspace\.repo: .*nope' does not exist/);
    expect(missing.details).toEqual({ issues: [{ path: 'workspace.repo', message: expect.stringContaining('does not exist') }] });

    fs.mkdirSync(path.join(fx.dir, 'plain'));
    const plain = await rejection(createWorkspace({ repo: path.join(fx.dir, 'plain'), taskId: 't', attempt: 1, root: fx.root }));
    expect(plain.code).toBe('VALIDATION_FAILED');
    expect(plain.message).toMatch(/^workspace\.repo: .*is not a git repository/);

    const ref = await rejection(createWorkspace({ repo: fx.repo, baseRef: 'no-such-branch', taskId: 't', attempt: 1, root: fx.root }));
    expect(ref.code).toBe('VALIDATION_FAILED');
    expect(ref.message).toMatch(/^workspace\.baseRef: 'no-such-branch' is not a commit in .*; branches include main/);
    expect(ref.details).toEqual({ issues: [{ path: 'workspace.baseRef', message: expect.any(String) }] });

    const option = await rejection(createWorkspace({ repo: fx.repo, baseRef: '--output=/tmp/x', taskId: 't', attempt: 1, root: fx.root }));
    expect(option.message).toMatch(/^workspace\.baseRef: /);

    const attempt = await rejection(createWorkspace({ repo: fx.repo, taskId: 't', attempt: -1, root: fx.root }));
    expect(attempt.message).toMatch(/^workspace\.attempt: /);
    // Nothing was left behind by the failed calls.
    expect(linkedWorktrees(fx.repo)).toEqual([]);
    expect(gafferBranches(fx.repo)).toEqual([]);
    expect(readRecords(fx.root)).toEqual([]);
  });

  it('refuses a second workspace for the same task and attempt with CONFLICT', async () => {
    await createWorkspace({ repo: fx.repo, taskId: 'task-1', attempt: 1, root: fx.root });
    const again = await rejection(createWorkspace({ repo: fx.repo, taskId: 'task-1', attempt: 1, root: fx.root }));
    expect(again.code).toBe('CONFLICT');
    expect(again.message).toContain('branch gaffer/task-1/1 already exists');
    expect(linkedWorktrees(fx.repo)).toHaveLength(1);
  });
});

describe('diff', () => {
  it('includes modified, deleted and new untracked files with line counts, against the base commit', async () => {
    const ws = await createWorkspace({ repo: fx.repo, taskId: 'diff', attempt: 1, root: fx.root });
    writeFile(ws.path, 'src/app.ts', 'export const a = 1;\nexport const b = 21;\nexport const c = 3;\nexport const d = 4;\n');
    fs.rmSync(path.join(ws.path, 'old.txt'));
    writeFile(ws.path, 'src/new/helper.ts', 'export function help() {\n  return 42;\n}\n');
    writeFile(ws.path, 'logo.bin', Buffer.from([0, 1, 2, 3, 255, 0, 7]));
    writeFile(ws.path, 'node_modules/dep/index.js', 'ignored by .gitignore\n');

    const diff = await ws.diff();
    expect(diff.files).toEqual([
      { path: 'logo.bin', status: 'added', additions: 0, deletions: 0, binary: true },
      { path: 'old.txt', status: 'deleted', additions: 0, deletions: 3, binary: false },
      { path: 'src/app.ts', status: 'modified', additions: 2, deletions: 1, binary: false },
      { path: 'src/new/helper.ts', status: 'added', additions: 3, deletions: 0, binary: false },
    ]);
    expect(diff.linesAdded).toBe(5);
    expect(diff.linesRemoved).toBe(4);
    expect(diff.patch).toContain('diff --git a/src/new/helper.ts b/src/new/helper.ts\nnew file mode 100644');
    expect(diff.patch).toContain('+export const b = 21;');
    expect(diff.patch).toContain('GIT binary patch');
    expect(diff.patch).not.toContain('node_modules');
    // The worktree's own index was not touched: the new file is still untracked.
    expect(sh(ws.path, 'status', '--porcelain')).toContain('?? src/new/');

    // Committed changes still count: the diff is against the base commit, not HEAD.
    const sha = await ws.commit('agent work');
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(sh(ws.path, 'log', '-1', '--format=%an <%ae>|%s')).toBe('Gaffer <gaffer@localhost>|agent work');
    expect(sh(fx.repo, 'rev-parse', `refs/heads/${ws.branch}`)).toBe(sha);
    const after = await ws.diff();
    expect(after.files).toEqual(diff.files);
    expect(after.patch).toBe(diff.patch);
    expect(await ws.commit('nothing new')).toBeNull();
  });

  it('sees a same-size edit made in the same second as the checkout (git racy-clean check)', async () => {
    // git compares stat times by the second: a same-size edit within the checkout's second looks
    // unchanged unless git sees it as "racily clean" next to an index from that same second. The
    // diff reads a copy of the index; stamped with the time of the copy (a later second), it hid
    // such edits. Reproduced by editing within the checkout's second and diffing in the next.
    for (let attempt = 0; ; attempt++) {
      const ws = await createWorkspace({ repo: fx.repo, taskId: `racy-${attempt}`, attempt: 1, root: fx.root });
      const file = path.join(ws.path, 'src/app.ts');
      const checkoutSecond = Math.floor(fs.statSync(file).mtimeMs / 1000);
      writeFile(ws.path, 'src/app.ts', 'export const a = 1;\nexport const b = 21;\nexport const c = 3;\n');
      if (Math.floor(fs.statSync(file).mtimeMs / 1000) !== checkoutSecond) {
        if (attempt < 5) continue; // crossed a second boundary: try again
        throw new Error('could not edit within the checkout second');
      }
      while (Math.floor(Date.now() / 1000) <= checkoutSecond) await new Promise((resolve) => setTimeout(resolve, 20));
      const diff = await ws.diff();
      expect(diff.files.map((f) => f.path)).toEqual(['src/app.ts']);
      expect(diff.patch).toContain('+export const b = 21;');
      return;
    }
  });

  it('is empty when nothing changed', async () => {
    const ws = await createWorkspace({ repo: fx.repo, taskId: 'empty', attempt: 1, root: fx.root });
    expect(await ws.diff()).toEqual({ patch: '', files: [], linesAdded: 0, linesRemoved: 0 });
  });

  it('refuses a patch over the size limit instead of recording it truncated', async () => {
    const ws = await createWorkspace({ repo: fx.repo, taskId: 'big', attempt: 1, root: fx.root });
    writeFile(ws.path, 'big.txt', 'x'.repeat(200) + '\n');
    const err = await rejection(ws.diff({ maxPatchBytes: 100 }));
    expect(err.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('applyPatch', () => {
  it('applies a diff from another worktree to the working tree and index', async () => {
    const source = await createWorkspace({ repo: fx.repo, taskId: 'proposal', attempt: 1, root: fx.root });
    writeFile(source.path, 'src/app.ts', 'export const a = 100;\nexport const b = 20;\nexport const c = 3;\n');
    writeFile(source.path, 'docs/NOTES.md', 'proposed\n');
    writeFile(source.path, 'data.bin', Buffer.from([0, 9, 8, 7]));
    fs.rmSync(path.join(source.path, 'README.md'));
    const proposal = await source.diff();

    const target = await createWorkspace({ repo: fx.repo, taskId: 'apply', attempt: 1, root: fx.root });
    await target.applyPatch(proposal.patch);
    expect(fs.readFileSync(path.join(target.path, 'src/app.ts'), 'utf8')).toContain('a = 100');
    expect(fs.readFileSync(path.join(target.path, 'docs/NOTES.md'), 'utf8')).toBe('proposed\n');
    expect(fs.readFileSync(path.join(target.path, 'data.bin'))).toEqual(Buffer.from([0, 9, 8, 7]));
    expect(fs.existsSync(path.join(target.path, 'README.md'))).toBe(false);
    expect(sh(target.path, 'diff', '--cached', '--name-only').split('\n').sort()).toEqual(['README.md', 'data.bin', 'docs/NOTES.md', 'src/app.ts']);
    const applied = await target.diff();
    expect(applied.files).toEqual(proposal.files);
    expect(applied.patch).toBe(proposal.patch);
  });

  it('refuses a patch that does not apply with CONFLICT and changes nothing', async () => {
    const source = await createWorkspace({ repo: fx.repo, taskId: 'p2', attempt: 1, root: fx.root });
    writeFile(source.path, 'src/app.ts', 'changed\n');
    writeFile(source.path, 'brand-new.txt', 'new\n');
    const { patch } = await source.diff();
    const target = await createWorkspace({ repo: fx.repo, baseRef: 'v1', taskId: 'p3', attempt: 1, root: fx.root });
    const err = await rejection(target.applyPatch(patch));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toContain('src/app.ts');
    expect(fs.existsSync(path.join(target.path, 'brand-new.txt'))).toBe(false);
    expect((await target.diff()).files).toEqual([]);
  });
});

describe('remove and retention', () => {
  it('removes the worktree after success; drops an empty branch, keeps one with commits', async () => {
    const plain = await createWorkspace({ repo: fx.repo, taskId: 'ok-1', attempt: 1, root: fx.root });
    writeFile(plain.path, 'node_modules/x/index.js', 'ignored\n');
    writeFile(plain.path, 'untracked.txt', 'left behind\n');
    await plain.remove();
    expect(fs.existsSync(plain.path)).toBe(false);
    expect(linkedWorktrees(fx.repo)).toEqual([]);
    expect(gafferBranches(fx.repo)).toEqual([]);
    expect(readRecords(fx.root)).toEqual([]);
    await expect(plain.diff()).rejects.toThrow(/was removed/);

    const committed = await createWorkspace({ repo: fx.repo, taskId: 'ok-2', attempt: 1, root: fx.root });
    writeFile(committed.path, 'feature.txt', 'done\n');
    const sha = await committed.commit('feature');
    await committed.remove();
    expect(fs.existsSync(committed.path)).toBe(false);
    expect(gafferBranches(fx.repo)).toEqual(['gaffer/ok-2/1']);
    expect(sh(fx.repo, 'rev-parse', 'gaffer/ok-2/1')).toBe(sha);
  });

  it('keeps the N most recent failed workspaces and prunes the oldest, never an active one', async () => {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const failed: Workspace[] = [];
    for (let i = 0; i < 4; i++) {
      const ws = await createWorkspace({
        repo: fx.repo,
        taskId: `fail-${i}`,
        attempt: 1,
        root: fx.root,
        retention: { keep: 2 },
        now: () => new Date(t0 + i * 60_000),
      });
      writeFile(ws.path, 'evidence.txt', `run ${i}\n`);
      failed.push(ws);
    }
    const active = await createWorkspace({ repo: fx.repo, taskId: 'still-running', attempt: 1, root: fx.root, now: () => new Date(t0 - 86_400_000) });

    for (const ws of failed.slice(0, 2)) await ws.markFailed('tests failed');
    expect(failed.every((ws) => fs.existsSync(ws.path))).toBe(true);
    const third = await failed[2]!.markFailed('tests failed');
    expect(third.removed).toEqual([failed[0]!.path]);
    expect(third.kept).toEqual([failed[2]!.path, failed[1]!.path]);
    const fourth = await failed[3]!.markFailed('tests failed');
    expect(fourth.removed).toEqual([failed[1]!.path]);

    expect(fs.existsSync(failed[0]!.path)).toBe(false);
    expect(fs.existsSync(failed[1]!.path)).toBe(false);
    expect(fs.readFileSync(path.join(failed[3]!.path, 'evidence.txt'), 'utf8')).toBe('run 3\n');
    expect(gafferBranches(fx.repo)).toEqual(['gaffer/fail-2/1', 'gaffer/fail-3/1', 'gaffer/still-running/1']);
    expect(linkedWorktrees(fx.repo)).toEqual([active.path, failed[2]!.path, failed[3]!.path].sort());
    const records = readRecords(fx.root);
    expect(records.find((r) => r.path === failed[3]!.path)).toMatchObject({ status: 'failed', reason: 'tests failed', failedAt: new Date(t0 + 3 * 60_000).toISOString() });

    // Past the maximum age every failed one goes; the active one (oldest of all) stays.
    const aged = await retainFailed(fx.root, { keep: 10, maxAgeMs: 3_600_000, now: new Date(t0 + 2 * 3_600_000) });
    expect(aged.removed.sort()).toEqual([failed[2]!.path, failed[3]!.path].sort());
    expect(linkedWorktrees(fx.repo)).toEqual([active.path]);
    expect(readRecords(fx.root).map((r) => r.path)).toEqual([active.path]);
  });

  it('treats the active workspace of a process that died as failed', async () => {
    const ws = await createWorkspace({ repo: fx.repo, taskId: 'crashed', attempt: 1, root: fx.root });
    const deadPid = spawnSync('true').pid!; // exited and reaped: its pid is not alive
    const file = path.join(fx.root, '.gaffer-workspaces', `${path.basename(ws.path)}.json`);
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as { owner: { pid: number } };
    record.owner.pid = deadPid;
    fs.writeFileSync(file, JSON.stringify(record));
    expect((await retainFailed(fx.root, { keep: 1 })).kept).toEqual([ws.path]);
    expect((await retainFailed(fx.root, { keep: 0 })).removed).toEqual([ws.path]);
    expect(fs.existsSync(ws.path)).toBe(false);
    expect(gafferBranches(fx.repo)).toEqual([]);
  });
});

describe('concurrency on one repository', () => {
  it('eight concurrent createWorkspace calls all succeed with distinct branches, and concurrent removes too', async () => {
    const attempts = Array.from({ length: 8 }, (_, i) => i + 1);
    const workspaces = await Promise.all(attempts.map((attempt) => createWorkspace({ repo: fx.repo, taskId: 'parallel', attempt, root: fx.root })));
    expect(new Set(workspaces.map((w) => w.branch)).size).toBe(8);
    expect(new Set(workspaces.map((w) => w.path)).size).toBe(8);
    expect(linkedWorktrees(fx.repo)).toEqual(workspaces.map((w) => w.path).sort());
    expect(gafferBranches(fx.repo)).toHaveLength(8);
    for (const ws of workspaces) expect(sh(ws.path, 'branch', '--show-current')).toBe(ws.branch);
    await Promise.all(
      workspaces.map(async (ws, i) => {
        writeFile(ws.path, `file-${i}.txt`, `${i}\n`);
        await ws.commit(`work ${i}`);
      }),
    );
    await Promise.all(workspaces.map((ws) => ws.remove({ deleteBranch: true })));
    expect(linkedWorktrees(fx.repo)).toEqual([]);
    expect(gafferBranches(fx.repo)).toEqual([]);
    expect(fs.existsSync(path.join(sh(fx.repo, 'rev-parse', '--path-format=absolute', '--git-common-dir'), 'gaffer-workspace.lock'))).toBe(false);
  });

  it('two processes creating workspaces on one repository at once all succeed (the lock file)', async () => {
    const script = path.join(fx.dir, 'create.mts');
    const modulePath = path.resolve('src/workspace/workspace.ts');
    fs.writeFileSync(
      script,
      `import { createWorkspace } from ${JSON.stringify(modulePath)};\n` +
        `const [repo, root, who] = process.argv.slice(2);\n` +
        `const made = await Promise.all([1, 2, 3, 4].map((attempt) => createWorkspace({ repo, root, taskId: 'proc-' + who, attempt })));\n` +
        `for (const ws of made) await ws.remove({ deleteBranch: false });\n` +
        `const again = await Promise.all([5, 6].map((attempt) => createWorkspace({ repo, root, taskId: 'proc-' + who, attempt })));\n` +
        `console.log(JSON.stringify(again.map((w) => w.branch)));\n`,
    );
    const tsx = path.resolve('node_modules/.bin/tsx');
    const run = (who: string): Promise<{ code: number | null; out: string; err: string }> =>
      new Promise((resolve) => {
        const child = spawn(tsx, [script, fx.repo, fx.root, who], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('close', (code) => resolve({ code, out, err }));
      });
    const results = await Promise.all([run('a'), run('b')]);
    for (const r of results) expect(r.err).toBe('');
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    expect(results.map((r) => JSON.parse(r.out) as string[])).toEqual([
      ['gaffer/proc-a/5', 'gaffer/proc-a/6'],
      ['gaffer/proc-b/5', 'gaffer/proc-b/6'],
    ]);
    expect(gafferBranches(fx.repo)).toHaveLength(12);
    expect(linkedWorktrees(fx.repo)).toHaveLength(4);
  });
});

describe('git URLs', () => {
  it('clones a file:// URL into the cache once (bare) and fetches before each new workspace', async () => {
    const origin = path.join(fx.dir, 'origin.git');
    sh(fx.dir, 'clone', '-q', '--bare', fx.repo, origin);
    const url = `file://${origin}`;
    const ws = await createWorkspace({ repo: url, taskId: 'remote', attempt: 1, root: fx.root, cacheDir: fx.cacheDir });
    expect(ws.baseCommit).toBe(fx.head);
    expect(fs.readFileSync(path.join(ws.path, 'README.md'), 'utf8')).toBe('# project\n');
    const caches = fs.readdirSync(fx.cacheDir).filter((f) => f.endsWith('.git'));
    expect(caches).toHaveLength(1);
    expect(caches[0]).toMatch(/^origin-[0-9a-f]{12}\.git$/);
    const cache = path.join(fx.cacheDir, caches[0]!);
    expect(sh(cache, 'rev-parse', '--is-bare-repository')).toBe('true');
    expect(gafferBranches(cache)).toEqual(['gaffer/remote/1']);
    // The branch lives in the cache, never in the remote.
    expect(gafferBranches(origin)).toEqual([]);

    // Upstream moves on: the next workspace starts from the fetched commit, on the same cache.
    const pusher = path.join(fx.dir, 'pusher');
    sh(fx.dir, 'clone', '-q', url, pusher);
    const newer = commitFiles(pusher, { 'CHANGELOG.md': 'v2\n' }, 'upstream change');
    sh(pusher, 'push', '-q', 'origin', 'main');
    const ws2 = await createWorkspace({ repo: url, taskId: 'remote', attempt: 2, root: fx.root, cacheDir: fx.cacheDir });
    expect(ws2.baseCommit).toBe(newer);
    expect(fs.readFileSync(path.join(ws2.path, 'CHANGELOG.md'), 'utf8')).toBe('v2\n');
    expect(fs.readdirSync(fx.cacheDir).filter((f) => f.endsWith('.git'))).toEqual(caches);
    // Branches and tags of the remote resolve too.
    const atTag = await createWorkspace({ repo: url, baseRef: 'v1', taskId: 'remote', attempt: 3, root: fx.root, cacheDir: fx.cacheDir });
    expect(atTag.baseCommit).toBe(fx.first);

    // Concurrent first use of a new URL: one clone, all succeed.
    const other = path.join(fx.dir, 'other.git');
    sh(fx.dir, 'clone', '-q', '--bare', fx.repo, other);
    const many = await Promise.all(
      [1, 2, 3].map((attempt) => createWorkspace({ repo: `file://${other}`, taskId: 'fan', attempt, root: fx.root, cacheDir: fx.cacheDir })),
    );
    expect(new Set(many.map((w) => w.branch)).size).toBe(3);
    expect(fs.readdirSync(fx.cacheDir).filter((f) => f.startsWith('other-') && f.endsWith('.git'))).toHaveLength(1);
    expect(fs.readdirSync(fx.cacheDir).filter((f) => f.includes('.tmp-'))).toEqual([]);

    await ws.remove();
    expect(gafferBranches(cache)).toEqual(['gaffer/remote/2', 'gaffer/remote/3']);
  });

  it('names workspace.repo when a URL cannot be cloned, and workspace.cacheDir when it is missing', async () => {
    const noCache = await rejection(createWorkspace({ repo: `file://${fx.dir}/origin.git`, taskId: 't', attempt: 1, root: fx.root }));
    expect(noCache.message).toMatch(/^workspace\.cacheDir: is required/);
    const bad = await rejection(createWorkspace({ repo: `file://${fx.dir}/missing.git`, taskId: 't', attempt: 1, root: fx.root, cacheDir: fx.cacheDir }));
    expect(bad.code).toBe('VALIDATION_FAILED');
    expect(bad.message).toMatch(/^workspace\.repo: cannot clone file:\/\//);
    expect(fs.readdirSync(fx.cacheDir).filter((f) => !f.endsWith('.lock'))).toEqual([]);
  });
});
