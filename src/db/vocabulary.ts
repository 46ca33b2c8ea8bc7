/**
 * Every status vocabulary in Gaffer, one `as const` array each. The schema derives its CHECK
 * constraints from these arrays, so the database and the code cannot disagree about a value.
 */

/** A run is one attempt at a piece of work; the recorder's unit. */
export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'lost'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_RUN_STATUSES = ['succeeded', 'failed', 'cancelled', 'timed_out', 'lost'] as const;
export type TerminalRunStatus = (typeof TERMINAL_RUN_STATUSES)[number];

/** Verdict of the acceptance gate on a run. */
export const VERDICTS = ['passed', 'failed', 'error'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Why a run failed; each class implies a different next action (docs/glossary.md). */
export const FAILURE_CLASSES = [
  'compile_error',
  'test_fail',
  'lint_error',
  'dependency_missing',
  'contract_violation',
  'orchestration_error',
  'budget_exceeded',
  'timeout',
  'resource_exhausted',
  'provider_error',
  'unknown',
] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

/** Token scopes, strongest first. */
export const TOKEN_SCOPES = ['admin', 'operator', 'agent', 'viewer'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** Where an artifact's bytes live. */
export const ARTIFACT_STORAGES = ['inline', 'blob_fs', 'blob_db'] as const;
export type ArtifactStorage = (typeof ARTIFACT_STORAGES)[number];

export function isTerminalRunStatus(status: RunStatus): status is TerminalRunStatus {
  return (TERMINAL_RUN_STATUSES as readonly string[]).includes(status);
}

/** SQL list literal for a CHECK constraint: ('a', 'b'). Values are our own constants, never input. */
export function sqlList(values: readonly string[]): string {
  return `(${values.map((v) => `'${v}'`).join(', ')})`;
}

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
