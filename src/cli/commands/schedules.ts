/**
 * gaffer schedule create|list|pause|resume|delete, and gaffer remind.
 */
import os from 'node:os';
import { Command, Option } from 'commander';
import { toReminderView, toScheduleView, type ReminderView, type ScheduleView } from '../../api/routes/schedules.js';
import { MISSED_RUN_POLICIES, type MissedRunPolicy } from '../../db/vocabulary.js';
import { isGafferError } from '../../errors.js';
import { parseWhen } from '../../scheduler/parseWhen.js';
import { submitReminder } from '../../scheduler/reminders.js';
import {
  createSchedule,
  deleteSchedule,
  listSchedules,
  pauseSchedule,
  resumeSchedule,
  type CreateScheduleInput,
} from '../../scheduler/schedules.js';
import { connect, type GlobalOptions } from '../context.js';
import { table } from '../format.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../io.js';

/** Who a command run on the local database is recorded as. */
function localPrincipal(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return 'cli:local';
  }
}

function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/:00\.000Z$/, 'Z').replace(/\.000Z$/, 'Z');
}

function stateOf(s: ScheduleView): string {
  return s.deletedAt ? 'deleted' : s.paused ? 'paused' : 'active';
}

export function schedulesTable(schedules: ScheduleView[]): string {
  return table(
    schedules.map((s) => [
      s.id,
      s.name,
      s.spec,
      s.cron,
      s.timezone,
      s.missed,
      stateOf(s),
      s.nextFireTimes.map(shortTime).join(', '),
    ]),
    ['ID', 'NAME', 'SPEC', 'CRON', 'TZ', 'MISSED', 'STATE', 'NEXT FIRE TIMES'],
  );
}

function scheduleLine(verb: string, s: ScheduleView): string {
  const next = s.nextFireTimes.length ? `; next: ${s.nextFireTimes.map(shortTime).join(', ')}` : '';
  return `${verb} schedule ${s.name} (${s.id}), ${stateOf(s)}${next}`;
}

function parseJsonOption(text: string, flag: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${flag} is not valid JSON: ${(err as Error).message}`);
  }
}

function parseIntOption(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || n < min || n > max) throw new UsageError(`${flag} must be an integer from ${min} to ${max}`);
  return n;
}

export function registerScheduleCommands(program: Command, io: CliIo): void {
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  const schedule = program.command('schedule').description('cron schedules that submit tasks');

  schedule
    .command('create')
    .description('create a schedule that submits a task of SPEC at each fire time')
    .requiredOption('--spec <name>', 'spec name or id')
    .requiredOption('--cron <expr>', "cron expression: 5 fields, 6 with seconds first, or @daily etc. (quote it: '0 9 * * 1-5')")
    .option('--tz <zone>', 'IANA time zone the expression is read in', 'UTC')
    .option('--input <json>', "the tasks' input as JSON", '{}')
    .addOption(new Option('--missed <policy>', 'fire times missed while no scheduler ran').choices(MISSED_RUN_POLICIES).default('skip'))
    .option('--name <name>', 'a unique name (default <spec>-<id suffix>)')
    .option('--priority <n>', "tasks' priority (default the spec's)")
    .option('--json', 'print JSON')
    .action(
      async (opts: { spec: string; cron: string; tz: string; input: string; missed: MissedRunPolicy; name?: string; priority?: string; json?: boolean }) => {
        const body: CreateScheduleInput = {
          spec: opts.spec,
          cron: opts.cron,
          timezone: opts.tz,
          input: parseJsonOption(opts.input, '--input'),
          missed: opts.missed,
          ...(opts.name ? { name: opts.name } : {}),
          ...(opts.priority !== undefined ? { priority: parseIntOption(opts.priority, '--priority', -1000, 1000) } : {}),
        };
        const api = await connect(globals());
        try {
          const created = await api.call({
            local: async (gaffer) => toScheduleView(await createSchedule(gaffer.resources, body, localPrincipal())),
            remote: async (http) => (await http.request('POST', '/schedules', body)) as ScheduleView,
          });
          io.stdout(opts.json ? JSON.stringify(created, null, 2) : scheduleLine('created', created));
        } finally {
          await api.close();
        }
      },
    );

  schedule
    .command('list')
    .description('list schedules with their next fire times')
    .option('--all', 'include deleted schedules')
    .option('--json', 'print JSON')
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      const api = await connect(globals());
      try {
        const schedules = await api.call({
          local: async (gaffer) => (await listSchedules(gaffer.resources, { includeDeleted: opts.all === true })).map(toScheduleView),
          remote: async (http) =>
            ((await http.request('GET', `/schedules${opts.all ? '?includeDeleted=true' : ''}`)) as { schedules: ScheduleView[] }).schedules,
        });
        if (opts.json) io.stdout(JSON.stringify({ schedules }, null, 2));
        else io.stdout(schedules.length ? schedulesTable(schedules) : 'no schedules');
      } finally {
        await api.close();
      }
    });

  const change = (name: 'pause' | 'resume' | 'delete', description: string, verb: string) =>
    schedule
      .command(`${name} <id>`)
      .description(description)
      .option('--json', 'print JSON')
      .action(async (idOrName: string, opts: { json?: boolean }) => {
        const operation = { pause: pauseSchedule, resume: resumeSchedule, delete: deleteSchedule }[name];
        const path = `/schedules/${encodeURIComponent(idOrName)}`;
        const api = await connect(globals());
        try {
          const changed = await api.call({
            local: async (gaffer) => toScheduleView(await operation(gaffer.resources, idOrName, localPrincipal())),
            remote: async (http) =>
              (await (name === 'delete' ? http.request('DELETE', path) : http.request('POST', `${path}/${name}`))) as ScheduleView,
          });
          io.stdout(opts.json ? JSON.stringify(changed, null, 2) : scheduleLine(verb, changed));
        } finally {
          await api.close();
        }
      });
  change('pause', 'stop a schedule firing (by id or name)', 'paused');
  change('resume', 'let a paused schedule fire again from its next fire time (the paused period is not replayed)', 'resumed');
  change('delete', 'delete a schedule: it never fires again; its tasks stay', 'deleted');

  program
    .command('remind')
    .description('create a reminder: a notification task due at a time')
    .requiredOption('--at <time>', 'ISO 8601 with a zone (2026-05-01T09:00:00Z) or a delay: 10m, 2h, 1d, 1h30m')
    .requiredOption('--message <text>', 'what to remind about')
    .option('--to <channel>', 'notification channel (default: the default channel)')
    .option('--json', 'print JSON')
    .action(async (opts: { at: string; message: string; to?: string; json?: boolean }) => {
      // Checked here for a usage error (exit 2); the server resolves a delay against its clock.
      try {
        parseWhen(opts.at, new Date(0), '--at');
      } catch (err) {
        if (isGafferError(err, 'VALIDATION_FAILED')) throw new UsageError(err.message.replace(/^time: /, ''));
        throw err;
      }
      const body = { at: opts.at, message: opts.message, ...(opts.to ? { to: opts.to } : {}) };
      const api = await connect(globals());
      try {
        const reminder = await api.call({
          local: async (gaffer) => toReminderView(await submitReminder(gaffer.resources, body, localPrincipal())),
          remote: async (http) => (await http.request('POST', '/reminders', body)) as ReminderView,
        });
        io.stdout(opts.json ? JSON.stringify(reminder, null, 2) : `reminder ${reminder.id} ${reminder.status}, due ${reminder.runAt}`);
      } finally {
        await api.close();
      }
    });
}
