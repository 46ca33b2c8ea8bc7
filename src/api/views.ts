/**
 * Response shapes: one zod schema per resource, used both to serialise and to document (OpenAPI).
 */
import { z } from 'zod';
import { FAILURE_CLASSES, RUN_STATUSES, TOKEN_SCOPES, VERDICTS } from '../db/vocabulary.js';
import type { Resources } from '../resources.js';
import type { Run } from '../runs/runs.js';
import { versionRefs, type VersionRef } from '../specs/specStore.js';

export const errorEnvelope = z
  .object({
    error: z.object({
      code: z.string().describe('stable SCREAMING_SNAKE code, see docs/errors.md'),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .describe('Error');

const versionRefView = z.object({ name: z.string(), version: z.number().int() });

export const runView = z
  .object({
    id: z.uuid(),
    parentRunId: z.uuid().nullable(),
    rootRunId: z.uuid().nullable(),
    taskId: z.uuid().nullable(),
    attempt: z.number().int(),
    name: z.string().nullable(),
    agent: z.string().nullable(),
    specVersionId: z.uuid().nullable(),
    spec: versionRefView.nullable().describe('the spec version a task attempt ran (null for runs outside tasks)'),
    profileVersionId: z.uuid().nullable(),
    profile: versionRefView.nullable().describe('the profile (model) routing chose for the attempt; null until it chose, or with no profile'),
    status: z.enum(RUN_STATUSES),
    verdict: z.enum(VERDICTS).nullable(),
    failureClass: z.enum(FAILURE_CLASSES).nullable(),
    error: z.unknown(),
    output: z.unknown(),
    metadata: z.record(z.string(), z.unknown()),
    tags: z.array(z.string()),
    turns: z.number().int(),
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
    costUsd: z.number(),
    lastSeq: z.number().int(),
    createdBy: z.string().nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    durationMs: z.number().int().nullable(),
  })
  .describe('Run');

export type RunView = z.infer<typeof runView>;

/** Runs as the API shows them, with the names of their spec and profile versions (two queries). */
export async function toRunViews(res: Resources, list: readonly Run[]): Promise<RunView[]> {
  const refs = await versionRefs(res, { specVersionIds: list.map((r) => r.specVersionId), profileVersionIds: list.map((r) => r.profileVersionId) });
  return list.map((run) => toRunView(run, refs));
}

export async function loadRunView(res: Resources, run: Run): Promise<RunView> {
  return (await toRunViews(res, [run]))[0]!;
}

export function toRunView(run: Run, refs?: { specs: Map<string, VersionRef>; profiles: Map<string, VersionRef> }): RunView {
  return {
    id: run.id,
    parentRunId: run.parentRunId,
    rootRunId: run.rootRunId,
    taskId: run.taskId,
    attempt: run.attempt,
    name: run.name,
    agent: run.agent,
    specVersionId: run.specVersionId,
    spec: (run.specVersionId && refs?.specs.get(run.specVersionId)) || null,
    profileVersionId: run.profileVersionId,
    profile: (run.profileVersionId && refs?.profiles.get(run.profileVersionId)) || null,
    status: run.status,
    verdict: run.verdict,
    failureClass: run.failureClass,
    error: run.error,
    output: run.output,
    metadata: (run.metadata ?? {}) as Record<string, unknown>,
    tags: run.tags,
    turns: run.turns,
    inputTokens: run.inputTokens,
    outputTokens: run.outputTokens,
    costUsd: run.costUsd,
    lastSeq: run.lastSeq,
    createdBy: run.createdBy,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt ? run.finishedAt.toISOString() : null,
    durationMs: run.durationMs,
  };
}

export const eventView = z
  .object({
    seq: z.number().int(),
    type: z.string(),
    ts: z.string(),
    payload: z.unknown(),
  })
  .describe('Event');

export const artifactMetaView = z
  .object({
    sha256: z.string(),
    bytes: z.number().int(),
    contentType: z.string(),
    storage: z.enum(['inline', 'blob_fs', 'blob_db']),
  })
  .describe('ArtifactMeta');

export const tokenView = z.object({
  id: z.uuid(),
  name: z.string(),
  scope: z.enum(TOKEN_SCOPES),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

/** `?status=a` or `?status=a,b`: one status or several (any of them). */
export function statusesQuery<T extends readonly [string, ...string[]]>(values: T) {
  return z
    .string()
    .transform((text) => text.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)).min(1))
    .describe(`one of ${values.join(', ')}, or several separated by commas`)
    .optional();
}

export const cursorQuery = z.string().optional().describe('`next` of the previous page; omit for the first page');



/** A point in time in a query: an ISO 8601 date-time with its offset, or a date (its midnight UTC). */
export function timeQuery(description: string) {
  return z
    .union([z.iso.datetime({ offset: true }), z.iso.date()])
    .optional()
    .describe(`${description}: 2026-12-01T09:00:00Z, or 2026-12-01 for that day's midnight UTC`);
}

/** The Date of a timeQuery value (a bare date is midnight UTC). */
export function timeOf(value: string): Date {
  return new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
}
