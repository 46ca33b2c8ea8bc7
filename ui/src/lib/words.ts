/**
 * The dashboard's words for the API's codes: statuses, escalation triggers, missed-run policies,
 * counts with their nouns, and a one-line preview of a task's input. Pure, so test/ui checks them.
 */

/** A count with its noun in the right number: `1 change`, `3 changes` (`plural` when not noun + s). */
export function plural(n: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? noun : pluralNoun}`;
}

/** A status code as words: "awaiting_approval" → "awaiting approval" (the code stays the CSS class). */
export function statusWord(status: string): string {
  return status.replace(/_/g, ' ');
}

/**
 * Why a task was escalated, in words that fit its attempts: a spec that allows one attempt has
 * no retries to exhaust, so "retries exhausted" would mislead there.
 */
export function triggerText(trigger: string, failureClass: string | null, attempt?: number, maxAttempts?: number): string {
  switch (trigger) {
    case 'retries_exhausted':
      if (maxAttempts === undefined) return 'failed on every attempt';
      if (maxAttempts <= 1) return 'failed; no retries allowed by the spec';
      return `failed after all ${attempt ?? maxAttempts} attempts`;
    case 'no_retry_class':
      return `failed with ${failureClass ?? 'a failure class'} that is not retried automatically`;
    case 'no_progress':
      return 'no progress: the last attempt failed the same checks the same way as the one before';
    default:
      return statusWord(trigger);
  }
}

/** What a schedule does about fire times missed while no scheduler ran (docs/scheduler.md). */
export function missedPolicy(policy: string): { label: string; detail: string } {
  switch (policy) {
    case 'skip':
      return { label: 'skip them', detail: 'fire only the due times within the grace; missed ones get no task' };
    case 'once':
      return { label: 'fire once', detail: 'one task for the latest missed time, none for the others' };
    case 'all':
      return { label: 'fire each', detail: 'a task for every missed time (at most 1,000 a pass)' };
    default:
      return { label: policy, detail: policy };
  }
}

const PREVIEW_VALUE_CHARS = 48;
/** Fields that say what is asked, shown first whatever their order in the input. */
const LEADING_KEYS = ['request', 'prompt', 'goal', 'task', 'message', 'title', 'description'];

function valueText(v: unknown): string {
  if (typeof v === 'string') {
    const line = v.replace(/\s+/g, ' ').trim();
    return line.length > PREVIEW_VALUE_CHARS ? `${line.slice(0, PREVIEW_VALUE_CHARS - 1)}…` : line;
  }
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v)) return v.length === 0 ? '[]' : plural(v.length, 'item');
  return '{…}';
}

/** An input's fields with what is asked (`request`, `prompt`, …) first, the rest in their order. */
export function inputEntries(input: Record<string, unknown>): [string, unknown][] {
  const rank = (k: string): number => {
    const i = LEADING_KEYS.indexOf(k);
    return i === -1 ? LEADING_KEYS.length : i;
  };
  return Object.entries(input).sort(([a], [b]) => rank(a) - rank(b));
}

/**
 * A short human line for a task's input: `request: Add titleCase(text)… · test: test/x.test.js`.
 * What is asked (`request`, `prompt`, …) comes first; each value is cut on its own so one long
 * request does not hide the other fields; "" for an empty input.
 */
export function inputPreview(input: unknown, max = 110): string {
  if (input === null || input === undefined) return '';
  if (typeof input !== 'object' || Array.isArray(input)) return valueText(input);
  const parts = inputEntries(input as Record<string, unknown>).map(([k, v]) => `${k}: ${valueText(v)}`);
  const line = parts.join(' · ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
