import { randomBytes } from 'node:crypto';
import { GafferError } from '../errors.js';

/**
 * UUIDv7 (RFC 9562): 48-bit millisecond timestamp, then random bits. Ids sort by creation time, so
 * a primary-key index doubles as the time order for cursor pagination. Within one millisecond a
 * counter in the random field keeps ids from one process strictly increasing.
 */
let lastMs = 0;
let counter = 0;

export function uuidv7(nowMs: number = Date.now()): string {
  const bytes = randomBytes(16);
  if (nowMs <= lastMs) {
    nowMs = lastMs;
    counter = (counter + 1) & 0xfff;
    if (counter === 0) nowMs = ++lastMs;
  } else {
    lastMs = nowMs;
    counter = bytes.readUInt16BE(6) & 0x7ff;
  }
  bytes.writeUIntBE(nowMs, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

/** An opaque page cursor for a newest-first list ordered by UUIDv7 id: the last id of the page. */
export function encodeCursor(id: string): string {
  return Buffer.from(id).toString('base64url');
}

/** The id inside a cursor from encodeCursor; undefined when it is not one. */
export function decodeCursor(cursor: string): string | undefined {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  return isUuid(id) ? id : undefined;
}

/** A page of a newest-first list read with limit + 1 rows: the page and the cursor of the next one. */
export function pageOf<T extends { id: string }>(rows: T[], limit: number): { page: T[]; next: string | null } {
  const page = rows.slice(0, limit);
  return { page, next: rows.length > limit ? encodeCursor(page.at(-1)!.id) : null };
}

/** The id a page cursor stands for (undefined for none); a cursor this API did not hand out is refused. */
export function cursorId(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = decodeCursor(cursor);
  if (!id) throw new GafferError('INVALID_CURSOR', 'cursor: not a cursor returned by this API; start without one');
  return id;
}
