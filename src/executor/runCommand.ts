/**
 * Running one command as argv — never through a shell, so no input can inject a command — with a
 * scrubbed environment, a time limit and output caps. Output beyond the cap is not kept in
 * memory; the result says how much was dropped. Aborting (signal) sends SIGTERM to the command's
 * process group, then SIGKILL after KILL_GRACE_MS.
 */
import { spawn } from 'node:child_process';

export const DEFAULT_MAX_OUTPUT_BYTES = 8 * 1024 * 1024;
export const KILL_GRACE_MS = 2_000;

/** Environment variables passed through to commands; everything else (keys, tokens) is dropped. */
export const ENV_ALLOW_LIST = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TERM', 'TZ', 'TMPDIR', 'USER', 'SHELL', 'NODE_OPTIONS', 'CI'] as const;

export function scrubbedEnv(extra: Record<string, string> = {}, source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ENV_ALLOW_LIST) {
    const value = source[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}

export interface CommandResult {
  argv: string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
  /** Bytes dropped beyond maxOutputBytes, per stream. */
  droppedStdout: number;
  droppedStderr: number;
  durationMs: number;
  /** Why the command was stopped early, if it was. */
  stoppedBy?: 'timeout' | 'abort';
  /** Set when the program could not be started at all (ENOENT...). */
  spawnError?: string;
}

export interface RunCommandOptions {
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  maxOutputBytes?: number;
  signal?: AbortSignal;
  stdin?: string;
}

export function runCommand(argv: readonly string[], options: RunCommandOptions = {}): Promise<CommandResult> {
  const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const started = performance.now();
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let droppedStdout = 0;
    let droppedStderr = 0;
    let stoppedBy: CommandResult['stoppedBy'];
    let killTimer: NodeJS.Timeout | undefined;
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env: options.env ?? scrubbedEnv(),
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      // Own process group, so a stop reaches the command's children too.
      detached: true,
    });
    const stop = (why: 'timeout' | 'abort'): void => {
      if (stoppedBy || child.exitCode !== null) return;
      stoppedBy = why;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    const timer = options.timeoutMs ? setTimeout(() => stop('timeout'), options.timeoutMs) : undefined;
    const onAbort = (): void => stop('abort');
    if (options.signal?.aborted) queueMicrotask(onAbort);
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout!.on('data', (chunk: Buffer) => {
      const room = max - outBytes;
      if (room > 0) out.push(chunk.subarray(0, room));
      outBytes += Math.min(room > 0 ? room : 0, chunk.length);
      droppedStdout += Math.max(0, chunk.length - Math.max(room, 0));
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      const room = max - errBytes;
      if (room > 0) err.push(chunk.subarray(0, room));
      errBytes += Math.min(room > 0 ? room : 0, chunk.length);
      droppedStderr += Math.max(0, chunk.length - Math.max(room, 0));
    });
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
    let spawnError: string | undefined;
    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = e.code === 'ENOENT' ? `${argv[0]}: command not found` : e.message;
    });
    child.on('close', (exitCode, signal) => {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({
        argv: [...argv],
        exitCode: spawnError ? (spawnError.endsWith('not found') ? 127 : null) : exitCode,
        signal,
        stdout: Buffer.concat(out),
        stderr: spawnError ? Buffer.concat([...err, Buffer.from(`${spawnError}\n`)]) : Buffer.concat(err),
        droppedStdout,
        droppedStderr,
        durationMs: Math.round(performance.now() - started),
        ...(stoppedBy ? { stoppedBy } : {}),
        ...(spawnError ? { spawnError } : {}),
      });
    });
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
