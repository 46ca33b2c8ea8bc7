/**
 * The Drizzle schema: the single source of table and column names and types. TypeScript keys are
 * camelCase, columns snake_case, mapped here once. Migrations in drizzle/ are generated from this
 * file (`npm run db:generate -- --name=...`) and test/schema-drift.test.ts fails when they disagree.
 *
 * Triggers and functions (event immutability, run status rules) live in custom SQL migrations.
 */
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
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
  ARTIFACT_STORAGES,
  FAILURE_CLASSES,
  RUN_STATUSES,
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
    taskId: uuid('task_id'),
    attempt: integer('attempt').notNull().default(1),
    name: text('name'),
    agent: text('agent'),
    specVersionId: uuid('spec_version_id'),
    profileVersionId: uuid('profile_version_id'),
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
