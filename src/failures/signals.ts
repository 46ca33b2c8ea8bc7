/**
 * Evidence that does not come from reading the output: exit code, signal, stage, validator type and
 * the command line. Exit codes and signals are strong (124 → timeout, 127 → command not found,
 * 137/SIGKILL → most often the OOM killer); stage and command are priors that only tip a decision
 * when the text is silent or ambiguous.
 */
import type { FailureClass } from '../db/vocabulary.js';
import type { CommandFacts, ToolKind } from './command.js';
import type { ClassifyInput, Evidence } from './types.js';

/** Signal name for the conventional 128+N shell exit codes we care about. */
const SIGNAL_BY_EXIT: Record<number, string> = { 130: 'SIGINT', 134: 'SIGABRT', 137: 'SIGKILL', 139: 'SIGSEGV', 143: 'SIGTERM' };

export function normaliseSignal(signal: string | null | undefined): string | undefined {
  if (signal === undefined || signal === null || signal.trim() === '') return undefined;
  const s = signal.trim().toUpperCase();
  return s.startsWith('SIG') ? s : `SIG${s}`;
}

/** The signal that ended the process: given, or implied by a 128+N exit code. */
export function effectiveSignal(input: ClassifyInput): string | undefined {
  return normaliseSignal(input.signal) ?? (typeof input.exitCode === 'number' ? SIGNAL_BY_EXIT[input.exitCode] : undefined);
}

export interface TimeoutVerdict {
  confidence: number;
  reason: string;
}

/**
 * "A run killed by `timeout` is timeout whatever it printed": exit 124 is what coreutils timeout
 * returns after killing its child, so it decides before any text is read. Under a `timeout`
 * wrapper, dying from SIGTERM/SIGKILL (--preserve-status, -s KILL) means the same.
 */
export function timeoutVerdict(input: ClassifyInput, command: CommandFacts): TimeoutVerdict | undefined {
  if (input.exitCode === 124) {
    return command.timeoutWrapper
      ? { confidence: 0.97, reason: 'killed by `timeout` (exit 124)' }
      : { confidence: 0.85, reason: 'exit code 124 (the `timeout` convention)' };
  }
  const signal = effectiveSignal(input);
  if (command.timeoutWrapper && (signal === 'SIGTERM' || signal === 'SIGKILL')) {
    return { confidence: 0.9, reason: `killed by \`timeout\` (${signal})` };
  }
  return undefined;
}

export function exitEvidence(input: ClassifyInput): Evidence[] {
  const out: Evidence[] = [];
  const signal = effectiveSignal(input);
  if (input.exitCode === 127) out.push({ cls: 'dependency_missing', weight: 0.85, source: 'exit', rule: 'exit-127' });
  // The OOM killer sends SIGKILL; "with no other cause" — so this is moderate evidence text can beat.
  if (signal === 'SIGKILL') out.push({ cls: 'resource_exhausted', weight: 0.6, source: input.signal ? 'signal' : 'exit', rule: 'sigkill' });
  // Gaffer and CI runners stop over-running steps with SIGTERM; also a cancel, hence weak.
  if (signal === 'SIGTERM') out.push({ cls: 'timeout', weight: 0.5, source: input.signal ? 'signal' : 'exit', rule: 'sigterm' });
  if (signal === 'SIGXCPU') out.push({ cls: 'timeout', weight: 0.8, source: 'signal', rule: 'sigxcpu' });
  if (signal === 'SIGXFSZ') out.push({ cls: 'resource_exhausted', weight: 0.8, source: 'signal', rule: 'sigxfsz' });
  return out;
}

const STAGE_PRIORS: Record<string, [FailureClass, number]> = {
  build: ['compile_error', 0.3],
  compile: ['compile_error', 0.3],
  typecheck: ['compile_error', 0.3],
  test: ['test_fail', 0.3],
  tests: ['test_fail', 0.3],
  lint: ['lint_error', 0.35],
  format: ['lint_error', 0.35],
  install: ['dependency_missing', 0.3],
  setup: ['dependency_missing', 0.2],
  git: ['orchestration_error', 0.5],
  merge: ['orchestration_error', 0.5],
  push: ['orchestration_error', 0.5],
  checkout: ['orchestration_error', 0.5],
  provider: ['provider_error', 0.55],
  model: ['provider_error', 0.55],
  validator: ['contract_violation', 0.3],
};

/** Validator types that are contract checks by definition. */
const VALIDATOR_PRIORS: ReadonlyArray<[RegExp, FailureClass, number]> = [
  [/forbidden|allowed[_-]?paths|api[_-]?(?:compat|extractor|diff|breaking)|breaking|contract|semver|openapi|schema[_-]?compat/i, 'contract_violation', 0.9],
  [/budget|quota|cost|turns?$/i, 'budget_exceeded', 0.85],
  [/^(?:tests?|unit|e2e|integration)$/i, 'test_fail', 0.5],
  [/^(?:lint|format|style)/i, 'lint_error', 0.5],
  [/^(?:build|typecheck|compile)/i, 'compile_error', 0.5],
];

export function contextEvidence(input: ClassifyInput): Evidence[] {
  const out: Evidence[] = [];
  const stage = input.stage?.trim().toLowerCase();
  const validator = input.validatorType?.trim();
  if (validator !== undefined && validator !== '') {
    const hit = VALIDATOR_PRIORS.find(([re]) => re.test(validator));
    if (hit !== undefined) out.push({ cls: hit[1], weight: hit[2], source: 'validator', rule: `validator:${validator}` });
  }
  const prior = stage === undefined ? undefined : STAGE_PRIORS[stage];
  // A validator stage's validatorType already said more than the stage can.
  if (prior !== undefined && !(stage === 'validator' && out.length > 0)) {
    out.push({ cls: prior[0], weight: prior[1], source: 'stage', rule: `stage:${stage ?? ''}` });
  }
  return out;
}

const KIND_PRIORS: Record<ToolKind, [FailureClass, number]> = {
  compiler: ['compile_error', 0.35],
  test: ['test_fail', 0.35],
  // Linters exit non-zero for violations and little else.
  lint: ['lint_error', 0.45],
  install: ['dependency_missing', 0.3],
  git: ['orchestration_error', 0.5],
  hosting: ['orchestration_error', 0.45],
  network: ['orchestration_error', 0.3],
  contract: ['contract_violation', 0.5],
};

export function commandEvidence(command: CommandFacts, scriptKinds: ReadonlySet<ToolKind>): Evidence[] {
  const out: Evidence[] = [];
  for (const kind of command.kinds) {
    const [cls, weight] = KIND_PRIORS[kind];
    out.push({ cls, weight, source: 'command', rule: `command:${kind}` });
  }
  // Tools seen only in an npm script body (`> tsc -p . && api-extractor run`) count a little less.
  for (const kind of scriptKinds) {
    if (command.kinds.has(kind)) continue;
    const [cls, weight] = KIND_PRIORS[kind];
    out.push({ cls, weight: weight * 0.8, source: 'command', rule: `script:${kind}` });
  }
  if (command.providerEnv) out.push({ cls: 'provider_error', weight: 0.35, source: 'command', rule: 'command:provider-env' });
  return out;
}
