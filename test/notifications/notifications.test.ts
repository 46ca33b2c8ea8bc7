/**
 * Outgoing notifications end to end: real workers deliver them through the task queue to real
 * local HTTP receivers — one that verifies the HMAC signature over timestamp and body, one in
 * Slack's incoming-webhook format, and a dead endpoint that is retried with backoff and never holds
 * up the others. Each attempt is a run with the request and the response recorded.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultExecutors } from '../../src/executor/registry.js';
import type { Gaffer } from '../../src/gaffer.js';
import type { Worker } from '../../src/queue/worker.js';
import { sql } from 'drizzle-orm';
import { fireDueSchedules } from '../../src/scheduler/fireSchedules.js';
import { submitReminder } from '../../src/scheduler/reminders.js';
import { createSchedule } from '../../src/scheduler/schedules.js';
import { setNextFireAt } from '../scheduler/helpers.js';
import { freePort } from '../helpers/pgCluster.js';
import { openTestGaffer, testBackends } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';

const SECRET = 'notify-secret-for-tests';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  signatureValid: boolean;
}

async function receiver(): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const ts = String(req.headers['x-gaffer-timestamp'] ?? '');
      const expected = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`;
      const signatureValid = req.headers['x-gaffer-signature'] === expected && Math.abs(Date.now() / 1000 - Number(ts)) < 300;
      received.push({ headers: req.headers, body, signatureValid });
      res.writeHead(signatureValid || !req.headers['x-gaffer-signature'] ? 200 : 401).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe.each(testBackends())('notifications on $name', (backend) => {
  let gaffer: Gaffer;
  let worker: Worker;
  let ops: Awaited<ReturnType<typeof receiver>>;
  let slack: Awaited<ReturnType<typeof receiver>>;

  beforeAll(async () => {
    process.env.TEST_NOTIFY_SECRET = SECRET;
    ops = await receiver();
    slack = await receiver();
    const dead = `http://127.0.0.1:${await freePort()}/nobody-home`;
    gaffer = await openTestGaffer(backend, {
      config: {
        notifications: {
          subscriptions: [
            { name: 'ops', events: ['escalation_opened', 'escalation_resolved', 'approval_needed', 'reminder_due', 'schedule_missed'], url: ops.url, secretEnv: 'TEST_NOTIFY_SECRET' },
            { name: 'chat', events: ['escalation_opened'], url: slack.url, format: 'slack' },
            { name: 'dead', events: ['escalation_opened'], url: dead },
          ],
          retry: { maxRetries: 2, backoffMs: 20 },
          timeoutMs: 2_000,
        },
      },
    });
    await gaffer.specs.apply({ name: 'gated', executor: 'shell', command: ['true'], approval: 'always' });
    await gaffer.specs.apply({ name: 'broken', executor: 'shell', command: ['sh', '-c', 'echo broken >&2; exit 9'] });
    worker = gaffer.createWorker({ executors: defaultExecutors(), pollMs: 20, concurrency: 4 });
    await worker.start();
  });
  afterAll(async () => {
    await worker?.stop();
    await gaffer?.close();
    await ops?.close();
    await slack?.close();
  });

  const eventsAt = (r: Received[], event: string) => r.filter((x) => x.headers['x-gaffer-event'] === event);

  it('delivers a signed webhook when an approval is needed, and records the delivery as a run', async () => {
    const { task } = await gaffer.tasks.submit({ spec: 'gated' });
    await waitFor('the approval_needed delivery', async () => eventsAt(ops.received, 'approval_needed'), (r) => r.length === 1, 10_000);
    const [got] = eventsAt(ops.received, 'approval_needed');
    expect(got!.signatureValid).toBe(true);
    const body = JSON.parse(got!.body) as { id: string; event: string; data: { taskId: string; kind: string } };
    expect(body).toMatchObject({ event: 'approval_needed', data: { taskId: task.id, kind: 'task' } });
    expect(got!.headers['x-gaffer-delivery']).toBe(body.id);
    const delivery = await waitFor('the delivery task', () => gaffer.tasks.get(body.id), (t) => t.status === 'succeeded');
    expect(delivery.kind).toBe('delivery');
    const [run] = (await gaffer.tasks.detail(delivery.id)).attempts;
    const result = (await gaffer.events.read(run!.id)).events.find((e) => e.type === 'tool_result')!;
    expect(result.payload).toMatchObject({ name: 'deliver', output: { status: 200 }, isError: false });
  });

  it('announces an escalation to the webhook and to Slack, retries a dead endpoint without holding anyone up, and announces its resolution', async () => {
    const { task } = await gaffer.tasks.submit({ spec: 'broken' });
    await waitFor('escalated', () => gaffer.tasks.get(task.id), (t) => t.status === 'escalated', 10_000);
    await waitFor('escalation_opened at ops', async () => eventsAt(ops.received, 'escalation_opened'), (r) => r.length === 1, 10_000);
    await waitFor('the Slack message', async () => slack.received, (r) => r.length === 1, 10_000);
    expect(eventsAt(ops.received, 'escalation_opened')[0]!.signatureValid).toBe(true);
    const text = (JSON.parse(slack.received[0]!.body) as { text: string }).text;
    expect(text).toContain(`Task ${task.id} needs a person`);
    expect(slack.received[0]!.headers['x-gaffer-signature']).toBeUndefined();

    // The dead endpoint's delivery is retried (3 attempts) and then fails, on its own.
    const deliveries = (await gaffer.tasks.list({ limit: 500 })).tasks.filter((t) => t.kind === 'delivery' && (t.input as { subscription: string }).subscription === 'dead');
    expect(deliveries).toHaveLength(1);
    const dead = await waitFor('the dead delivery to give up', () => gaffer.tasks.get(deliveries[0]!.id), (t) => t.status === 'failed', 20_000);
    expect(dead).toMatchObject({ attempt: 3, failureClass: 'provider_error' });
    expect((dead.lastError as { message: string }).message).toContain('could not reach the endpoint');

    const [escalation] = await gaffer.escalations.list({ taskId: task.id });
    await gaffer.escalations.resolve({ id: escalation!.id, option: 'abort', principal: 'operator:ann' });
    await waitFor('escalation_resolved at ops', async () => eventsAt(ops.received, 'escalation_resolved'), (r) => r.length === 1, 10_000);
    expect(JSON.parse(eventsAt(ops.received, 'escalation_resolved')[0]!.body)).toMatchObject({ data: { escalationId: escalation!.id, status: 'resolved', resolution: 'abort', by: 'operator:ann' } });
  });

  it('announces fire times a schedule missed', async () => {
    const schedule = await createSchedule(gaffer.resources, { spec: 'gated', cron: '* * * * *', missed: 'skip', name: `missed-${backend.name}` });
    await setNextFireAt(gaffer, schedule.id, sql`date_trunc('minute', now()) - interval '30 minutes'`);
    await fireDueSchedules(gaffer.resources);
    await waitFor('schedule_missed at ops', async () => eventsAt(ops.received, 'schedule_missed'), (r) => r.length === 1, 10_000);
    const got = eventsAt(ops.received, 'schedule_missed')[0]!;
    expect(got.signatureValid).toBe(true);
    expect(JSON.parse(got.body)).toMatchObject({ data: { scheduleId: schedule.id, policy: 'skip', reason: 'late' } });
    expect((JSON.parse(got.body) as { data: { count: number } }).data.count).toBeGreaterThanOrEqual(29);
  });

  it('delivers reminders', async () => {
    await submitReminder(gaffer.resources, { at: new Date().toISOString(), message: 'stand-up in 5', to: 'ops' });
    await waitFor('reminder_due at ops', async () => eventsAt(ops.received, 'reminder_due'), (r) => r.length === 1, 10_000);
    expect(JSON.parse(eventsAt(ops.received, 'reminder_due')[0]!.body)).toMatchObject({ data: { message: 'stand-up in 5', to: 'ops' } });
  });
});
