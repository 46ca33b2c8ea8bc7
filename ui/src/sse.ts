/**
 * Following a run live. `GET /runs/{id}/events/stream` is server-sent events behind a bearer
 * token, which EventSource cannot send, so the stream is read with fetch and parsed by
 * SseParser. It ends with `event: end`; a connection that drops before that is opened again
 * after the last seq received, so nothing is missed or shown twice.
 */
import { ApiError, authHeader, reportUnauthorized } from './api.js';
import { SseParser } from './lib/sseFrames.js';
import type { RunEvent } from './types.js';

export interface FollowHandlers {
  onEvents(events: RunEvent[]): void;
  /** The stream is open (true) or between reconnects (false). */
  onConnected(connected: boolean): void;
  /** The server said `end`: the run finished and every event was sent. */
  onEnd(): void;
  onError(message: string): void;
}

/** Waits before reconnecting: 0.5 s, 1 s, 2 s … up to 10 s. */
const RECONNECT_MS = [500, 1000, 2000, 5000, 10_000] as const;

/** Streams the run's events after `after` until `end` or `signal` aborts. */
export async function followRunEvents(runId: string, after: number, signal: AbortSignal, handlers: FollowHandlers): Promise<void> {
  let last = after;
  let failures = 0;
  while (!signal.aborted) {
    try {
      const res = await fetch(`/api/v1/runs/${encodeURIComponent(runId)}/events/stream?after=${last}&resolve=true`, {
        headers: { ...authHeader(), accept: 'text/event-stream' },
        signal,
      });
      if (res.status === 401) {
        reportUnauthorized('your token is no longer accepted; sign in again');
        return;
      }
      if (!res.ok || !res.body) {
        const err = await ApiError.from(res);
        handlers.onError(err.message);
        if (res.status < 500) return; // not found, forbidden: reconnecting will not help
      } else {
        handlers.onConnected(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        const parser = new SseParser();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const batch: RunEvent[] = [];
          for (const frame of parser.push(value)) {
            if (frame.event === 'end') {
              if (batch.length) handlers.onEvents(batch);
              handlers.onConnected(false);
              handlers.onEnd();
              await reader.cancel().catch(() => undefined);
              return;
            }
            const event = JSON.parse(frame.data) as RunEvent;
            if (event.seq > last) {
              last = event.seq;
              batch.push(event);
            }
          }
          if (batch.length) {
            failures = 0;
            handlers.onEvents(batch);
          }
        }
        // The connection closed without `end` (a proxy timeout, a server restart): resume.
      }
    } catch (err) {
      if (signal.aborted) return;
      handlers.onError(err instanceof Error ? err.message : String(err));
    }
    handlers.onConnected(false);
    const wait = RECONNECT_MS[Math.min(failures, RECONNECT_MS.length - 1)] ?? 10_000;
    failures++;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
