/**
 * What one scheduler pass does with a due schedule, decided from its expression, its missed-run
 * policy, the fire time it is due from (`next_fire_at`) and the database's now. Pure, so the
 * policies are tested with exact times.
 *
 * A due fire time is *missed* when it is older than `now - MISSED_GRACE_MS`: a scheduler polling
 * every second is never that late, so only a scheduler that was down (or a database that was
 * unreachable) produces missed times. The policies:
 *
 *   skip  fire the due times that are not missed; the missed ones get no task (reported).
 *   once  when anything was missed, fire one task for the latest due time and report the rest;
 *         with nothing missed it behaves like skip.
 *   all   fire every due time, at most MAX_FIRES_PER_PASS per pass; the next pass carries on
 *         from where this one stopped, so a long outage is caught up without losing a time.
 */
import type { Cron } from 'croner';
import { assertNever, type MissedRunPolicy } from '../db/vocabulary.js';
import { fireTimeAfter, fireTimesBetween, latestFireTimeBetween } from './cron.js';

/** How late a fire time may be and still fire under `skip`/`once`, ms. */
export const MISSED_GRACE_MS = 60_000;

/**
 * Most fire times one schedule materialises in one pass (and most missed times one report
 * lists). Bounds the time a pass holds a schedule's row lock.
 */
export const MAX_FIRES_PER_PASS = 1_000;

export interface FirePlan {
  /** Fire times to materialise now, oldest first. */
  fire: Date[];
  /** Due fire times that get no task, oldest first (at most MAX_FIRES_PER_PASS are listed). */
  missed: Date[];
  /** More fire times were missed than `missed` lists. */
  missedTruncated: boolean;
  /** `once`: the fire time whose task stands in for the missed ones. */
  firedInstead: Date | null;
  /** The schedule's next_fire_at after this pass; null when the expression never fires again. */
  nextFireAt: Date | null;
}

export interface PlanOptions {
  graceMs?: number;
  limit?: number;
}

export function planFires(cron: Cron, policy: MissedRunPolicy, from: Date, now: Date, options: PlanOptions = {}): FirePlan {
  const graceMs = options.graceMs ?? MISSED_GRACE_MS;
  const limit = options.limit ?? MAX_FIRES_PER_PASS;
  if (from.getTime() > now.getTime()) {
    return { fire: [], missed: [], missedTruncated: false, firedInstead: null, nextFireAt: from };
  }
  if (policy === 'all') {
    const due = fireTimesBetween(cron, from, now, limit);
    const last = due.times.at(-1);
    // Cut at the limit: next_fire_at stays in the past at the first time not yet fired.
    const nextFireAt = due.more && last ? fireTimeAfter(cron, last) : fireTimeAfter(cron, now);
    return { fire: due.times, missed: [], missedTruncated: false, firedInstead: null, nextFireAt };
  }

  const cutoff = new Date(now.getTime() - graceMs);
  const late = from.getTime() < cutoff.getTime() ? fireTimesBetween(cron, from, new Date(cutoff.getTime() - 1), limit) : { times: [], more: false };
  const inGrace = fireTimesBetween(cron, from.getTime() > cutoff.getTime() ? from : cutoff, now, limit);
  const lastInGrace = inGrace.times.at(-1);
  const nextFireAt = inGrace.more && lastInGrace ? fireTimeAfter(cron, lastInGrace) : fireTimeAfter(cron, now);

  switch (policy) {
    case 'skip':
      return { fire: inGrace.times, missed: late.times, missedTruncated: late.more, firedInstead: null, nextFireAt };
    case 'once': {
      if (late.times.length === 0) {
        return { fire: inGrace.times, missed: [], missedTruncated: false, firedInstead: null, nextFireAt };
      }
      const latest =
        lastInGrace ?? (late.more ? latestFireTimeBetween(cron, from, new Date(cutoff.getTime() - 1)) : late.times.at(-1)) ?? null;
      if (!latest) return { fire: [], missed: late.times, missedTruncated: late.more, firedInstead: null, nextFireAt };
      const others = [...late.times, ...inGrace.times].filter((t) => t.getTime() !== latest.getTime());
      return { fire: [latest], missed: others, missedTruncated: late.more, firedInstead: latest, nextFireAt };
    }
    default:
      return assertNever(policy, 'missed-run policy');
  }
}
