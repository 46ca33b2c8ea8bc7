/**
 * A model call's conversation as recorded (OpenAI chat format): system, user, assistant and
 * tool messages, with their text and the tool calls the assistant made.
 */
import { preview } from '../lib/format.js';

interface ToolCallShape {
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

interface MessageShape {
  role?: string;
  content?: unknown;
  name?: string;
  tool_call_id?: string;
  tool_calls?: ToolCallShape[];
  refusal?: string | null;
}

/** Message content is a string, or a list of parts ({ type: 'text', text } and others). */
export function contentText(content: unknown): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => {
        if (typeof part === 'string') return part;
        if (part && typeof part === 'object') {
          const p = part as { type?: string; text?: string };
          if (typeof p.text === 'string') return p.text;
          return `[${p.type ?? 'part'}]`;
        }
        return String(part);
      })
      .join('\n');
  }
  return JSON.stringify(content, null, 2);
}

/** Tool-call arguments arrive as a JSON string; shown pretty when they parse. */
function prettyArguments(args: unknown): string {
  if (typeof args !== 'string') return JSON.stringify(args, null, 2);
  try {
    return JSON.stringify(JSON.parse(args), null, 2);
  } catch {
    return args;
  }
}

export function Message({ message, response = false }: { message: unknown; response?: boolean }) {
  const m = (message && typeof message === 'object' ? message : { content: message }) as MessageShape;
  const role = m.role ?? 'unknown';
  const text = contentText(m.content);
  return (
    <div class={`msg msg-${role}${response ? ' msg-response' : ''}`} data-testid="message" data-role={role}>
      <div class="msg-head">
        <span class="msg-role">{role}</span>
        {response ? <span class="muted small">response</span> : null}
        {m.name ? <span class="mono small">{m.name}</span> : null}
        {m.tool_call_id ? <span class="mono small muted">for {m.tool_call_id}</span> : null}
      </div>
      {text ? <div class="msg-text">{text}</div> : null}
      {m.refusal ? <div class="msg-text error">refused: {m.refusal}</div> : null}
      {m.tool_calls?.length ? (
        <ul class="msg-calls">
          {m.tool_calls.map((c, i) => (
            <li key={c.id ?? i}>
              <span class="mono strong">{c.function?.name ?? c.type ?? 'tool'}</span>
              {c.id ? <span class="mono small muted"> {c.id}</span> : null}
              <pre class="code small">{prettyArguments(c.function?.arguments)}</pre>
            </li>
          ))}
        </ul>
      ) : null}
      {!text && !m.tool_calls?.length && !m.refusal ? <div class="msg-text muted">{preview(m.content ?? '(empty)')}</div> : null}
    </div>
  );
}
