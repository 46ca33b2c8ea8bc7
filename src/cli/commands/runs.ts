/**
 * gaffer run list | show ID | events ID [--follow]
 */
import { Command, Option } from 'commander';
import { FAILURE_CLASSES, RUN_STATUSES } from '../../db/vocabulary.js';
import { connect, type GlobalOptions } from '../context.js';
import { eventLine, runDetail, runsTable } from '../format.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../io.js';
import type { ListRunsInput } from '../../runs/runs.js';

const FOLLOW_WAIT_MS = 1_000;

export function registerRunCommands(program: Command, io: CliIo): void {
  const run = program.command('run').description('read recorded runs');
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();

  run
    .command('list')
    .description('list runs, newest first')
    .addOption(new Option('--status <status>', 'only runs with this status').choices(RUN_STATUSES))
    .option('--agent <agent>', 'only runs of this agent')
    .option('--name <name>', 'only runs with this name')
    .option('--tag <tag>', 'only runs with this tag')
    .option('--parent <runId>', 'only children of this run')
    .addOption(new Option('--failure-class <class>', 'only runs that failed this way').choices(FAILURE_CLASSES))
    .option('--limit <n>', 'how many (1-500)', '20')
    .option('--cursor <cursor>', 'continue from a previous page')
    .option('--json', 'print JSON')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError('--limit must be an integer from 1 to 500');
      const query: ListRunsInput = { limit };
      if (opts.status) query.status = opts.status as ListRunsInput['status'];
      if (opts.agent) query.agent = String(opts.agent);
      if (opts.name) query.name = String(opts.name);
      if (opts.tag) query.tag = String(opts.tag);
      if (opts.parent) query.parentRunId = String(opts.parent);
      if (opts.failureClass) query.failureClass = opts.failureClass as ListRunsInput['failureClass'];
      if (opts.cursor) query.cursor = String(opts.cursor);
      const api = await connect(globals());
      try {
        const page = await api.listRuns(query);
        if (opts.json) io.stdout(JSON.stringify(page, null, 2));
        else {
          io.stdout(page.runs.length ? runsTable(page.runs) : 'no runs');
          if (page.next) io.stdout(`more: gaffer run list --cursor ${page.next}`);
        }
      } finally {
        await api.close();
      }
    });

  run
    .command('show <id>')
    .description('show one run')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const api = await connect(globals());
      try {
        const r = await api.getRun(id);
        io.stdout(opts.json ? JSON.stringify(r, null, 2) : runDetail(r));
      } finally {
        await api.close();
      }
    });

  run
    .command('events <id>')
    .description("print a run's events in order")
    .option('--after <seq>', 'start after this sequence number', '0')
    .option('--type <types>', 'comma-separated event types')
    .option('-f, --follow', 'keep printing new events until the run finishes')
    .option('--json', 'print one JSON object per line')
    .action(async (id: string, opts: { after: string; type?: string; follow?: boolean; json?: boolean }) => {
      let after = Number(opts.after);
      if (!Number.isInteger(after) || after < 0) throw new UsageError('--after must be a non-negative integer');
      const types = opts.type ? opts.type.split(',').filter(Boolean) : undefined;
      const api = await connect(globals());
      try {
        for (;;) {
          const page = await api.readEvents(id, { after, limit: 1000, ...(types ? { types } : {}) });
          for (const event of page.events) {
            io.stdout(opts.json ? JSON.stringify(event) : eventLine(event));
            after = event.seq;
          }
          if (page.next !== null) continue;
          if (!opts.follow) break;
          const r = await api.getRun(id);
          if (r.status !== 'running' && r.lastSeq <= after) break;
          if (r.status !== 'running' && types) break; // filtered: the remaining events are not ours
          await api.waitForEvents(id, after, FOLLOW_WAIT_MS);
        }
      } finally {
        await api.close();
      }
    });
}
