/**
 * Versioned profiles and specs. Applying a definition creates a new version only when its content
 * changed (compared by a hash of its canonical JSON, like `kubectl apply`). Every reference — the
 * profiles a spec allows, its fallback spec — is checked when the spec is applied: a missing one
 * is an error then, never a silent fall-through later. Runs and tasks point at exact versions.
 */
import { createHash } from 'node:crypto';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../db/connection.js';
import { profileVersions, profiles, specVersions, specs } from '../db/schema.js';
import { GafferError, formatPath, validationError, type FieldIssue } from '../errors.js';
import type { Resources } from '../resources.js';
import { isUuid, uuidv7 } from '../util/ids.js';
import {
  profileDefinitionSchema,
  specDefinitionSchema,
  type ProfileDefinition,
  type SpecDefinition,
} from './definitions.js';

export interface SpecVersionRecord {
  specId: string;
  specVersionId: string;
  name: string;
  version: number;
  definition: SpecDefinition;
  createdAt: Date;
  createdBy: string | null;
}

export interface ProfileVersionRecord {
  profileId: string;
  profileVersionId: string;
  name: string;
  version: number;
  definition: ProfileDefinition;
  createdAt: Date;
  createdBy: string | null;
}

export interface ApplyResult<T> {
  record: T;
  /** False when the content equals the latest version (nothing was written). */
  changed: boolean;
}

/** JSON with object keys sorted, so equal content hashes equally whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function hashOf(definition: unknown): string {
  return createHash('sha256').update(canonicalJson(definition)).digest('hex');
}

function parseDefinition<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, input: unknown, what: string): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw validationError(what, parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })));
  }
  return parsed.data;
}

export async function applyProfile(res: Resources, input: unknown, principal?: string): Promise<ApplyResult<ProfileVersionRecord>> {
  const definition = parseDefinition<ProfileDefinition>(profileDefinitionSchema, input, 'profile');
  const { kind: _kind, ...content } = definition;
  const hash = hashOf(content);
  return res.db.transaction(async (tx) => {
    // Lock the name (the row, or for a new name an advisory lock) so two applies cannot both add version N.
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`profile:${definition.name}`}))`);
    const [existing] = await tx.select().from(profiles).where(eq(profiles.name, definition.name));
    if (existing) {
      const [latest] = await tx
        .select()
        .from(profileVersions)
        .where(and(eq(profileVersions.profileId, existing.id), eq(profileVersions.version, existing.latestVersion)));
      if (latest && latest.contentHash === hash) return { record: profileRecord(existing.name, latest), changed: false };
    }
    const profileId = existing?.id ?? uuidv7();
    const version = (existing?.latestVersion ?? 0) + 1;
    if (existing) await tx.update(profiles).set({ latestVersion: version, updatedAt: res.now() }).where(eq(profiles.id, profileId));
    else await tx.insert(profiles).values({ id: profileId, name: definition.name, latestVersion: version });
    const [row] = await tx
      .insert(profileVersions)
      .values({ id: uuidv7(), profileId, version, definition: content, contentHash: hash, createdBy: principal ?? null })
      .returning();
    return { record: profileRecord(definition.name, row!), changed: true };
  });
}

export async function applySpec(res: Resources, input: unknown, principal?: string): Promise<ApplyResult<SpecVersionRecord>> {
  const definition = parseDefinition<SpecDefinition>(specDefinitionSchema, input, 'spec');
  const { kind: _kind, ...content } = definition;
  if (definition.inputSchema) compileInputSchema(definition.inputSchema, 'inputSchema');
  if (typeof definition.approval === 'object') compileInputSchema(definition.approval.when, 'approval.when');
  const hash = hashOf(content);
  return res.db.transaction(async (tx) => {
    await checkReferences(tx, definition);
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`spec:${definition.name}`}))`);
    const [existing] = await tx.select().from(specs).where(eq(specs.name, definition.name));
    if (existing) {
      const [latest] = await tx
        .select()
        .from(specVersions)
        .where(and(eq(specVersions.specId, existing.id), eq(specVersions.version, existing.latestVersion)));
      if (latest && latest.contentHash === hash) return { record: specRecord(existing.name, latest), changed: false };
    }
    const specId = existing?.id ?? uuidv7();
    const version = (existing?.latestVersion ?? 0) + 1;
    if (existing) await tx.update(specs).set({ latestVersion: version, updatedAt: res.now() }).where(eq(specs.id, specId));
    else await tx.insert(specs).values({ id: specId, name: definition.name, latestVersion: version });
    const [row] = await tx
      .insert(specVersions)
      .values({
        id: uuidv7(),
        specId,
        version,
        executor: definition.executor,
        definition: content,
        contentHash: hash,
        createdBy: principal ?? null,
      })
      .returning();
    return { record: specRecord(definition.name, row!), changed: true };
  });
}

/** Every profile and the fallback spec a spec names must exist when it is applied. */
async function checkReferences(tx: Executor, definition: SpecDefinition): Promise<void> {
  const issues: FieldIssue[] = [];
  for (const [i, profileName] of definition.profiles.entries()) {
    const [found] = await tx.select({ id: profiles.id }).from(profiles).where(eq(profiles.name, profileName));
    if (!found) issues.push({ path: `profiles[${i}]`, message: `no profile named '${profileName}'; apply it first` });
  }
  const fallback = definition.acceptance.fallbackSpec;
  if (fallback !== undefined) {
    if (fallback === definition.name) issues.push({ path: 'acceptance.fallbackSpec', message: 'a spec cannot be its own fallback' });
    else {
      const [found] = await tx.select({ id: specs.id }).from(specs).where(eq(specs.name, fallback));
      if (!found) issues.push({ path: 'acceptance.fallbackSpec', message: `no spec named '${fallback}'; apply it first` });
    }
  }
  if (issues.length) throw validationError(`spec '${definition.name}'`, issues);
}

function specRecord(name: string, row: typeof specVersions.$inferSelect): SpecVersionRecord {
  return {
    specId: row.specId,
    specVersionId: row.id,
    name,
    version: row.version,
    // Stored definitions were validated on apply; parsing again fills defaults added since.
    definition: specDefinitionSchema.parse({ ...(row.definition as object), name }),
    createdAt: row.createdAt,
    createdBy: row.createdBy,
  };
}

/** A stored profile version as a record: its definition parsed (defaults filled in). */
export function profileRecord(name: string, row: typeof profileVersions.$inferSelect): ProfileVersionRecord {
  return {
    profileId: row.profileId,
    profileVersionId: row.id,
    name,
    version: row.version,
    definition: profileDefinitionSchema.parse({ ...(row.definition as object), name }),
    createdAt: row.createdAt,
    createdBy: row.createdBy,
  };
}

/** The latest version of a spec (or the given version), by name or spec id. */
/** A spec's version (default the latest), by spec name or id: one query (submits call it). */
export async function getSpec(res: Resources, nameOrId: string, version?: number, db: Executor = res.db.drizzle): Promise<SpecVersionRecord> {
  const [found] = await db
    .select({ spec: specs, v: specVersions })
    .from(specs)
    .leftJoin(specVersions, and(eq(specVersions.specId, specs.id), eq(specVersions.version, version ?? specs.latestVersion)))
    .where(isUuid(nameOrId) ? eq(specs.id, nameOrId) : eq(specs.name, nameOrId));
  if (!found) throw new GafferError('SPEC_NOT_FOUND', `no spec named '${nameOrId}'; apply it with \`gaffer spec apply FILE\``);
  const { spec, v } = found;
  if (!v) throw new GafferError('SPEC_NOT_FOUND', `spec '${spec.name}' has no version ${version}; latest is ${spec.latestVersion}`);
  return specRecord(spec.name, v);
}

export async function getSpecVersionById(res: Resources, specVersionId: string): Promise<SpecVersionRecord> {
  const rows = await res.db.drizzle
    .select({ v: specVersions, name: specs.name })
    .from(specVersions)
    .innerJoin(specs, eq(specs.id, specVersions.specId))
    .where(eq(specVersions.id, specVersionId));
  const row = rows[0];
  if (!row) throw new GafferError('SPEC_NOT_FOUND', `no spec version ${specVersionId}`);
  return specRecord(row.name, row.v);
}

/** A spec or profile version by name: what a person reads instead of a version id. */
export interface VersionRef {
  name: string;
  version: number;
}

/**
 * Names and versions of spec and profile versions by their ids, in two queries whatever the count
 * (for lists of tasks and runs). Ids with no version are left out of the maps.
 */
export async function versionRefs(
  res: Resources,
  ids: { specVersionIds?: readonly (string | null)[]; profileVersionIds?: readonly (string | null)[] },
): Promise<{ specs: Map<string, VersionRef>; profiles: Map<string, VersionRef> }> {
  const unique = (list: readonly (string | null)[] = []): string[] => [...new Set(list.filter((id): id is string => id !== null && isUuid(id)))];
  const specIds = unique(ids.specVersionIds);
  const profileIds = unique(ids.profileVersionIds);
  const db = res.db.drizzle;
  const [specRows, profileRows] = await Promise.all([
    specIds.length
      ? db.select({ id: specVersions.id, name: specs.name, version: specVersions.version }).from(specVersions).innerJoin(specs, eq(specs.id, specVersions.specId)).where(inArray(specVersions.id, specIds))
      : [],
    profileIds.length
      ? db
          .select({ id: profileVersions.id, name: profiles.name, version: profileVersions.version })
          .from(profileVersions)
          .innerJoin(profiles, eq(profiles.id, profileVersions.profileId))
          .where(inArray(profileVersions.id, profileIds))
      : [],
  ]);
  return {
    specs: new Map(specRows.map((r) => [r.id, { name: r.name, version: r.version }])),
    profiles: new Map(profileRows.map((r) => [r.id, { name: r.name, version: r.version }])),
  };
}

export async function getProfile(res: Resources, nameOrId: string, version?: number): Promise<ProfileVersionRecord> {
  const db = res.db.drizzle;
  const [profile] = await db
    .select()
    .from(profiles)
    .where(isUuid(nameOrId) ? eq(profiles.id, nameOrId) : eq(profiles.name, nameOrId));
  if (!profile) throw new GafferError('PROFILE_NOT_FOUND', `no profile named '${nameOrId}'; apply it with \`gaffer spec apply FILE\``);
  const wanted = version ?? profile.latestVersion;
  const [row] = await db
    .select()
    .from(profileVersions)
    .where(and(eq(profileVersions.profileId, profile.id), eq(profileVersions.version, wanted)));
  if (!row) throw new GafferError('PROFILE_NOT_FOUND', `profile '${profile.name}' has no version ${wanted}; latest is ${profile.latestVersion}`);
  return profileRecord(profile.name, row);
}

export async function listSpecs(res: Resources): Promise<SpecVersionRecord[]> {
  const rows = await res.db.drizzle
    .select({ v: specVersions, name: specs.name })
    .from(specs)
    .innerJoin(specVersions, and(eq(specVersions.specId, specs.id), eq(specVersions.version, specs.latestVersion)))
    .orderBy(asc(specs.name));
  return rows.map((r) => specRecord(r.name, r.v));
}

export async function listProfiles(res: Resources): Promise<ProfileVersionRecord[]> {
  const rows = await res.db.drizzle
    .select({ v: profileVersions, name: profiles.name })
    .from(profiles)
    .innerJoin(profileVersions, and(eq(profileVersions.profileId, profiles.id), eq(profileVersions.version, profiles.latestVersion)))
    .orderBy(asc(profiles.name));
  return rows.map((r) => profileRecord(r.name, r.v));
}

/** Every version of a spec, newest first (to see what changed between them). */
export async function listSpecVersions(res: Resources, name: string): Promise<SpecVersionRecord[]> {
  const rows = await res.db.drizzle
    .select({ v: specVersions, name: specs.name })
    .from(specVersions)
    .innerJoin(specs, eq(specs.id, specVersions.specId))
    .where(eq(specs.name, name))
    .orderBy(desc(specVersions.version));
  if (rows.length === 0) await getSpec(res, name);
  return rows.map((r) => specRecord(r.name, r.v));
}

export async function listProfileVersions(res: Resources, name: string): Promise<ProfileVersionRecord[]> {
  const rows = await res.db.drizzle
    .select({ v: profileVersions, name: profiles.name })
    .from(profileVersions)
    .innerJoin(profiles, eq(profiles.id, profileVersions.profileId))
    .where(eq(profiles.name, name))
    .orderBy(desc(profileVersions.version));
  if (rows.length === 0) await getProfile(res, name);
  return rows.map((r) => profileRecord(r.name, r.v));
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
const compiled = new Map<string, ValidateFunction>();

function compileInputSchema(schema: Record<string, unknown>, where: string): ValidateFunction {
  const key = canonicalJson(schema);
  let validate = compiled.get(key);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } catch (err) {
      throw new GafferError('VALIDATION_FAILED', `${where}: not a valid JSON Schema: ${(err as Error).message}`, {
        details: { issues: [{ path: where, message: (err as Error).message }] },
      });
    }
    compiled.set(key, validate);
  }
  return validate;
}

function ajvIssues(errors: ErrorObject[] | null | undefined, root: string): FieldIssue[] {
  return (errors ?? []).map((e) => {
    const missing = e.keyword === 'required' ? `.${String((e.params as { missingProperty: string }).missingProperty)}` : '';
    const path = `${root}${e.instancePath.replaceAll('/', '.')}${missing}`;
    return { path, message: e.message ?? 'is invalid' };
  });
}

/** Throws VALIDATION_FAILED naming the failing path (`input.repo`) when the input does not match. */
export function validateTaskInput(spec: SpecVersionRecord, input: unknown): void {
  if (!spec.definition.inputSchema) return;
  const validate = compileInputSchema(spec.definition.inputSchema, `spec '${spec.name}' inputSchema`);
  if (!validate(input)) {
    throw validationError(`input does not match spec '${spec.name}' v${spec.version}`, ajvIssues(validate.errors, 'input'));
  }
}

/** Whether the spec's approval policy asks a person before a task with this input runs. */
export function approvalRequired(spec: SpecVersionRecord, input: unknown): boolean {
  const policy = spec.definition.approval;
  if (policy === 'never') return false;
  if (policy === 'always') return true;
  return compileInputSchema(policy.when, `spec '${spec.name}' approval.when`)(input) === true;
}
