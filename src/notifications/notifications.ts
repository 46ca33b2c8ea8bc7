/**
 * Outgoing notifications. Subscriptions (config `notifications`) name the events they want and
 * where to send them: a generic JSON webhook, signed, or a Slack-compatible incoming webhook.
 *
 * Every notification is a task of kind `delivery`, created in the same transaction as what it
 * announces (an escalation opened, an approval requested...), so nothing is announced that did
 * not happen and nothing that happened goes unannounced. Workers deliver them like any task: one
 * run per attempt with the request and the response recorded (the delivery log), retried with
 * exponential backoff, and a dead endpoint only ever delays its own deliveries.
 *
 * Signature (webhook format): `X-Gaffer-Signature: sha256=<hex HMAC-SHA256(secret,
 * "<X-Gaffer-Timestamp>.<body>")>`, with `X-Gaffer-Timestamp` (unix seconds), `X-Gaffer-Event` and
 * `X-Gaffer-Delivery` (the same id on every retry, for receivers to drop duplicates). Receivers
 * should reject a timestamp far from their clock (replays).
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { Executor } from '../db/connection.js';
import { tasks } from '../db/schema.js';
import type { FailureClass } from '../db/vocabulary.js';
import type { Resources } from '../resources.js';
import { appendTaskEvent } from '../tasks/taskEvents.js';
import { uuidv7 } from '../util/ids.js';
import { plural } from '../util/plural.js';

export const NOTIFICATION_EVENTS = ['escalation_opened', 'escalation_resolved', 'approval_needed', 'task_failed', 'reminder_due', 'schedule_missed'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export const subscriptionSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, 'must be a name of letters, digits, - and _'),
  events: z.array(z.enum(NOTIFICATION_EVENTS)).min(1),
  url: z.url(),
  /** webhook: signed JSON; slack: `{ text }` for a Slack incoming webhook (its URL is the secret). */
  format: z.enum(['webhook', 'slack']).default('webhook'),
  /** The environment variable holding the HMAC secret (webhook format). */
  secretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name').optional(),
});
export type Subscription = z.output<typeof subscriptionSchema>;

export const notificationsSchema = z
  .strictObject({
    subscriptions: z.array(subscriptionSchema).default([]),
    /** Retries of a failed delivery, with exponential backoff from backoffMs. */
    retry: z.strictObject({ maxRetries: z.number().int().min(0).max(20).default(5), backoffMs: z.number().int().min(0).default(1_000) }).default({ maxRetries: 5, backoffMs: 1_000 }),
    /** Longest wait for an endpoint's answer. */
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  })
  .default({ subscriptions: [], retry: { maxRetries: 5, backoffMs: 1_000 }, timeoutMs: 10_000 });
export type NotificationsConfig = z.output<typeof notificationsSchema>;

export interface DeliveryInput {
  deliveryId: string;
  subscription: string;
  event: NotificationEvent;
  occurredAt: string;
  data: Record<string, unknown>;
}

/** Queues one delivery per matching subscription, inside the caller's transaction. */
export async function notify(res: Resources, tx: Executor, event: NotificationEvent, data: Record<string, unknown>): Promise<void> {
  const config = res.notifications;
  if (!config) return;
  for (const sub of config.subscriptions) {
    if (!sub.events.includes(event)) continue;
    const id = uuidv7();
    const input: DeliveryInput = { deliveryId: id, subscription: sub.name, event, occurredAt: res.now().toISOString(), data: res.redactor.value(data) };
    await tx.insert(tasks).values({ id, kind: 'delivery', specId: null, specVersionId: null, input, status: 'queued', maxAttempts: 1 + config.retry.maxRetries, createdBy: 'notifications' });
    await appendTaskEvent(res, tx, id, 'task_submitted', { kind: 'delivery', subscription: sub.name, event }, 'notifications');
  }
}

/** notify() in a transaction of its own (for callers outside one). */
export async function notifyNow(res: Resources, event: NotificationEvent, data: Record<string, unknown>): Promise<void> {
  if (!res.notifications?.subscriptions.some((s) => s.events.includes(event))) return;
  await res.db.transaction((tx) => notify(res, tx, event, data));
}

export type DeliveryResult = { ok: true; status: number } | { ok: false; retryable: boolean; failureClass: FailureClass; message: string; status?: number };

/** Sends one delivery (a worker runs it); `record` gets the request and the response. */
export async function deliver(
  res: Resources,
  input: DeliveryInput,
  record: (type: 'tool_call' | 'tool_result', payload: Record<string, unknown>) => void,
  signal: AbortSignal,
): Promise<DeliveryResult> {
  const sub = res.notifications?.subscriptions.find((s) => s.name === input.subscription);
  if (!sub) return { ok: false, retryable: false, failureClass: 'orchestration_error', message: `no subscription named '${input.subscription}' is configured any more` };
  const body = sub.format === 'slack' ? JSON.stringify({ text: slackText(input) }) : JSON.stringify({ id: input.deliveryId, event: input.event, occurredAt: input.occurredAt, data: input.data });
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'gaffer-notifications' };
  if (sub.format === 'webhook') {
    const timestamp = String(Math.floor(Date.now() / 1000));
    headers['x-gaffer-event'] = input.event;
    headers['x-gaffer-delivery'] = input.deliveryId;
    headers['x-gaffer-timestamp'] = timestamp;
    const secret = sub.secretEnv ? process.env[sub.secretEnv] : undefined;
    if (sub.secretEnv && !secret) return { ok: false, retryable: false, failureClass: 'orchestration_error', message: `the secret ${sub.secretEnv} is not set` };
    if (secret) headers['x-gaffer-signature'] = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  }
  const callId = `deliver-${input.deliveryId}`;
  // The URL may carry a secret (Slack's does): record only its origin.
  record('tool_call', { callId, name: 'deliver', arguments: { subscription: sub.name, format: sub.format, to: new URL(sub.url).origin, event: input.event }, risk: 'execute' });
  const started = performance.now();
  try {
    const response = await fetch(sub.url, { method: 'POST', headers, body, signal: AbortSignal.any([signal, AbortSignal.timeout(res.notifications!.timeoutMs)]) });
    const text = (await response.text()).slice(0, 500);
    record('tool_result', { callId, name: 'deliver', output: { status: response.status, body: text }, isError: !response.ok, durationMs: Math.round(performance.now() - started) });
    if (response.ok) return { ok: true, status: response.status };
    // A 4xx other than 408/429 will not get better by trying again.
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
    return { ok: false, retryable, status: response.status, failureClass: 'provider_error', message: `the endpoint answered ${response.status}` };
  } catch (err) {
    const message = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
    record('tool_result', { callId, name: 'deliver', output: { error: message }, isError: true, durationMs: Math.round(performance.now() - started) });
    return { ok: false, retryable: true, failureClass: 'provider_error', message: `could not reach the endpoint: ${message}` };
  }
}

function slackText(input: DeliveryInput): string {
  const d = input.data as Record<string, string | undefined>;
  switch (input.event) {
    case 'escalation_opened':
      return `:rotating_light: Task ${d['taskId']} needs a person (${d['trigger']}, ${d['failureClass'] ?? 'unclassified'}): escalation ${d['escalationId']}`;
    case 'escalation_resolved':
      return `:white_check_mark: Escalation ${d['escalationId']} ${d['status']}${d['resolution'] ? ` (${d['resolution']})` : ''} by ${d['by']}`;
    case 'approval_needed':
      return `:raised_hand: Task ${d['taskId']} waits for approval (${d['kind']}): approval ${d['approvalId']}`;
    case 'task_failed':
      return `:x: Task ${d['taskId']} failed (${d['failureClass'] ?? 'unclassified'})`;
    case 'reminder_due':
      return `:alarm_clock: ${d['message']}`;
    case 'schedule_missed':
      return `:warning: Schedule ${d['schedule']} missed ${plural(Number(d['count']), 'fire time')} (${d['reason']})`;
  }
}
