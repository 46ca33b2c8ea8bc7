/**
 * Day series for the overview's charts: the stats API returns only days that had finished
 * runs, so the days between are filled with zeros to keep the time axis true.
 */
import type { StatsGroup } from '../types.js';

export interface DayPoint {
  day: string; // YYYY-MM-DD (UTC, as the API groups them)
  runs: number;
  successes: number;
  failures: number;
  successRate: number | null;
  costUsd: number;
}

const DAY_MS = 24 * 3600_000;

/** The UTC day `days - 1` days before `now`, at 00:00, as ISO: the `since` of a `days`-day chart. */
export function sinceDays(days: number, now: number = Date.now()): string {
  const start = new Date(now - (days - 1) * DAY_MS);
  return `${start.toISOString().slice(0, 10)}T00:00:00.000Z`;
}

export function fillDays(groups: readonly StatsGroup[], days: number, now: number = Date.now()): DayPoint[] {
  const byDay = new Map(groups.map((g) => [g.key.slice(0, 10), g]));
  const first = Date.parse(sinceDays(days, now));
  const points: DayPoint[] = [];
  for (let i = 0; i < days; i++) {
    const day = new Date(first + i * DAY_MS).toISOString().slice(0, 10);
    const g = byDay.get(day);
    points.push({
      day,
      runs: g?.runs ?? 0,
      successes: g?.successes ?? 0,
      failures: g?.failures ?? 0,
      successRate: g ? g.successRate : null,
      costUsd: g?.costUsd ?? 0,
    });
  }
  return points;
}
