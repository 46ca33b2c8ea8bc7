/**
 * A server-sent-events frame parser (the WHATWG format: `id:`, `event:`, `data:` fields, frames
 * ended by a blank line, `:` comment lines such as the server's `: ping`). Fed chunks as they
 * arrive; a frame split across chunks is held until its blank line comes.
 */
export interface SseFrame {
  id?: string;
  event: string;
  data: string;
}

export class SseParser {
  private buffer = '';
  private pendingCr = '';

  /** Adds a chunk of text; returns the frames it completed. */
  push(chunk: string): SseFrame[] {
    // A CR at the end of a chunk may be the first half of a CRLF: keep it for the next chunk.
    const text = this.pendingCr + chunk;
    this.pendingCr = text.endsWith('\r') ? '\r' : '';
    this.buffer += (this.pendingCr ? text.slice(0, -1) : text).replace(/\r\n?/g, '\n');
    const blocks = this.buffer.split('\n\n');
    this.buffer = blocks.pop() ?? '';
    const frames: SseFrame[] = [];
    for (const block of blocks) {
      const frame = parseBlock(block);
      if (frame) frames.push(frame);
    }
    return frames;
  }
}

function parseBlock(block: string): SseFrame | undefined {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  let sawField = false;
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
    else continue;
    sawField = true;
  }
  if (!sawField) return undefined; // only comments: a keep-alive
  return id === undefined ? { event, data: data.join('\n') } : { id, event, data: data.join('\n') };
}

/** Parses a whole text at once (tests, and the last bytes of a stream). */
export function parseSse(text: string): SseFrame[] {
  const parser = new SseParser();
  return [...parser.push(text), ...parser.push('\n\n')];
}
