/**
 * Helpers for the scheduler tests: a spec to schedule, making a schedule due with SQL (the
 * database clock decides what is due, so tests move next_fire_at rather than the clock), reading
 * a schedule's tasks, and a second Gaffer on the same server database (a second "process").
 */
import { sql, type SQL } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { scheduleRoutes } from '../../src/api/routes/schedules.js';
import { API_PREFIX, buildServer } from '../../src/api/server.js';
import { createGaffer, type Gaffer } from '../../src/gaffer.js';
import { silentLogger } from '../../src/resources.js';
import { applySpec } from '../../src/specs/specStore.js';
import { databaseUrl, type TestBackend } from '../helpers/db.js';

export const SPEC = 'nightly-check';

/** A shell spec whose input must have a string `repo` (and may have `branch`). */
export async function applyTestSpec(gaffer: Gaffer, name = SPEC, priority = 5): Promise<void> {
  await applySpec(gaffer.resources, {
    name,
    executor: 'shell',
    command: ['echo', '{{input.repo}}'],
    priority,
    inputSchema: {
      type: 'object',
      properties: { repo: { type: 'string' }, branch: { type: 'string' } },
      required: ['repo'],
      additionalProperties: false,
    },
  });
}

/** Sets next_fire_at with a SQL expression over the database clock, e.g. sql`now() - interval '1 hour'`. */
export async function setNextFireAt(gaffer: Gaffer, scheduleId: string, when: SQL): Promise<void> {
  await gaffer.db.rows(sql`UPDATE schedules SET next_fire_at = ${when} WHERE id = ${scheduleId}`);
}

export interface ScheduledTask {
  id: string;
  fireTime: Date;
  input: unknown;
  priority: number;
  status: string;
  createdBy: string | null;
}

export async function tasksOf(gaffer: Gaffer, scheduleId: string): Promise<ScheduledTask[]> {
  const rows = await gaffer.db.rows<{ id: string; fire_time: Date | string; input: unknown; priority: number; status: string; created_by: string | null }>(
    sql`SELECT id, fire_time, input, priority, status, created_by FROM tasks WHERE schedule_id = ${scheduleId} ORDER BY fire_time`,
  );
  return rows.map((r) => ({
    id: r.id,
    fireTime: new Date(r.fire_time),
    input: r.input,
    priority: r.priority,
    status: r.status,
    createdBy: r.created_by,
  }));
}

export async function dbTime(gaffer: Gaffer, expression: SQL): Promise<Date> {
  const [row] = await gaffer.db.rows<{ t: Date | string }>(sql`SELECT ${expression} AS t`);
  return new Date(row!.t);
}

/**
 * Another Gaffer on the same server database, as a second scheduler process would open it. Close
 * it before the first (whose close drops the database).
 */
export async function openSecondGaffer(gaffer: Gaffer, backend: TestBackend): Promise<Gaffer> {
  if (backend.name !== 'postgres' || !backend.url) throw new Error('a second Gaffer needs the server Postgres backend');
  const [row] = await gaffer.db.rows<{ name: string }>(sql`SELECT current_database() AS name`);
  return createGaffer({
    logger: silentLogger(),
    database: { kind: 'postgres', url: databaseUrl(backend.url, row!.name), poolSize: 4, applicationName: 'gaffer-second' },
    config: { migrateOnStart: false },
  });
}

/** The API server with the schedule routes (mounted here while the server does not mount them itself). */
export async function serverWithSchedules(gaffer: Gaffer): Promise<FastifyInstance> {
  const app = await buildServer(gaffer);
  if (!app.hasRoute({ method: 'POST', url: `${API_PREFIX}/schedules` })) {
    await app.register(scheduleRoutes(gaffer), { prefix: API_PREFIX });
  }
  return app;
}
