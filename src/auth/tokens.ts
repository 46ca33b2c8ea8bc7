/**
 * API tokens: `gfr_` + 32 random bytes (base64url). Only the sha256 of a token is stored; the
 * plaintext is shown once. A token has one scope; what each scope may do is `SCOPE_PERMISSIONS`,
 * checked by the server on every request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { apiTokens } from '../db/schema.js';
import type { TokenScope } from '../db/vocabulary.js';
import { GafferError } from '../errors.js';
import type { Resources } from '../resources.js';
import { isUuid, uuidv7 } from '../util/ids.js';

export const TOKEN_PREFIX = 'gfr_';
export const ADMIN_TOKEN_FILE = 'admin-token';

/** What a scope may do. Unlisted actions are denied. */
export const PERMISSIONS = ['read', 'record', 'operate', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const SCOPE_PERMISSIONS: Record<TokenScope, readonly Permission[]> = {
  /** Everything, including token management. */
  admin: ['read', 'record', 'operate', 'admin'],
  /** People who run the fleet: read, record, approve, resolve. */
  operator: ['read', 'record', 'operate'],
  /** Agents: read and record their runs; never approve. */
  agent: ['read', 'record'],
  /** Dashboards and auditors: read only. */
  viewer: ['read'],
};

export interface Principal {
  /** Token id, or 'env' for GAFFER_TOKEN. */
  id: string;
  name: string;
  scope: TokenScope;
}

export function can(principal: Principal, permission: Permission): boolean {
  return SCOPE_PERMISSIONS[principal.scope].includes(permission);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface CreatedToken {
  id: string;
  name: string;
  scope: TokenScope;
  prefix: string;
  /** The plaintext token: shown once, never stored. */
  token: string;
}

export async function createToken(res: Resources, input: { name: string; scope: TokenScope }): Promise<CreatedToken> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const id = uuidv7();
  const prefix = token.slice(0, 10);
  await res.db.drizzle.insert(apiTokens).values({ id, name: input.name, scope: input.scope, tokenHash: hashToken(token), prefix });
  return { id, name: input.name, scope: input.scope, prefix, token };
}

export async function listTokens(res: Resources) {
  return res.db.drizzle
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      scope: apiTokens.scope,
      prefix: apiTokens.prefix,
      createdAt: apiTokens.createdAt,
      lastUsedAt: apiTokens.lastUsedAt,
      revokedAt: apiTokens.revokedAt,
    })
    .from(apiTokens)
    .orderBy(desc(apiTokens.id));
}

export async function revokeToken(res: Resources, id: string): Promise<void> {
  if (!isUuid(id)) throw new GafferError('NOT_FOUND', `no token with id ${id}`);
  const rows = await res.db.drizzle
    .update(apiTokens)
    .set({ revokedAt: res.now() })
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  if (rows.length === 0) throw new GafferError('NOT_FOUND', `no active token with id ${id}`);
  authCacheOf(res).clear();
}

/**
 * Successful lookups are cached for AUTH_CACHE_MS so a busy agent does not cost a database query
 * per request; `last_used_at` is written on each database lookup, so it is at most AUTH_CACHE_MS
 * (per process) behind. Revoking a token clears this process's cache at once; other processes (more
 * servers on one database) stop accepting it within AUTH_CACHE_MS.
 */
export const AUTH_CACHE_MS = 10_000;
const AUTH_CACHE_MAX = 1_000;
/** One cache per opened Gaffer: a token valid in one database says nothing about another. */
const authCaches = new WeakMap<Resources, Map<string, { principal: Principal; until: number }>>();

function authCacheOf(res: Resources): Map<string, { principal: Principal; until: number }> {
  let cache = authCaches.get(res);
  if (!cache) authCaches.set(res, (cache = new Map()));
  return cache;
}

/**
 * Resolves a bearer token to its principal, or undefined. `envAdminToken` (GAFFER_TOKEN) is
 * compared in constant time and acts as admin.
 */
export async function authenticate(
  res: Resources,
  token: string,
  envAdminToken?: string,
): Promise<Principal | undefined> {
  if (envAdminToken && constantTimeEqual(token, envAdminToken)) return { id: 'env', name: 'GAFFER_TOKEN', scope: 'admin' };
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const hash = hashToken(token);
  const authCache = authCacheOf(res);
  const cached = authCache.get(hash);
  if (cached && cached.until > Date.now()) return cached.principal;
  // The lookup also stamps last_used_at: one statement, and only on a cache miss, so a busy token
  // costs one write per AUTH_CACHE_MS rather than one per request (last_used_at is that coarse).
  const [row] = await res.db.drizzle
    .update(apiTokens)
    .set({ lastUsedAt: res.now() })
    .where(and(eq(apiTokens.tokenHash, hash), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id, name: apiTokens.name, scope: apiTokens.scope });
  if (row) {
    if (authCache.size >= AUTH_CACHE_MAX) authCache.clear();
    authCache.set(hash, { principal: row, until: Date.now() + AUTH_CACHE_MS });
  }
  return row;
}

function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/**
 * The first-start admin token: when the data dir has no admin token file, create an admin token
 * and write it there with mode 0600. Returns the file's path and whether it was just created.
 */
export async function ensureAdminTokenFile(res: Resources, dataDir: string): Promise<{ path: string; created: boolean }> {
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  if (fs.existsSync(file)) {
    const token = fs.readFileSync(file, 'utf8').trim();
    const principal = await authenticate(res, token);
    if (principal) return { path: file, created: false };
    // The file names a token this database does not know (a reset database): replace it.
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const created = await createToken(res, { name: 'admin (first start)', scope: 'admin' });
  fs.writeFileSync(file, `${created.token}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return { path: file, created: true };
}

export function readAdminTokenFile(dataDir: string): string | undefined {
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined;
}
