/**
 * gaffer task submit --spec NAME [...] | list | show ID | approve ID | reject ID | cancel ID
 * gaffer approval list | approve ID | reject ID
 *
 * Each works against the running server (HTTP, with the token's principal) or the database
 * directly (as `cli:<os user>`). Listings and show take --json, which prints the API's shapes.
 */
import { Command, Option } from 'commander';
import type { z } from 'zod';
import { decideApprovalById, decideTaskApproval, loadTaskDetail, loadTaskView, toApprovalInboxViews, toTaskEventView, toTaskViews } from '../../api/taskViews.js';
import type { submitTaskBody } from '../../api/routes/tasks.js';
import type { ApprovalView, DecisionView, TaskDetailView, TaskEventView, TaskView } from '../../api/taskViews.js';
import { APPROVAL_STATUSES, MODES, TASK_STATUSES, type ApprovalStatus, type Mode, type TaskStatus } from '../../db/vocabulary.js';
import type { Gaffer } from '../../gaffer.js';
import type { HttpTransport } from '../../sdk/transport.js';
import { connect, type CliApi, type GlobalOptions } from '../context.js';
import { table } from '../format.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../io.js';
import { localPrincipal } from './specs.js';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration such as `30s`, `10m`, `2h`, `1d`, `250ms` or `1h30m`, in milliseconds. Whole numbers
 * with a unit only: a bare `10` is refused (seconds? minutes?) rather than guessed.
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (!/^(\d+(ms|s|m|h|d))+$/.test(trimmed)) {
    throw new UsageError(`'${text}' is not a duration: use a number and a unit (ms, s, m, h, d), e.g. 30s, 10m, 2h, 1d or 1h30m`);
  }
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  if (!Number.isSafeInteger(total)) throw new UsageError(`'${text}' is too long a duration`);
  return total;
}

function parseJson(flag: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${flag} is not valid JSON: ${(err as Error).message}`);
  }
}

function parseTime(text: string): Date {
  const date = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(date.getTime())) {
    throw new UsageError(`--at '${text}' is not an ISO 8601 time (e.g. 2026-05-01T09:00:00Z)`);
  }
  return date;
}

export function parseInteger(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be an integer from ${min} to ${max}, not '${text}'`);
  return n;
}

/** The body of POST /tasks (what the local path passes to submit too). */
export type SubmitBody = z.input<typeof submitTaskBody>;

interface SubmitOptions {
  spec: string;
  input?: string;
  at?: string;
  in?: string;
  priority?: string;
  approval?: boolean;
  idempotencyKey?: string;
  concurrencyKey?: string;
  dependsOn?: string[];
  mode?: Mode;
  json?: boolean;
}

/** The submit request a command line describes (usage errors are found before anything runs). */
export function submitRequest(opts: SubmitOptions): SubmitBody {
  if (opts.at !== undefined && opts.in !== undefined) throw new UsageError('give --at or --in, not both');
  const body: SubmitBody = { spec: opts.spec };
  if (opts.input !== undefined) body.input = parseJson('--input', opts.input);
  if (opts.at !== undefined) body.runAt = parseTime(opts.at).toISOString();
  if (opts.in !== undefined) body.delayMs = parseDuration(opts.in);
  if (opts.priority !== undefined) body.priority = parseInteger('--priority', opts.priority, -1000, 1000);
  if (opts.approval) body.approval = true;
  if (opts.idempotencyKey !== undefined) body.idempotencyKey = opts.idempotencyKey;
  if (opts.concurrencyKey !== undefined) body.concurrencyKey = opts.concurrencyKey;
  if (opts.dependsOn?.length) body.dependsOn = opts.dependsOn;
  if (opts.mode !== undefined) body.mode = opts.mode;
  return body;
}

interface Submitted {
  task: TaskView;
  existing: boolean;
  approvalId?: string;
}

export async function withApi<T>(program: Command, use: (api: CliApi) => Promise<T>): Promise<T> {
  const api = await connect(program.opts<GlobalOptions>());
  try {
    return await use(api);
  } finally {
    await api.close();
  }
}

const time = (iso: string | null): string => (iso ? iso.replace('T', ' ').slice(0, 19) : '');
const json = (value: unknown): string => JSON.stringify(value);

function tasksTable(tasks: TaskView[]): string {
  return table(
    tasks.map((t) => [
      t.id,
      t.status,
      t.spec ? `${t.spec} v${t.specVersion}` : t.kind,
      `${t.attempt}/${t.maxAttempts}`,
      String(t.priority),
      time(t.runAt),
      t.createdBy ?? '',
    ]),
    ['ID', 'STATUS', 'SPEC', 'ATTEMPT', 'PRI', 'RUN AT', 'BY'],
  );
}

function approvalsTable(approvals: ApprovalView[]): string {
  return table(
    approvals.map((a) => [a.id, a.taskId, a.kind, a.status, time(a.requestedAt), a.decidedBy ?? '', a.note ?? '']),
    ['ID', 'TASK', 'KIND', 'STATUS', 'REQUESTED', 'DECIDED BY', 'NOTE'],
  );
}

function logLine(e: TaskEventView): string {
  const p = (e.payload ?? {}) as Record<string, unknown>;
  let what: string;
  switch (e.type) {
    case 'status_change':
      what = `${String(p.from)} → ${String(p.to)}${p.reason ? ` (${String(p.reason)})` : ''}`;
      break;
    case 'approval_decided':
      what = `${String(p.decision)}${p.note ? `: ${String(p.note)}` : ''}`;
      break;
    case 'task_submitted':
      what = `${p.spec ? `${String(p.spec)} v${String(p.specVersion)}` : 'reminder'} → ${String(p.status)}`;
      break;
    default:
      what = json(p);
  }
  return `#${String(e.seq).padEnd(4)} ${e.ts.slice(11, 23)}  ${e.type.padEnd(18)} ${what}${e.principal ? `  [${e.principal}]` : ''}`;
}

export function taskDetailText(d: TaskDetailView, events: TaskEventView[]): string {
  const t = d.task;
  const rows: [string, string][] = [
    ['id', t.id],
    ['spec', t.spec ? `${t.spec} v${t.specVersion}` : ''],
    ['status', `${t.status}${t.cancelRequested && t.status === 'running' ? ' (cancel requested)' : ''}`],
    ['attempt', `${t.attempt} of ${t.maxAttempts}`],
    ['priority', String(t.priority)],
    ['run at', t.runAt],
    ['input', json(t.input)],
    ['result', t.result === null ? '' : json(t.result)],
    ['error', t.lastError === null ? '' : json(t.lastError)],
    ['failure', t.failureClass ?? ''],
    ['mode', t.mode ?? ''],
    ['conc key', t.concurrencyKey ?? ''],
    ['idem key', t.idempotencyKey ?? ''],
    ['parent', t.parentTaskId ?? ''],
    ['schedule', t.scheduleId ?? ''],
    ['created', `${t.createdAt}${t.createdBy ? ` by ${t.createdBy}` : ''}`],
    ['finished', t.finishedAt ?? ''],
  ];
  const out = [rows.filter(([, v]) => v !== '').map(([k, v]) => `${k.padEnd(9)} ${v}`).join('\n')];
  if (d.attempts.length) {
    out.push(
      `\nattempts\n${table(
        d.attempts.map((r) => [String(r.attempt), r.id, r.status, r.verdict ?? '', r.failureClass ?? '', time(r.startedAt), r.durationMs === null ? '' : `${(r.durationMs / 1000).toFixed(1)}s`]),
        ['#', 'RUN', 'STATUS', 'VERDICT', 'FAILURE', 'STARTED', 'TOOK'],
      )}`,
    );
  }
  if (d.dependsOn.length) out.push(`\ndepends on\n${table(d.dependsOn.map((x) => [x.id, x.status]), ['TASK', 'STATUS'])}`);
  if (d.dependents.length) out.push(`\ndependents\n${table(d.dependents.map((x) => [x.id, x.status]), ['TASK', 'STATUS'])}`);
  if (d.approvals.length) out.push(`\napprovals\n${approvalsTable(d.approvals)}`);
  if (events.length) out.push(`\nlog\n${events.map(logLine).join('\n')}`);
  return out.join('\n');
}

async function allTaskEvents(read: (after: number) => Promise<{ events: TaskEventView[]; next: number | null }>): Promise<TaskEventView[]> {
  const all: TaskEventView[] = [];
  for (let after = 0; ; ) {
    const page = await read(after);
    all.push(...page.events);
    if (page.next === null) return all;
    after = page.next;
  }
}

const EVENTS_PAGE = 1_000;

async function localEvents(gaffer: Gaffer, id: string): Promise<TaskEventView[]> {
  return allTaskEvents(async (after) => {
    const events = (await gaffer.tasks.events(id, after, EVENTS_PAGE)).map(toTaskEventView);
    return { events, next: events.length === EVENTS_PAGE ? events.at(-1)!.seq : null };
  });
}

async function remoteEvents(http: HttpTransport, id: string): Promise<TaskEventView[]> {
  return allTaskEvents(async (after) => (await http.request('GET', `/tasks/${id}/events?after=${after}&limit=${EVENTS_PAGE}`)) as { events: TaskEventView[]; next: number | null });
}

function decisionText(d: DecisionView): string {
  return `${d.approval.status} task ${d.task.id} (approval ${d.approval.id}); the task is now ${d.task.status}`;
}

export function registerTaskCommands(program: Command, io: CliIo): void {
  const task = program.command('task').description('submit and follow tasks');
  const approval = program.command('approval').description('list and decide approvals');

  task
    .command('submit')
    .description('submit a task of a spec')
    .requiredOption('--spec <name>', 'the spec (name or id)')
    .option('--input <json>', 'the task input, as JSON')
    .option('--at <time>', 'not before this time (ISO 8601)')
    .option('--in <duration>', 'not before this long from now: 30s, 10m, 2h, 1d')
    .option('--priority <n>', 'higher runs first (-1000..1000; default: the spec\'s)')
    .option('--approval', "wait for a person's approval whatever the spec says")
    .option('--idempotency-key <key>', 'submitting the same key again returns the first task')
    .option('--concurrency-key <key>', 'tasks with one key run at most the spec\'s limit at a time')
    .option('--depends-on <ids...>', 'start only after these tasks succeeded')
    .addOption(new Option('--mode <mode>', "lower the spec's mode for this task").choices(MODES))
    .option('--json', 'print JSON')
    .action(async (opts: SubmitOptions) => {
      const body = submitRequest(opts);
      const result = await withApi(program, (api) =>
        api.call<Submitted>({
          local: async (gaffer) => {
            const r = await gaffer.tasks.submit(body, localPrincipal());
            const [view] = await toTaskViews(gaffer, [r.task]);
            return { task: view!, existing: r.existing, ...(r.approvalId ? { approvalId: r.approvalId } : {}) };
          },
          remote: async (http) => (await http.request('POST', '/tasks', body)) as Submitted,
        }),
      );
      if (opts.json) {
        io.stdout(JSON.stringify(result, null, 2));
        return;
      }
      const t = result.task;
      io.stdout(
        result.existing
          ? `task ${t.id} already exists (idempotency key ${t.idempotencyKey ?? '?'}); it is ${t.status}`
          : `task ${t.id} ${t.status} (spec ${t.spec ?? '?'} v${t.specVersion ?? '?'})`,
      );
      if (result.approvalId) io.stdout(`awaiting approval ${result.approvalId}: gaffer task approve ${t.id}`);
    });

  task
    .command('list')
    .description('list tasks, newest first')
    .addOption(new Option('--status <status>', 'only tasks with this status').choices(TASK_STATUSES))
    .option('--spec <name>', 'only tasks of this spec')
    .option('--limit <n>', 'how many (1-500)', '20')
    .option('--cursor <cursor>', 'continue from a previous page')
    .option('--json', 'print JSON')
    .action(async (opts: { status?: TaskStatus; spec?: string; limit: string; cursor?: string; json?: boolean }) => {
      const limit = parseInteger('--limit', opts.limit, 1, 500);
      const page = await withApi(program, (api) =>
        api.call<{ tasks: TaskView[]; next: string | null }>({
          local: async (gaffer) => {
            const specId = opts.spec ? (await gaffer.specs.get(opts.spec)).specId : undefined;
            const found = await gaffer.tasks.list({
              limit,
              ...(opts.status ? { status: opts.status } : {}),
              ...(specId ? { specId } : {}),
              ...(opts.cursor ? { cursor: opts.cursor } : {}),
            });
            return { tasks: await toTaskViews(gaffer, found.tasks), next: found.next };
          },
          remote: async (http) => {
            const q = new URLSearchParams({ limit: String(limit) });
            if (opts.status) q.set('status', opts.status);
            if (opts.spec) q.set('spec', opts.spec);
            if (opts.cursor) q.set('cursor', opts.cursor);
            return (await http.request('GET', `/tasks?${q}`)) as { tasks: TaskView[]; next: string | null };
          },
        }),
      );
      if (opts.json) io.stdout(JSON.stringify(page, null, 2));
      else {
        io.stdout(page.tasks.length ? tasksTable(page.tasks) : 'no tasks');
        if (page.next) io.stdout(`more: gaffer task list --cursor ${page.next}`);
      }
    });

  task
    .command('show <id>')
    .description('show a task: its attempts (runs), dependencies, approvals and log')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const { detail, events } = await withApi(program, (api) =>
        api.call<{ detail: TaskDetailView; events: TaskEventView[] }>({
          local: async (gaffer) => ({ detail: await loadTaskDetail(gaffer, id), events: await localEvents(gaffer, id) }),
          remote: async (http) => ({ detail: (await http.request('GET', `/tasks/${id}`)) as TaskDetailView, events: await remoteEvents(http, id) }),
        }),
      );
      io.stdout(opts.json ? JSON.stringify({ ...detail, events }, null, 2) : taskDetailText(detail, events));
    });

  for (const [action, decision] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const) {
    task
      .command(`${action} <id>`)
      .description(`${action} the task's pending approval`)
      .option('--note <note>', 'why; kept with the decision')
      .option('--json', 'print JSON')
      .action(async (id: string, opts: { note?: string; json?: boolean }) => {
        const decided = await withApi(program, (api) =>
          api.call<DecisionView>({
            local: (gaffer) => decideTaskApproval(gaffer, id, { decision, principal: localPrincipal(), note: opts.note }),
            remote: async (http) => (await http.request('POST', `/tasks/${id}/${action}`, opts.note === undefined ? {} : { note: opts.note })) as DecisionView,
          }),
        );
        io.stdout(opts.json ? JSON.stringify(decided, null, 2) : decisionText(decided));
      });

    approval
      .command(`${action} <id>`)
      .description(`${action} an approval by its id (a task with several pending approvals needs this)`)
      .option('--note <note>', 'why; kept with the decision')
      .option('--json', 'print JSON')
      .action(async (id: string, opts: { note?: string; json?: boolean }) => {
        const decided = await withApi(program, (api) =>
          api.call<DecisionView>({
            local: (gaffer) => decideApprovalById(gaffer, id, { decision, principal: localPrincipal(), note: opts.note }),
            remote: async (http) => (await http.request('POST', `/approvals/${id}/${action}`, opts.note === undefined ? {} : { note: opts.note })) as DecisionView,
          }),
        );
        io.stdout(opts.json ? JSON.stringify(decided, null, 2) : decisionText(decided));
      });
  }

  task
    .command('cancel <id>')
    .description('cancel a task (a running one stops at its next heartbeat)')
    .option('--reason <reason>', 'why; kept in the task log')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { reason?: string; json?: boolean }) => {
      const t = await withApi(program, (api) =>
        api.call<TaskView>({
          local: async (gaffer) => {
            await gaffer.tasks.cancel(id, localPrincipal(), opts.reason);
            return loadTaskView(gaffer, id);
          },
          remote: async (http) =>
            ((await http.request('POST', `/tasks/${id}/cancel`, opts.reason === undefined ? {} : { reason: opts.reason })) as { task: TaskView }).task,
        }),
      );
      if (opts.json) io.stdout(JSON.stringify({ task: t }, null, 2));
      else if (t.status === 'cancelled') io.stdout(`cancelled task ${t.id}`);
      else io.stdout(`cancel requested for task ${t.id} (${t.status}); its worker stops it at the next heartbeat`);
    });

  approval
    .command('list')
    .description('list approvals, newest first')
    .addOption(new Option('--status <status>', 'only approvals with this status (pending: what waits for you)').choices(APPROVAL_STATUSES))
    .option('--task <id>', 'only approvals of this task')
    .option('--limit <n>', 'how many (1-500)', '100')
    .option('--json', 'print JSON')
    .action(async (opts: { status?: ApprovalStatus; task?: string; limit: string; json?: boolean }) => {
      const limit = parseInteger('--limit', opts.limit, 1, 500);
      const approvals = await withApi(program, (api) =>
        api.call<ApprovalView[]>({
          local: async (gaffer) =>
            toApprovalInboxViews(gaffer, await gaffer.approvals.list({ limit, ...(opts.status ? { status: opts.status } : {}), ...(opts.task ? { taskId: opts.task } : {}) })),
          remote: async (http) => {
            const q = new URLSearchParams({ limit: String(limit) });
            if (opts.status) q.set('status', opts.status);
            if (opts.task) q.set('taskId', opts.task);
            return ((await http.request('GET', `/approvals?${q}`)) as { approvals: ApprovalView[] }).approvals;
          },
        }),
      );
      if (opts.json) io.stdout(JSON.stringify({ approvals }, null, 2));
      else io.stdout(approvals.length ? approvalsTable(approvals) : 'no approvals');
    });
}
