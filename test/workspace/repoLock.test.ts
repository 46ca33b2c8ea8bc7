import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGafferError } from '../../src/errors.js';
import { withRepoLock } from '../../src/workspace/repoLock.js';
import { tempDir } from './gitFixture.js';

let dir: string;
let lockPath: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = tempDir('lock');
  lockPath = path.join(dir, 'repo.lock');
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

function sleeper(): ChildProcess {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

function writeLock(owner: { pid: number; host: string; token: string }): void {
  fs.writeFileSync(lockPath, JSON.stringify({ ...owner, acquiredAt: new Date().toISOString() }));
}

describe('repository lock', () => {
  it('lets one holder in at a time within a process', async () => {
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        withRepoLock(lockPath, async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((resolve) => setImmediate(resolve));
          order.push(i);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i)); // first come, first served
    expect(fs.existsSync(lockPath)).toBe(false);
  });

  it('waits for a live holder in another process and times out with CONFLICT naming it', async () => {
    const holder = sleeper();
    writeLock({ pid: holder.pid!, host: os.hostname(), token: 'other-process' });
    let ran = false;
    const err = await withRepoLock(lockPath, async () => {
      ran = true;
    }, 300).catch((e: unknown) => e);
    expect(isGafferError(err, 'CONFLICT')).toBe(true);
    expect((err as Error).message).toContain(`held by pid ${holder.pid}`);
    expect(ran).toBe(false);
    expect(fs.existsSync(lockPath)).toBe(true);
  });

  it('takes over once the holding process dies (stale lock by pid)', async () => {
    const holder = sleeper();
    writeLock({ pid: holder.pid!, host: os.hostname(), token: 'other-process' });
    let ranAt = 0;
    const waiting = withRepoLock(lockPath, async () => {
      ranAt = Date.now();
    }, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ranAt).toBe(0); // still waiting while the holder lives
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    await waiting;
    expect(ranAt).toBeGreaterThanOrEqual(killedAt);
    expect(fs.existsSync(lockPath)).toBe(false);
  });

  it('breaks a lock left by a dead pid, or by an earlier process with our pid, at once', async () => {
    const deadPid = spawnSync('true').pid!;
    writeLock({ pid: deadPid, host: os.hostname(), token: 'gone' });
    expect(await withRepoLock(lockPath, async () => 'dead pid', 2_000)).toBe('dead pid');
    writeLock({ pid: process.pid, host: os.hostname(), token: 'an-earlier-process-with-our-pid' });
    expect(await withRepoLock(lockPath, async () => 'reused pid', 2_000)).toBe('reused pid');
  });

  it('never breaks a lock held on another host', async () => {
    writeLock({ pid: 999_999_999, host: `not-${os.hostname()}`, token: 'remote' });
    const err = await withRepoLock(lockPath, async () => 'ran', 300).catch((e: unknown) => e);
    expect(isGafferError(err, 'CONFLICT')).toBe(true);
  });

  it('excludes holders across processes (no interleaved critical sections)', async () => {
    const log = path.join(dir, 'log.txt');
    const script = path.join(dir, 'hold.mts');
    fs.writeFileSync(
      script,
      `import fs from 'node:fs';\nimport { withRepoLock } from ${JSON.stringify(path.resolve('src/workspace/repoLock.ts'))};\n` +
        `const [lockPath, log] = process.argv.slice(2);\n` +
        `for (let i = 0; i < 15; i++) {\n` +
        `  await withRepoLock(lockPath, async () => {\n` +
        `    fs.appendFileSync(log, 'start ' + process.pid + '\\n');\n` +
        `    await new Promise((r) => setTimeout(r, 3));\n` +
        `    fs.appendFileSync(log, 'end ' + process.pid + '\\n');\n` +
        `  });\n` +
        `}\n`,
    );
    const tsx = path.resolve('node_modules/.bin/tsx');
    const codes = await Promise.all(
      [1, 2, 3, 4].map(
        () =>
          new Promise<number | null>((resolve) => {
            const child = spawn(tsx, [script, lockPath, log], { stdio: 'inherit' });
            child.on('close', resolve);
          }),
      ),
    );
    expect(codes).toEqual([0, 0, 0, 0]);
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(4 * 15 * 2);
    for (let i = 0; i < lines.length; i += 2) {
      const [start, end] = [lines[i]!.split(' '), lines[i + 1]!.split(' ')];
      expect([start[0], end[0], end[1]]).toEqual(['start', 'end', start[1]]);
    }
    expect(new Set(lines.map((l) => l.split(' ')[1])).size).toBe(4);
  });
});
