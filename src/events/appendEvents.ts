/**
 * Appending events: the recorder's hot path.
 *
 * Sequence numbers: the run row holds `last_seq`. An append is one statement that bumps it by the
 * batch size (taking the run's row lock) and inserts the batch numbered below the new value. The
 * row lock serialises appenders of the same run (appenders of different runs do not wait for each
 * other), and a failed statement changes nothing — so per run the sequence is gapless and
 * strictly increasing however many appenders race.
 *
 * Validation, redaction and payload spilling happen before the statement; a batch with one bad
 * event writes nothing. With a batchId, a retried batch (the client lost the response) returns
 * the original range instead of appending twice.
 */
import { sql } from 'drizzle-orm';
import { MAX_EVENT_PAYLOAD_BYTES, MAX_EVENTS_PER_BATCH } from '../config/config.js';
import { putArtifact, sha256Hex } from '../artifacts/artifactStore.js';
import { execRows, numberedSql, type Executor } from '../db/connection.js';
import { SQLSTATE, sqlstate, withTransientRetry } from '../db/sqlstate.js';
import { GafferError, formatPath, validationError, type FieldIssue } from '../errors.js';
import type { Resources } from '../resources.js';
import { checkEventPayload, isCustomEventType, isKnownEventType, KNOWN_EVENT_TYPES } from './eventTypes.js';

export interface EventInput {
  type: string;
  payload: unknown;
  /** When the event happened; defaults to the time of the append. */
  ts?: Date | string;
}

export interface AppendResult {
  appended: number;
  firstSeq: number;
  lastSeq: number;
}

/** The stored payload of an event whose payload was too large to keep in the row. */
export interface SpilledPayload {
  $spilled: { sha256: string; bytes: number; contentType: 'application/json' };
}

export interface PreparedEvent {
  type: string;
  ts: string;
  payloadJson: string;
  payloadSha256: string | null;
  spill?: Buffer;
}

export interface CounterDelta {
  turns: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export async function appendEvents(
  res: Resources,
  runId: string,
  inputs: readonly EventInput[],
  options: { batchId?: string } = {},
): Promise<AppendResult> {
  const batch = prepareBatch(res, inputs);
  // One statement, no explicit transaction: a statement is atomic by itself (see insertBatch).
  const result = await withTransientRetry(() => insertBatch(res, undefined, runId, batch, options.batchId));
  res.bus.emitAppended({ runId, lastSeq: result.lastSeq });
  return result;
}

/** A validated, redacted, serialised batch, ready to insert. */
export interface PreparedBatch {
  events: PreparedEvent[];
  delta: CounterDelta;
}

/** Validates, redacts and serialises a batch; throws naming the first bad field, writes nothing. */
export function prepareBatch(res: Resources, inputs: readonly EventInput[]): PreparedBatch {
  if (inputs.length === 0) {
    throw validationError('events', [{ path: 'events', message: 'must contain at least one event' }]);
  }
  if (inputs.length > MAX_EVENTS_PER_BATCH) {
    throw validationError('events', [
      { path: 'events', message: `at most ${MAX_EVENTS_PER_BATCH} events per batch; split the batch` },
    ]);
  }
  // One timestamp string for the batch: events without their own `ts` share it.
  const nowIso = res.now().toISOString();
  const events: PreparedEvent[] = [];
  const issues: FieldIssue[] = [];
  // Issues that are an unknown (present, non-empty) type; a missing type is plain validation.
  const unknownTypes: FieldIssue[] = [];
  const delta: CounterDelta = { turns: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
  inputs.forEach((input, i) => {
    const event = prepareEvent(res, input, i, nowIso, issues, unknownTypes);
    if (event) events.push(event);
    if (input?.type === 'llm_call') addLlmCounters(delta, input.payload);
  });
  if (issues.length > 0) {
    const unknown = unknownTypes[0];
    if (unknown && issues.length === 1) {
      throw new GafferError('UNKNOWN_EVENT_TYPE', `${unknown.path}: ${unknown.message}`, { details: { issues } });
    }
    throw validationError('events', issues);
  }
  return { events, delta };
}

/**
 * Inserts a prepared batch: one statement (after storing any spilled payloads). Works on its own
 * (autocommit) or inside the caller's transaction; the caller emits the bus notification after
 * its commit (`res.bus.emitAppended`).
 *
 * The statement bumps `runs.last_seq` (taking the run's row lock), inserts the events numbered
 * below the new value by their ordinality, and records the batchId — all or nothing. A second
 * batch with the same batchId fails on event_batches' primary key, writes nothing, and the
 * original range is returned instead (the expected case for a client's retry).
 *
 * Measured (2 cores, server Postgres, 4 concurrent runs, batches of 500): this statement inserts a
 * prepared batch at 0.90–1.00 of the raw INSERT rate of the same rows; BEGIN/UPDATE/INSERT/COMMIT
 * did 0.55.
 */
/**
 * Bumps `runs.last_seq` (taking the run's row lock), inserts the events numbered below the new
 * value by their ordinality, and records the batchId — one statement, all or nothing.
 * Parameters: run id, count, the four counter deltas, the recordset (JSON text), batch id.
 */
const APPEND_SQL = `
WITH bumped AS (
  UPDATE runs SET last_seq = last_seq + $2, turns = turns + $3, input_tokens = input_tokens + $4,
    output_tokens = output_tokens + $5, cost_usd = cost_usd + $6
  WHERE id = $1 RETURNING last_seq
),
inserted AS (
  INSERT INTO events (run_id, seq, type, ts, payload, payload_sha256)
  SELECT $1::uuid, bumped.last_seq - $2 + x.ord, x.type, x.ts, x.payload, x.payload_sha256
  FROM bumped, ROWS FROM (jsonb_to_recordset($7::jsonb)
    AS (type text, ts timestamptz, payload jsonb, payload_sha256 text)) WITH ORDINALITY AS x(type, ts, payload, payload_sha256, ord)
  RETURNING 1
),
batch AS (
  INSERT INTO event_batches (run_id, batch_id, first_seq, last_seq)
  SELECT $1::uuid, $8::text, bumped.last_seq - $2 + 1, bumped.last_seq
  FROM bumped WHERE $8::text IS NOT NULL
  RETURNING 1
)
SELECT last_seq FROM bumped`;

export async function insertBatch(
  res: Resources,
  /** A transaction to insert in; without one the insert is a statement of its own. */
  executor: Executor | undefined,
  runId: string,
  batch: PreparedBatch,
  batchId?: string,
): Promise<AppendResult> {
  const { events: prepared, delta } = batch;
  await spillPayloads(res, prepared);
  const n = prepared.length;
  const recordset = recordsetJson(prepared);
  const params = [runId, n, delta.turns, delta.inputTokens, delta.outputTokens, delta.costUsd, recordset, batchId ?? null];
  let rows: { last_seq: number }[];
  try {
    rows =
      executor === undefined
        ? await res.db.query<{ last_seq: number }>('gaffer_append', APPEND_SQL, params)
        : await execRows<{ last_seq: number }>(executor, numberedSql(APPEND_SQL, params));
  } catch (err) {
    if (batchId === undefined || sqlstate(err) !== SQLSTATE.uniqueViolation) throw err;
    const [seen] = await execRows<{ first_seq: number; last_seq: number }>(
      executor ?? res.db.drizzle,
      sql`SELECT first_seq, last_seq FROM event_batches WHERE run_id = ${runId} AND batch_id = ${batchId}`,
    );
    if (!seen) throw err;
    return { appended: seen.last_seq - seen.first_seq + 1, firstSeq: seen.first_seq, lastSeq: seen.last_seq };
  }
  const lastSeq = rows[0]?.last_seq;
  if (lastSeq === undefined) throw new GafferError('RUN_NOT_FOUND', `no run with id ${runId}; create it first (POST /api/v1/runs)`);
  return { appended: n, firstSeq: lastSeq - n + 1, lastSeq };
}

/**
 * Prepared events as the JSON array the insert statements read with jsonb_to_recordset (type, ts,
 * payload, payload_sha256). Payloads travel as their JSON text spliced in, not re-encoded.
 */
export function recordsetJson(events: readonly PreparedEvent[]): string {
  return `[${events
    .map((e) => {
      const sha = e.payloadSha256 === null ? 'null' : `"${e.payloadSha256}"`;
      return `{"type":${JSON.stringify(e.type)},"ts":"${e.ts}","payload_sha256":${sha},"payload":${e.payloadJson}}`;
    })
    .join(',')}]`;
}

/** Validates, redacts and serialises one event; pushes issues instead of throwing. */
function prepareEvent(
  res: Resources,
  input: EventInput,
  index: number,
  nowIso: string,
  issues: FieldIssue[],
  unknownTypes: FieldIssue[],
): PreparedEvent | undefined {
  const type: unknown = input?.type;
  if (type === undefined || type === null || type === '') {
    issues.push({ path: `events[${index}].type`, message: "is required (a typed kind or an 'x-' custom kind)" });
    return undefined;
  }
  if (typeof type !== 'string') {
    issues.push({ path: `events[${index}].type`, message: 'must be a string' });
    return undefined;
  }
  let payload: unknown = input.payload ?? {};
  if (isKnownEventType(input.type)) {
    const checked = checkEventPayload(input.type, payload);
    if (!checked.ok) {
      for (const issue of checked.issues) {
        issues.push({ path: `events[${index}].payload.${formatPath(issue.path)}`.replace(/\.\(root\)$/, ''), message: issue.message });
      }
      return undefined;
    }
    payload = checked.payload;
  } else if (!isCustomEventType(input.type)) {
    const issue = {
      path: `events[${index}].type`,
      message: `unknown event type '${input.type}'; use one of ${KNOWN_EVENT_TYPES.join(', ')}, or a custom type prefixed with 'x-'`,
    };
    issues.push(issue);
    unknownTypes.push(issue);
    return undefined;
  }
  let ts: string;
  if (input.ts === undefined) ts = nowIso;
  else {
    const date = input.ts instanceof Date ? input.ts : new Date(input.ts);
    if (Number.isNaN(date.getTime())) {
      issues.push({ path: `events[${index}].ts`, message: 'must be an ISO 8601 timestamp' });
      return undefined;
    }
    ts = date.toISOString();
  }
  // Serialise once; only a payload whose JSON may hold a secret is walked and copied.
  let payloadJson: string | undefined;
  try {
    payloadJson = JSON.stringify(payload);
    if (payloadJson !== undefined && res.redactor.jsonNeedsRedaction(payloadJson)) {
      payloadJson = JSON.stringify(res.redactor.value(payload));
    }
  } catch {
    payloadJson = undefined; // a BigInt or a cycle
  }
  if (payloadJson === undefined) {
    issues.push({ path: `events[${index}].payload`, message: 'must be a JSON value (no BigInt, cycles or functions)' });
    return undefined;
  }
  const bytes = Buffer.byteLength(payloadJson);
  if (bytes <= MAX_EVENT_PAYLOAD_BYTES) return { type: input.type, ts, payloadJson, payloadSha256: null };
  const spill = Buffer.from(payloadJson);
  const sha256 = sha256Hex(spill);
  const ref: SpilledPayload = { $spilled: { sha256, bytes, contentType: 'application/json' } };
  return { type: input.type, ts, payloadJson: JSON.stringify(ref), payloadSha256: sha256, spill };
}

/**
 * Stores over-size payloads as artifacts before the events that reference them. If the event
 * insert then fails, the artifacts stay: content-addressed, harmless, and reused on a retry.
 */
async function spillPayloads(res: Resources, prepared: PreparedEvent[]): Promise<void> {
  for (const event of prepared) {
    if (event.spill) {
      const bytes = event.spill;
      await res.db.transaction((tx) => putArtifact(tx, res.blobs, bytes, 'application/json'));
    }
  }
}

function addLlmCounters(delta: CounterDelta, payload: unknown): void {
  const p = payload as { usage?: { inputTokens?: number; outputTokens?: number }; costUsd?: number } | undefined;
  delta.turns += 1;
  delta.inputTokens += p?.usage?.inputTokens ?? 0;
  delta.outputTokens += p?.usage?.outputTokens ?? 0;
  delta.costUsd += p?.costUsd ?? 0;
}

export function isSpilledPayload(payload: unknown): payload is SpilledPayload {
  return typeof payload === 'object' && payload !== null && '$spilled' in payload;
}
