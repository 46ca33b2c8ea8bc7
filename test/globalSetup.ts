/**
 * Runs once before the suite: on the server Postgres (TEST_DATABASE_URL) it rebuilds the migrated
 * template database that each test clones; without it, it says plainly that the server half of
 * the suite is skipped.
 */
import pg from 'pg';
import { openDatabase } from '../src/db/connection.js';
import { migrate } from '../src/db/migrate.js';
import { databaseUrl } from './helpers/db.js';

export default async function setup(): Promise<(() => Promise<void>) | void> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    console.warn(
      '\n  ⚠  TEST_DATABASE_URL is not set: database tests run on PGlite only; the server-Postgres half of the suite is SKIPPED.\n' +
        '     Set TEST_DATABASE_URL=postgres://... (as .ci/run does) to run both.\n',
    );
    return;
  }
  const TEMPLATE_DB = `gaffer_test_template_${process.pid}`;
  // Test workers are started after this and inherit the name.
  process.env.GAFFER_TEST_TEMPLATE = TEMPLATE_DB;
  const adminQuery = async (text: string): Promise<void> => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(text);
    } finally {
      await admin.end();
    }
  };
  await adminQuery(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE ${TEMPLATE_DB}`);
  const db = await openDatabase({ kind: 'postgres', url: databaseUrl(url, TEMPLATE_DB), poolSize: 1 });
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
  console.log(`\n  Database tests run on PGlite and on the server Postgres (${new URL(url).host}).\n`);
  return async () => {
    await adminQuery(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
  };
}
