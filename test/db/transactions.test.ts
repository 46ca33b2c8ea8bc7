/**
 * Nested work inside a transaction is a savepoint on both drivers. On the server pool a
 * transaction runs on a plain client handle, where drizzle's own `transaction()` would send BEGIN
 * (ignored) and COMMIT — committing the outer transaction halfway, so readers saw a failed task
 * before its fallback decision was written. These scenarios fail if that ever comes back.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { savepoint } from '../../src/db/connection.js';
import type { Gaffer } from '../../src/gaffer.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';

describe.each(testBackends())('nested transactions on $name', (backend) => {
  let gaffer: Gaffer;
  beforeAll(async () => {
    gaffer = await openTestGaffer(backend);
    await gaffer.db.rows(sql`CREATE TABLE tx_probe (label text PRIMARY KEY)`);
  });
  afterAll(async () => {
    await gaffer?.close();
  });

  const labels = async (): Promise<string[]> =>
    (await gaffer.db.rows<{ label: string }>(sql`SELECT label FROM tx_probe ORDER BY label`)).map((r) => r.label);

  it('a nested transaction() commits nothing until the outer transaction does', async () => {
    let seenOutside: string[] | undefined;
    const failure = await gaffer.db
      .transaction(async (tx) => {
        await tx.execute(sql`INSERT INTO tx_probe VALUES ('outer-1')`);
        await tx.transaction(async (inner) => {
          await inner.execute(sql`INSERT INTO tx_probe VALUES ('inner-1')`);
        });
        // Another connection must not see either row yet (PGlite has one connection, which this
        // transaction holds: a read from outside would wait for it, so there is nothing to race).
        if (backend.name === 'postgres') seenOutside = await labels();
        throw new Error('outer fails after the nested work');
      })
      .catch((err: unknown) => err as Error);
    expect(failure.message).toBe('outer fails after the nested work');
    if (backend.name === 'postgres') expect(seenOutside).toEqual([]);
    expect(await labels()).toEqual([]);
  });

  it('savepoint() undoes only its own work when it throws, and the transaction goes on', async () => {
    await gaffer.db.transaction(async (tx) => {
      await tx.execute(sql`INSERT INTO tx_probe VALUES ('kept-before')`);
      const err = await savepoint(tx, async (sp) => {
        await sp.execute(sql`INSERT INTO tx_probe VALUES ('undone')`);
        // A failing statement aborts the transaction unless the savepoint is rolled back.
        await sp.execute(sql`INSERT INTO tx_probe VALUES ('kept-before')`);
      }).catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(Error);
      const nested = await savepoint(tx, async (sp) => {
        await sp.execute(sql`INSERT INTO tx_probe VALUES ('kept-savepoint')`);
        return 'returned';
      });
      expect(nested).toBe('returned');
      await tx.execute(sql`INSERT INTO tx_probe VALUES ('kept-after')`);
    });
    expect(await labels()).toEqual(['kept-after', 'kept-before', 'kept-savepoint']);
  });
});
