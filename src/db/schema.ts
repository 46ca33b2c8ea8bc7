/**
 * The Drizzle schema: the single source of table and column names and types. TypeScript keys are
 * camelCase, columns snake_case, mapped here once. Migrations in drizzle/ are generated from this
 * file (`npm run db:generate -- --name=...`) and test/db/migrations.test.ts fails when they disagree.
 *
 * Triggers and functions (event immutability, run status rules) live in custom SQL migrations.
 */
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import {
  APPROVAL_KINDS,
  APPROVAL_STATUSES,
  ARTIFACT_STORAGES,
  CLAIMABLE_TASK_STATUSES,
  ESCALATION_OPTIONS,
  ESCALATION_STATUSES,
  ESCALATION_TRIGGERS,
  FAILURE_CLASSES,
  MISSED_RUN_POLICIES,
  MODES,
  RUN_STATUSES,
  TASK_KINDS,
  TASK_STATUSES,
  TOKEN_SCOPES,
  VERDICTS,
  sqlList,
} from './vocabulary.js';

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

/**
 * Runs: one attempt at a piece of work. Recorder runs have no task; task attempts (the queue) set
 * taskId and attempt. Sub-agents are child runs (parentRunId). Spec and profile versions are the
 * exact versions an attempt used (tables arrive with the task lifecycle).
 */
export const runs = pgTable(
  'runs',
  {
    id: uuid('id').primaryKey(),
    parentRunId: uuid('parent_run_id').references((): AnyPgColumn => runs.id),
    rootRunId: uuid('root_run_id'),
    taskId: uuid('task_id').references((): AnyPgColumn => tasks.id),
    attempt: integer('attempt').notNull().default(1),
    name: text('name'),
    agent: text('agent'),
    specVersionId: uuid('spec_version_id').references((): AnyPgColumn => specVersions.id),
    profileVersionId: uuid('profile_version_id').references((): AnyPgColumn => profileVersions.id),
    status: text('status', { enum: RUN_STATUSES }).notNull().default('running'),
    verdict: text('verdict', { enum: VERDICTS }),
    failureClass: text('failure_class', { enum: FAILURE_CLASSES }),
    /** Structured failure context: file, line, failing tests, summary... */
    error: jsonb('error'),
    /** Free-form result the agent reports on finish (its summary, outputs). */
    output: jsonb('output'),
    metadata: jsonb('metadata').notNull().default({}),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    turns: integer('turns').notNull().default(0),
    inputTokens: bigint('input_tokens', { mode: 'number' }).notNull().default(0),
    outputTokens: bigint('output_tokens', { mode: 'number' }).notNull().default(0),
    costUsd: numeric('cost_usd', { precision: 14, scale: 6, mode: 'number' }).notNull().default(0),
    /** Highest event sequence number; appenders bump it under the row lock (gapless per run). */
    lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
    createdBy: text('created_by'),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
    durationMs: bigint('duration_ms', { mode: 'number' }),
    createdAt: createdAt(),
  },
  (t) => [
    check('runs_status_check', sql.raw(`status IN ${sqlList(RUN_STATUSES)}`)),
    check('runs_verdict_check', sql.raw(`verdict IS NULL OR verdict IN ${sqlList(VERDICTS)}`)),
    check(
      'runs_failure_class_check',
      sql.raw(`failure_class IS NULL OR failure_class IN ${sqlList(FAILURE_CLASSES)}`),
    ),
    check('runs_attempt_check', sql`${t.attempt} >= 1`),
    index('runs_parent_idx').on(t.parentRunId),
    index('runs_task_idx').on(t.taskId, t.attempt),
    index('runs_status_id_idx').on(t.status, t.id),
    index('runs_started_at_idx').on(t.startedAt),
  ],
);

/**
 * Events: append-only, sequenced per run. A trigger (migration 0001) rejects UPDATE, DELETE and
 * TRUNCATE. Payloads above MAX_EVENT_PAYLOAD_BYTES are stored as an artifact named by payloadSha256,
 * and `payload` then holds a reference object (see src/events/appendEvents.ts).
 */
export const events = pgTable(
  'events',
  {
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    type: text('type').notNull(),
    ts: timestamp('ts', { withTimezone: true, mode: 'date' }).notNull(),
    payload: jsonb('payload').notNull(),
    payloadSha256: text('payload_sha256'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: 'events_pkey', columns: [t.runId, t.seq] }),
    check('events_seq_check', sql`${t.seq} >= 1`),
    index('events_type_idx').on(t.type, t.runId),
  ],
);

/**
 * Idempotent batch appends: a client that retries a batch after a lost response gets the original
 * sequence range back instead of appending twice.
 */
export const eventBatches = pgTable(
  'event_batches',
  {
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id),
    batchId: text('batch_id').notNull(),
    firstSeq: bigint('first_seq', { mode: 'number' }).notNull(),
    lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ name: 'event_batches_pkey', columns: [t.runId, t.batchId] })],
);

/** Content-addressed artifacts (sha256 of the stored bytes), deduplicated by primary key. */
export const artifacts = pgTable(
  'artifacts',
  {
    sha256: text('sha256').primaryKey(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    contentType: text('content_type').notNull(),
    storage: text('storage', { enum: ARTIFACT_STORAGES }).notNull(),
    inlineData: bytea('inline_data'),
    createdAt: createdAt(),
  },
  () => [
    check('artifacts_storage_check', sql.raw(`storage IN ${sqlList(ARTIFACT_STORAGES)}`)),
    check('artifacts_sha256_check', sql.raw(`sha256 ~ '^[0-9a-f]{64}$'`)),
    check('artifacts_inline_check', sql.raw(`(storage = 'inline') = (inline_data IS NOT NULL)`)),
  ],
);

/** Blob storage for large artifacts on server Postgres: 1 MiB chunks, shared by every machine. */
export const artifactChunks = pgTable(
  'artifact_chunks',
  {
    sha256: text('sha256')
      .notNull()
      .references(() => artifacts.sha256),
    idx: integer('idx').notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [primaryKey({ name: 'artifact_chunks_pkey', columns: [t.sha256, t.idx] })],
);

/** API tokens, stored as sha256 hashes; the plaintext is shown once at creation. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    scope: text('scope', { enum: TOKEN_SCOPES }).notNull(),
    tokenHash: text('token_hash').notNull(),
    /** First characters of the token, to tell tokens apart in listings. */
    prefix: text('prefix').notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    check('api_tokens_scope_check', sql.raw(`scope IN ${sqlList(TOKEN_SCOPES)}`)),
    uniqueIndex('api_tokens_hash_idx').on(t.tokenHash),
  ],
);

/** Named agent configurations; each change is a new row in profile_versions. */
export const profiles = pgTable('profiles', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull().unique('profiles_name_key'),
  latestVersion: integer('latest_version').notNull(),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/** An immutable version of a profile; runs point at the exact version they used. */
export const profileVersions = pgTable(
  'profile_versions',
  {
    id: uuid('id').primaryKey(),
    profileId: uuid('profile_id')
      .notNull()
      .references(() => profiles.id),
    version: integer('version').notNull(),
    definition: jsonb('definition').notNull(),
    /** sha256 of the canonical JSON of the definition: re-applying unchanged content is a no-op. */
    contentHash: text('content_hash').notNull(),
    createdBy: text('created_by'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('profile_versions_version_idx').on(t.profileId, t.version)],
);

/** Named kinds of work; each change is a new row in spec_versions. */
export const specs = pgTable('specs', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull().unique('specs_name_key'),
  latestVersion: integer('latest_version').notNull(),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const specVersions = pgTable(
  'spec_versions',
  {
    id: uuid('id').primaryKey(),
    specId: uuid('spec_id')
      .notNull()
      .references(() => specs.id),
    version: integer('version').notNull(),
    /** The executor that runs this spec's tasks: 'shell', 'agent', 'cli_agent'. */
    executor: text('executor').notNull(),
    definition: jsonb('definition').notNull(),
    contentHash: text('content_hash').notNull(),
    createdBy: text('created_by'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('spec_versions_version_idx').on(t.specId, t.version)],
);

/** Periodic schedules: each fire time materialises at most one task. */
export const schedules = pgTable(
  'schedules',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    specId: uuid('spec_id')
      .notNull()
      .references(() => specs.id),
    input: jsonb('input').notNull().default({}),
    cron: text('cron').notNull(),
    timezone: text('timezone').notNull().default('UTC'),
    missed: text('missed', { enum: MISSED_RUN_POLICIES }).notNull().default('skip'),
    priority: integer('priority').notNull().default(0),
    paused: boolean('paused').notNull().default(false),
    /** The next fire time not yet materialised; computed from the database clock. */
    nextFireAt: timestamp('next_fire_at', { withTimezone: true, mode: 'date' }),
    lastFireAt: timestamp('last_fire_at', { withTimezone: true, mode: 'date' }),
    /** Deleted schedules stay (their tasks point at them) but never fire again. */
    deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    check('schedules_missed_check', sql.raw(`missed IN ${sqlList(MISSED_RUN_POLICIES)}`)),
    // Names are unique among live schedules; a deleted schedule's name can be used again.
    uniqueIndex('schedules_name_idx').on(t.name).where(sql`deleted_at IS NULL`),
    index('schedules_due_idx').on(t.nextFireAt).where(sql`NOT paused AND deleted_at IS NULL`),
  ],
);

/**
 * Tasks: work orders. `attempt` is the fencing token: claiming increments it, and a worker can
 * complete, heartbeat or fail a task only with the attempt it claimed.
 */
export const tasks = pgTable(
  'tasks',
  {
    id: uuid('id').primaryKey(),
    kind: text('kind', { enum: TASK_KINDS }).notNull().default('work'),
    specId: uuid('spec_id').references(() => specs.id),
    specVersionId: uuid('spec_version_id').references(() => specVersions.id),
    input: jsonb('input').notNull().default({}),
    status: text('status', { enum: TASK_STATUSES }).notNull(),
    priority: integer('priority').notNull().default(0),
    /** Not claimable before this time (deferred tasks, retry backoff). */
    runAt: timestamp('run_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    idempotencyKey: text('idempotency_key'),
    concurrencyKey: text('concurrency_key'),
    concurrencyLimit: integer('concurrency_limit').notNull().default(1),
    needsApproval: boolean('needs_approval').notNull().default(false),
    attempt: integer('attempt').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(1),
    timeoutMs: integer('timeout_ms'),
    /** A mode the submitter lowered the spec's mode to (never higher than the spec's). */
    mode: text('mode', { enum: MODES }),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true, mode: 'date' }),
    cancelRequested: boolean('cancel_requested').notNull().default(false),
    scheduleId: uuid('schedule_id').references(() => schedules.id),
    fireTime: timestamp('fire_time', { withTimezone: true, mode: 'date' }),
    /** The task this one is a fallback of (the fallback spec runs as a new, linked task). */
    parentTaskId: uuid('parent_task_id').references((): AnyPgColumn => tasks.id),
    lastRunId: uuid('last_run_id'),
    result: jsonb('result'),
    lastError: jsonb('last_error'),
    failureClass: text('failure_class', { enum: FAILURE_CLASSES }),
    /** Per-attempt overrides applied by a person (a stronger profile, a larger budget). */
    overrides: jsonb('overrides').notNull().default({}),
    lastEventSeq: bigint('last_event_seq', { mode: 'number' }).notNull().default(0),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    check('tasks_status_check', sql.raw(`status IN ${sqlList(TASK_STATUSES)}`)),
    check('tasks_kind_check', sql.raw(`kind IN ${sqlList(TASK_KINDS)}`)),
    check('tasks_mode_check', sql.raw(`mode IS NULL OR mode IN ${sqlList(MODES)}`)),
    check('tasks_failure_class_check', sql.raw(`failure_class IS NULL OR failure_class IN ${sqlList(FAILURE_CLASSES)}`)),
    check('tasks_work_has_spec_check', sql.raw(`kind <> 'work' OR spec_version_id IS NOT NULL`)),
    check('tasks_concurrency_limit_check', sql`${t.concurrencyLimit} >= 1`),
    check('tasks_max_attempts_check', sql`${t.maxAttempts} >= 1`),
    // Sparse columns get partial indexes: every non-HOT update of a task (each status change)
    // inserts into every index whose predicate the new row meets, NULL keys included.
    uniqueIndex('tasks_idempotency_key_idx').on(t.idempotencyKey).where(sql`idempotency_key IS NOT NULL`),
    uniqueIndex('tasks_schedule_fire_idx').on(t.scheduleId, t.fireTime).where(sql`schedule_id IS NOT NULL`),
    // The claim query's index: only claimable rows, in claim order.
    index('tasks_claim_idx')
      .on(t.priority.desc(), t.runAt, t.id)
      .where(sql.raw(`status IN ${sqlList(CLAIMABLE_TASK_STATUSES)}`)),
    // Held leases (only running tasks hold one). Not `WHERE status = 'running'`: with that
    // predicate the planner answered "this running task" lookups with a bitmap scan of this index,
    // which visits every dead entry a busy queue leaves until vacuum (0.09 ms at 3,000).
    index('tasks_lease_idx').on(t.leaseExpiresAt).where(sql`lease_expires_at IS NOT NULL`),
    index('tasks_status_idx').on(t.status, t.id),
    index('tasks_spec_idx').on(t.specId, t.id),
    index('tasks_parent_idx').on(t.parentTaskId).where(sql`parent_task_id IS NOT NULL`),
  ],
);

/** Task A depends on task B: A waits until every B has succeeded, and is blocked if one fails. */
export const taskDependencies = pgTable(
  'task_dependencies',
  {
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id),
    dependsOnId: uuid('depends_on_id')
      .notNull()
      .references(() => tasks.id),
  },
  (t) => [
    primaryKey({ name: 'task_dependencies_pkey', columns: [t.taskId, t.dependsOnId] }),
    index('task_dependencies_depends_on_idx').on(t.dependsOnId),
    check('task_dependencies_not_self_check', sql`${t.taskId} <> ${t.dependsOnId}`),
  ],
);

/**
 * A task's own append-only log (status changes, approval decisions with their principal, retry
 * decisions, reminders due), sequenced per task like run events; same immutability trigger.
 */
export const taskEvents = pgTable(
  'task_events',
  {
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    type: text('type').notNull(),
    ts: timestamp('ts', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    payload: jsonb('payload').notNull(),
    /** Who caused it: `scope:name` of a token, `worker:<id>`, `scheduler`, `system`. */
    principal: text('principal'),
  },
  (t) => [
    primaryKey({ name: 'task_events_pkey', columns: [t.taskId, t.seq] }),
    index('task_events_type_idx').on(t.type, t.ts),
  ],
);

/** Running tasks per concurrency key; the row lock makes the cap exact across workers. */
export const concurrencySlots = pgTable(
  'concurrency_slots',
  {
    key: text('key').primaryKey(),
    running: integer('running').notNull().default(0),
  },
  (t) => [check('concurrency_slots_running_check', sql`${t.running} >= 0`)],
);

/** Durable approvals: resolved only by explicit id, only by a person's token, audited. */
export const approvals = pgTable(
  'approvals',
  {
    id: uuid('id').primaryKey(),
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id),
    runId: uuid('run_id').references(() => runs.id),
    kind: text('kind', { enum: APPROVAL_KINDS }).notNull(),
    status: text('status', { enum: APPROVAL_STATUSES }).notNull().default('pending'),
    /** What is to be approved: the reason, a patch artifact, the tool call. */
    request: jsonb('request').notNull().default({}),
    note: text('note'),
    requestedAt: timestamp('requested_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
    decidedBy: text('decided_by'),
  },
  (t) => [
    check('approvals_kind_check', sql.raw(`kind IN ${sqlList(APPROVAL_KINDS)}`)),
    check('approvals_status_check', sql.raw(`status IN ${sqlList(APPROVAL_STATUSES)}`)),
    uniqueIndex('approvals_one_pending_idx').on(t.taskId, t.kind).where(sql`status = 'pending'`),
    // The inbox lists by status, newest first by id (UUIDv7), paging by id.
    index('approvals_status_idx').on(t.status, t.id),
  ],
);

/** The allowed task status changes; the trigger on tasks refuses any other (migration 0003). */
export const taskTransitions = pgTable(
  'task_transitions',
  {
    fromStatus: text('from_status').notNull(),
    toStatus: text('to_status').notNull(),
  },
  (t) => [primaryKey({ name: 'task_transitions_pkey', columns: [t.fromStatus, t.toStatus] })],
);

/**
 * One row per finished run, success or failure: what the learning loop and `GET /api/v1/stats`
 * read. Written by the database itself (trigger runs_outcome, migration 0007) the moment a run
 * leaves `running`, whichever path finished it, from the run and its events.
 */
export const outcomes = pgTable(
  'outcomes',
  {
    runId: uuid('run_id')
      .primaryKey()
      .references(() => runs.id),
    taskId: uuid('task_id').references(() => tasks.id),
    attempt: integer('attempt'),
    specVersionId: uuid('spec_version_id').references(() => specVersions.id),
    profileVersionId: uuid('profile_version_id').references(() => profileVersions.id),
    status: text('status', { enum: RUN_STATUSES }).notNull(),
    success: boolean('success').notNull(),
    verdict: text('verdict', { enum: VERDICTS }),
    failureClass: text('failure_class', { enum: FAILURE_CLASSES }),
    costUsd: numeric('cost_usd', { precision: 14, scale: 6, mode: 'number' }).notNull().default(0),
    durationMs: bigint('duration_ms', { mode: 'number' }),
    inputTokens: bigint('input_tokens', { mode: 'number' }).notNull().default(0),
    outputTokens: bigint('output_tokens', { mode: 'number' }).notNull().default(0),
    /** The routing decision's rule and reason, when the run was routed. */
    routeRule: text('route_rule'),
    routeReason: text('route_reason'),
    diffFiles: integer('diff_files'),
    diffLines: integer('diff_lines'),
    /** Validator name → duration (ms), from the run's validator_result events. */
    validatorDurations: jsonb('validator_durations').notNull().default({}),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    check('outcomes_status_check', sql.raw(`status IN ${sqlList(RUN_STATUSES)}`)),
    index('outcomes_finished_at_idx').on(t.finishedAt),
    index('outcomes_profile_idx').on(t.profileVersionId, t.finishedAt),
    index('outcomes_spec_idx').on(t.specVersionId, t.finishedAt),
  ],
);

/** The people's inbox: a task Gaffer could not finish, with its evidence and what a person can do. */
export const escalations = pgTable(
  'escalations',
  {
    id: uuid('id').primaryKey(),
    taskId: uuid('task_id')
      .notNull()
      .references(() => tasks.id),
    /** The last attempt's run. */
    runId: uuid('run_id').references(() => runs.id),
    status: text('status', { enum: ESCALATION_STATUSES }).notNull().default('open'),
    trigger: text('trigger', { enum: ESCALATION_TRIGGERS }).notNull(),
    failureClass: text('failure_class', { enum: FAILURE_CLASSES }),
    /** The last attempts: run, status, verdict, class, message, failing checks. */
    evidence: jsonb('evidence').notNull().default([]),
    /** The options offered, each with its estimate from past outcomes where there are any. */
    options: jsonb('options').notNull().default([]),
    openedAt: timestamp('opened_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true, mode: 'date' }),
    acknowledgedBy: text('acknowledged_by'),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
    resolvedBy: text('resolved_by'),
    /** The option chosen when resolved; null when dismissed. */
    resolution: text('resolution', { enum: ESCALATION_OPTIONS }),
    note: text('note'),
  },
  (t) => [
    check('escalations_status_check', sql.raw(`status IN ${sqlList(ESCALATION_STATUSES)}`)),
    check('escalations_trigger_check', sql.raw(`trigger IN ${sqlList(ESCALATION_TRIGGERS)}`)),
    check('escalations_resolution_check', sql.raw(`resolution IS NULL OR resolution IN ${sqlList(ESCALATION_OPTIONS)}`)),
    // The inbox lists by status, newest first by id (UUIDv7), paging by id.
    index('escalations_status_idx').on(t.status, t.id),
    index('escalations_task_idx').on(t.taskId),
    uniqueIndex('escalations_one_open_idx').on(t.taskId).where(sql`status IN ('open', 'acknowledged')`),
  ],
);
