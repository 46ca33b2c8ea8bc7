/**
 * Running git for the workspace layer: argv through runCommand (no shell), `git -C <dir>`, a
 * scrubbed environment, and settings that keep Gaffer's own git calls independent of whatever the
 * repository or the user's configuration says:
 *
 * - `core.hooksPath=/dev/null`: no repository hook (post-checkout, pre-commit...) runs in Gaffer's
 *   unsandboxed process; verification is the acceptance step's job, not a hook's.
 * - `GIT_TERMINAL_PROMPT=0`: a clone that needs credentials fails instead of waiting for a person.
 * - `LC_ALL=C`: messages in English, so errors read the same everywhere (they are shown, never
 *   matched on).
 *
 * SSH agent and SSH command variables pass through so private `git@host:` URLs can be cloned.
 */
import { GafferError } from '../errors.js';
import { runCommand, scrubbedEnv, type CommandResult } from '../executor/runCommand.js';

/** Local git operations (worktree add, diff, commit) on a big repository stay well inside this. */
export const GIT_LOCAL_TIMEOUT_MS = 5 * 60_000;
/** Clone and fetch of a remote repository. */
export const GIT_NETWORK_TIMEOUT_MS = 15 * 60_000;
/** Output cap for ordinary git calls (a patch has its own, larger cap). */
const GIT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

const PASS_THROUGH = ['SSH_AUTH_SOCK', 'GIT_SSH', 'GIT_SSH_COMMAND', 'GIT_ASKPASS', 'SSH_ASKPASS'] as const;

export interface GitIdentity {
  name: string;
  email: string;
}

export const DEFAULT_GIT_IDENTITY: GitIdentity = { name: 'Gaffer', email: 'gaffer@localhost' };

export function gitEnv(extra: Record<string, string> = {}): Record<string, string> {
  const passed: Record<string, string> = {};
  for (const name of PASS_THROUGH) {
    const value = process.env[name];
    if (value !== undefined) passed[name] = value;
  }
  return scrubbedEnv({ ...passed, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...extra });
}

export interface GitOptions {
  env?: Record<string, string>;
  stdin?: string;
  timeoutMs?: number;
  maxOutputBytes?: number;
}

/** Runs `git -C <dir> <args>`; resolves with the result whatever the exit code. */
export function git(dir: string, args: readonly string[], options: GitOptions = {}): Promise<CommandResult> {
  return runCommand(['git', '-c', 'core.hooksPath=/dev/null', '-C', dir, ...args], {
    cwd: dir,
    env: gitEnv(options.env),
    timeoutMs: options.timeoutMs ?? GIT_LOCAL_TIMEOUT_MS,
    maxOutputBytes: options.maxOutputBytes ?? GIT_MAX_OUTPUT_BYTES,
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
  });
}

/** Runs git and returns its stdout; a non-zero exit is an INTERNAL error saying what failed. */
export async function gitOk(dir: string, args: readonly string[], what: string, options: GitOptions = {}): Promise<string> {
  const result = await git(dir, args, options);
  if (result.exitCode !== 0) throw gitFailure(what, result);
  return result.stdout.toString('utf8');
}

export function gitFailure(what: string, result: CommandResult, code: 'INTERNAL' | 'CONFLICT' = 'INTERNAL'): GafferError {
  const stderr = result.stderr.toString('utf8').trim();
  const why = result.stoppedBy === 'timeout' ? 'timed out' : `exited with ${result.exitCode ?? result.signal}`;
  return new GafferError(code, `${what} failed: git ${why}${stderr ? `: ${lastLines(stderr, 5)}` : ''}`, {
    details: { command: redactArgv(result.argv), exitCode: result.exitCode, stderr: lastLines(stderr, 20) },
  });
}

function lastLines(text: string, n: number): string {
  return text.split('\n').slice(-n).join('\n');
}

/** Drops `user:password@` from URLs so credentials in a repository URL never reach an error. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1***@');
}

function redactArgv(argv: readonly string[]): string[] {
  return argv.map(redactUrl);
}
