/**
 * gaffer decision list [--type T] [--task ID] [--run ID] [--since TIME] [--limit N] [--cursor C] [--json]
 *
 * The decision log, newest first: why each profile was chosen (routing), what the gate decided,
 * what a retry was told (refinement_cycle), retries and fallbacks, and any decision an agent
 * recorded. Talks to the running server when there is one, else opens the database.
 *
 * gaffer stats [--by profile|spec|failure_class|day] [--since 7d|TIME] [--until TIME] [--json]
 *
 * Success rates and cost of finished runs (outcomes), grouped, over a time window.
 */
import type { Command } from 'commander';
import type { DecisionRecord } from '../../decisions/decisions.js';
import { table } from '../format.js';
import { UsageError, type CliIo } from '../io.js';
import { STATS_GROUPINGS, type Stats, type StatsGrouping } from '../../outcomes/stats.js';
import { Option } from 'commander';
import { parseDuration, parseInteger, withApi } from './tasks.js';

interface ListOptions {
  type?: string;
  task?: string;
  run?: string;
  since?: string;
  limit: string;
  cursor?: string;
  json?: boolean;
}

const short = (value: unknown, max = 60): string => {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

export function registerDecisionCommands(program: Command, io: CliIo): void {
  const decision = program.command('decision').description('read the decision log');
  decision
    .command('list')
    .description('decisions, newest first: routing, gate, refinement_cycle, retry, fallback, custom')
    .option('--type <type>', 'only this decisionType')
    .option('--task <id>', 'only decisions about this task (its runs and its log)')
    .option('--run <id>', 'only decisions recorded in this run')
    .option('--since <time>', 'only decisions at or after this time (ISO 8601)')
    .option('--limit <n>', 'how many (1-500)', '50')
    .option('--cursor <cursor>', 'continue from a previous page')
    .option('--json', 'print JSON')
    .action(async (opts: ListOptions) => {
      const limit = parseInteger('--limit', opts.limit, 1, 500);
      if (opts.since !== undefined && Number.isNaN(Date.parse(opts.since))) throw new UsageError(`--since must be an ISO 8601 time, not '${opts.since}'`);
      const page = await withApi(program, (api) =>
        api.call<{ decisions: DecisionRecord[]; next: string | null }>({
          local: (gaffer) =>
            gaffer.decisions.list({
              limit,
              ...(opts.type ? { type: opts.type } : {}),
              ...(opts.task ? { taskId: opts.task } : {}),
              ...(opts.run ? { runId: opts.run } : {}),
              ...(opts.since ? { since: new Date(opts.since) } : {}),
              ...(opts.cursor ? { cursor: opts.cursor } : {}),
            }),
          remote: async (http) => {
            const q = new URLSearchParams({ limit: String(limit) });
            if (opts.type) q.set('type', opts.type);
            if (opts.task) q.set('taskId', opts.task);
            if (opts.run) q.set('runId', opts.run);
            if (opts.since) q.set('since', new Date(opts.since).toISOString());
            if (opts.cursor) q.set('cursor', opts.cursor);
            return (await http.request('GET', `/decisions?${q}`)) as { decisions: DecisionRecord[]; next: string | null };
          },
        }),
      );
      if (opts.json) {
        io.stdout(JSON.stringify(page, null, 2));
        return;
      }
      if (page.decisions.length === 0) {
        io.stdout('no decisions');
        return;
      }
      io.stdout(
        table(
          page.decisions.map((d) => [
            d.ts.replace('T', ' ').slice(0, 23),
            d.decisionType,
            d.source === 'run' ? `run ${d.runId}` : `task ${d.taskId}`,
            short(d.output, 50),
            d.confidence === null ? '' : d.confidence.toFixed(2),
            short(d.reason ?? '', 70),
          ]),
          ['TIME', 'TYPE', 'WHERE', 'OUTPUT', 'CONF', 'REASON'],
        ),
      );
      if (page.next) io.stdout(`more: --cursor ${page.next}`);
    });
}

/** `--since 7d` (that long before now) or an ISO time. */
function parseSince(flag: string, text: string): Date {
  if (/^\d+(ms|s|m|h|d)$/.test(text)) return new Date(Date.now() - parseDuration(text));
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new UsageError(`${flag} must be a duration (30m, 7d) or an ISO 8601 time, not '${text}'`);
  return new Date(at);
}

const pct = (rate: number | null): string => (rate === null ? '' : `${(rate * 100).toFixed(1)}%`);
const usd = (n: number | null): string => (n === null ? '' : `$${n.toFixed(4)}`);
const secs = (ms: number | null): string => (ms === null ? '' : `${(ms / 1000).toFixed(1)}s`);

export function registerStatsCommand(program: Command, io: CliIo): void {
  program
    .command('stats')
    .description('success rates and cost of finished runs, by profile, spec, failure class or day')
    .addOption(new Option('--by <grouping>', 'how to group').choices(STATS_GROUPINGS).default('profile'))
    .option('--since <when>', 'from this long ago (7d) or this time', '7d')
    .option('--until <time>', 'up to this time (default: now)')
    .option('--json', 'print JSON')
    .action(async (opts: { by: StatsGrouping; since: string; until?: string; json?: boolean }) => {
      const since = parseSince('--since', opts.since);
      const until = opts.until === undefined ? undefined : parseSince('--until', opts.until);
      const stats = await withApi(program, (api) =>
        api.call<Stats>({
          local: (gaffer) => gaffer.stats({ by: opts.by, since, ...(until ? { until } : {}) }),
          remote: async (http) => {
            const q = new URLSearchParams({ by: opts.by, since: since.toISOString() });
            if (until) q.set('until', until.toISOString());
            return (await http.request('GET', `/stats?${q}`)) as Stats;
          },
        }),
      );
      if (opts.json) {
        io.stdout(JSON.stringify(stats, null, 2));
        return;
      }
      const row = (key: string, f: Stats['total']): string[] => [key, String(f.runs), String(f.successes), pct(f.successRate), usd(f.costUsd), usd(f.avgCostUsd), secs(f.avgDurationMs)];
      io.stdout(`finished runs ${stats.since.slice(0, 16)}Z → ${stats.until.slice(0, 16)}Z, by ${stats.by}`);
      io.stdout(table([...stats.groups.map((g) => row(g.key, g)), row('total', stats.total)], [stats.by.toUpperCase(), 'RUNS', 'OK', 'SUCCESS', 'COST', 'AVG COST', 'AVG TIME']));
    });
}
