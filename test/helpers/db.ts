/**
 * Database backends for tests. Every database test runs on PGlite (in memory) and, when
 * TEST_DATABASE_URL is set, on the server Postgres too: each test gets a fresh database cloned
 * from a template that test/globalSetup.ts migrated once (CREATE DATABASE ... TEMPLATE is far
 * faster than migrating every time).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createGaffer, type CreateGafferOptions, type Gaffer } from '../../src/gaffer.js';
import { silentLogger } from '../../src/resources.js';

export interface TestBackend {
  name: 'pglite' | 'postgres';
  /** Server URL of the test cluster (postgres backend only). */
  url?: string;
}

/**
 * The migrated template of this test run. Named per run (test/globalSetup.ts sets it), so two
 * suites on one cluster never drop each other's template.
 */
export function templateDb(): string {
  return process.env.GAFFER_TEST_TEMPLATE ?? 'gaffer_test_template';
}

export function testBackends(): TestBackend[] {
  const url = process.env.TEST_DATABASE_URL;
  return url ? [{ name: 'pglite' }, { name: 'postgres', url }] : [{ name: 'pglite' }];
}

export function databaseUrl(base: string, database: string): string {
  const u = new URL(base);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates an empty database (no migrations) on the test cluster; returns its URL and a dropper. */
export async function createScratchDatabase(
  baseUrl: string,
  template?: string,
): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `gaffer_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: databaseUrl(baseUrl, name),
    drop: async () => {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * A Gaffer on a fresh, migrated database of the backend. `close()` also drops the server
 * database.
 */
export async function openTestGaffer(
  backend: TestBackend,
  options: Omit<CreateGafferOptions, 'database' | 'memory'> = {},
): Promise<Gaffer> {
  const base: CreateGafferOptions = { logger: silentLogger(), ...options, config: { ...options.config } };
  if (backend.name === 'pglite') return createGaffer({ ...base, memory: true });
  const scratch = await createScratchDatabase(backend.url!, templateDb());
  const gaffer = await createGaffer({
    ...base,
    database: { kind: 'postgres', url: scratch.url, poolSize: 8 },
    config: { ...base.config, migrateOnStart: false },
  });
  return {
    ...gaffer,
    close: async () => {
      await gaffer.close();
      await scratch.drop();
    },
  };
}
