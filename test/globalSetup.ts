/**
 * Runs once before the suite: on the server Postgres (TEST_DATABASE_URL) it rebuilds the migrated
 * template database that each test clones; without it, it says plainly that the server half of
 * the suite is skipped.
 */
import pg from 'pg';
import { openDatabase } from '../src/db/connection.js';
import { migrate } from '../src/db/migrate.js';
import { TEMPLATE_DB, databaseUrl } from './helpers/db.js';

export default async function setup(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    console.warn(
      '\n  ⚠  TEST_DATABASE_URL is not set: database tests run on PGlite only; the server-Postgres half of the suite is SKIPPED.\n' +
        '     Set TEST_DATABASE_URL=postgres://... (as .ci/run does) to run both.\n',
    );
    return;
  }
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const db = await openDatabase({ kind: 'postgres', url: databaseUrl(url, TEMPLATE_DB), poolSize: 1 });
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
  console.log(`\n  Database tests run on PGlite and on the server Postgres (${new URL(url).host}).\n`);
}
