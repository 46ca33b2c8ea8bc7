/**
 * The API's error envelope `{ error: { code, message, details } }` as an ApiError, and what the
 * page makes of one. No DOM here, so the unit tests can import it.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Reads the error envelope of a failed response (or says what came instead). */
  static async from(res: Response): Promise<ApiError> {
    const text = await res.text().catch(() => '');
    try {
      const body = JSON.parse(text) as { error?: { code?: string; message?: string; details?: unknown } };
      if (body.error?.message) return new ApiError(res.status, body.error.code ?? 'ERROR', body.error.message, body.error.details);
    } catch {
      // not JSON: fall through
    }
    return new ApiError(res.status, 'HTTP_ERROR', `${res.status} ${res.statusText || 'error'}${text ? `: ${text.slice(0, 200)}` : ''}`);
  }
}

/**
 * Whether a request failed because the id or name in its path names nothing: a 404, or a 400
 * whose validation issue is the path's `id` (a task or run id that is not a UUID names nothing
 * either). Read from the envelope's code and details, not from the message text.
 */
export function isMissing(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  if (err.status === 404) return true;
  if (err.status !== 400 || err.code !== 'VALIDATION_FAILED') return false;
  const issues = (err.details as { issues?: { path?: unknown }[] } | undefined)?.issues;
  return Array.isArray(issues) && issues.some((i) => typeof i.path === 'string' && i.path.startsWith('params.'));
}

/** The message to show for anything thrown by a request. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.status === 403 ? `Not allowed: ${err.message}` : err.message;
  if (err instanceof Error) return err.message === 'Failed to fetch' ? 'The server cannot be reached.' : err.message;
  return String(err);
}
