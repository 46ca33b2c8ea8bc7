/**
 * Following a run live: the events stream is server-sent events behind a bearer token, which
 * EventSource cannot send, so it is read with fetch and parsed here. Frames are `id:`, `event:`,
 * `data:` lines ended by a blank line; `:` lines are comments (pings). The stream ends with
 * `event: end`; a dropped connection is resumed after the last seq seen.
 */
export interface SseFrame {
  id?: string;
  event: string;
  data: string;
}

/** Splits text into complete frames; returns them and the unfinished rest. */
export function parseFrames(buffer: string): { frames: SseFrame[]; rest: string } {
  const frames: SseFrame[] = [];
  const normalized = buffer.replace(/\r\n?/g, '\n');
  const parts = normalized.split('\n\n');
  const rest = parts.pop() ?? '';
  for (const part of parts) {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of part.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
    if (data.length || event !== 'message') frames.push({ event, data: data.join('\n'), ...(id !== undefined ? { id } : {}) });
  }
  return { frames, rest };
}

export interface FollowHandlers<E> {
  onEvent(event: E): void;
  onEnd(): void;
  onError(message: string): void;
}

/** Streams a run's events after `after` until `end`, reconnecting (after the last seq) if it drops. */
export async function followRun<E extends { seq: number }>(runId: string, after: number, token: string, signal: AbortSignal, handlers: FollowHandlers<E>): Promise<void> {
  let last = after;
  for (let attempt = 0; attempt < 20 && !signal.aborted; attempt++) {
    try {
      const res = await fetch(`/api/v1/runs/${runId}/events/stream?after=${last}`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal });
      if (!res.ok || !res.body) {
        handlers.onError(`live stream: ${res.status}`);
        return;
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const parsed = parseFrames(buffer + value);
        buffer = parsed.rest;
        for (const frame of parsed.frames) {
          if (frame.event === 'end') {
            handlers.onEnd();
            return;
          }
          const event = JSON.parse(frame.data) as E;
          last = Math.max(last, event.seq);
          handlers.onEvent(event);
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      handlers.onError(err instanceof Error ? err.message : String(err));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
