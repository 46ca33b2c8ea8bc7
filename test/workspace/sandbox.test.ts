import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWorkspace } from '../../src/workspace/workspace.js';
import { detectBubblewrap, resolveInside, sandboxedCommand, SandboxViolation, type SandboxViolationReason } from '../../src/workspace/sandbox.js';
import { makeFixture, removeFixture, tempDir, writeFile, type Fixture } from './gitFixture.js';

const bwrap = await detectBubblewrap();
if (!bwrap.available) {
  console.warn(`\n  ⚠  bubblewrap sandbox tests are SKIPPED: ${bwrap.reason ?? 'bwrap unavailable'} (install the bubblewrap package to run them)\n`);
}

let ws: string;
let outside: string;
beforeEach(() => {
  ws = tempDir('sandbox-ws');
  outside = tempDir('sandbox-outside');
  writeFile(ws, 'src/a.ts', 'export const a = 1;\n');
  writeFile(ws, '.git/config', '[core]\n');
  writeFile(outside, 'secret.txt', 'top secret\n');
});
afterEach(() => {
  fs.rmSync(ws, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

function refusal(requested: string): SandboxViolation {
  try {
    resolveInside(ws, requested);
  } catch (err) {
    if (err instanceof SandboxViolation) return err;
    throw err;
  }
  throw new Error(`'${requested}' was allowed`);
}

function expectRefused(requested: string, reason: SandboxViolationReason): void {
  const err = refusal(requested);
  expect(err.reason).toBe(reason);
  expect(err.requestedPath).toBe(requested);
  expect(err.message).toContain(`refused path '${requested}'`);
}

describe('resolveInside', () => {
  it('allows nested paths, new files, absolute paths inside, and links that stay inside', () => {
    expect(resolveInside(ws, 'src/a.ts')).toBe(path.join(ws, 'src/a.ts'));
    expect(resolveInside(ws, 'src/../src/a.ts')).toBe(path.join(ws, 'src/a.ts'));
    expect(resolveInside(ws, 'new/deep/file.txt')).toBe(path.join(ws, 'new/deep/file.txt'));
    expect(resolveInside(ws, path.join(ws, 'src/a.ts'))).toBe(path.join(ws, 'src/a.ts'));
    expect(resolveInside(ws, '.')).toBe(ws);
    expect(resolveInside(ws, '.gitignore')).toBe(path.join(ws, '.gitignore'));
    fs.symlinkSync('src', path.join(ws, 'alias'));
    expect(resolveInside(ws, 'alias/a.ts')).toBe(path.join(ws, 'src/a.ts'));
    expect(resolveInside(ws, 'alias/new.ts')).toBe(path.join(ws, 'src/new.ts'));
    // A workspace given through a symlinked path works the same.
    const via = path.join(outside, 'ws-link');
    fs.symlinkSync(ws, via);
    expect(resolveInside(via, 'src/a.ts')).toBe(path.join(ws, 'src/a.ts'));
    expect(resolveInside(via, path.join(via, 'src/a.ts'))).toBe(path.join(ws, 'src/a.ts'));
  });

  it('refuses .. and absolute paths elsewhere', () => {
    expectRefused('../x', 'outside_workspace');
    expectRefused('src/../../x', 'outside_workspace');
    expectRefused('/etc/passwd', 'outside_workspace');
    expectRefused(path.join(outside, 'secret.txt'), 'outside_workspace');
    expect(refusal('../x').message).toMatch(/outside the workspace/);
  });

  it('refuses symlink escapes, for reading an existing file and for writing a new one', () => {
    fs.symlinkSync(outside, path.join(ws, 'linked-dir'));
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(ws, 'linked-file'));
    fs.symlinkSync(path.join(outside, 'not-yet'), path.join(ws, 'dangling'));
    fs.symlinkSync('/etc', path.join(ws, 'src/etc'));
    expectRefused('linked-dir/secret.txt', 'symlink_escape'); // read through a linked folder
    expectRefused('linked-file', 'symlink_escape'); // read a linked file
    expectRefused('linked-dir/new.txt', 'symlink_escape'); // write a new file under a linked folder
    expectRefused('linked-dir/new/deeper.txt', 'symlink_escape');
    expectRefused('dangling', 'symlink_escape'); // writing through it would create its target outside
    expectRefused('src/etc/passwd', 'symlink_escape');
    expect(refusal('linked-dir/new.txt').message).toMatch(/symbolic link .* outside the workspace/);
    // A chain of links that ends outside is caught too.
    fs.symlinkSync('linked-dir', path.join(ws, 'hop'));
    expectRefused('hop/secret.txt', 'symlink_escape');
    fs.symlinkSync('loop-b', path.join(ws, 'loop-a'));
    fs.symlinkSync('loop-a', path.join(ws, 'loop-b'));
    expectRefused('loop-a/x', 'invalid_path');
  });

  it('refuses .git, in any form', () => {
    expectRefused('.git/config', 'git_internals');
    expectRefused('.git', 'git_internals');
    expectRefused('.git/hooks/pre-commit', 'git_internals');
    expectRefused('vendor/lib/.git/config', 'git_internals');
    expectRefused('.GIT/config', 'git_internals');
    fs.symlinkSync('.git', path.join(ws, 'innocent'));
    expectRefused('innocent/config', 'git_internals');
    expect(refusal('.git/config').message).toMatch(/git's internal data/);
  });

  it('refuses empty paths and NUL bytes', () => {
    expect(refusal('').reason).toBe('invalid_path');
    expect(refusal('a\0b').reason).toBe('invalid_path');
  });
});

describe('sandboxedCommand without bubblewrap (sandbox: off)', () => {
  it('runs in the workspace with the scrubbed environment', async () => {
    process.env.GAFFER_TEST_SECRET = 'hunter2';
    try {
      const result = await sandboxedCommand(['sh', '-c', 'pwd; echo "secret=[$GAFFER_TEST_SECRET] extra=[$EXTRA]"; env'], {
        workspace: ws,
        env: { EXTRA: 'given' },
        sandbox: 'off',
      });
      expect(result.exitCode).toBe(0);
      expect(result.sandboxed).toBe(false);
      expect(result.sandboxNote).toBe("sandbox: 'off'");
      const out = result.stdout.toString();
      expect(out.split('\n')[0]).toBe(ws);
      expect(out).toContain('secret=[] extra=[given]');
      expect(out).not.toContain('hunter2');
    } finally {
      delete process.env.GAFFER_TEST_SECRET;
    }
  });

  it('is killed at its timeout, children included', async () => {
    const started = Date.now();
    const result = await sandboxedCommand(['sh', '-c', 'sleep 30 & sleep 30'], { workspace: ws, timeoutMs: 300, sandbox: 'off' });
    expect(result.stoppedBy).toBe('timeout');
    expect(result.exitCode).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it.skipIf(bwrap.available)("sandbox: 'required' refuses to run a command without bubblewrap", async () => {
    const marker = path.join(ws, 'ran.txt');
    await expect(sandboxedCommand(['sh', '-c', 'echo x > ran.txt'], { workspace: ws, sandbox: 'required' })).rejects.toThrow(/a sandbox is required/);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('refuses a workspace that does not exist, naming the field', async () => {
    await expect(sandboxedCommand(['true'], { workspace: path.join(ws, 'missing') })).rejects.toThrow(/^sandbox\.workspace: /);
  });
});

describe(`sandboxedCommand with bubblewrap${bwrap.available ? '' : ` — SKIPPED: ${bwrap.reason ?? 'bwrap unavailable'}`}`, () => {
  const run = (argv: string[], extra: Partial<Parameters<typeof sandboxedCommand>[1]> = {}) =>
    sandboxedCommand(argv, { workspace: ws, timeoutMs: 20_000, sandbox: 'required', ...extra });

  it.skipIf(!bwrap.available)('runs sandboxed in the workspace with the scrubbed environment; writing inside works', async () => {
    process.env.GAFFER_TEST_SECRET = 'hunter2';
    try {
      const result = await run(['sh', '-c', 'pwd; echo "secret=[$GAFFER_TEST_SECRET]"; echo made > made.txt; mkdir -p out && echo nested > out/n.txt']);
      expect(result.stderr.toString()).toBe('');
      expect(result.exitCode).toBe(0);
      expect(result.sandboxed).toBe(true);
      expect(result.argv).toEqual(['sh', '-c', expect.any(String)]);
      expect(result.stdout.toString()).toBe(`${ws}\nsecret=[]\n`);
      expect(fs.readFileSync(path.join(ws, 'made.txt'), 'utf8')).toBe('made\n');
      expect(fs.readFileSync(path.join(ws, 'out/n.txt'), 'utf8')).toBe('nested\n');
    } finally {
      delete process.env.GAFFER_TEST_SECRET;
    }
  });

  it.skipIf(!bwrap.available)('cannot write outside the workspace: $HOME, /root via /tmp/.., another folder, /usr, /etc', async () => {
    const home = os.homedir();
    const marker = `gaffer-escape-${process.pid}-${Date.now()}`;
    const targets = [path.join(home, marker), `/tmp/../root/${marker}`, path.join(outside, marker), `/usr/${marker}`, `/etc/${marker}`];
    try {
      for (const target of targets) {
        const result = await run(['sh', '-c', 'echo x > "$1"', 'sh', target]);
        expect(result.exitCode, `writing ${target}`).not.toBe(0);
        expect(fs.existsSync(target), `${target} on the host`).toBe(false);
      }
    } finally {
      for (const target of targets) fs.rmSync(target, { force: true }); // only there if the sandbox failed
    }
    // Writing under the sandbox's /tmp "works" but lands in its private tmpfs, not on the host.
    const tmpTarget = path.join(outside, 'via-tmp');
    const viaTmp = await run(['sh', '-c', 'echo x > /tmp/t && cat /tmp/t; echo y > "$1"', 'sh', tmpTarget]);
    expect(viaTmp.stdout.toString()).toBe('x\n');
    expect(fs.existsSync(tmpTarget)).toBe(false);
    // Capabilities are dropped: root inside cannot remount the read-only binds writable.
    const remounted = `/usr/${marker}-remounted`;
    try {
      const remount = await run(['sh', '-c', 'mount -o remount,bind,rw /usr && touch "$1"', 'sh', remounted]);
      expect(remount.exitCode).not.toBe(0);
      expect(fs.existsSync(remounted)).toBe(false);
    } finally {
      fs.rmSync(remounted, { force: true }); // only there if the sandbox failed
    }
    // Host files outside the binds do not exist inside, and /etc/shadow is hidden.
    const look = await run(['sh', '-c', `ls "${outside}" 2>&1; cat /etc/shadow | wc -c`]);
    expect(look.stdout.toString()).toMatch(/No such file or directory\n0\n$/);
  });

  it.skipIf(!bwrap.available)('keeps git internals read-only; read-only git commands work in a worktree', async () => {
    let fx: Fixture | undefined;
    try {
      fx = makeFixture();
      const w = await createWorkspace({ repo: fx.repo, taskId: 'bwrap-git', attempt: 1, root: fx.root });
      writeFile(w.path, 'README.md', '# changed\n');
      const status = await sandboxedCommand(['git', 'status', '--porcelain'], { workspace: w.path, sandbox: 'required' });
      expect(status.exitCode).toBe(0);
      expect(status.stdout.toString()).toBe(' M README.md\n');
      const commonDir = path.join(fx.repo, '.git');
      const tamper = await sandboxedCommand(['sh', '-c', 'echo "gitdir: /tmp/evil" > .git; echo "[core] fsmonitor = evil" >> "$1"', 'sh', path.join(commonDir, 'config')], {
        workspace: w.path,
        sandbox: 'required',
      });
      expect(tamper.exitCode).not.toBe(0);
      expect(fs.readFileSync(path.join(w.path, '.git'), 'utf8')).toMatch(/^gitdir: /);
      expect(fs.readFileSync(path.join(w.path, '.git'), 'utf8')).not.toContain('evil');
      expect(fs.readFileSync(path.join(commonDir, 'config'), 'utf8')).not.toContain('evil');
      expect((await w.diff()).files.map((f) => f.path)).toEqual(['README.md']);
    } finally {
      if (fx) removeFixture(fx);
    }
  });

  describe('network', () => {
    let server: net.Server;
    let port: number;
    beforeAll(async () => {
      server = net.createServer((socket) => socket.end('hello\n'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as net.AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });
    const connect = (): string[] => [
      'node',
      '-e',
      `require('net').connect(${port}, '127.0.0.1').on('data', (d) => { process.stdout.write(d); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(3); })`,
    ];

    it.skipIf(!bwrap.available)('is off by default (a host port is unreachable) and on with network: true', async () => {
      const off = await run(connect());
      expect(off.exitCode).toBe(3);
      expect(off.stdout.toString()).toBe('ECONNREFUSED\n');
      const on = await run(connect(), { network: true });
      expect(on.exitCode).toBe(0);
      expect(on.stdout.toString()).toBe('hello\n');
    });
  });

  it.skipIf(!bwrap.available)('is killed at its timeout, with everything it started', async () => {
    const started = Date.now();
    const result = await run(['sh', '-c', 'sleep 30 & sleep 30 & wait'], { timeoutMs: 300 });
    expect(result.stoppedBy).toBe('timeout');
    expect(result.sandboxed).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
