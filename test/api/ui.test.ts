/**
 * The dashboard's files are served by the API server itself: the page at `/`, its assets under
 * `/ui/`, with a content security policy that allows only this origin; nothing outside the built
 * directory is reachable; an unbuilt dashboard says how to build it. And the task counts the
 * overview polls.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import { createGaffer, type Gaffer } from '../../src/gaffer.js';
import { silentLogger } from '../../src/resources.js';

describe('dashboard files', () => {
  let gaffer: Gaffer;
  let token: string;
  const uiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-ui-'));

  beforeAll(async () => {
    gaffer = await createGaffer({ memory: true, logger: silentLogger() });
    token = (await gaffer.tokens.create({ name: 'viewer', scope: 'viewer' })).token;
    fs.writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><script type="module" src="/ui/app.js"></script>');
    fs.writeFileSync(path.join(uiDir, 'app.js'), 'console.log(1)');
    fs.writeFileSync(path.join(os.tmpdir(), 'secret-next-to-ui.txt'), 'secret');
  });
  afterAll(async () => {
    await gaffer.close();
    fs.rmSync(uiDir, { recursive: true, force: true });
  });

  it('serves the page and its assets with a same-origin content security policy', async () => {
    const app = await buildServer(gaffer, { uiDir });
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.body).toContain('/ui/app.js');
    const script = await app.inject({ method: 'GET', url: '/ui/app.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toBe('console.log(1)');
    for (const url of ['/ui/missing.js', '/ui/..%2fsecret-next-to-ui.txt', '/ui/.hidden', '/ui/%2e%2e%2f%2e%2e%2fpackage.json']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
    await app.close();
  });

  it('says how to build the dashboard when it is not built', async () => {
    const app = await buildServer(gaffer, { uiDir: path.join(uiDir, 'nothing-here') });
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain('npm run build');
    await app.close();
  });

  it('counts tasks by status for any reader, every status listed', async () => {
    await gaffer.specs.apply({ name: 'count-me', executor: 'shell', command: ['true'], approval: 'always' });
    await gaffer.tasks.submit({ spec: 'count-me' });
    await gaffer.tasks.submit({ spec: 'count-me' });
    const app = await buildServer(gaffer, { uiDir });
    const res = await app.inject({ method: 'GET', url: '/api/v1/tasks/counts', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { counts: Record<string, number>; total: number };
    expect(body.counts).toMatchObject({ awaiting_approval: 2, queued: 0, succeeded: 0 });
    expect(Object.keys(body.counts)).toHaveLength(12);
    expect(body.total).toBe(2);
    expect((await app.inject({ method: 'GET', url: '/api/v1/tasks/counts' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/v1/tasks/counts?kind=bogus', headers: { authorization: `Bearer ${token}` } })).json()).toMatchObject({
      error: { code: 'VALIDATION_FAILED' },
    });
    await app.close();
  });
});
