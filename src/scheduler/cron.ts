/**
 * Cron math, pure: checking an expression and a time zone, and listing fire times. Callers pass
 * the database clock's "now" in; nothing here reads the machine clock, so every scheduler process
 * computes the same fire times whatever its own clock says.
 *
 * Expressions are croner's: five fields (minute hour day-of-month month day-of-week), six with
 * seconds first, or a nickname (`@daily`, `@hourly`, ...). Day-of-month and day-of-week are OR-ed
 * when both are restricted, as in Vixie cron. Times are computed in the schedule's IANA time zone:
 * across a DST change `0 9 * * *` in Europe/Paris stays at 09:00 Paris time (08:00Z in winter,
 * 07:00Z in summer); a local time that does not exist that day (02:30 on the spring-forward
 * night) fires at the same wall-clock distance after the gap (03:30), and one that happens twice
 * (the autumn overlap) fires once.
 */
import { Cron } from 'croner';
import { validationError, type FieldIssue } from '../errors.js';

/** Whether Intl knows the zone; returns its canonical spelling (`utc` → `UTC`) or undefined. */
export function canonicalTimeZone(timezone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

const NICKNAME_RE = /^@[a-z]+$/i;

/**
 * Problems with a cron expression and time zone, as `{ path, message }` issues naming `cron` and
 * `timezone`. Empty when both are good.
 */
export function cronIssues(cron: string, timezone: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const zone = canonicalTimeZone(timezone);
  if (!zone) {
    issues.push({ path: 'timezone', message: `unknown time zone '${timezone}'; use an IANA name such as 'UTC' or 'Europe/Paris'` });
  }
  const pattern = cron.trim();
  const fields = pattern.split(/\s+/).filter(Boolean).length;
  if (!NICKNAME_RE.test(pattern) && fields !== 5 && fields !== 6) {
    // croner would read an ISO date string as a one-off time; a schedule wants a recurring pattern.
    issues.push({
      path: 'cron',
      message: `'${cron}' is not a cron expression: expected 5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, or a nickname such as @daily`,
    });
    return issues;
  }
  try {
    const compiled = new Cron(pattern, { timezone: zone ?? 'UTC' });
    // croner has no year field, so a pattern with no run after the epoch never runs at all.
    if (compiled.nextRun(new Date(0)) === null) {
      issues.push({ path: 'cron', message: `'${cron}' never fires (no date matches it)` });
    }
  } catch (err) {
    const reason = (err as Error).message.replace(/^CronPattern:\s*/, '');
    issues.push({ path: 'cron', message: `'${cron}' is not a valid cron expression: ${reason}` });
  }
  return issues;
}

/** A compiled expression; throws VALIDATION_FAILED naming `cron` or `timezone` when either is bad. */
export function compileCron(cron: string, timezone: string): Cron {
  const issues = cronIssues(cron, timezone);
  if (issues.length) throw validationError('schedule', issues);
  return new Cron(cron.trim(), { timezone: canonicalTimeZone(timezone)! });
}

export interface FireTimes {
  /** Fire times in [from, until], oldest first, at most `limit`. */
  times: Date[];
  /** More fire times in the range than `limit`. */
  more: boolean;
}

/** Fire times t with from ≤ t ≤ until (both inclusive), oldest first, at most `limit` of them. */
export function fireTimesBetween(cron: Cron, from: Date, until: Date, limit: number): FireTimes {
  const times: Date[] = [];
  // croner's nextRun(d) is the first run strictly after d at whole seconds; fire times are whole
  // seconds, so starting 1 ms before `from` includes a fire time at exactly `from`.
  let t = cron.nextRun(new Date(from.getTime() - 1));
  while (t && t.getTime() <= until.getTime()) {
    if (times.length === limit) return { times, more: true };
    times.push(t);
    t = cron.nextRun(t);
  }
  return { times, more: false };
}

/** The first `count` fire times at or after `from`. */
export function nextFireTimes(cron: Cron, from: Date, count: number): Date[] {
  const times: Date[] = [];
  let t = cron.nextRun(new Date(from.getTime() - 1));
  while (t && times.length < count) {
    times.push(t);
    t = cron.nextRun(t);
  }
  return times;
}

/** The first fire time strictly after `after`, or null when the expression never fires again. */
export function fireTimeAfter(cron: Cron, after: Date): Date | null {
  return cron.nextRun(after);
}

const SEARCH_LIMIT = 1_000;

/**
 * The latest fire time in [from, until], without listing everything from `from`: the window
 * before `until` doubles (1 s, 2 s, 4 s...) until it holds a fire time, so a year-long gap of an
 * every-second schedule costs a few dozen small searches, not 31 million steps.
 */
export function latestFireTimeBetween(cron: Cron, from: Date, until: Date): Date | null {
  if (from.getTime() > until.getTime()) return null;
  for (let windowMs = 1_000; ; windowMs *= 2) {
    const start = new Date(Math.max(from.getTime(), until.getTime() - windowMs));
    let found = fireTimesBetween(cron, start, until, SEARCH_LIMIT);
    let last = found.times.at(-1);
    if (last) {
      while (found.more) {
        found = fireTimesBetween(cron, new Date(last.getTime() + 1), until, SEARCH_LIMIT);
        last = found.times.at(-1) ?? last;
      }
      return last;
    }
    if (start.getTime() === from.getTime()) return null;
  }
}
