/**
 * /api/v1/schedules and /api/v1/reminders through the real server (auth hook, error envelope,
 * OpenAPI), on both backends: scopes (a viewer reads but cannot create), validation errors naming
 * the field, and the pause → resume → delete lifecycle.
 */
import { createConfig, lintFromString } from '@redocly/openapi-core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../src/api/server.js';
import type { ReminderView, ScheduleView } from '../../src/api/routes/schedules.js';
import type { Gaffer } from '../../src/gaffer.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';
import { applyTestSpec, serverWithSchedules, SPEC } from './helpers.js';

describe.each(testBackends())('schedule API on $name', (backend) => {
  let gaffer: Gaffer;
  let app: FastifyInstance;
  const tokens: Record<string, string> = {};

  async function call(method: 'GET' | 'POST' | 'DELETE', url: string, token: string | null, body?: unknown) {
    const response = await app.inject({
      method,
      url: `${API_PREFIX}${url}`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
    });
    return { status: response.statusCode, json: response.json() as Record<string, unknown> };
  }

  beforeAll(async () => {
    gaffer = await openTestGaffer(backend);
    await applyTestSpec(gaffer);
    app = await serverWithSchedules(gaffer);
    await app.ready();
    for (const scope of ['operator', 'viewer'] as const) tokens[scope] = (await gaffer.tokens.create({ name: `${scope}-t`, scope })).token;
  });
  afterAll(async () => {
    await app?.close();
    await gaffer?.close();
  });

  it('an operator creates a schedule; a viewer reads it but may not create, pause or remind', async () => {
    const body = { spec: SPEC, cron: '0 9 * * 1-5', timezone: 'Europe/Paris', input: { repo: 'r' }, missed: 'once', name: 'weekday-check' };
    const created = await call('POST', '/schedules', tokens.operator!, body);
    expect(created.status).toBe(201);
    const view = created.json as unknown as ScheduleView;
    expect(view).toMatchObject({ name: 'weekday-check', spec: SPEC, cron: '0 9 * * 1-5', timezone: 'Europe/Paris', missed: 'once', paused: false, createdBy: 'operator:operator-t' });
    expect(view.nextFireTimes).toHaveLength(3);
    expect(view.nextFireTimes.every((t) => !Number.isNaN(Date.parse(t)))).toBe(true);
    expect(view.nextFireAt).toBe(view.nextFireTimes[0]);

    const denied = await call('POST', '/schedules', tokens.viewer!, { ...body, name: 'viewer-made' });
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect((await call('POST', `/schedules/${view.id}/pause`, tokens.viewer!)).status).toBe(403);
    expect((await call('DELETE', `/schedules/${view.id}`, tokens.viewer!)).status).toBe(403);
    expect((await call('POST', '/reminders', tokens.viewer!, { at: '1h', message: 'x' })).status).toBe(403);
    expect((await call('GET', '/schedules', null)).status).toBe(401);

    const list = await call('GET', '/schedules', tokens.viewer!);
    expect(list.status).toBe(200);
    expect((list.json.schedules as ScheduleView[]).map((s) => s.name)).toContain('weekday-check');
    const byName = await call('GET', '/schedules/weekday-check', tokens.viewer!);
    expect(byName.json).toMatchObject({ id: view.id });
  });

  it('answers bad input with 400 naming the field, and unknown schedules with 404', async () => {
    const badCron = await call('POST', '/schedules', tokens.operator!, { spec: SPEC, cron: '0 25 * * *', input: { repo: 'r' } });
    expect(badCron.status).toBe(400);
    expect(badCron.json).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { issues: [{ path: 'cron' }] } } });
    const badZone = await call('POST', '/schedules', tokens.operator!, { spec: SPEC, cron: '@daily', timezone: 'Nowhere/Land', input: { repo: 'r' } });
    expect(badZone.json).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { issues: [{ path: 'timezone' }] } } });
    const badInput = await call('POST', '/schedules', tokens.operator!, { spec: SPEC, cron: '@daily', input: { repo: 42 } });
    expect(badInput.status).toBe(400);
    expect((badInput.json.error as { message: string }).message).toMatch(/input\.repo/);
    const noSpec = await call('POST', '/schedules', tokens.operator!, { spec: 'ghost', cron: '@daily' });
    expect(noSpec.status).toBe(404);
    expect(noSpec.json).toMatchObject({ error: { code: 'SPEC_NOT_FOUND' } });
    const unknownField = await call('POST', '/schedules', tokens.operator!, { spec: SPEC, cron: '@daily', every: 'day' });
    expect(unknownField.status).toBe(400);

    const missing = await call('GET', '/schedules/0190c0de-0000-7000-8000-000000000000', tokens.viewer!);
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ error: { code: 'SCHEDULE_NOT_FOUND' } });
    expect((await call('POST', '/schedules/no-such-name/pause', tokens.operator!)).status).toBe(404);
  });

  it('pauses, resumes and deletes; a deleted schedule is listed only on request', async () => {
    const created = (await call('POST', '/schedules', tokens.operator!, { spec: SPEC, cron: '*/5 * * * *', input: { repo: 'r' }, name: 'lifecycle' }))
      .json as unknown as ScheduleView;
    const paused = (await call('POST', `/schedules/${created.id}/pause`, tokens.operator!)).json as unknown as ScheduleView;
    expect(paused).toMatchObject({ paused: true, nextFireTimes: [] });
    const resumed = (await call('POST', '/schedules/lifecycle/resume', tokens.operator!)).json as unknown as ScheduleView;
    expect(resumed.paused).toBe(false);
    expect(resumed.nextFireTimes).toHaveLength(3);
    const deleted = await call('DELETE', `/schedules/${created.id}`, tokens.operator!);
    expect(deleted.status).toBe(200);
    expect(deleted.json).toMatchObject({ nextFireAt: null, nextFireTimes: [] });
    expect(typeof deleted.json.deletedAt).toBe('string');
    expect((await call('POST', `/schedules/${created.id}/resume`, tokens.operator!)).json).toMatchObject({ error: { code: 'INVALID_STATE' } });

    const live = (await call('GET', '/schedules', tokens.viewer!)).json.schedules as ScheduleView[];
    expect(live.map((s) => s.id)).not.toContain(created.id);
    const all = (await call('GET', '/schedules?includeDeleted=true', tokens.viewer!)).json.schedules as ScheduleView[];
    expect(all.map((s) => s.id)).toContain(created.id);
  });

  it('creates reminders', async () => {
    const created = await call('POST', '/reminders', tokens.operator!, { at: '2h', message: 'rotate the keys', to: 'security' });
    expect(created.status).toBe(201);
    const reminder = created.json as unknown as ReminderView;
    expect(reminder).toMatchObject({ kind: 'reminder', status: 'scheduled', message: 'rotate the keys', to: 'security', createdBy: 'operator:operator-t' });
    expect(Date.parse(reminder.runAt) - Date.now()).toBeGreaterThan(3600_000);
    const bad = await call('POST', '/reminders', tokens.operator!, { at: 'later', message: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { issues: [{ path: 'at' }] } } });
  });

  it('documents the routes in an OpenAPI document that lints clean', async () => {
    const response = await app.inject({ method: 'GET', url: `${API_PREFIX}/openapi.json` });
    expect(response.statusCode).toBe(200);
    const doc = response.json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([`${API_PREFIX}/schedules`, `${API_PREFIX}/schedules/{id}`, `${API_PREFIX}/reminders`]));
    expect(Object.keys(doc.paths[`${API_PREFIX}/schedules/{id}`]!)).toEqual(expect.arrayContaining(['get', 'delete']));
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config });
    const errors = problems.filter((p) => p.severity === 'error');
    expect(errors.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
  });
});
