/** The API's shapes, as far as the dashboard reads them (docs/api.md). */
export interface Task {
  id: string;
  kind: string;
  status: string;
  spec: string | null;
  specVersion: number | null;
  input: unknown;
  result: unknown;
  lastError: unknown;
  failureClass: string | null;
  attempt: number;
  maxAttempts: number;
  priority: number;
  runAt: string;
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
  parentTaskId: string | null;
  scheduleId: string | null;
}

export interface Run {
  id: string;
  taskId: string | null;
  attempt: number | null;
  name: string | null;
  status: string;
  verdict: string | null;
  failureClass: string | null;
  error: unknown;
  output: unknown;
  startedAt?: string;
  endedAt?: string | null;
  durationMs?: number | null;
  turns?: number;
  costUsd?: number;
  inputTokens?: number;
  outputTokens?: number;
}

export interface TaskDetail {
  task: Task;
  attempts: Run[];
  dependsOn: { id: string; status: string }[];
  dependents: { id: string; status: string }[];
  approvals: Approval[];
}

export interface Approval {
  id: string;
  taskId: string;
  runId: string | null;
  kind: string;
  status: string;
  request: { spec?: string; reason?: string; [k: string]: unknown };
  note: string | null;
  requestedAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
}

export interface EscalationOption {
  option: string;
  label: string;
  profile?: string;
  estimate?: { runs: number; basis: string; avgCostUsd: number | null; successRate: number | null };
}

export interface Escalation {
  id: string;
  taskId: string;
  runId: string | null;
  status: string;
  trigger: string;
  failureClass: string | null;
  evidence: { runId: string; status: string; attempt: number; summary?: string; failureClass?: string; failing?: { validator?: string; type?: string; summary?: string }[] }[];
  options: EscalationOption[];
  openedAt: string;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolution: string | null;
  note: string | null;
}

export interface Schedule {
  id: string;
  name: string;
  spec: string;
  cron: string;
  timezone: string;
  paused: boolean;
  nextFireAt: string | null;
  lastFireAt: string | null;
  nextFireTimes: string[];
  missed: string;
}

export interface RunEvent {
  seq: number;
  type: string;
  ts: string;
  payload: Record<string, unknown>;
}

export interface Decision {
  source: string;
  runId: string | null;
  taskId: string | null;
  seq: number;
  ts: string;
  decisionType: string;
  output: unknown;
  reason: string | null;
}

export interface StatsGroup {
  key: string;
  runs: number;
  successes: number;
  failures: number;
  successRate: number | null;
  costUsd: number;
}

export interface Stats {
  total: StatsGroup;
  groups: StatsGroup[];
}

export interface Version {
  name: string;
  version: number;
  description: string | null;
  definition: Record<string, unknown>;
  createdAt: string;
  createdBy: string | null;
}
