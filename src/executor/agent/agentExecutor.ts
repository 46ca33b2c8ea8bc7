/**
 * The built-in coding agent (`executor: agent`): a manual tool loop over the AI SDK, one
 * `generateText` call per turn with tools declared but not executed by the SDK, so this loop owns
 * budgets, policy gating and recording.
 *
 *   route (rules over spec.profiles; `routing` decision) ─▶ workspace (worktree or scratch)
 *     ─▶ loop: budgets? ─▶ model call (`llm_call`, raw) ─▶ for each tool call:
 *              `tool_call` ─▶ policy / sandbox ─▶ run ─▶ `tool_result` (denied: { reason })
 *        until `finish` (succeeded, output.summary) or a reply without tool calls (treated as
 *        finish with its text as the summary)
 *     ─▶ final diff artifact (`final.diff`), or in propose mode the proposed patch (`proposed.diff`)
 *
 * Every tool is declared to the model in every mode; the policy refuses at call time, so a denied
 * call is recorded with its reason and the model learns why (a tool it was never shown would fail
 * inside the SDK instead).
 *
 * Workspaces: when the spec's `workspace.repo` (or a string `input.repo`) names a repository, a git
 * worktree is created under `workspaceRoot` (default `<os.tmpdir()>/gaffer-workspaces`; Resources
 * carry no data directory yet). It is removed on success (its diff is kept as an artifact) and
 * kept for inspection on failure (`markFailed`). Without a repository the agent works in a scratch
 * folder that is removed at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateText, tool as sdkTool, type ModelMessage, type ToolSet } from 'ai';
import type { Mode } from '../../db/vocabulary.js';
import { MODES } from '../../db/vocabulary.js';
import { createRecordingModel, profileCallSettings, toLlmCallPayload, type RecordedCall } from '../../providers/index.js';
import { routeAttempt } from '../../routing/router.js';
import type { ProfileVersionRecord } from '../../specs/specStore.js';
import { renderTemplate } from '../../util/template.js';
import type { Workspace } from '../../workspace/workspace.js';
import { openAttemptWorkspace, repositoryOf } from '../attemptWorkspace.js';
import { runCommand } from '../runCommand.js';
import { AttemptAborted, type ExecutionContext, type ExecutionResult, type Proposal, type TaskExecutor } from '../types.js';
import { getArtifact } from '../../artifacts/artifactStore.js';
import type { WorkspaceDiff } from '../../workspace/diff.js';
import { verifiedResult, verifyAttempt, type FailingCheck } from '../verify.js';
import { FINISH_TOOL, policyDenial, ProposalOverlay, runTool, STANDARD_TOOLS, type ToolEnv } from './tools.js';

/** Turns allowed when the spec sets no maxTurns: a runaway loop still ends. */
export const DEFAULT_MAX_TURNS = 50;

export interface AgentExecutorOptions {
  /** Folder holding the worktrees. Default `<os.tmpdir()>/gaffer-workspaces`. */
  workspaceRoot?: string;
  /** Retries of one model call by the AI SDK (transient HTTP errors). Default 2. */
  maxRetries?: number;
  /** Environment the profile's API key is read from. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** What the tool loop ends with: the agent's claim, or a failure (budget, provider). */
type LoopResult = Extract<ExecutionResult, { status: 'succeeded' | 'failed' }>;

interface Counters {
  turns: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  elapsedMs: number;
}

const SYSTEM_PROMPT =
  'You are a coding agent working in a workspace folder. Use the tools to inspect and change files and to run commands; ' +
  'paths are relative to the workspace root. When the task is done, call `finish` with a short summary.';

function modeRank(mode: Mode): number {
  return MODES.indexOf(mode);
}

export class AgentExecutor implements TaskExecutor {
  readonly name = 'agent';

  /** Each attempt's tool outputs, for forbidden_patterns over tool outputs. */
  private readonly toolOutputs = new WeakMap<ExecutionContext, string[]>();

  constructor(private readonly options: AgentExecutorOptions = {}) {}

  async execute(ctx: ExecutionContext): Promise<ExecutionResult> {
    const def = ctx.spec.definition;
    const approved = approvedPatch(ctx);
    if (approved) return this.applyApproved(ctx, approved);
    if (def.profiles.length === 0) {
      return { status: 'failed', failureClass: 'orchestration_error', error: { message: `spec '${ctx.spec.name}' lists no profiles; add one to spec.profiles` } };
    }
    const input = (ctx.input ?? {}) as Record<string, unknown>;
    const instructions = renderTemplate(def.instructions ?? '', { input, task: { id: ctx.task.id, attempt: ctx.attempt } }, 'instructions');
    const routed = await routeAttempt(ctx, instructions);
    if (!routed.profile) {
      return { status: 'failed', failureClass: 'budget_exceeded', retryable: false, error: { message: `routing refused the run: ${routed.choice.reason}` } };
    }
    const profile = routed.profile;
    const previous = previousAttempt(ctx);
    const prompt = previous ? `${instructions}\n\n${await refinementContext(ctx, previous)}` : instructions;
    const taskMode = ctx.task.mode;
    const mode: Mode = taskMode && modeRank(taskMode) < modeRank(def.toolPolicy.mode) ? taskMode : def.toolPolicy.mode;
    const { root, workspace, close } = await openAttemptWorkspace(ctx, { scratchPrefix: 'gaffer-agent', ...(this.options.workspaceRoot ? { workspaceRoot: this.options.workspaceRoot } : {}) });
    const overlay = mode === 'propose' ? new ProposalOverlay() : undefined;
    let result: ExecutionResult | undefined;
    try {
      const policy = def.toolPolicy;
      const claimed = await this.loop(ctx, profile, prompt, {
        root,
        mode,
        signal: ctx.signal,
        ...(overlay ? { overlay } : {}),
        ...(policy.allowedPaths ? { allowedPaths: policy.allowedPaths } : {}),
        ...(policy.forbiddenPatterns ? { forbiddenPatterns: policy.forbiddenPatterns.map((p) => new RegExp(p, 'm')) } : {}),
      });
      return (result = await this.finalize(ctx, claimed, root, mode, workspace, overlay));
    } finally {
      await close(result);
    }
  }

  /**
   * The attempt after a person approved a proposed patch: no model call — the patch is applied to
   * a fresh workspace at the base ref (`apply_patch`, recorded as a tool call), and the result is
   * verified like any other.
   */
  private async applyApproved(ctx: ExecutionContext, approved: ApprovedPatch): Promise<ExecutionResult> {
    if (!repositoryOf(ctx)) {
      return { status: 'failed', failureClass: 'orchestration_error', retryable: false, error: { message: 'an approved patch needs a repository to apply to (spec.workspace.repo or input.repo)' } };
    }
    const { workspace: opened, close } = await openAttemptWorkspace(ctx, { scratchPrefix: 'gaffer-agent', ...(this.options.workspaceRoot ? { workspaceRoot: this.options.workspaceRoot } : {}) });
    const workspace = opened!;
    let result: ExecutionResult | undefined;
    const patchFile = path.join(os.tmpdir(), `gaffer-approved-${ctx.task.id.slice(-12)}-${ctx.attempt}.diff`);
    try {
      const { content } = await getArtifact(ctx.resources.db.drizzle, ctx.resources.blobs, approved.patchSha256);
      fs.writeFileSync(patchFile, content);
      const callId = `apply-${ctx.attempt}`;
      await ctx.record('tool_call', { callId, name: 'apply_patch', arguments: { approvalId: approved.approvalId, patchSha256: approved.patchSha256 }, risk: 'write' });
      const applied = await runCommand(['git', 'apply', '--whitespace=nowarn', patchFile], { cwd: workspace.path, signal: ctx.signal });
      const message = applied.exitCode === 0 ? 'applied' : `git apply failed: ${applied.stderr.toString('utf8').trim() || applied.spawnError || applied.exitCode}`;
      await ctx.record('tool_result', { callId, name: 'apply_patch', output: message, isError: applied.exitCode !== 0, durationMs: applied.durationMs });
      if (applied.exitCode !== 0) {
        return (result = { status: 'failed', failureClass: 'orchestration_error', retryable: false, error: { message: `the approved patch does not apply: ${message}` } });
      }
      const diff = await workspace.diff();
      const sha = await ctx.artifact(diff.patch, { name: 'final.diff', contentType: 'text/x-diff' });
      const extra = { mode: 'propose', appliedApproval: approved.approvalId, diff: { sha256: sha, files: diff.files, linesAdded: diff.linesAdded, linesRemoved: diff.linesRemoved, branch: workspace.branch } };
      const output = { summary: `applied the patch approved in ${approved.approvalId}` };
      const verification = await verifyAttempt(ctx, { workspace: workspace.path, diff, toolOutputs: [], finalOutput: output });
      return (result = verifiedResult(verification, output, extra, 'the approved patch'));
    } finally {
      fs.rmSync(patchFile, { force: true });
      await close(result);
    }
  }

  private async finalize(
    ctx: ExecutionContext,
    result: LoopResult,
    root: string,
    mode: Mode,
    workspace: Workspace | undefined,
    overlay: ProposalOverlay | undefined,
  ): Promise<ExecutionResult> {
    const extra: Record<string, unknown> = { mode };
    let diff: WorkspaceDiff | undefined;
    let proposal: Proposal | undefined;
    if (overlay) {
      const scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-proposal-'));
      try {
        const patch = await overlay.patch(root, scratchDir);
        if (patch) {
          const sha = await ctx.artifact(patch, { name: 'proposed.diff', contentType: 'text/x-diff' });
          const files = [...overlay.files.keys()].sort();
          extra['proposedPatch'] = { patch, sha256: sha, files };
          proposal = { patchSha256: sha, files };
        }
      } finally {
        fs.rmSync(scratchDir, { recursive: true, force: true });
      }
    } else if (workspace) {
      diff = await workspace.diff();
      const sha = await ctx.artifact(diff.patch, { name: 'final.diff', contentType: 'text/x-diff' });
      extra['diff'] = { sha256: sha, files: diff.files, linesAdded: diff.linesAdded, linesRemoved: diff.linesRemoved, branch: workspace.branch };
    }
    if (result.status !== 'succeeded') return { ...result, error: { ...result.error, ...extra } };
    const output = result.output as Record<string, unknown>;
    // A proposal waits for a person; approving it applies it and verifies it then (applyApproved).
    if (proposal) {
      if (typeof output['summary'] === 'string') proposal.summary = output['summary'];
      return { status: 'proposed', proposal, output: { ...output, ...extra } };
    }
    if (overlay) return { status: 'succeeded', output: { ...output, ...extra, proposedPatch: null } };
    // The agent claimed completion; the acceptance gate decides whether it is done.
    const verification = await verifyAttempt(ctx, { workspace: root, ...(diff ? { diff } : {}), toolOutputs: this.toolOutputs.get(ctx) ?? [], finalOutput: output });
    const verdict = verifiedResult(verification, output, extra, 'the agent');
    if (verdict.status !== 'failed') return verdict;
    const previous = previousAttempt(ctx);
    if (previous && sameFailures(previous.failing, verification.failing)) {
      verdict.retryable = false;
      verdict.error['noProgress'] = true;
      await ctx.record('decision', {
        decisionType: 'retry',
        inputs: { attempt: ctx.attempt, previousAttempt: ctx.attempt - 1, failing: verification.failing.map((f) => ({ validator: f.validator, signature: f.signature })) },
        output: { retry: false },
        reason: `no progress: the same checks failed the same way as in attempt ${ctx.attempt - 1}`,
      });
    }
    return verdict;
  }

  private async loop(ctx: ExecutionContext, profile: ProfileVersionRecord, prompt: string, env: ToolEnv): Promise<LoopResult> {
    const def = ctx.spec.definition;
    // A person may have granted more (an escalation resolved with "retry with a larger budget").
    const budgets = { ...def.budgets, ...((ctx.task.overrides as { budgets?: Partial<typeof def.budgets> } | null)?.budgets ?? {}) };
    const allowedTools = def.toolPolicy.allowedTools ?? profile.definition.tools;
    const started = performance.now();
    const counters: Counters = { turns: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, elapsedMs: 0 };
    let recording: Promise<void> = Promise.resolve();
    const onCall = (call: RecordedCall): void => {
      counters.costUsd += call.costUsd ?? 0;
      // Chained so llm_call events keep the order of the calls (retries included).
      recording = recording.then(() => ctx.record('llm_call', toLlmCallPayload(call)));
    };
    const model = createRecordingModel(profile.definition, { onCall, ...(this.options.env ? { env: this.options.env } : {}) });
    const tools: ToolSet = {};
    for (const t of STANDARD_TOOLS) tools[t.name] = sdkTool({ description: t.description, inputSchema: t.inputSchema });
    const byName = new Map(STANDARD_TOOLS.map((t) => [t.name, t]));
    const messages: ModelMessage[] = [{ role: 'user', content: prompt }];
    const outputs: string[] = [];
    this.toolOutputs.set(ctx, outputs);
    const system = profile.definition.systemPrompt ?? SYSTEM_PROMPT;
    const maxTurns = budgets.maxTurns ?? DEFAULT_MAX_TURNS;

    type Failed = Extract<ExecutionResult, { status: 'failed' }>;
    const over = (): Failed | null => {
      counters.elapsedMs = Math.round(performance.now() - started);
      const fail = (failureClass: 'budget_exceeded' | 'timeout', message: string): Failed => ({
        status: 'failed',
        failureClass,
        error: { message, counters: { ...counters } },
      });
      if (budgets.wallTimeMs !== undefined && counters.elapsedMs >= budgets.wallTimeMs) return fail('timeout', `wall time budget of ${budgets.wallTimeMs} ms used up`);
      if (budgets.maxTokens !== undefined && counters.inputTokens + counters.outputTokens >= budgets.maxTokens) {
        return fail('budget_exceeded', `token budget of ${budgets.maxTokens} used up (${counters.inputTokens + counters.outputTokens})`);
      }
      if (budgets.maxCostUsd !== undefined && counters.costUsd >= budgets.maxCostUsd) {
        return fail('budget_exceeded', `cost budget of $${budgets.maxCostUsd} used up ($${counters.costUsd.toFixed(6)})`);
      }
      if (counters.turns >= maxTurns) return fail('budget_exceeded', `turn budget of ${maxTurns} used up before the agent finished`);
      return null;
    };

    for (;;) {
      const stop = over();
      if (stop) return stop;
      counters.turns += 1;
      const signals = [ctx.signal];
      if (budgets.wallTimeMs !== undefined) signals.push(AbortSignal.timeout(Math.max(1, budgets.wallTimeMs - counters.elapsedMs)));
      let turn: Awaited<ReturnType<typeof generateText<ToolSet>>>;
      try {
        turn = await generateText({
          model,
          system,
          messages,
          tools,
          abortSignal: AbortSignal.any(signals),
          maxRetries: this.options.maxRetries ?? 2,
          ...profileCallSettings(profile.definition),
        });
      } catch (err) {
        await recording;
        if (ctx.signal.aborted) throw ctx.signal.reason instanceof AttemptAborted ? ctx.signal.reason : err;
        const timedOut = over();
        if (timedOut?.failureClass === 'timeout') return timedOut;
        return {
          status: 'failed',
          failureClass: 'provider_error',
          error: { message: `model call failed: ${err instanceof Error ? err.message : String(err)}`, counters: { ...counters } },
        };
      }
      await recording;
      counters.inputTokens += turn.usage.inputTokens ?? 0;
      counters.outputTokens += turn.usage.outputTokens ?? 0;
      messages.push(...turn.response.messages);

      if (turn.toolCalls.length === 0) {
        // A reply without tool calls ends the run as if it had called finish with its text.
        return { status: 'succeeded', output: { summary: turn.text, finishedBy: 'reply', counters: { ...counters } } };
      }
      let finished: string | undefined;
      const results: Extract<ModelMessage, { role: 'tool' }>['content'] = [];
      for (const call of turn.toolCalls) {
        const args = call.input as unknown;
        const t = byName.get(call.toolName);
        const risk = t?.risk;
        await ctx.record('tool_call', { callId: call.toolCallId, name: call.toolName, arguments: (args ?? null) as never, ...(risk ? { risk } : {}) });
        const begun = performance.now();
        let out: { output: string; isError: boolean; denied?: { reason: string } };
        if (!t) out = { output: `unknown tool '${call.toolName}'`, isError: true };
        else {
          const denial = policyDenial(t, env.mode, allowedTools);
          out = denial ? { output: denial, isError: true, denied: { reason: denial } } : await runTool(t, args, env);
        }
        const durationMs = Math.round((performance.now() - begun) * 10) / 10;
        outputs.push(out.output);
        await ctx.record('tool_result', { callId: call.toolCallId, name: call.toolName, output: out.output, isError: out.isError, durationMs, ...(out.denied ? { denied: out.denied } : {}) });
        results.push({
          type: 'tool-result',
          toolCallId: call.toolCallId,
          toolName: call.toolName,
          output: out.isError ? { type: 'error-text', value: out.output } : { type: 'text', value: out.output },
        });
        if (call.toolName === FINISH_TOOL && !out.isError) finished = out.output;
      }
      messages.push({ role: 'tool', content: results });
      if (finished !== undefined) {
        counters.elapsedMs = Math.round(performance.now() - started);
        return { status: 'succeeded', output: { summary: finished, finishedBy: 'finish', counters: { ...counters } } };
      }
    }
  }
}

/** Characters of the previous attempt's diff carried into the next prompt. */
export const PREVIOUS_DIFF_CHARS = 8_000;

interface PreviousAttempt {
  attempt: number;
  reasons: string[];
  failing: FailingCheck[];
  diffSha256?: string;
}

/** What the last attempt's verification said, when it failed one (the task's lastError). */
function previousAttempt(ctx: ExecutionContext): PreviousAttempt | undefined {
  if (ctx.attempt <= 1) return undefined;
  const error = ctx.task.lastError as { verification?: { reasons?: string[]; failing?: FailingCheck[] }; diff?: { sha256?: string } } | null;
  const failing = error?.verification?.failing;
  if (!Array.isArray(failing)) return undefined;
  return {
    attempt: ctx.attempt - 1,
    reasons: error?.verification?.reasons ?? [],
    failing,
    ...(error?.diff?.sha256 ? { diffSha256: error.diff.sha256 } : {}),
  };
}

/**
 * The retry's addition to the prompt: what failed last time (each check's trimmed evidence) and
 * the diff that failed, recorded as a `refinement_cycle` decision.
 */
async function refinementContext(ctx: ExecutionContext, previous: PreviousAttempt): Promise<string> {
  let diff = '';
  if (previous.diffSha256) {
    try {
      const { content } = await getArtifact(ctx.resources.db.drizzle, ctx.resources.blobs, previous.diffSha256);
      diff = content.toString('utf8');
    } catch {
      diff = '';
    }
  }
  const trimmedDiff = diff.length > PREVIOUS_DIFF_CHARS ? `${diff.slice(0, PREVIOUS_DIFF_CHARS)}\n… (diff trimmed)` : diff;
  const lines = [
    `Attempt ${previous.attempt} of this task did not pass verification (${previous.reasons.join('; ')}).`,
    'These checks did not pass:',
    ...previous.failing.map((f) => `- ${f.validator} (${f.type}, ${f.verdict}):\n${indent(f.summary)}`),
  ];
  if (trimmedDiff) lines.push('The changes that attempt made (you start again from the original code):', '```diff', trimmedDiff, '```');
  lines.push('Fix what made these checks fail, then call finish.');
  const text = lines.join('\n');
  await ctx.record('decision', {
    decisionType: 'refinement_cycle',
    inputs: {
      previousAttempt: previous.attempt,
      failing: previous.failing.map((f) => ({ validator: f.validator, verdict: f.verdict, signature: f.signature })),
      ...(previous.diffSha256 ? { previousDiffSha256: previous.diffSha256 } : {}),
    },
    output: { promptChars: text.length, diffIncluded: trimmedDiff !== '', diffTrimmed: trimmedDiff.length < diff.length },
    reason: `attempt ${ctx.attempt} retries with what failed in attempt ${previous.attempt}`,
  });
  return text;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

/** Two attempts failed the same checks the same way: retrying again will not help. */
function sameFailures(a: FailingCheck[], b: FailingCheck[]): boolean {
  if (a.length === 0 || a.length !== b.length) return false;
  const signatures = new Set(a.map((f) => f.signature));
  return b.every((f) => signatures.has(f.signature));
}

interface ApprovedPatch {
  approvalId: string;
  patchSha256: string;
}

/** The patch a person approved for this very attempt (set by the approval: overrides.applyPatch). */
function approvedPatch(ctx: ExecutionContext): ApprovedPatch | undefined {
  const apply = (ctx.task.overrides as { applyPatch?: ApprovedPatch & { forAttempt?: number } } | null)?.applyPatch;
  return apply && apply.forAttempt === ctx.attempt ? apply : undefined;
}
