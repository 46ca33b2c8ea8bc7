/**
 * Success rates and cost from outcomes (one row per finished run, written by the database: see
 * the outcomes table), grouped by profile, spec, failure class or day, over a time window — the
 * base the learning loop and the escalation estimates read.
 */
import { sql, type SQL } from 'drizzle-orm';
import { execRows } from '../db/connection.js';
import { validationError } from '../errors.js';
import type { Resources } from '../resources.js';

export const STATS_GROUPINGS = ['profile', 'spec', 'failure_class', 'day'] as const;
export type StatsGrouping = (typeof STATS_GROUPINGS)[number];
export const DEFAULT_STATS_WINDOW_MS = 7 * 24 * 3600 * 1000;

export interface StatsQuery {
  by?: StatsGrouping;
  /** Default: 7 days before `until`. */
  since?: Date;
  /** Default: now. */
  until?: Date;
}

export interface StatsFigures {
  runs: number;
  successes: number;
  failures: number;
  /** successes / runs; null without runs. */
  successRate: number | null;
  costUsd: number;
  avgCostUsd: number | null;
  avgDurationMs: number | null;
}

export interface StatsGroup extends StatsFigures {
  /** The profile or spec name with its version ("fast v2"), the failure class, or the day (YYYY-MM-DD). */
  key: string;
}

export interface Stats {
  by: StatsGrouping;
  since: string;
  until: string;
  total: StatsFigures;
  groups: StatsGroup[];
}

interface Row {
  key: string | null;
  runs: number;
  successes: number;
  cost: number | null;
  avg_duration: number | null;
}

const KEY: Record<StatsGrouping, SQL> = {
  profile: sql`coalesce(p.name || ' v' || pv.version, '(no profile)')`,
  spec: sql`coalesce(s.name || ' v' || sv.version, '(no spec)')`,
  failure_class: sql`coalesce(o.failure_class, '(none)')`,
  day: sql`to_char(o.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
};

export async function getStats(res: Resources, query: StatsQuery = {}): Promise<Stats> {
  const by = query.by ?? 'profile';
  if (!STATS_GROUPINGS.includes(by)) {
    throw validationError('stats', [{ path: 'by', message: `must be one of ${STATS_GROUPINGS.join(', ')}` }]);
  }
  const until = query.until ?? res.now();
  const since = query.since ?? new Date(until.getTime() - DEFAULT_STATS_WINDOW_MS);
  if (since.getTime() >= until.getTime()) throw validationError('stats', [{ path: 'since', message: 'must be before until' }]);
  const rows = await execRows<Row>(
    res.db.drizzle,
    sql`SELECT ${KEY[by]} AS key, count(*)::int AS runs, count(*) FILTER (WHERE o.success)::int AS successes,
               sum(o.cost_usd)::float8 AS cost, avg(o.duration_ms)::float8 AS avg_duration
        FROM outcomes o
        LEFT JOIN profile_versions pv ON pv.id = o.profile_version_id LEFT JOIN profiles p ON p.id = pv.profile_id
        LEFT JOIN spec_versions sv ON sv.id = o.spec_version_id LEFT JOIN specs s ON s.id = sv.spec_id
        WHERE o.finished_at >= ${since.toISOString()}::timestamptz AND o.finished_at < ${until.toISOString()}::timestamptz
        GROUP BY 1 ORDER BY ${by === 'day' ? sql`1` : sql`2 DESC, 1`}`,
  );
  const groups = rows.map((r) => ({ key: r.key ?? '', ...figures(r.runs, r.successes, r.cost ?? 0, r.avg_duration) }));
  const runs = groups.reduce((n, g) => n + g.runs, 0);
  const successes = groups.reduce((n, g) => n + g.successes, 0);
  const cost = groups.reduce((n, g) => n + g.costUsd, 0);
  const durationSum = rows.reduce((n, r) => n + (r.avg_duration ?? 0) * r.runs, 0);
  const withDuration = rows.reduce((n, r) => n + (r.avg_duration === null ? 0 : r.runs), 0);
  return {
    by,
    since: since.toISOString(),
    until: until.toISOString(),
    total: figures(runs, successes, cost, withDuration ? durationSum / withDuration : null),
    groups,
  };
}

function figures(runs: number, successes: number, cost: number, avgDuration: number | null): StatsFigures {
  const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;
  return {
    runs,
    successes,
    failures: runs - successes,
    successRate: runs ? round(successes / runs, 4) : null,
    costUsd: round(cost, 6),
    avgCostUsd: runs ? round(cost / runs, 6) : null,
    avgDurationMs: avgDuration === null ? null : Math.round(avgDuration),
  };
}
