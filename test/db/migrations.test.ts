/**
 * The schema (src/db/schema.ts) and the committed migrations (drizzle/) must agree:
 *   1. drizzle-kit finds nothing to generate between the last migration snapshot and the schema;
 *   2. the migrations, applied to an empty database on each backend, produce exactly the tables,
 *      columns, types, nullability and CHECK constraints the schema declares, plus the triggers.
 */
import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/connection.js';
import { loadMigrations, migrate, MIGRATIONS_DIR } from '../../src/db/migrate.js';
import * as schema from '../../src/db/schema.js';
import { createScratchDatabase, testBackends } from '../helpers/db.js';

const tables = Object.values(schema as Record<string, unknown>).filter((v): v is PgTable => {
  try {
    getTableConfig(v as PgTable);
    return true;
  } catch {
    return false;
  }
});

describe('schema and migrations (drizzle-kit)', () => {
  it('generating a migration from the schema yields nothing new', async () => {
    const snapshots = fs.readdirSync(`${MIGRATIONS_DIR}/meta`).filter((f) => f.endsWith('_snapshot.json')).sort();
    const last = JSON.parse(fs.readFileSync(`${MIGRATIONS_DIR}/meta/${snapshots.at(-1)}`, 'utf8'));
    const current = generateDrizzleJson(schema, last.id, undefined, 'snake_case');
    expect(await generateMigration(last, current)).toEqual([]);
    // The check itself can see a difference: against an empty schema it must generate tables.
    const empty = generateDrizzleJson({}, undefined, undefined, 'snake_case');
    expect((await generateMigration(empty, current)).length).toBeGreaterThan(tables.length);
  });

  it('every migration in the journal has its SQL file, and they are applied in order', () => {
    const migrations = loadMigrations();
    expect(migrations.map((m) => m.idx)).toEqual(migrations.map((_, i) => i));
    for (const m of migrations) expect(m.statements.length).toBeGreaterThan(0);
  });
});

const TYPE_NAMES: Record<string, string> = {
  PgUUID: 'uuid',
  PgText: 'text',
  PgInteger: 'integer',
  PgBigInt53: 'bigint',
  PgNumeric: 'numeric',
  PgNumericNumber: 'numeric',
  PgJsonb: 'jsonb',
  PgTimestamp: 'timestamp with time zone',
  PgArray: 'ARRAY',
  PgCustomColumn: 'bytea',
  PgBoolean: 'boolean',
};

describe.each(testBackends())('migrations from an empty database on $name', (backend) => {
  let db: Database;
  let drop = async (): Promise<void> => {};

  beforeAll(async () => {
    if (backend.name === 'pglite') db = await openDatabase({ kind: 'pglite' });
    else {
      const scratch = await createScratchDatabase(backend.url!);
      drop = scratch.drop;
      db = await openDatabase({ kind: 'postgres', url: scratch.url, poolSize: 4 });
    }
  });
  afterAll(async () => {
    await db?.close();
    await drop();
  });

  it('applies all migrations, twice concurrently without harm', async () => {
    const results = await Promise.all([migrate(db), migrate(db)]);
    const applied = results.map((r) => r.applied.length).sort();
    expect(applied).toEqual([0, loadMigrations().length]);
  });

  it('produces exactly the tables and columns of the schema', async () => {
    const cols = await db.rows<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
      sql`SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name <> 'gaffer_migrations' ORDER BY table_name, column_name`,
    );
    const actual = cols.map((c) => `${c.table_name}.${c.column_name} ${c.data_type} ${c.is_nullable === 'YES' ? 'null' : 'not null'}`);
    const expected = tables
      .flatMap((t) => {
        const config = getTableConfig(t);
        return config.columns.map((c) => {
          const type = TYPE_NAMES[c.columnType];
          if (!type) throw new Error(`add ${c.columnType} to TYPE_NAMES in this test`);
          return `${config.name}.${c.name} ${type} ${c.notNull ? 'not null' : 'null'}`;
        });
      })
      .sort();
    expect(actual.sort()).toEqual(expected);
  });

  it('has every CHECK constraint the schema declares, and the triggers', async () => {
    const checks = await db.rows<{ conname: string }>(
      sql`SELECT conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
          WHERE n.nspname = 'public' AND c.contype = 'c'`,
    );
    const expected = tables.flatMap((t) => getTableConfig(t).checks.map((c) => c.name));
    expect(checks.map((c) => c.conname).sort()).toEqual(expected.sort());
    const triggers = await db.rows<{ tgname: string }>(sql`SELECT tgname FROM pg_trigger WHERE NOT tgisinternal`);
    expect(triggers.map((t) => t.tgname).sort()).toEqual([
      'events_no_truncate',
      'events_no_update_delete',
      'runs_outcome',
      'runs_status_rule',
      'task_events_no_truncate',
      'task_events_no_update_delete',
      'tasks_notify_insert',
      'tasks_notify_update',
      'tasks_status_rule',
    ]);
  });

  it('refuses a migration file that changed after it was applied', async () => {
    const migrations = loadMigrations();
    const tampered = migrations.map((m, i) => (i === 0 ? { ...m, hash: 'f'.repeat(64) } : m));
    await expect(migrate(db, tampered)).rejects.toThrow(/changed after it was applied/);
  });
});
