/**
 * Verifying an attempt: the agent's `finish` is a claim; this step checks it. The spec's
 * validators run against the attempt's workspace (in order, every one), each recorded as a
 * `validator_result` event with its evidence (what ran, exit code, output artifacts, score,
 * duration), and the gate's answer as a `gate` decision. The verdict decides the attempt:
 *
 *   passed           → succeeded, verdict passed
 *   failed           → failed, verdict failed, classified from the failing checks (a failing
 *                      `command` goes through the failure classifier; the others break the spec's
 *                      contract); retryable, with what failed kept for the next attempt's prompt
 *   error            → failed, verdict error (a check could not be made: never read as a pass)
 *   no validators    → succeeded without a verdict: nothing was verified, and the run says so
 *
 * `failing` carries, per check that did not pass, a short summary and a signature (a hash of the
 * validator, its verdict and its normalised output): two attempts with the same signatures made
 * no progress (see agentExecutor's retry context).
 */
import { createHash } from 'node:crypto';
import { runAcceptance, type AcceptanceResult } from '../acceptance/runAcceptance.js';
import type { ValidationContext, ValidatorEvidence } from '../acceptance/types.js';
import type { FailureClass, Verdict } from '../db/vocabulary.js';
import { classifyFailure } from '../failures/classifier.js';
import type { Classification, UserRule } from '../failures/types.js';
import { getArtifact } from '../artifacts/artifactStore.js';
import { toLlmCallPayload } from '../providers/index.js';
import type { Resources } from '../resources.js';
import { getProfile } from '../specs/specStore.js';
import { renderTemplate } from '../util/template.js';
import type { WorkspaceDiff } from '../workspace/diff.js';
import type { ExecutionContext, ExecutionResult } from './types.js';

/** Characters of a failing check's output kept for the next attempt's prompt. */
export const FAILING_SUMMARY_CHARS = 2_000;

export interface FailingCheck {
  validator: string;
  type: string;
  verdict: 'failed' | 'error';
  /** What the check said, trimmed: its explanation and the tail of its output. */
  summary: string;
  /** Same check, same verdict, same (normalised) output → same signature. */
  signature: string;
}

export interface AttemptVerification {
  /** Undefined when the spec has no validators: the attempt is unverified. */
  verdict: Verdict | undefined;
  score?: number;
  reasons: string[];
  failing: FailingCheck[];
  /** Set when the verdict is not passed. */
  failureClass?: FailureClass;
  /** How failureClass was decided, with what the failing check's output says (file, line, tests). */
  classification?: Classification;
}

export interface VerifyInput {
  /** The folder the attempt changed. */
  workspace: string;
  diff?: WorkspaceDiff;
  /** The outputs of the agent's tool calls (for forbidden_patterns over tool outputs). */
  toolOutputs: string[];
  /** The agent's final output (for json_schema). */
  finalOutput: unknown;
}

export async function verifyAttempt(ctx: ExecutionContext, input: VerifyInput): Promise<AttemptVerification> {
  const acceptance = withTaskInput(ctx.spec.definition.acceptance, ctx.task.input);
  if (acceptance.validators.length === 0) {
    const reasons = ['the spec has no validators: the agent’s claim of completion is not verified'];
    await ctx.record('decision', { decisionType: 'gate', inputs: { gate: acceptance.gate, validators: [] }, output: { verdict: null, verified: false }, reason: reasons[0] });
    return { verdict: undefined, reasons, failing: [] };
  }
  const vctx: ValidationContext = {
    workspace: input.workspace,
    changedFiles: input.diff?.files.map((f) => f.path) ?? [],
    ...(input.diff
      ? { diff: { files: input.diff.files.map((f) => ({ path: f.path, additions: f.additions, deletions: f.deletions })), linesAdded: input.diff.linesAdded, linesRemoved: input.diff.linesRemoved } }
      : {}),
    toolOutputs: input.toolOutputs,
    finalOutput: input.finalOutput,
    signal: ctx.signal,
    storeArtifact: (content, name, contentType) => ctx.artifact(content, { name, contentType }),
    resolveProfile: async (name) => (await getProfile(ctx.resources, name)).definition,
    onLlmCall: (call) => void ctx.record('llm_call', toLlmCallPayload(call)).catch(() => {}),
  };
  const recorded: Promise<void>[] = [];
  const result: AcceptanceResult = await runAcceptance(acceptance, vctx, {
    onResult: (r) => recorded.push(ctx.record('validator_result', { ...r }).catch(() => {})),
  });
  await Promise.all(recorded);
  const { decision } = result;
  const rules = ctx.resources.classifierRules ?? [];
  // The classifier reads a failing command's whole output, not the evidence's tail: a test run's
  // tail is its totals, and the first failing test may be well before it.
  // One check at a time, keeping only the classifier's reading: never every output in memory at once.
  const notPassed = result.results.filter((r) => r.verdict !== 'passed');
  const readings = new Map<ValidatorEvidence, Classification | undefined>();
  for (const r of notPassed) readings.set(r, readCommandCheck(r, rules, await wholeOutput(ctx.resources, r)));
  const failing = notPassed.map((r) => failingCheck(r, readings.get(r)));
  await ctx.record('decision', {
    decisionType: 'gate',
    inputs: {
      gate: acceptance.gate,
      minScore: acceptance.minScore,
      validators: result.results.map((r) => ({ validator: r.validator, verdict: r.verdict, score: r.score, weight: r.weight, required: r.required })),
    },
    output: { verdict: decision.verdict, score: decision.score },
    reason: decision.reasons.join('; '),
  });
  const verification: AttemptVerification = { verdict: decision.verdict, score: decision.score, reasons: decision.reasons, failing };
  if (decision.verdict !== 'passed') {
    verification.classification = classify(result.results, decision.verdict, readings);
    verification.failureClass = verification.classification.failureClass;
  }
  return verification;
}

/** Largest output read back whole for the classifier; a bigger one is read by its tail only. */
export const CLASSIFY_OUTPUT_MAX_BYTES = 4 * 1024 * 1024;

interface Output {
  stdout: string;
  stderr: string;
}

/** A command check's stdout and stderr read back from their artifacts; undefined for other checks. */
async function wholeOutput(res: Resources, r: ValidatorEvidence): Promise<Output | undefined> {
  if (r.type !== 'command') return undefined;
  const e = r.evidence as { stdout?: StreamEvidence; stderr?: StreamEvidence };
  const read = async (s: StreamEvidence | undefined): Promise<string> => {
    if (!s?.sha256 || (s.bytes ?? 0) > CLASSIFY_OUTPUT_MAX_BYTES) return s?.tail ?? '';
    try {
      return (await getArtifact(res.db.drizzle, res.blobs, s.sha256)).content.toString('utf8');
    } catch {
      return s.tail ?? ''; // the evidence's tail is still something to read
    }
  };
  const [stdout, stderr] = await Promise.all([read(e.stdout), read(e.stderr)]);
  return { stdout, stderr };
}

interface StreamEvidence {
  sha256?: string;
  bytes?: number;
  tail?: string;
}

/** The failure classifier's reading of a command check's output (whole when given); undefined for other checks. */
function readCommandCheck(r: ValidatorEvidence, rules: readonly UserRule[], output?: Output): Classification | undefined {
  if (r.type !== 'command') return undefined;
  const e = r.evidence as { argv?: string[]; exitCode?: number | null; signal?: string | null; stdout?: StreamEvidence; stderr?: StreamEvidence };
  return classifyFailure({
    stage: 'validator',
    validatorType: 'command',
    ...(e.argv ? { command: e.argv } : {}),
    ...(e.exitCode !== undefined ? { exitCode: e.exitCode } : {}),
    ...(e.signal !== undefined ? { signal: e.signal } : {}),
    stdout: output?.stdout ?? e.stdout?.tail ?? '',
    stderr: output?.stderr ?? e.stderr?.tail ?? '',
  }, { rules });
}

export function failingCheck(r: ValidatorEvidence, reading: Classification | undefined): FailingCheck {
  const evidence = r.evidence as { explanation?: unknown; error?: unknown; stdout?: { tail?: unknown }; stderr?: { tail?: unknown } };
  const parts = [evidence.explanation ?? evidence.error, evidence.stderr?.tail, evidence.stdout?.tail]
    .filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    .map((p) => p.trim());
  // What the output says first — the failing tests by name, the decisive line — since a long log
  // keeps only its tail, and the tail of a test run is its totals, not which test failed where.
  const context = reading?.context;
  const headline = context
    ? [
        context.failingTests.length ? `failing tests: ${context.failingTests.slice(0, 10).join('; ')}${context.failingTests.length > 10 ? `; and ${context.failingTests.length - 10} more` : ''}` : '',
        context.summary && !context.failingTests.includes(context.summary) ? context.summary : '',
      ].filter(Boolean).join('\n').slice(0, FAILING_SUMMARY_CHARS / 2)
    : '';
  const text = parts.join('\n');
  const room = FAILING_SUMMARY_CHARS - (headline ? headline.length + 1 : 0);
  const body = text.length > room ? `…${tailLines(text, room)}` : text || JSON.stringify(r.evidence).slice(0, room);
  const summary = headline ? `${headline}\n${body}` : body;
  // The signature: the same checks failing the same way. The failing tests as a set (parallel
  // runners print them in any order) and the output's tail, without what changes between
  // identical failures — durations, temp paths, hex ids — which is not progress.
  const normalised = body
    .replace(/\b\d+(\.\d+)?\s*(ms|s|sec|seconds)\b/g, '<t>')
    .replace(/\/tmp\/[^\s'"]+/g, '<tmp>')
    .replace(/\b[0-9a-f]{12,}\b/g, '<id>');
  const tests = [...(context?.failingTests ?? [])].sort().join('\0');
  const signature = createHash('sha256').update(`${r.validator}\0${r.verdict}\0${tests}\0${normalised}`).digest('hex').slice(0, 16);
  return { validator: r.validator, type: r.type, verdict: r.verdict as 'failed' | 'error', summary, signature };
}

/** The last `chars` characters of text, starting at a line's start when one is near (not mid-path). */
function tailLines(text: string, chars: number): string {
  const tail = text.slice(-chars);
  if (text[text.length - chars - 1] === '\n') return tail;
  const newline = tail.indexOf('\n');
  return newline !== -1 && newline < 200 ? tail.slice(newline + 1) : tail;
}

/** The failure class of a verdict that is not passed, from the first check that did not pass. */
function classify(results: ValidatorEvidence[], verdict: Verdict, readings: Map<ValidatorEvidence, Classification | undefined>): Classification {
  const first = results.find((r) => r.verdict === (verdict === 'error' ? 'error' : 'failed')) ?? results.find((r) => r.verdict !== 'passed');
  const plain = (failureClass: FailureClass, summary: string): Classification => ({ failureClass, confidence: 1, context: { errorCodes: [], failingTests: [], summary } });
  if (!first) return { ...plain('unknown', 'no check said why'), confidence: 0 };
  const read = readings.get(first);
  if (read) {
    const e = first.evidence as { argv?: string[]; exitCode?: number | null; timedOut?: boolean };
    if (e.timedOut) return { ...read, failureClass: 'timeout', confidence: 1 };
    if (read.failureClass !== 'unknown' || e.exitCode === null || e.exitCode === undefined) return read;
    // The output said nothing the classifier knows (a bespoke test script), but the check ran and
    // failed: what it checks — by its name and command — says which kind of failure it is.
    const kind = checkKind(`${first.validator} ${(e.argv ?? []).join(' ')}`);
    return kind === 'unknown' ? read : { ...read, failureClass: kind, confidence: 0.5 };
  }
  const explanation = (first.evidence as { explanation?: unknown; error?: unknown }).explanation ?? (first.evidence as { error?: unknown }).error;
  const summary = typeof explanation === 'string' ? explanation.split('\n')[0]!.slice(0, 300) : `${first.validator} ${first.verdict}`;
  if (first.verdict === 'error') return plain(first.type === 'llm_judge' ? 'provider_error' : 'orchestration_error', summary);
  return plain('contract_violation', summary);
}

function checkKind(text: string): FailureClass {
  if (/\b(lint|eslint|ruff|flake8|pylint|clippy|golangci|shellcheck|stylelint)\b/i.test(text)) return 'lint_error';
  if (/\b(tsc|typecheck|type-check|compile|build|javac|gcc|clang|rustc)\b/i.test(text)) return 'compile_error';
  if (/test|spec|jest|vitest|mocha|pytest|rspec|junit/i.test(text)) return 'test_fail';
  return 'unknown';
}

/**
 * An attempt's result from its verification: `output` is what the agent produced, `extra` what
 * the attempt adds (diff, mode); `who` names the agent in the failure message.
 */
export function verifiedResult(
  verification: AttemptVerification,
  output: Record<string, unknown>,
  extra: Record<string, unknown>,
  who: string,
): Extract<ExecutionResult, { status: 'succeeded' | 'failed' }> {
  const verified = { verdict: verification.verdict ?? null, score: verification.score, reasons: verification.reasons, failing: verification.failing };
  if (verification.verdict === undefined) return { status: 'succeeded', output: { ...output, ...extra, verification: { ...verified, verified: false } } };
  if (verification.verdict === 'passed') return { status: 'succeeded', verdict: 'passed', output: { ...output, ...extra, verification: verified } };
  const how = verification.verdict === 'error' ? 'could not be completed' : 'failed';
  return {
    status: 'failed',
    verdict: verification.verdict,
    failureClass: verification.failureClass ?? 'unknown',
    error: {
      message: `${who} finished but verification ${how}: ${verification.reasons.join('; ')}`,
      summary: output['summary'],
      verification: verified,
      ...(verification.classification ? { classification: { ...verification.classification, decidedBy: 'validators' } } : {}),
      ...extra,
    },
  };
}

type Acceptance = ExecutionContext['spec']['definition']['acceptance'];

/**
 * The spec's validators with `{{input.path}}` placeholders in their config rendered from the
 * task's input (one string at a time, like a shell spec's argv: `["node", "--test",
 * "{{input.test}}"]` checks the test the task names). A placeholder with no value is an error
 * naming the validator and the field, never an empty string.
 */
export function withTaskInput(acceptance: Acceptance, taskInput: unknown): Acceptance {
  const context = { input: taskInput ?? {} };
  const render = (value: unknown, where: string): unknown => {
    if (typeof value === 'string') return value.includes('{{') ? renderTemplate(value, context, where) : value;
    if (Array.isArray(value)) return value.map((v, i) => render(v, `${where}[${i}]`));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v, `${where}.${k}`)]));
    return value;
  };
  return {
    ...acceptance,
    validators: acceptance.validators.map((v, i) => ({ ...v, config: render(v.config, `acceptance.validators[${i}].config`) as Record<string, unknown> })),
  };
}
