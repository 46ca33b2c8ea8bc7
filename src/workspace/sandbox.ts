/**
 * # The sandbox: how an agent is kept inside its workspace
 *
 * Two mechanisms, one for each way an agent touches the machine.
 *
 * ## File tools: `resolveInside(workspace, path)`
 *
 * Every path a file tool receives (read, write, list, edit...) goes through `resolveInside`
 * first, and the tool uses the path it returns. It refuses, with a `SandboxViolation` whose
 * message is meant for the model (the executor returns it as the tool's error):
 *
 * - paths that resolve outside the workspace: `../x`, `/etc/passwd`, `a/../../x`
 *   (`outside_workspace`);
 * - paths that are inside by name but reach outside through a symbolic link — an existing file
 *   behind a link, a new file under a linked folder, or a dangling link whose target would be
 *   created by writing through it (`symlink_escape`). Links that stay inside are fine;
 * - anything in a `.git` folder or the `.git` file of a worktree, at any depth and in any letter
 *   case: an agent must not rewrite git internals (hooks and config there are run by git outside
 *   the sandbox) (`git_internals`);
 * - empty paths and paths with NUL bytes (`invalid_path`).
 *
 * Real paths are used throughout: the workspace root and the deepest existing ancestor of the
 * requested path are passed through realpath, and dangling links are followed by hand, so a file
 * that does not exist yet is judged by where it would really be written. The check happens when the
 * tool is called; a command running at the same moment could swap a folder for a link in between
 * (with bubblewrap that command cannot write outside the workspace anyway).
 *
 * ## Commands: `sandboxedCommand(argv, { workspace, ... })`
 *
 * Always: argv without a shell, cwd = the workspace, the scrubbed environment (the allow-list in
 * runCommand.ts; secrets in Gaffer's own environment never reach the command), a time limit that
 * kills the whole process group, and output caps. The result says whether it ran sandboxed.
 *
 * When bubblewrap (`bwrap`) is on PATH and works here (checked once per process by running it),
 * the command also runs in its own mount, pid, ipc, uts, cgroup and network namespaces where:
 *
 * | path                          | inside the sandbox                                          |
 * |-------------------------------|-------------------------------------------------------------|
 * | the workspace                 | read-write — the only writable host path                   |
 * | `<workspace>/.git`            | read-only (a worktree's `.git` file, or a clone's folder)   |
 * | the repository's git dir      | read-only, so `git status/diff/log` work; `git add/commit` fail |
 * | /usr, /bin, /sbin, /lib*      | read-only (merged-/usr links recreated as links)            |
 * | /etc                          | read-only, with /etc/shadow, /etc/gshadow and SSH host keys hidden |
 * | /tmp                          | an empty tmpfs, discarded at exit (TMPDIR=/tmp)             |
 * | /proc, /dev                   | the sandbox's own (its processes only; null, zero, urandom, tty...) |
 * | `readOnlyPaths` option        | read-only (e.g. a toolchain under /opt)                     |
 * | everything else (/home, /root, $HOME, /var, /srv, /run...) | absent               |
 *
 * and: every capability dropped (`--cap-drop ALL`; measured here: without it, root inside the
 * sandbox can `mount -o remount,rw /usr` and write to the host), a new session (no terminal
 * injection), killed when Gaffer dies (`--die-with-parent`). **Network is off by default**
 * (`--unshare-net`: only a private loopback); `network: true` shares the host network — for
 * specs that must install packages — and then binds the resolver's folder when /etc/resolv.conf
 * is a link into /run. `$HOME` does not exist inside: a tool that needs a writable home can be
 * given `env: { HOME: '/tmp' }` (discarded at exit). Toolchains installed under $HOME (nvm, cargo,
 * pyenv) are not visible unless passed in `readOnlyPaths`.
 *
 * Without bubblewrap (not installed, or it cannot create namespaces here, e.g. in a container
 * without user namespaces, or on macOS), the same argv runs directly: file tools are still
 * confined by `resolveInside`, but commands are confined only by cwd, the scrubbed environment and
 * the time and output caps — a command can write anywhere the Gaffer user can. `sandbox:
 * 'required'` refuses to run a command then instead; `sandbox: 'off'` never uses bubblewrap.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GafferError } from '../errors.js';
import { runCommand, scrubbedEnv, type CommandResult } from '../executor/runCommand.js';

export const SANDBOX_VIOLATION_REASONS = ['outside_workspace', 'symlink_escape', 'git_internals', 'invalid_path'] as const;
export type SandboxViolationReason = (typeof SANDBOX_VIOLATION_REASONS)[number];

/** A path a file tool asked for that the sandbox refuses; the message is written for the model. */
export class SandboxViolation extends Error {
  readonly reason: SandboxViolationReason;
  readonly requestedPath: string;

  constructor(reason: SandboxViolationReason, requestedPath: string, message: string) {
    super(message);
    this.name = 'SandboxViolation';
    this.reason = reason;
    this.requestedPath = requestedPath;
  }
}

/** Symbolic links followed by hand for one path before it counts as a loop (Linux allows 40). */
const MAX_SYMLINK_HOPS = 40;

function isWithin(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function hasGitSegment(relative: string): boolean {
  return relative.split(path.sep).some((segment) => segment.toLowerCase() === '.git');
}

/**
 * The real path of `abs`, which may not exist yet: realpath of its deepest existing ancestor plus
 * the missing rest. A dangling link on the way is followed (writing through it creates its target).
 */
function realpathAllowingMissing(abs: string, requested: string, hops = 0): string {
  if (hops > MAX_SYMLINK_HOPS) {
    throw new SandboxViolation('invalid_path', requested, `refused path '${requested}': too many levels of symbolic links`);
  }
  const missing: string[] = [];
  let current = abs;
  for (;;) {
    try {
      return path.join(fs.realpathSync.native(current), ...[...missing].reverse());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') {
        throw new SandboxViolation('invalid_path', requested, `refused path '${requested}': too many levels of symbolic links`);
      }
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    }
    let link: string | null = null;
    try {
      if (fs.lstatSync(current).isSymbolicLink()) link = fs.readlinkSync(current);
    } catch {
      // does not exist at all: go up
    }
    if (link !== null) {
      const dir = fs.realpathSync.native(path.dirname(current));
      return realpathAllowingMissing(path.resolve(dir, link, ...[...missing].reverse()), requested, hops + 1);
    }
    const parent = path.dirname(current);
    if (parent === current) return path.join(current, ...[...missing].reverse());
    missing.push(path.basename(current));
    current = parent;
  }
}

/**
 * The real path of `requestedPath` (relative to the workspace root, or absolute) if it lies inside
 * the workspace and outside `.git`; otherwise throws a SandboxViolation saying what and why.
 */
export function resolveInside(workspaceRoot: string, requestedPath: string): string {
  if (typeof requestedPath !== 'string' || requestedPath === '') {
    throw new SandboxViolation('invalid_path', String(requestedPath), 'refused an empty path: give a path inside the workspace');
  }
  if (requestedPath.includes('\0')) {
    throw new SandboxViolation('invalid_path', requestedPath, `refused path '${requestedPath.replace(/\0/g, '\\0')}': it contains a NUL byte`);
  }
  const root = fs.realpathSync.native(workspaceRoot);
  const lexical = path.resolve(root, requestedPath);
  const lexicalInside = isWithin(root, lexical) || isWithin(path.resolve(workspaceRoot), path.resolve(workspaceRoot, requestedPath));
  if (!lexicalInside) {
    throw new SandboxViolation(
      'outside_workspace',
      requestedPath,
      `refused path '${requestedPath}': it is outside the workspace; only files inside the workspace can be used — give a path relative to the workspace root`,
    );
  }
  const real = realpathAllowingMissing(lexical, requestedPath);
  if (!isWithin(root, real)) {
    throw new SandboxViolation(
      'symlink_escape',
      requestedPath,
      `refused path '${requestedPath}': a symbolic link on the way leads outside the workspace; links may only point inside the workspace`,
    );
  }
  if (hasGitSegment(path.relative(root, real)) || hasGitSegment(path.relative(root, lexical))) {
    throw new SandboxViolation(
      'git_internals',
      requestedPath,
      `refused path '${requestedPath}': it is inside .git, git's internal data, which agents may not read or change; work on the project's files instead`,
    );
  }
  return real;
}

// ---------------------------------------------------------------------------------------------
// bubblewrap

export interface BubblewrapStatus {
  available: boolean;
  /** The bwrap binary, when found on PATH. */
  path?: string;
  /** Why it is not used, when it is not. */
  reason?: string;
}

let detection: Promise<BubblewrapStatus> | undefined;

/** Finds bwrap on PATH and checks once per process that it can build the sandbox here. */
export function detectBubblewrap(): Promise<BubblewrapStatus> {
  detection ??= probeBubblewrap();
  return detection;
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function probeBubblewrap(): Promise<BubblewrapStatus> {
  const bwrap = findOnPath('bwrap');
  if (!bwrap) return { available: false, reason: 'bwrap (bubblewrap) is not installed or not on PATH' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-bwrap-probe-'));
  try {
    const real = fs.realpathSync(dir);
    const result = await runCommand([bwrap, ...bubblewrapArgs(real), '--', 'true'], { cwd: real, env: scrubbedEnv(), timeoutMs: 10_000 });
    if (result.exitCode === 0) return { available: true, path: bwrap };
    const stderr = result.stderr.toString('utf8').trim();
    return { available: false, path: bwrap, reason: `bwrap cannot create a sandbox here: ${stderr || `exit ${result.exitCode ?? result.signal}`}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface BubblewrapOptions {
  /** Share the host network. Default false: the sandbox has only its own loopback. */
  network?: boolean;
  /** Extra host paths mounted read-only (toolchains outside /usr). Missing ones are skipped. */
  readOnlyPaths?: readonly string[];
}

/** /etc files that the sandboxed command has no business reading; hidden behind /dev/null. */
const ETC_SECRETS = ['/etc/shadow', '/etc/shadow-', '/etc/gshadow', '/etc/gshadow-', '/etc/sudoers'];

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** The git common dir of a worktree whose `.git` is a file (`gitdir: ...`), if any. */
function worktreeCommonDir(workspace: string): string | undefined {
  try {
    const dotGit = path.join(workspace, '.git');
    if (!fs.lstatSync(dotGit).isFile()) return undefined;
    const match = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(dotGit, 'utf8'));
    if (!match) return undefined;
    const gitDir = path.resolve(workspace, match[1]!.trim());
    const commonFile = path.join(gitDir, 'commondir');
    const common = fs.existsSync(commonFile) ? path.resolve(gitDir, fs.readFileSync(commonFile, 'utf8').trim()) : gitDir;
    return fs.realpathSync(common);
  } catch {
    return undefined;
  }
}

/** The bwrap arguments (before `--` and the command) that confine a command to `workspace` (a real path). */
export function bubblewrapArgs(workspace: string, options: BubblewrapOptions = {}): string[] {
  const args = ['--unshare-all'];
  if (options.network) args.push('--share-net');
  args.push('--die-with-parent', '--new-session', '--cap-drop', 'ALL');
  args.push('--ro-bind', '/usr', '/usr');
  for (const dir of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(dir);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push('--symlink', fs.readlinkSync(dir), dir);
    else if (stat.isDirectory()) args.push('--ro-bind', dir, dir);
  }
  args.push('--ro-bind', '/etc', '/etc');
  const sshHostKeys = exists('/etc/ssh') ? fs.readdirSync('/etc/ssh').filter((f) => /^ssh_host_.*_key$/.test(f)).map((f) => `/etc/ssh/${f}`) : [];
  for (const secret of [...ETC_SECRETS, ...sshHostKeys]) {
    if (exists(secret) && fs.lstatSync(secret).isFile()) args.push('--ro-bind', '/dev/null', secret);
  }
  if (options.network && fs.lstatSync('/etc/resolv.conf', { throwIfNoEntry: false })?.isSymbolicLink()) {
    const target = path.dirname(fs.realpathSync('/etc/resolv.conf'));
    if (!target.startsWith('/etc/') && !target.startsWith('/usr/')) args.push('--ro-bind-try', target, target);
  }
  args.push('--tmpfs', '/tmp', '--proc', '/proc', '--dev', '/dev');
  const readOnly = [...(options.readOnlyPaths ?? [])];
  const common = worktreeCommonDir(workspace);
  if (common) readOnly.push(common);
  for (const p of readOnly) {
    if (!exists(p)) continue;
    const real = fs.realpathSync(p);
    args.push('--ro-bind', real, real);
  }
  // Last, so the workspace stays writable even under a read-only path; then its .git read-only
  // again: a command that repointed a worktree's .git file, or rewrote .git/config or hooks, would
  // make Gaffer's own git calls (outside the sandbox) run its code.
  args.push('--bind', workspace, workspace);
  const dotGit = path.join(workspace, '.git');
  if (exists(dotGit)) args.push('--ro-bind', dotGit, dotGit);
  args.push('--chdir', workspace);
  return args;
}

// ---------------------------------------------------------------------------------------------
// commands

export const SANDBOX_MODES = ['auto', 'required', 'off'] as const;
export type SandboxMode = (typeof SANDBOX_MODES)[number];

export interface SandboxedCommandOptions extends BubblewrapOptions {
  /** The folder the command runs in and may write to. */
  workspace: string;
  timeoutMs?: number;
  /** Per stream; see runCommand. */
  maxOutputBytes?: number;
  signal?: AbortSignal;
  /** Variables added to the scrubbed environment (the allow-list in runCommand.ts). */
  env?: Record<string, string>;
  stdin?: string;
  /** `auto` (default): bubblewrap when it works; `required`: refuse without it; `off`: never. */
  sandbox?: SandboxMode;
}

export interface SandboxedCommandResult extends CommandResult {
  /** The command as asked for (`CommandResult.argv` is this too; the bwrap wrapper is not shown). */
  argv: string[];
  /** Whether it ran inside bubblewrap. */
  sandboxed: boolean;
  /** When not sandboxed: why. */
  sandboxNote?: string;
}

export async function sandboxedCommand(argv: readonly string[], options: SandboxedCommandOptions): Promise<SandboxedCommandResult> {
  if (argv.length === 0 || !argv[0]) {
    throw new GafferError('VALIDATION_FAILED', 'argv: is empty; give the program and its arguments', {
      details: { issues: [{ path: 'argv', message: 'is empty' }] },
    });
  }
  let workspace: string;
  try {
    workspace = fs.realpathSync(options.workspace);
    if (!fs.statSync(workspace).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new GafferError('VALIDATION_FAILED', `sandbox.workspace: '${options.workspace}' is not an existing folder`, {
      details: { issues: [{ path: 'sandbox.workspace', message: 'is not an existing folder' }] },
    });
  }
  const mode = options.sandbox ?? 'auto';
  const bwrap: BubblewrapStatus = mode === 'off' ? { available: false, reason: "sandbox: 'off'" } : await detectBubblewrap();
  if (mode === 'required' && !bwrap.available) {
    throw new GafferError('INTERNAL', `a sandbox is required but cannot be used: ${bwrap.reason ?? 'unknown'}; install bubblewrap or allow unsandboxed commands`, {
      details: { bubblewrap: bwrap },
    });
  }
  const common = {
    cwd: workspace,
    timeoutMs: options.timeoutMs,
    maxOutputBytes: options.maxOutputBytes,
    signal: options.signal,
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
  };
  if (bwrap.available && bwrap.path) {
    // The host's TMPDIR does not exist inside; /tmp is the sandbox's own tmpfs.
    const env = scrubbedEnv({ ...options.env, TMPDIR: '/tmp' });
    const wrapped = [bwrap.path, ...bubblewrapArgs(workspace, options), '--', ...argv];
    const result = await runCommand(wrapped, { ...common, env });
    return { ...result, argv: [...argv], sandboxed: true };
  }
  const result = await runCommand(argv, { ...common, env: scrubbedEnv(options.env) });
  return { ...result, sandboxed: false, sandboxNote: bwrap.reason ?? 'bubblewrap is not available' };
}
