/**
 * A point in time as people write it: ISO 8601 (`2026-05-01T09:00:00Z`, `2026-05-01T11:00+02:00`,
 * `2026-05-01` = midnight UTC), or relative to `now` (`10m`, `2h`, `1d`, `1h30m`, `+45s`,
 * `in 2w`). A date-time without a zone is refused rather than guessed: the CLI and the server may
 * be in different zones.
 */
import { validationError } from '../errors.js';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type Unit = keyof typeof UNIT_MS;

const RELATIVE_RE = /^(?:\+|in\s+)?((?:\d+\s*[smhdw]\s*)+)$/i;
const PART_RE = /(\d+)\s*([smhdw])/gi;
const DATE_ONLY_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Longest relative offset accepted: 10 years. */
const MAX_RELATIVE_MS = 10 * 366 * UNIT_MS.d;

/**
 * Parses `text` to a Date (relative forms count from `now`). Throws VALIDATION_FAILED naming
 * `field` with an example of what is accepted.
 */
export function parseWhen(text: string, now: Date, field = 'at'): Date {
  const trimmed = text.trim();
  const fail = (message: string): never => {
    throw validationError('time', [{ path: field, message }]);
  };
  const relative = RELATIVE_RE.exec(trimmed);
  if (relative) {
    let ms = 0;
    for (const [, amount, unit] of relative[1]!.matchAll(PART_RE)) {
      ms += Number(amount) * UNIT_MS[unit!.toLowerCase() as Unit];
    }
    if (ms > MAX_RELATIVE_MS) fail(`'${text}' is more than 10 years ahead`);
    return new Date(now.getTime() + ms);
  }
  if (DATE_ONLY_RE.test(trimmed) || DATE_TIME_RE.test(trimmed)) {
    const zoned = DATE_TIME_RE.exec(trimmed);
    if (zoned && zoned[1] === undefined) {
      fail(`'${text}' has no time zone; add Z (UTC) or an offset such as +02:00`);
    }
    const [y, m, d] = trimmed.slice(0, 10).split('-').map(Number) as [number, number, number];
    // Date would roll 2026-02-30 over to March 2 without a word.
    if (m < 1 || m > 12 || d < 1 || new Date(Date.UTC(y, m - 1, d)).getUTCDate() !== d) fail(`'${text}' is not a valid date`);
    const iso = zoned ? trimmed.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00') : trimmed;
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) fail(`'${text}' is not a valid date`);
    return date;
  }
  return fail(`'${text}' is not a time: use ISO 8601 with a zone (2026-05-01T09:00:00Z) or a delay such as 10m, 2h, 1d, 1h30m`);
}
