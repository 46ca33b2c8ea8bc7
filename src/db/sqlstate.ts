/**
 * SQLSTATE helpers and the one place transient Postgres errors are retried (with jitter).
 */
const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '57P01', // admin_shutdown (server restart)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (server starting up)
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);

export const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  /** UPDATE, DELETE or TRUNCATE on an append-only log (events, task_events). */
  eventsImmutable: 'GF001',
  /** A change of runs.status away from a terminal status. */
  runStatusRule: 'GF002',
  /** A change of tasks.status that is not in task_transitions. */
  taskTransitionRule: 'GF003',
} as const;

/** The SQLSTATE of a database error, looking through wrappers (drizzle wraps driver errors). */
export function sqlstate(err: unknown): string | undefined {
  return databaseError(err)?.code;
}

/**
 * The driver's own error inside wrappers (drizzle's "Failed query: ..." wraps it as `cause`): its
 * SQLSTATE and the message the database raised.
 */
export function databaseError(err: unknown): { code: string; message: string } | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      const message = (e as { message?: unknown }).message;
      return { code, message: typeof message === 'string' ? message : '' };
    }
  }
  return undefined;
}

export function isTransientDbError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_NODE_CODES.has(code))) return true;
    // node-postgres reports a connection dropped mid-query with no code at all; this message is
    // the only signal it gives (pg/lib/client.js), so it is matched here and nowhere else.
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && /^Connection terminated/.test(message)) return true;
  }
  return false;
}

export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export async function withTransientRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 6;
  const base = options.baseDelayMs ?? 50;
  const max = options.maxDelayMs ?? 2_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !isTransientDbError(err)) throw err;
      const delay = Math.min(max, base * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, delay / 2 + Math.random() * (delay / 2)));
    }
  }
}
