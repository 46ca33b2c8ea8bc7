/**
 * Cron math, missed-run planning and time parsing, with exact times (pure: no database).
 */
import { describe, expect, it } from 'vitest';
import { GafferError } from '../../src/errors.js';
import {
  compileCron,
  cronIssues,
  fireTimesBetween,
  latestFireTimeBetween,
  nextFireTimes,
} from '../../src/scheduler/cron.js';
import { parseWhen } from '../../src/scheduler/parseWhen.js';
import { MAX_FIRES_PER_PASS, MISSED_GRACE_MS, planFires } from '../../src/scheduler/planFires.js';

const iso = (dates: Date[]): string[] => dates.map((d) => d.toISOString());
const at = (s: string): Date => new Date(s);

describe('cron expressions and time zones', () => {
  it('reads 0 9 * * * at 09:00 in the zone, across the spring DST change in Europe/Paris', () => {
    const from = at('2025-03-28T12:00:00Z');
    expect(iso(nextFireTimes(compileCron('0 9 * * *', 'Europe/Paris'), from, 4))).toEqual([
      '2025-03-29T08:00:00.000Z', // CET, UTC+1
      '2025-03-30T07:00:00.000Z', // CEST from 30 March, UTC+2
      '2025-03-31T07:00:00.000Z',
      '2025-04-01T07:00:00.000Z',
    ]);
    expect(iso(nextFireTimes(compileCron('0 9 * * *', 'UTC'), from, 2))).toEqual(['2025-03-29T09:00:00.000Z', '2025-03-30T09:00:00.000Z']);
  });

  it('goes back to UTC+1 after the autumn change, and fires a doubled local time once', () => {
    expect(iso(nextFireTimes(compileCron('0 9 * * *', 'Europe/Paris'), at('2025-10-25T12:00:00Z'), 2))).toEqual([
      '2025-10-26T08:00:00.000Z',
      '2025-10-27T08:00:00.000Z',
    ]);
    // 02:30 happens twice on 26 October 2025 in Paris: one fire, not two.
    const overlap = fireTimesBetween(compileCron('30 2 * * *', 'Europe/Paris'), at('2025-10-25T22:00:00Z'), at('2025-10-26T04:00:00Z'), 10);
    expect(overlap.times).toHaveLength(1);
  });

  it('includes a fire time equal to the start of the range, and stops at the limit', () => {
    const everyMinute = compileCron('* * * * *', 'UTC');
    const range = fireTimesBetween(everyMinute, at('2025-01-01T10:00:00Z'), at('2025-01-01T10:05:00Z'), 100);
    expect(range.times).toHaveLength(6);
    expect(range.times[0]!.toISOString()).toBe('2025-01-01T10:00:00.000Z');
    expect(fireTimesBetween(everyMinute, at('2025-01-01T10:00:00.001Z'), at('2025-01-01T10:05:00Z'), 100).times).toHaveLength(5);
    expect(fireTimesBetween(everyMinute, at('2025-01-01T10:00:00Z'), at('2025-01-01T10:05:00Z'), 3)).toMatchObject({ more: true });
  });

  it('finds the latest fire time of a long gap without listing it all', () => {
    const everySecond = compileCron('* * * * * *', 'UTC');
    const latest = latestFireTimeBetween(everySecond, at('2024-01-01T00:00:00Z'), at('2025-01-01T12:34:56.789Z'));
    expect(latest?.toISOString()).toBe('2025-01-01T12:34:56.000Z');
    const monthly = compileCron('0 0 1 * *', 'UTC');
    expect(latestFireTimeBetween(monthly, at('2020-01-01T00:00:00Z'), at('2025-06-15T00:00:00Z'))?.toISOString()).toBe('2025-06-01T00:00:00.000Z');
    expect(latestFireTimeBetween(monthly, at('2025-06-02T00:00:00Z'), at('2025-06-15T00:00:00Z'))).toBeNull();
  });

  it('names the field for a bad expression, a bad zone, a one-off date and a date that never comes', () => {
    expect(cronIssues('0 9 * * *', 'Europe/Paris')).toEqual([]);
    expect(cronIssues('@daily', 'UTC')).toEqual([]);
    expect(cronIssues('*/10 * * * * *', 'UTC')).toEqual([]);
    const cases: [string, string, string, RegExp][] = [
      ['61 * * * *', 'UTC', 'cron', /not a valid cron expression: .*minute/],
      ['every day', 'UTC', 'cron', /expected 5 fields/],
      ['2026-01-01T10:00:00Z', 'UTC', 'cron', /expected 5 fields/],
      ['0 0 30 2 *', 'UTC', 'cron', /never fires/],
      ['0 9 * * *', 'Mars/Olympus_Mons', 'timezone', /unknown time zone 'Mars\/Olympus_Mons'/],
    ];
    for (const [cron, tz, path, message] of cases) {
      const issues = cronIssues(cron, tz);
      expect(issues.map((i) => i.path), `${cron} in ${tz}`).toEqual([path]);
      expect(issues[0]!.message).toMatch(message);
    }
    expect(() => compileCron('bad', 'UTC')).toThrow(GafferError);
  });
});

describe('missed-run policies (planFires)', () => {
  const everyMinute = compileCron('* * * * *', 'UTC');
  const now = at('2025-01-01T12:00:30Z');
  const hourAgo = at('2025-01-01T11:00:00Z');

  it('fires the one due time when the scheduler is on time, whatever the policy', () => {
    for (const policy of ['skip', 'once', 'all'] as const) {
      const plan = planFires(everyMinute, policy, at('2025-01-01T12:00:00Z'), now);
      expect(iso(plan.fire), policy).toEqual(['2025-01-01T12:00:00.000Z']);
      expect(plan.missed).toEqual([]);
      expect(plan.nextFireAt?.toISOString()).toBe('2025-01-01T12:01:00.000Z');
    }
  });

  it('skip: after an hour down fires only the times within the grace and lists the rest', () => {
    const plan = planFires(everyMinute, 'skip', hourAgo, now);
    expect(iso(plan.fire)).toEqual(['2025-01-01T12:00:00.000Z']);
    expect(plan.missed).toHaveLength(60); // 11:00 … 11:59
    expect(plan.missed[0]!.toISOString()).toBe('2025-01-01T11:00:00.000Z');
    expect(plan.missed.every((t) => t.getTime() < now.getTime() - MISSED_GRACE_MS)).toBe(true);
    expect(plan.nextFireAt?.toISOString()).toBe('2025-01-01T12:01:00.000Z');
  });

  it('skip fires nothing, once fires the latest and all fires each, for an hourly schedule three hours down', () => {
    const hourly = compileCron('0 * * * *', 'UTC');
    const from = at('2025-01-01T09:00:00Z');
    const now2 = at('2025-01-01T11:30:00Z');
    const skip = planFires(hourly, 'skip', from, now2);
    expect(skip.fire).toEqual([]);
    expect(iso(skip.missed)).toEqual(['2025-01-01T09:00:00.000Z', '2025-01-01T10:00:00.000Z', '2025-01-01T11:00:00.000Z']);
    const once = planFires(hourly, 'once', from, now2);
    expect(iso(once.fire)).toEqual(['2025-01-01T11:00:00.000Z']);
    expect(once.firedInstead?.toISOString()).toBe('2025-01-01T11:00:00.000Z');
    expect(iso(once.missed)).toEqual(['2025-01-01T09:00:00.000Z', '2025-01-01T10:00:00.000Z']);
    const all = planFires(hourly, 'all', from, now2);
    expect(all.fire).toHaveLength(3);
    expect(all.missed).toEqual([]);
    for (const plan of [skip, once, all]) expect(plan.nextFireAt?.toISOString()).toBe('2025-01-01T12:00:00.000Z');
  });

  it('once collapses a missed run and the in-grace time into one task at the latest time', () => {
    const plan = planFires(everyMinute, 'once', hourAgo, now);
    expect(iso(plan.fire)).toEqual(['2025-01-01T12:00:00.000Z']);
    expect(plan.missed).toHaveLength(60);
  });

  it('all caps one pass and leaves next_fire_at in the past where it stopped', () => {
    const everySecond = compileCron('* * * * * *', 'UTC');
    const from = at('2025-01-01T11:00:00Z'); // 3,601 due times
    const plan = planFires(everySecond, 'all', from, at('2025-01-01T12:00:00Z'));
    expect(plan.fire).toHaveLength(MAX_FIRES_PER_PASS);
    expect(plan.nextFireAt?.toISOString()).toBe(new Date(from.getTime() + MAX_FIRES_PER_PASS * 1000).toISOString());
  });

  it('skip lists at most MAX_FIRES_PER_PASS missed times and says the list is cut', () => {
    const everySecond = compileCron('* * * * * *', 'UTC');
    const plan = planFires(everySecond, 'skip', at('2025-01-01T00:00:00Z'), at('2025-01-01T12:00:00Z'));
    expect(plan.missed).toHaveLength(MAX_FIRES_PER_PASS);
    expect(plan.missedTruncated).toBe(true);
    expect(plan.fire).toHaveLength(61); // 11:59:00 … 12:00:00, within the 60 s grace
    const once = planFires(everySecond, 'once', at('2025-01-01T00:00:00Z'), at('2025-01-01T12:00:00Z'));
    expect(iso(once.fire)).toEqual(['2025-01-01T12:00:00.000Z']);
  });

  it('does nothing for a schedule that is not due yet', () => {
    const from = at('2025-01-01T12:05:00Z');
    expect(planFires(everyMinute, 'all', from, now)).toEqual({ fire: [], missed: [], missedTruncated: false, firedInstead: null, nextFireAt: from });
  });
});

describe('parseWhen', () => {
  const now = at('2026-01-01T00:00:00Z');

  it('reads delays from now', () => {
    expect(parseWhen('10m', now).toISOString()).toBe('2026-01-01T00:10:00.000Z');
    expect(parseWhen('2h', now).toISOString()).toBe('2026-01-01T02:00:00.000Z');
    expect(parseWhen('1d', now).toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(parseWhen('1h30m', now).toISOString()).toBe('2026-01-01T01:30:00.000Z');
    expect(parseWhen('in 2w', now).toISOString()).toBe('2026-01-15T00:00:00.000Z');
    expect(parseWhen('+45s', now).toISOString()).toBe('2026-01-01T00:00:45.000Z');
  });

  it('reads ISO 8601 with a zone, and a date as midnight UTC', () => {
    expect(parseWhen('2026-05-01T11:00+02:00', now).toISOString()).toBe('2026-05-01T09:00:00.000Z');
    expect(parseWhen('2026-05-01T09:00:00Z', now).toISOString()).toBe('2026-05-01T09:00:00.000Z');
    expect(parseWhen('2026-05-01', now).toISOString()).toBe('2026-05-01T00:00:00.000Z');
  });

  it('refuses a local time without a zone, an impossible date and words, naming the field', () => {
    expect(() => parseWhen('2026-05-01T09:00', now)).toThrow(/at: .*no time zone/);
    expect(() => parseWhen('2026-02-30', now)).toThrow(/not a valid date/);
    expect(() => parseWhen('tomorrow', now, '--at')).toThrow(/--at: 'tomorrow' is not a time/);
    expect(() => parseWhen('99999d', now)).toThrow(/more than 10 years/);
  });
});
