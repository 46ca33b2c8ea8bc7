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

/**
 * The task state machine (docs/state-machines.md). TASK_TRANSITIONS is the whole of it: the
 * database holds the same pairs in `task_transitions` and a trigger refuses any other change.
 */
export const TASK_STATUSES = [
  'awaiting_approval',
  'waiting', // for dependencies to succeed
  'scheduled', // for its run_at time
  'queued',
  'running',
  'retrying', // waiting to retry (run_at is the retry time)
  'succeeded',
  'failed',
  'escalated',
  'cancelled',
  'rejected',
  'blocked', // a dependency failed, so this task can never run
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Statuses a worker may claim from, once `run_at` has come. */
export const CLAIMABLE_TASK_STATUSES = ['queued', 'scheduled', 'retrying'] as const;
export const FINAL_TASK_STATUSES = ['succeeded', 'failed', 'cancelled', 'rejected', 'blocked'] as const;

export const TASK_TRANSITIONS: readonly (readonly [TaskStatus, TaskStatus])[] = [
  ['awaiting_approval', 'waiting'],
  ['awaiting_approval', 'scheduled'],
  ['awaiting_approval', 'queued'],
  ['awaiting_approval', 'rejected'],
  ['awaiting_approval', 'cancelled'],
  ['awaiting_approval', 'blocked'],
  ['waiting', 'queued'],
  ['waiting', 'scheduled'],
  ['waiting', 'blocked'],
  ['waiting', 'cancelled'],
  ['scheduled', 'running'],
  ['scheduled', 'queued'],
  ['scheduled', 'cancelled'],
  ['queued', 'running'],
  ['queued', 'cancelled'],
  ['running', 'succeeded'],
  ['running', 'failed'],
  ['running', 'retrying'],
  ['running', 'queued'], // lease expired: the attempt is lost, the task goes back to the queue
  ['running', 'escalated'],
  ['running', 'cancelled'],
  ['running', 'awaiting_approval'], // a proposal (propose mode) waits for a person
  ['retrying', 'running'],
  ['retrying', 'queued'],
  ['retrying', 'cancelled'],
  ['failed', 'escalated'],
  ['failed', 'queued'], // retried by a person
  ['escalated', 'queued'], // resolved with a retry option
  ['escalated', 'failed'], // dismissed
  ['escalated', 'cancelled'], // resolved with abort
];

/** work: a spec's task; reminder: a reminder_due at a time; delivery: a notification to send. */
export const TASK_KINDS = ['work', 'reminder', 'delivery'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'cancelled'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];
/** What an approval gates: a whole task, a proposed patch, or one tool call. */
export const APPROVAL_KINDS = ['task', 'patch', 'tool_call'] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];

export const MISSED_RUN_POLICIES = ['skip', 'once', 'all'] as const;
export type MissedRunPolicy = (typeof MISSED_RUN_POLICIES)[number];

/** Agent autonomy: one vocabulary in the database, the API and the docs. */
export const MODES = ['observe', 'propose', 'autonomous'] as const;
export type Mode = (typeof MODES)[number];

/** The people's inbox: an escalation's lifecycle (open → acknowledged → resolved | dismissed). */
export const ESCALATION_STATUSES = ['open', 'acknowledged', 'resolved', 'dismissed'] as const;
export type EscalationStatus = (typeof ESCALATION_STATUSES)[number];

/** What an escalation offers; the retry options re-queue the task with the option applied. */
export const ESCALATION_OPTIONS = ['retry_stronger', 'retry_larger_budget', 'retry', 'amend_spec', 'abort'] as const;
export type EscalationOption = (typeof ESCALATION_OPTIONS)[number];

/** Why an escalation was opened. */
export const ESCALATION_TRIGGERS = ['retries_exhausted', 'no_retry_class', 'no_progress'] as const;
export type EscalationTrigger = (typeof ESCALATION_TRIGGERS)[number];

/** Failure classes escalated at once instead of retried, unless a spec says otherwise. */
export const DEFAULT_NO_RETRY_CLASSES: readonly FailureClass[] = ['contract_violation', 'budget_exceeded', 'unknown'];
