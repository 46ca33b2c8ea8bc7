/**
 * Token lookups stamp `last_used_at`, on a database lookup only: a cached lookup writes nothing,
 * so a busy token costs one write per AUTH_CACHE_MS, not one per request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gaffer } from '../../src/gaffer.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';

describe.each(testBackends())('token last use on $name', (backend) => {
  let gaffer: Gaffer;
  let now = new Date('2026-03-01T10:00:00.000Z');
  beforeAll(async () => {
    gaffer = await openTestGaffer(backend, { now: () => now });
  });
  afterAll(async () => {
    await gaffer?.close();
  });

  const lastUsedAt = async (id: string): Promise<Date | null> => (await gaffer.tokens.list()).find((t) => t.id === id)!.lastUsedAt;

  it('sets lastUsedAt when a token is looked up in the database, not on cached lookups', async () => {
    const created = await gaffer.tokens.create({ name: 'busy-agent', scope: 'agent' });
    expect(await lastUsedAt(created.id)).toBeNull();

    await expect(gaffer.tokens.authenticate(created.token)).resolves.toMatchObject({ id: created.id, scope: 'agent' });
    expect(await lastUsedAt(created.id)).toEqual(new Date('2026-03-01T10:00:00.000Z'));

    now = new Date('2026-03-01T10:00:05.000Z');
    await gaffer.tokens.authenticate(created.token); // within AUTH_CACHE_MS: served from the cache
    expect(await lastUsedAt(created.id)).toEqual(new Date('2026-03-01T10:00:00.000Z'));

    // An unknown or revoked token writes nothing and is refused.
    await gaffer.tokens.revoke(created.id); // clears this process's cache
    await expect(gaffer.tokens.authenticate(created.token)).resolves.toBeUndefined();
    expect(await lastUsedAt(created.id)).toEqual(new Date('2026-03-01T10:00:00.000Z'));
  });

  it('sets it again on the next database lookup once the cache no longer holds the token', async () => {
    const created = await gaffer.tokens.create({ name: 'other-agent', scope: 'viewer' });
    now = new Date('2026-03-02T08:00:00.000Z');
    await gaffer.tokens.authenticate(created.token);
    expect(await lastUsedAt(created.id)).toEqual(now);
    // Revoking another token clears the whole cache, so the next lookup goes to the database.
    await gaffer.tokens.revoke((await gaffer.tokens.create({ name: 'throwaway', scope: 'viewer' })).id);
    now = new Date('2026-03-02T09:30:00.000Z');
    await gaffer.tokens.authenticate(created.token);
    expect(await lastUsedAt(created.id)).toEqual(new Date('2026-03-02T09:30:00.000Z'));
  });
});
