/**
 * Spec versions are immutable, so a worker keeps the ones it has read (bounded) instead of
 * reading one per attempt.
 */
import type { Resources } from '../resources.js';
import { getSpecVersionById, type SpecVersionRecord } from '../specs/specStore.js';

const MAX_CACHED = 500;
const caches = new WeakMap<Resources, Map<string, SpecVersionRecord>>();

export async function specVersionCached(res: Resources, specVersionId: string): Promise<SpecVersionRecord> {
  let cache = caches.get(res);
  if (!cache) caches.set(res, (cache = new Map()));
  const hit = cache.get(specVersionId);
  if (hit) return hit;
  const record = await getSpecVersionById(res, specVersionId);
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(specVersionId, record);
  return record;
}
