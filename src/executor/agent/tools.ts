/**
 * The agent's standard tools and the policy that gates them.
 *
 * Each tool declares its risk (read | write | execute). The mode (observe | propose | autonomous)
 * decides what may run:
 *
 * - observe: read tools and `finish` only;
 * - propose: reads; writes go to an in-memory overlay (`ProposalOverlay`) instead of the
 *   workspace, and reads see the overlay; commands only from a read-only allow-list
 *   (`readOnlyCommandDenial`). Commands run against the real workspace, so they do not see the
 *   proposed content;
 * - autonomous: everything, inside the sandbox.
 *
 * Every path goes through `resolveInside`; a `SandboxViolation` becomes a tool error whose text is
 * the violation's message (written for the model). A refused call throws `ToolDenied`, which the
 * executor records as `tool_result.denied` and returns to the model as an error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { matchesAny } from '../../acceptance/glob.js';
import type { Mode } from '../../db/vocabulary.js';
import { runCommand, scrubbedEnv } from '../runCommand.js';
import { resolveInside, sandboxedCommand, SandboxViolation } from '../../workspace/sandbox.js';

export const TOOL_RISKS = ['read', 'write', 'execute'] as const;
export type ToolRisk = (typeof TOOL_RISKS)[number];

/** Bytes of a file `read_file` returns before cutting it off. */
export const MAX_READ_BYTES = 256 * 1024;
/** Entries `list_files` returns at most. */
export const MAX_LIST_ENTRIES = 1_000;
/** Matching lines `search_files` returns at most. */
export const MAX_SEARCH_MATCHES = 200;
/** Files bigger than this are skipped by `search_files`. */
export const MAX_SEARCH_FILE_BYTES = 1024 * 1024;
/** Default and maximum time a `run_command` may take, ms. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;
export const MAX_COMMAND_TIMEOUT_MS = 600_000;
/** Output kept per stream of a command and returned to the model (its tail), bytes. */
export const MAX_COMMAND_OUTPUT_BYTES = 1024 * 1024;
export const COMMAND_OUTPUT_TAIL_BYTES = 16 * 1024;

/** A call refused by policy (mode, allowedTools, the read-only command list); the message is for the model. */
export class ToolDenied extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolDenied';
  }
}

/** A tool failing in an ordinary way (file not found, search text not unique); the message is for the model. */
export class ToolFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolFailure';
  }
}

/**
 * Proposed writes (propose mode): workspace-relative path → new content. The proposed patch is
 * made at the end with `git diff --no-index` between each real file (or /dev/null) and its
 * proposed content written to a scratch file, with the headers rewritten to the relative path; so
 * it works in a scratch folder without git history too, and never touches the workspace.
 */
export class ProposalOverlay {
  readonly files = new Map<string, string>();

  get(rel: string): string | undefined {
    return this.files.get(rel);
  }

  set(rel: string, content: string): void {
    this.files.set(rel, content);
  }

  /** A unified diff of every proposed write against the workspace (empty when nothing changes). */
  async patch(root: string, scratchDir: string): Promise<string> {
    const parts: string[] = [];
    fs.mkdirSync(scratchDir, { recursive: true });
    let n = 0;
    for (const [rel, content] of [...this.files.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const real = path.join(root, rel);
      const exists = fs.existsSync(real);
      const proposed = path.join(scratchDir, `proposed-${n++}`);
      fs.writeFileSync(proposed, content);
      const result = await runCommand(['git', 'diff', '--no-index', '--no-color', '--no-ext-diff', '--', exists ? real : '/dev/null', proposed], {
        cwd: scratchDir,
        env: scrubbedEnv(),
      });
      const text = result.stdout.toString('utf8');
      const hunkAt = text.indexOf('\n@@');
      if (result.exitCode !== 1 || hunkAt < 0) continue; // 0: unchanged
      const header = [`diff --git a/${rel} b/${rel}`, ...(exists ? [] : ['new file mode 100644']), exists ? `--- a/${rel}` : '--- /dev/null', `+++ b/${rel}`];
      parts.push(`${header.join('\n')}${text.slice(hunkAt)}`);
    }
    return parts.join('');
  }
}

export interface ToolEnv {
  /** The workspace folder (a real path). */
  root: string;
  mode: Mode;
  /** Set in propose mode. */
  overlay?: ProposalOverlay;
  /** The spec's toolPolicy.allowedPaths: globs (workspace-relative) that writes must match. */
  allowedPaths?: readonly string[];
  /** The spec's toolPolicy.forbiddenPatterns: no write may contain, and no command match, these. */
  forbiddenPatterns?: readonly RegExp[];
  signal: AbortSignal;
}

export interface AgentTool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  risk: ToolRisk;
  inputSchema: S;
  /** Returns the text given back to the model; throws ToolFailure / ToolDenied / SandboxViolation for errors. */
  run(args: z.output<S>, env: ToolEnv): Promise<string>;
}

function defineTool<S extends z.ZodType>(tool: AgentTool<S>): AgentTool {
  return tool as unknown as AgentTool;
}

function inside(env: ToolEnv, requested: string): { abs: string; rel: string } {
  const abs = resolveInside(env.root, requested);
  return { abs, rel: path.relative(env.root, abs) };
}

function readText(env: ToolEnv, requested: string): { abs: string; rel: string; content: string } {
  const { abs, rel } = inside(env, requested);
  const proposed = env.overlay?.get(rel);
  if (proposed !== undefined) return { abs, rel, content: proposed };
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    throw new ToolFailure(`file '${requested}' does not exist`);
  }
  if (!stat.isFile()) throw new ToolFailure(`'${requested}' is not a file`);
  return { abs, rel, content: fs.readFileSync(abs, 'utf8') };
}

function writeText(env: ToolEnv, abs: string, rel: string, content: string): void {
  if (env.allowedPaths && !matchesAny(rel, env.allowedPaths)) {
    throw new ToolDenied(`writing ${rel} is not allowed: the spec's tool policy allows writes only to ${env.allowedPaths.join(', ')}`);
  }
  const forbidden = env.forbiddenPatterns?.find((p) => p.test(content));
  if (forbidden) throw new ToolDenied(`the new content of ${rel} matches the forbidden pattern /${forbidden.source}/ of the spec's tool policy`);
  if (env.overlay) {
    env.overlay.set(rel, content);
    return;
  }
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, content);
}

/** Files under `dir` (relative to root), skipping .git and node_modules, plus overlay files in propose mode. */
function walk(env: ToolEnv, dir: string, limit: number): string[] {
  const out = new Set<string>();
  const stack = [dir];
  while (stack.length > 0 && out.size < limit) {
    const current = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.name === '.git' || e.name === 'node_modules') continue;
      const abs = path.join(current, e.name);
      if (e.isDirectory()) stack.push(abs);
      else out.add(path.relative(env.root, abs));
      if (out.size >= limit) break;
    }
  }
  const relDir = path.relative(env.root, dir);
  for (const rel of env.overlay?.files.keys() ?? []) {
    if (relDir === '' || rel.startsWith(relDir + path.sep)) out.add(rel);
  }
  return [...out].sort();
}

const GIT_READ_ONLY = new Set(['status', 'diff', 'log', 'show']);
const READ_ONLY_PROGRAMS = new Set(['ls', 'cat', 'grep', 'rg', 'find', 'git', 'head', 'tail', 'wc', 'pwd']);
const FIND_WRITE_FLAGS = new Set(['-exec', '-execdir', '-ok', '-okdir', '-delete', '-fprint', '-fprint0', '-fprintf', '-fls']);

/** Why a command is not on the propose-mode read-only allow-list, or null when it is. */
export function readOnlyCommandDenial(argv: readonly string[]): string | null {
  const [program, ...args] = argv;
  const allowed = 'ls, cat, grep, rg, find (without -exec/-delete), head, tail, wc, pwd, git status|diff|log|show';
  if (!program || !READ_ONLY_PROGRAMS.has(program)) return `'${program ?? ''}' is not allowed in propose mode; read-only commands only: ${allowed}`;
  if (program === 'git') {
    if (!args[0] || !GIT_READ_ONLY.has(args[0])) return `'git ${args[0] ?? ''}' is not allowed in propose mode; only git status|diff|log|show`;
    if (args.some((a) => a.startsWith('--output'))) return 'git --output writes a file; not allowed in propose mode';
  }
  if (program === 'find' && args.some((a) => FIND_WRITE_FLAGS.has(a))) return `find with ${args.find((a) => FIND_WRITE_FLAGS.has(a)) ?? ''} is not allowed in propose mode`;
  if (program === 'rg' && args.some((a) => a === '--pre' || a.startsWith('--pre='))) return 'rg --pre runs a program; not allowed in propose mode';
  return null;
}

function tail(buf: Buffer, bytes = COMMAND_OUTPUT_TAIL_BYTES): string {
  const cut = buf.length > bytes;
  const text = buf.subarray(Math.max(0, buf.length - bytes)).toString('utf8');
  return cut ? `[... ${buf.length - bytes} bytes cut ...]\n${text}` : text;
}

export const STANDARD_TOOLS: readonly AgentTool[] = [
  defineTool({
    name: 'read_file',
    description: 'Read a text file of the workspace. Paths are relative to the workspace root.',
    risk: 'read',
    inputSchema: z.object({ path: z.string() }),
    async run(args, env) {
      const { content } = readText(env, args.path);
      return content.length > MAX_READ_BYTES ? `${content.slice(0, MAX_READ_BYTES)}\n[... cut at ${MAX_READ_BYTES} bytes ...]` : content;
    },
  }),
  defineTool({
    name: 'list_files',
    description: `List the files under a folder of the workspace (recursive, skips .git and node_modules, at most ${MAX_LIST_ENTRIES}).`,
    risk: 'read',
    inputSchema: z.object({ path: z.string().default('.') }),
    async run(args, env) {
      const { abs } = inside(env, args.path);
      const files = walk(env, abs, MAX_LIST_ENTRIES);
      return files.length === 0 ? '(no files)' : files.join('\n');
    },
  }),
  defineTool({
    name: 'search_files',
    description: `Search the workspace's files for a regular expression; returns path:line:text, at most ${MAX_SEARCH_MATCHES} matches.`,
    risk: 'read',
    inputSchema: z.object({ pattern: z.string(), path: z.string().default('.') }),
    async run(args, env) {
      let re: RegExp;
      try {
        re = new RegExp(args.pattern);
      } catch (err) {
        throw new ToolFailure(`invalid regular expression: ${err instanceof Error ? err.message : String(err)}`);
      }
      const { abs } = inside(env, args.path);
      const matches: string[] = [];
      for (const rel of walk(env, abs, 10_000)) {
        const proposed = env.overlay?.get(rel);
        let content = proposed;
        if (content === undefined) {
          const file = path.join(env.root, rel);
          try {
            if (fs.statSync(file).size > MAX_SEARCH_FILE_BYTES) continue;
            content = fs.readFileSync(file, 'utf8');
          } catch {
            continue;
          }
        }
        const lines = content.split('\n');
        for (let i = 0; i < lines.length && matches.length < MAX_SEARCH_MATCHES; i++) {
          if (re.test(lines[i]!)) matches.push(`${rel}:${i + 1}:${lines[i]!.slice(0, 500)}`);
        }
        if (matches.length >= MAX_SEARCH_MATCHES) break;
      }
      return matches.length === 0 ? '(no matches)' : matches.join('\n');
    },
  }),
  defineTool({
    name: 'write_file',
    description: 'Create or overwrite a file of the workspace with the given content.',
    risk: 'write',
    inputSchema: z.object({ path: z.string(), content: z.string() }),
    async run(args, env) {
      const { abs, rel } = inside(env, args.path);
      writeText(env, abs, rel, args.content);
      return `${env.overlay ? 'proposed' : 'wrote'} ${rel} (${Buffer.byteLength(args.content)} bytes)`;
    },
  }),
  defineTool({
    name: 'edit_file',
    description: 'Replace one exact occurrence of `search` with `replace` in a file. Fails unless the search text occurs exactly once.',
    risk: 'write',
    inputSchema: z.object({ path: z.string(), search: z.string().min(1), replace: z.string() }),
    async run(args, env) {
      const { abs, rel, content } = readText(env, args.path);
      const first = content.indexOf(args.search);
      if (first < 0) throw new ToolFailure(`the search text was not found in ${rel}; read the file and copy the text exactly`);
      if (content.indexOf(args.search, first + 1) >= 0) throw new ToolFailure(`the search text occurs more than once in ${rel}; include more context to make it unique`);
      writeText(env, abs, rel, content.slice(0, first) + args.replace + content.slice(first + args.search.length));
      return `${env.overlay ? 'proposed an edit to' : 'edited'} ${rel}`;
    },
  }),
  defineTool({
    name: 'run_command',
    description: 'Run a program in the workspace (argv array, no shell). Returns the exit code and the tail of stdout and stderr.',
    risk: 'execute',
    inputSchema: z.object({ argv: z.array(z.string()).min(1), timeoutMs: z.number().int().positive().max(MAX_COMMAND_TIMEOUT_MS).optional() }),
    async run(args, env) {
      if (env.mode === 'propose') {
        const denial = readOnlyCommandDenial(args.argv);
        if (denial) throw new ToolDenied(denial);
      }
      const command = args.argv.join(' ');
      const forbidden = env.forbiddenPatterns?.find((p) => p.test(command));
      if (forbidden) throw new ToolDenied(`the command matches the forbidden pattern /${forbidden.source}/ of the spec's tool policy`);
      const result = await sandboxedCommand(args.argv, {
        workspace: env.root,
        timeoutMs: args.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
        maxOutputBytes: MAX_COMMAND_OUTPUT_BYTES,
        signal: env.signal,
      });
      const status = result.spawnError
        ? `could not start: ${result.spawnError}`
        : result.stoppedBy
          ? `stopped by ${result.stoppedBy}`
          : `exit code ${String(result.exitCode ?? result.signal)}`;
      return `${status}\n--- stdout ---\n${tail(result.stdout)}\n--- stderr ---\n${tail(result.stderr)}`;
    },
  }),
  defineTool({
    name: 'finish',
    description: 'Declare the task complete, with a summary of what was done. The result is checked afterwards.',
    risk: 'read',
    inputSchema: z.object({ summary: z.string() }),
    async run(args) {
      return args.summary;
    },
  }),
];

export const FINISH_TOOL = 'finish';

/** Why a tool may not run under the mode and allow-list, or null when it may. `finish` is always allowed. */
export function policyDenial(tool: AgentTool, mode: Mode, allowedTools: readonly string[] | undefined): string | null {
  if (tool.name === FINISH_TOOL) return null;
  if (allowedTools && !allowedTools.includes(tool.name)) return `tool '${tool.name}' is not in this task's allowed tools (${allowedTools.join(', ') || 'none'})`;
  if (mode === 'observe' && tool.risk !== 'read') return `tool '${tool.name}' (${tool.risk}) is not allowed in observe mode; only read tools and finish`;
  return null;
}

/** Runs a tool; every expected failure comes back as `{ isError: true }` with a message for the model. */
export async function runTool(
  tool: AgentTool,
  rawArgs: unknown,
  env: ToolEnv,
): Promise<{ output: string; isError: boolean; denied?: { reason: string } }> {
  const parsed = tool.inputSchema.safeParse(rawArgs);
  if (!parsed.success) {
    return { output: `invalid arguments for ${tool.name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`, isError: true };
  }
  try {
    return { output: await tool.run(parsed.data, env), isError: false };
  } catch (err) {
    if (err instanceof ToolDenied) return { output: err.message, isError: true, denied: { reason: err.message } };
    if (err instanceof SandboxViolation) return { output: err.message, isError: true, denied: { reason: `${err.reason}: ${err.message}` } };
    if (err instanceof ToolFailure) return { output: err.message, isError: true };
    if (env.signal.aborted) throw err;
    return { output: `${tool.name} failed: ${err instanceof Error ? err.message : String(err)}`, isError: true };
  }
}
