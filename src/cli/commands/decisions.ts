/**
 * gaffer decision list [--type T] [--task ID] [--run ID] [--since TIME] [--limit N] [--cursor C] [--json]
 *
 * The decision log, newest first: why each profile was chosen (routing), what the gate decided,
 * what a retry was told (refinement_cycle), retries and fallbacks, and any decision an agent
 * recorded. Talks to the running server when there is one, else opens the database.
 */
import type { Command } from 'commander';
import type { DecisionRecord } from '../../decisions/decisions.js';
import { table } from '../format.js';
import { UsageError, type CliIo } from '../io.js';
import { parseInteger, withApi } from './tasks.js';

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
