/**
 * The append-only rule shared by both logs (gaffer_events_are_immutable, migrations 0001 and
 * 0003): refused with GF001 whichever table it guards, and the message names that table.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLSTATE, databaseError } from '../../src/db/sqlstate.js';
import type { Gaffer } from '../../src/gaffer.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';

describe.each(testBackends())('append-only logs on $name', (backend) => {
  let gaffer: Gaffer;
  beforeAll(async () => {
    gaffer = await openTestGaffer(backend);
  });
  afterAll(async () => {
    await gaffer?.close();
  });

  it('names task_events in the refusal of UPDATE, DELETE and TRUNCATE on task_events', async () => {
    const taskId = '01930000-0000-7000-8000-0000000000c1';
    await gaffer.db.rows(sql`INSERT INTO tasks (id, kind, status) VALUES (${taskId}, 'reminder', 'queued')`);
    await gaffer.db.rows(sql`INSERT INTO task_events (task_id, seq, type, payload) VALUES (${taskId}, 1, 'submitted', '{}'::jsonb)`);
    for (const [op, statement] of [
      ['UPDATE', sql`UPDATE task_events SET payload = '{"changed":true}'::jsonb WHERE task_id = ${taskId}`],
      ['DELETE', sql`DELETE FROM task_events WHERE task_id = ${taskId}`],
      ['TRUNCATE', sql`TRUNCATE task_events CASCADE`],
    ] as const) {
      const err = databaseError(await gaffer.db.rows(statement).catch((e: unknown) => e));
      expect(err).toEqual({ code: SQLSTATE.eventsImmutable, message: `task_events are append-only: ${op} on task_events is not allowed` });
    }
    const rows = await gaffer.db.rows<{ payload: unknown }>(sql`SELECT payload FROM task_events WHERE task_id = ${taskId}`);
    expect(rows).toEqual([{ payload: {} }]);
  });

  it('still names events in the refusal on events', async () => {
    const run = await gaffer.runs.create({ name: 'immutable-message' });
    const err = databaseError(await gaffer.db.rows(sql`DELETE FROM events WHERE run_id = ${run.id}`).catch((e: unknown) => e));
    expect(err).toEqual({ code: SQLSTATE.eventsImmutable, message: 'events are append-only: DELETE on events is not allowed' });
  });
});
