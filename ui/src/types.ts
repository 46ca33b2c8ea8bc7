/**
 * The shapes the dashboard reads from /api/v1 (docs/api.md), as far as the pages use them.
 * Payloads the server keeps open (event payloads, evidence, definitions) stay `unknown` or
 * loose records and are narrowed where they are shown.
 */
export type Scope = 'admin' | 'operator' | 'agent' | 'viewer';

export interface Principal {
  id: string;
  name: string;
  scope: Scope;
  /** What the scope may do (read, record, operate, admin), as the server decides it. */
  permissions: ('read' | 'record' | 'operate' | 'admin')[];
}

export const TASK_STATUSES = [
  'awaiting_approval',
  'waiting',
  'scheduled',
  'queued',
  'running',
  'retrying',
  'succeeded',
  'failed',
  'escalated',
  'cancelled',
  'rejected',
  'blocked',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** Statuses in which something is moving (a worker will or does run it), so a page can say "live". */
export const MOVING_TASK_STATUSES: readonly string[] = ['queued', 'running', 'retrying'];
/** Statuses a task never leaves (escalated is not one: resolving it queues the task again). */
export const FINAL_TASK_STATUSES: readonly string[] = ['succeeded', 'failed', 'cancelled', 'rejected', 'blocked'];

export interface Task {
  id: string;
  kind: 'work' | 'reminder' | 'delivery';
  status: TaskStatus;
  spec: string | null;
  specVersion: number | null;
  specId: string | null;
  specVersionId: string | null;
  input: unknown;
  result: unknown;
  lastError: unknown;
  failureClass: string | null;
  attempt: number;
  maxAttempts: number;
  priority: number;
  runAt: string;
  concurrencyKey: string | null;
  concurrencyLimit: number | null;
  idempotencyKey: string | null;
  needsApproval: boolean;
  mode: string | null;
  timeoutMs: number | null;
  cancelRequested: boolean;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  scheduleId: string | null;
  fireTime: string | null;
  parentTaskId: string | null;
  lastRunId: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface Run {
  id: string;
  parentRunId: string | null;
  rootRunId: string | null;
  taskId: string | null;
  attempt: number;
  name: string | null;
  agent: string | null;
  specVersionId: string | null;
  profileVersionId: string | null;
  /** The spec and profile versions by name (null when the run has none). */
  spec: VersionRef | null;
  profile: VersionRef | null;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled' | 'timed_out' | 'lost';
  verdict: string | null;
  failureClass: string | null;
  error: unknown;
  output: unknown;
  metadata: Record<string, unknown>;
  tags: string[];
  turns: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  lastSeq: number;
  createdBy: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
}

export interface RunEvent {
  seq: number;
  type: string;
  ts: string;
  payload: Record<string, unknown>;
}

export interface TaskLogEntry {
  seq: number;
  type: string;
  ts: string;
  payload: Record<string, unknown>;
  principal: string;
}

export interface Approval {
  id: string;
  taskId: string;
  runId: string | null;
  kind: 'task' | 'patch' | 'tool_call';
  status: 'pending' | 'approved' | 'rejected' | 'cancelled';
  request: Record<string, unknown> | null;
  note: string | null;
  requestedAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
}

/** An approval in the inbox (`GET /approvals`, `/approvals/{id}`): with its task's summary and input. */
export interface InboxApproval extends Approval {
  /** The task now (null if it is gone). */
  task: { spec: VersionRef | null; status: TaskStatus; input: unknown } | null;
}

export interface TaskDetail {
  task: Task;
  attempts: Run[];
  dependsOn: { id: string; status: TaskStatus }[];
  dependents: { id: string; status: TaskStatus }[];
  approvals: Approval[];
}

export interface Decision {
  source: 'run' | 'task';
  runId: string | null;
  taskId: string | null;
  seq: number;
  ts: string;
  decisionType: string;
  inputs: unknown;
  output: unknown;
  confidence: number | null;
  reason: string | null;
}

export interface StatsGroup {
  key: string;
  runs: number;
  successes: number;
  failures: number;
  successRate: number | null;
  costUsd: number;
  avgCostUsd: number | null;
  avgDurationMs: number | null;
}

export interface Stats {
  by: string;
  since: string;
  until: string;
  total: Omit<StatsGroup, 'key'>;
  groups: StatsGroup[];
}

export interface EscalationOption {
  option: string;
  label: string;
  profile?: string;
  budgets?: Record<string, unknown>;
  estimate?: { runs: number; basis: string; avgCostUsd: number | null; successRate: number | null };
}

export interface EscalationEvidence {
  runId: string | null;
  status?: string;
  attempt?: number;
  verdict?: string | null;
  failureClass?: string | null;
  message?: string;
  summary?: string;
  failing?: { validator?: string; type?: string; verdict?: string; summary?: string }[];
  [key: string]: unknown;
}

export interface Escalation {
  id: string;
  taskId: string;
  runId: string | null;
  status: 'open' | 'acknowledged' | 'resolved' | 'dismissed';
  trigger: string;
  failureClass: string | null;
  evidence: EscalationEvidence[];
  options: EscalationOption[];
  openedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolution: string | null;
  note: string | null;
  /** The escalated task now (null if it is gone). */
  task: { spec: VersionRef | null; status: string; attempt: number; maxAttempts: number } | null;
}

/** A spec or profile version by name. */
export interface VersionRef {
  name: string;
  version: number;
}

export interface Schedule {
  id: string;
  name: string;
  spec: string;
  specId: string;
  cron: string;
  timezone: string;
  input: unknown;
  missed: string;
  priority: number;
  paused: boolean;
  nextFireAt: string | null;
  lastFireAt: string | null;
  deletedAt: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  nextFireTimes?: string[];
}

export interface SpecVersion {
  specId: string;
  specVersionId: string;
  name: string;
  version: number;
  executor: string;
  description: string | null;
  definition: unknown;
  createdAt: string;
  createdBy: string;
}

export interface ProfileVersion {
  profileId: string;
  profileVersionId: string;
  name: string;
  version: number;
  model: string;
  description: string | null;
  definition: unknown;
  createdAt: string;
  createdBy: string;
}

export type TaskCounts = Record<TaskStatus, number>;
