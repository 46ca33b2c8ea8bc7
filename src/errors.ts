/**
 * One error type for everything Gaffer reports to a caller. Each code has a fixed HTTP status; the
 * API maps a GafferError to `{ "error": { "code", "message", "details" } }`. docs/errors.md lists
 * every code with what to do about it — keep the two in step.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: 400,
  UNKNOWN_EVENT_TYPE: 400,
  INVALID_CURSOR: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  ARTIFACT_NOT_FOUND: 404,
  SPEC_NOT_FOUND: 404,
  PROFILE_NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  APPROVAL_NOT_FOUND: 404,
  ESCALATION_NOT_FOUND: 404,
  SCHEDULE_NOT_FOUND: 404,
  RUN_FINISHED: 409,
  CONFLICT: 409,
  /** The task (or approval) is not in a state that allows this; details say which it is in. */
  INVALID_STATE: 409,
  /** A worker's lease on a task expired (or another attempt took over): its result is refused. */
  LEASE_LOST: 409,
  PAYLOAD_TOO_LARGE: 413,
  DATA_DIR_LOCKED: 423,
  DATABASE_UNAVAILABLE: 503,
  /** The SDK or CLI cannot reach the Gaffer server (connection refused, timeout): retried. */
  SERVER_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface GafferErrorOptions {
  details?: unknown;
  cause?: unknown;
}

export class GafferError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: GafferErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GafferError';
    this.code = code;
    this.status = ERROR_CODES[code];
    this.details = options.details;
  }

  toJSON(): { error: { code: ErrorCode; message: string; details?: unknown } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export function isGafferError(err: unknown, code?: ErrorCode): err is GafferError {
  return err instanceof GafferError && (code === undefined || err.code === code);
}

/** One zod issue as `{ path, message }`, the shape every VALIDATION_FAILED error carries. */
export interface FieldIssue {
  path: string;
  message: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

/** A VALIDATION_FAILED error whose message names the first failing field. */
export function validationError(what: string, issues: FieldIssue[]): GafferError {
  const first = issues[0];
  const message = first
    ? `${what}: ${first.path}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`
    : `${what} is invalid`;
  return new GafferError('VALIDATION_FAILED', message, { details: { issues } });
}
