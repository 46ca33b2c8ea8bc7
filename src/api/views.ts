/**
 * Response shapes: one zod schema per resource, used both to serialise and to document (OpenAPI).
 */
import { z } from 'zod';
import { FAILURE_CLASSES, RUN_STATUSES, TOKEN_SCOPES, VERDICTS } from '../db/vocabulary.js';
import type { Run } from '../runs/runs.js';

export const errorEnvelope = z
  .object({
    error: z.object({
      code: z.string().describe('stable SCREAMING_SNAKE code, see docs/errors.md'),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .describe('Error');

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
    profileVersionId: z.uuid().nullable(),
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

export function toRunView(run: Run): RunView {
  return {
    id: run.id,
    parentRunId: run.parentRunId,
    rootRunId: run.rootRunId,
    taskId: run.taskId,
    attempt: run.attempt,
    name: run.name,
    agent: run.agent,
    specVersionId: run.specVersionId,
    profileVersionId: run.profileVersionId,
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
