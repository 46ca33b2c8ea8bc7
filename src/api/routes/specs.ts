/**
 * /api/v1/specs, /api/v1/profiles and /api/v1/apply: versioned definitions over HTTP. Applying
 * content equal to the latest version writes nothing (200, `changed: false`); different content
 * makes the next version (201). References (a spec's profiles, its fallback spec) must exist when
 * the spec is applied; `POST /apply` takes a mixed batch and applies profiles first, then specs in
 * an order where each fallback spec comes before the specs that name it.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GafferError, formatPath, isGafferError } from '../../errors.js';
import type { Gaffer } from '../../gaffer.js';
import { profileDefinitionSchema, specDefinitionSchema } from '../../specs/definitions.js';
import { principalName } from '../auth.js';
import { profileView, specView, toProfileView, toSpecView } from '../taskViews.js';
import { errorEnvelope } from '../views.js';

const errors = { 400: errorEnvelope, 401: errorEnvelope, 403: errorEnvelope, 404: errorEnvelope };

/** Documents one `POST /apply` (or one `gaffer spec apply`) may carry. */
export const MAX_APPLY_DOCUMENTS = 200;

const nameParams = z.object({ name: z.string().min(1).max(200).describe('name (or id)') });
const versionQuery = z.strictObject({ version: z.coerce.number().int().min(1).optional().describe('a specific version (default: the latest)') });

const specApplied = z.object({ spec: specView, changed: z.boolean().describe('false: equal to the latest version, nothing written') });
const profileApplied = z.object({ profile: profileView, changed: z.boolean().describe('false: equal to the latest version, nothing written') });

export const DOCUMENT_KINDS = ['Profile', 'Spec'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export const appliedDocumentView = z
  .object({
    document: z.number().int().describe('index of the document in the request'),
    kind: z.enum(DOCUMENT_KINDS),
    name: z.string(),
    version: z.number().int(),
    changed: z.boolean().describe('false: equal to the latest version, nothing written'),
    id: z.uuid().describe('spec or profile id'),
    versionId: z.uuid(),
  })
  .describe('AppliedDocument');
export type AppliedDocument = z.infer<typeof appliedDocumentView>;

/** One problem in a batch, located both in the request (`path`) and in its document (`document`, `field`). */
export interface DocumentIssue {
  path: string;
  message: string;
  document: number;
  field: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `kind` when given; otherwise a document with `executor` is a spec and one with `model` a profile. */
function kindOf(doc: Record<string, unknown>): DocumentKind | undefined {
  if (doc.kind === 'Spec' || doc.kind === 'Profile') return doc.kind;
  if (doc.kind !== undefined) return undefined;
  if ('executor' in doc) return 'Spec';
  if ('model' in doc) return 'Profile';
  return undefined;
}

function batchError(what: string, issues: DocumentIssue[]): GafferError {
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new GafferError('VALIDATION_FAILED', `${what}: ${first.path}: ${first.message}${more}`, {
    details: { document: first.document, issues },
  });
}

interface Planned {
  index: number;
  kind: DocumentKind;
  name: string;
  fallback: string | undefined;
  doc: Record<string, unknown>;
}

/**
 * Checks every document's shape before writing anything (so a typo in the fifth document does not
 * leave the first four applied), then orders them: profiles, then specs with each fallback spec of
 * the batch before the specs that name it.
 */
export function planApply(documents: readonly unknown[]): Planned[] {
  const issues: DocumentIssue[] = [];
  const issue = (document: number, field: string, message: string): void => {
    issues.push({ path: field === '(root)' ? `documents[${document}]` : `documents[${document}].${field}`, message, document, field });
  };
  const planned: Planned[] = [];
  const seen = new Map<string, number>();
  documents.forEach((doc, index) => {
    if (!isRecord(doc)) return issue(index, '(root)', 'must be an object (a Spec or Profile definition)');
    const kind = kindOf(doc);
    if (!kind) return issue(index, 'kind', "must be 'Spec' or 'Profile' (or leave it out and give `executor` or `model`)");
    const parsed = (kind === 'Spec' ? specDefinitionSchema : profileDefinitionSchema).safeParse(doc);
    if (!parsed.success) {
      for (const i of parsed.error.issues) issue(index, formatPath(i.path), i.message);
      return;
    }
    const key = `${kind}:${parsed.data.name}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) return issue(index, 'name', `${kind.toLowerCase()} '${parsed.data.name}' is also documents[${earlier}]; give each once`);
    seen.set(key, index);
    const fallback = 'acceptance' in parsed.data ? parsed.data.acceptance.fallbackSpec : undefined;
    planned.push({ index, kind, name: parsed.data.name, fallback, doc });
  });
  if (issues.length) throw batchError('documents', issues);

  const ordered = planned.filter((p) => p.kind === 'Profile');
  const specs = planned.filter((p) => p.kind === 'Spec');
  while (specs.length) {
    // The first spec whose fallback is not still waiting; a cycle falls back to file order (and
    // its reference check then names the missing spec).
    const at = Math.max(0, specs.findIndex((s) => !specs.some((o) => o !== s && o.name === s.fallback)));
    ordered.push(...specs.splice(at, 1));
  }
  return ordered;
}

/**
 * Applies a batch of Spec and Profile documents in dependency order; results come back in the
 * request's order. A document that fails stops the batch with its index in the error (documents
 * applied before it stay applied; applying the batch again is safe).
 */
export async function applyDocuments(gaffer: Gaffer, documents: readonly unknown[], principal?: string): Promise<AppliedDocument[]> {
  if (documents.length > MAX_APPLY_DOCUMENTS) {
    throw new GafferError('VALIDATION_FAILED', `documents: at most ${MAX_APPLY_DOCUMENTS} per apply; split them`);
  }
  const results: AppliedDocument[] = [];
  for (const p of planApply(documents)) {
    try {
      if (p.kind === 'Profile') {
        const { record, changed } = await gaffer.specs.applyProfile(p.doc, principal);
        results.push({ document: p.index, kind: p.kind, name: record.name, version: record.version, changed, id: record.profileId, versionId: record.profileVersionId });
      } else {
        const { record, changed } = await gaffer.specs.apply(p.doc, principal);
        results.push({ document: p.index, kind: p.kind, name: record.name, version: record.version, changed, id: record.specId, versionId: record.specVersionId });
      }
    } catch (err) {
      if (!isGafferError(err)) throw err;
      const inner = (err.details as { issues?: { path: string; message: string }[] } | undefined)?.issues ?? [];
      const issues: DocumentIssue[] = inner.map((i) => ({ path: `documents[${p.index}].${i.path}`, message: i.message, document: p.index, field: i.path }));
      throw new GafferError(err.code, `documents[${p.index}]: ${err.message}`, {
        details: { document: p.index, kind: p.kind, name: p.name, error: err.message, issues },
        cause: err,
      });
    }
  }
  return results.sort((a, b) => a.document - b.document);
}

export function specRoutes(gaffer: Gaffer): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.post(
      '/specs',
      {
        config: { permission: 'operate' },
        schema: {
          tags: ['specs'],
          summary: 'Apply a spec definition (a new version only when it changed)',
          body: specDefinitionSchema,
          response: { 200: specApplied.describe('unchanged'), 201: specApplied.describe('a new version'), ...errors },
        },
      },
      async (request, reply) => {
        const { record, changed } = await gaffer.specs.apply(request.body, principalName(request));
        return reply.code(changed ? 201 : 200).send({ spec: toSpecView(record), changed });
      },
    );

    r.get(
      '/specs',
      {
        config: { permission: 'read' },
        schema: { tags: ['specs'], summary: 'List specs (latest versions), by name', response: { 200: z.object({ specs: z.array(specView) }), ...errors } },
      },
      async () => ({ specs: (await gaffer.specs.list()).map(toSpecView) }),
    );

    r.get(
      '/specs/:name',
      {
        config: { permission: 'read' },
        schema: { tags: ['specs'], summary: 'Get a spec (the latest version, or ?version=N)', params: nameParams, querystring: versionQuery, response: { 200: specView, ...errors } },
      },
      async (request) => toSpecView(await gaffer.specs.get(request.params.name, request.query.version)),
    );

    r.get(
      '/specs/:name/versions',
      {
        config: { permission: 'read' },
        schema: {
          tags: ['specs'],
          summary: 'Every version of a spec, newest first',
          params: nameParams,
          response: { 200: z.object({ versions: z.array(specView) }), ...errors },
        },
      },
      async (request) => ({ versions: (await gaffer.specs.versions(request.params.name)).map(toSpecView) }),
    );

    r.post(
      '/profiles',
      {
        config: { permission: 'operate' },
        schema: {
          tags: ['profiles'],
          summary: 'Apply a profile definition (a new version only when it changed)',
          body: profileDefinitionSchema,
          response: { 200: profileApplied.describe('unchanged'), 201: profileApplied.describe('a new version'), ...errors },
        },
      },
      async (request, reply) => {
        const { record, changed } = await gaffer.specs.applyProfile(request.body, principalName(request));
        return reply.code(changed ? 201 : 200).send({ profile: toProfileView(record), changed });
      },
    );

    r.get(
      '/profiles',
      {
        config: { permission: 'read' },
        schema: { tags: ['profiles'], summary: 'List profiles (latest versions), by name', response: { 200: z.object({ profiles: z.array(profileView) }), ...errors } },
      },
      async () => ({ profiles: (await gaffer.specs.listProfiles()).map(toProfileView) }),
    );

    r.get(
      '/profiles/:name',
      {
        config: { permission: 'read' },
        schema: {
          tags: ['profiles'],
          summary: 'Get a profile (the latest version, or ?version=N)',
          params: nameParams,
          querystring: versionQuery,
          response: { 200: profileView, ...errors },
        },
      },
      async (request) => toProfileView(await gaffer.specs.getProfile(request.params.name, request.query.version)),
    );

    r.get(
      '/profiles/:name/versions',
      {
        config: { permission: 'read' },
        schema: {
          tags: ['profiles'],
          summary: 'Every version of a profile, newest first',
          params: nameParams,
          response: { 200: z.object({ versions: z.array(profileView) }), ...errors },
        },
      },
      async (request) => ({ versions: (await gaffer.specs.profileVersions(request.params.name)).map(toProfileView) }),
    );

    r.post(
      '/apply',
      {
        config: { permission: 'operate' },
        schema: {
          tags: ['specs'],
          summary: 'Apply a batch of Profile and Spec documents (profiles first, then specs)',
          body: z.strictObject({
            documents: z
              .array(z.record(z.string(), z.unknown()).describe("a Spec or Profile definition; `kind` says which (or is inferred from `executor` / `model`)"))
              .min(1)
              .max(MAX_APPLY_DOCUMENTS),
          }),
          response: {
            200: z.object({ results: z.array(appliedDocumentView) }).describe('nothing changed'),
            201: z.object({ results: z.array(appliedDocumentView) }).describe('at least one new version'),
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const results = await applyDocuments(gaffer, request.body.documents, principalName(request));
        return reply.code(results.some((x) => x.changed) ? 201 : 200).send({ results });
      },
    );
  };
}
