/**
 * Inbound webhooks over real HTTP: GitHub deliveries signed with X-Hub-Signature-256 and generic
 * hooks signed over "<timestamp>.<body>" submit tasks; a redelivery returns the same task; a bad,
 * missing or stale signature is 401 and malformed input 400, and neither creates anything.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, buildServer } from '../../src/api/server.js';
import { hmacHex } from '../../src/api/routes/hooks.js';
import type { Gaffer } from '../../src/gaffer.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';

const GITHUB_SECRET = 'gh-webhook-secret-for-tests';
const DEPLOY_SECRET = 'deploy-hook-secret-for-tests';

describe.each(testBackends())('inbound webhooks on $name', (backend) => {
  let gaffer: Gaffer;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    process.env.TEST_GITHUB_HOOK_SECRET = GITHUB_SECRET;
    process.env.TEST_DEPLOY_HOOK_SECRET = DEPLOY_SECRET;
    gaffer = await openTestGaffer(backend, {
      config: {
        hooks: {
          github: { secretEnv: 'TEST_GITHUB_HOOK_SECRET', routes: [{ event: 'issues', action: 'labeled', label: 'gaffer', spec: 'triage' }] },
          generic: { deploy: { secretEnv: 'TEST_DEPLOY_HOOK_SECRET', spec: 'deploy' } },
        },
      },
    });
    await gaffer.specs.apply({ name: 'triage', executor: 'shell', command: ['true'], approval: 'always' });
    await gaffer.specs.apply({ name: 'deploy', executor: 'shell', command: ['true'], approval: 'always', inputSchema: { type: 'object', required: ['env'], properties: { env: { type: 'string' } } } });
    app = await buildServer(gaffer);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}${API_PREFIX}`;
  });
  afterAll(async () => {
    await app?.close();
    await gaffer?.close();
  });

  const issue = (label: string) => ({
    action: 'labeled',
    label: { name: label },
    issue: { number: 42, title: 'Crash on empty input', body: 'Steps: run it with nothing.', html_url: 'https://github.com/acme/app/issues/42', labels: [{ name: label }] },
    repository: { full_name: 'acme/app' },
    sender: { login: 'octo' },
  });

  function github(body: string, headers: Record<string, string>) {
    return fetch(`${base}/hooks/github`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  }
  const signed = (body: string, secret = GITHUB_SECRET) => `sha256=${hmacHex(secret, body)}`;
  const taskCount = async () => (await gaffer.tasks.list({ limit: 500 })).tasks.length;

  it('turns a signed GitHub delivery into a task, once per delivery id', async () => {
    const body = JSON.stringify(issue('gaffer'));
    const headers = { 'x-github-event': 'issues', 'x-github-delivery': `d-1-${backend.name}`, 'x-hub-signature-256': signed(body) };
    const first = await github(body, headers);
    expect(first.status).toBe(202);
    const created = (await first.json()) as { taskId: string; existing: boolean };
    expect(created.existing).toBe(false);
    const task = await gaffer.tasks.get(created.taskId);
    expect(task).toMatchObject({
      createdBy: 'hook:github',
      input: { source: 'github', event: 'issues', action: 'labeled', repository: 'acme/app', title: 'Crash on empty input', body: 'Steps: run it with nothing.', number: 42 },
    });
    const again = await github(body, headers);
    expect(((await again.json()) as { taskId: string; existing: boolean })).toEqual({ taskId: created.taskId, existing: true, spec: 'triage' });
  });

  it('ignores deliveries no route matches, and refuses bad, missing or foreign signatures, creating nothing', async () => {
    const before = await taskCount();
    const other = JSON.stringify(issue('question'));
    const ignored = await github(other, { 'x-github-event': 'issues', 'x-github-delivery': 'd-2', 'x-hub-signature-256': signed(other) });
    expect(ignored.status).toBe(202);
    expect(await ignored.json()).toMatchObject({ ignored: true });
    const body = JSON.stringify(issue('gaffer'));
    for (const sig of [undefined, 'sha256=00', signed(body, 'someone-elses-secret'), signed(`${body} `)]) {
      const res = await github(body, { 'x-github-event': 'issues', 'x-github-delivery': 'd-3', ...(sig ? { 'x-hub-signature-256': sig } : {}) });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    }
    const broken = '{"action": ';
    const malformed = await github(broken, { 'x-github-event': 'issues', 'x-github-delivery': 'd-4', 'x-hub-signature-256': signed(broken) });
    expect(malformed.status).toBe(400);
    expect(await taskCount()).toBe(before);
  });

  it('accepts a generic hook signed over timestamp and body, and refuses a stale (replayed) one', async () => {
    const before = await taskCount();
    const send = (body: string, ts: number, secret = DEPLOY_SECRET, delivery?: string) =>
      fetch(`${base}/hooks/generic/deploy`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-gaffer-timestamp': String(ts),
          'x-gaffer-signature': `sha256=${hmacHex(secret, `${ts}.${body}`)}`,
          ...(delivery ? { 'x-gaffer-delivery': delivery } : {}),
        },
        body,
      });
    const now = Math.floor(Date.now() / 1000);
    const ok = await send('{"env":"staging"}', now, DEPLOY_SECRET, `g-1-${backend.name}`);
    expect(ok.status).toBe(202);
    const { taskId } = (await ok.json()) as { taskId: string };
    expect(await gaffer.tasks.get(taskId)).toMatchObject({ input: { env: 'staging' }, createdBy: 'hook:deploy' });
    expect(((await (await send('{"env":"staging"}', now, DEPLOY_SECRET, `g-1-${backend.name}`)).json()) as { taskId: string }).taskId).toBe(taskId);
    expect((await send('{"env":"staging"}', now - 3600)).status).toBe(401);
    expect((await send('{"env":"staging"}', now, 'wrong')).status).toBe(401);
    const invalid = await send('{"region":"eu"}', now);
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(await invalid.json())).toContain('env');
    expect((await fetch(`${base}/hooks/generic/nope`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(404);
    expect(await taskCount()).toBe(before + 1);
  });
});
