/**
 * Content-addressed artifacts. The address is the sha256 of the stored bytes; storing the same
 * bytes twice stores them once. Small artifacts live inline in the `artifacts` row; large ones in
 * blob storage:
 *   - embedded (PGlite with a data dir): files under `<dataDir>/blobs/ab/<sha256>`, written to a
 *     temporary name and renamed, so a crash never leaves a partial blob under its final name;
 *   - server Postgres (and in-memory PGlite): 1 MiB chunks in `artifact_chunks`, so every worker
 *     on every machine reads the same blobs with no extra infrastructure.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { INLINE_ARTIFACT_MAX_BYTES } from '../config/config.js';
import { execRows, type Executor } from '../db/connection.js';
import { artifactChunks, artifacts } from '../db/schema.js';
import type { ArtifactStorage } from '../db/vocabulary.js';
import { GafferError } from '../errors.js';

export const BLOB_CHUNK_BYTES = 1024 * 1024;

export interface ArtifactMeta {
  sha256: string;
  bytes: number;
  contentType: string;
  storage: ArtifactStorage;
}

export interface BlobLocation {
  /** Folder for file blobs; undefined stores large artifacts as chunks in the database. */
  blobDir?: string;
}

export function sha256Hex(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Stores bytes (idempotent) and returns their address. Run inside the caller's transaction. */
export async function putArtifact(
  tx: Executor,
  location: BlobLocation,
  content: Uint8Array,
  contentType: string,
): Promise<ArtifactMeta> {
  const buf = Buffer.isBuffer(content) ? content : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const sha256 = sha256Hex(buf);
  const storage: ArtifactStorage =
    buf.length <= INLINE_ARTIFACT_MAX_BYTES ? 'inline' : location.blobDir ? 'blob_fs' : 'blob_db';
  if (storage === 'blob_fs') writeBlobFile(location.blobDir as string, sha256, buf);
  const inserted = await tx
    .insert(artifacts)
    .values({ sha256, bytes: buf.length, contentType, storage, inlineData: storage === 'inline' ? buf : null })
    .onConflictDoNothing()
    .returning({ sha256: artifacts.sha256 });
  if (inserted.length > 0 && storage === 'blob_db') {
    for (let idx = 0, off = 0; off < buf.length; idx++, off += BLOB_CHUNK_BYTES) {
      await tx.insert(artifactChunks).values({ sha256, idx, data: buf.subarray(off, off + BLOB_CHUNK_BYTES) });
    }
  }
  if (inserted.length === 0) {
    const [existing] = await tx.select().from(artifacts).where(eq(artifacts.sha256, sha256));
    if (existing) return toMeta(existing);
  }
  return { sha256, bytes: buf.length, contentType, storage };
}

export async function getArtifactMeta(db: Executor, sha256: string): Promise<ArtifactMeta> {
  const [row] = await db
    .select({
      sha256: artifacts.sha256,
      bytes: artifacts.bytes,
      contentType: artifacts.contentType,
      storage: artifacts.storage,
    })
    .from(artifacts)
    .where(eq(artifacts.sha256, normaliseSha(sha256)));
  if (!row) throw notFound(sha256);
  return row;
}

export async function getArtifact(
  db: Executor,
  location: BlobLocation,
  sha256: string,
): Promise<{ meta: ArtifactMeta; content: Buffer }> {
  const [row] = await db.select().from(artifacts).where(eq(artifacts.sha256, normaliseSha(sha256)));
  if (!row) throw notFound(sha256);
  const meta = toMeta(row);
  switch (row.storage) {
    case 'inline':
      return { meta, content: row.inlineData as Buffer };
    case 'blob_fs': {
      if (!location.blobDir) {
        throw new GafferError('ARTIFACT_NOT_FOUND', `artifact ${row.sha256} is a file blob but this process has no blob folder`);
      }
      return { meta, content: fs.readFileSync(blobPath(location.blobDir, row.sha256)) };
    }
    case 'blob_db': {
      const chunks = await execRows<{ data: Uint8Array }>(
        db,
        sql`SELECT data FROM artifact_chunks WHERE sha256 = ${row.sha256} ORDER BY idx`,
      );
      return { meta, content: Buffer.concat(chunks.map((c) => Buffer.from(c.data))) };
    }
  }
}

function toMeta(row: typeof artifacts.$inferSelect): ArtifactMeta {
  return { sha256: row.sha256, bytes: row.bytes, contentType: row.contentType, storage: row.storage };
}

function normaliseSha(sha256: string): string {
  const lower = sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(lower)) {
    throw new GafferError('VALIDATION_FAILED', `sha256: '${sha256}' is not a sha256 (64 hex characters)`, {
      details: { issues: [{ path: 'sha256', message: 'must be 64 hex characters' }] },
    });
  }
  return lower;
}

function notFound(sha256: string): GafferError {
  return new GafferError('ARTIFACT_NOT_FOUND', `no artifact with sha256 ${sha256}`);
}

function blobPath(blobDir: string, sha256: string): string {
  return path.join(blobDir, sha256.slice(0, 2), sha256);
}

function writeBlobFile(blobDir: string, sha256: string, buf: Buffer): void {
  const final = blobPath(blobDir, sha256);
  if (fs.existsSync(final)) return;
  fs.mkdirSync(path.dirname(final), { recursive: true });
  const tmp = `${final}.${randomBytes(6).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, buf, { mode: 0o600 });
  fs.renameSync(tmp, final);
}
