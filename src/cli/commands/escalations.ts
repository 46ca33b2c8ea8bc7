/**
 * gaffer escalation list [--status S] [--task ID] [--json]
 * gaffer escalation show ID [--json]
 * gaffer escalation ack ID [--note TEXT]
 * gaffer escalation resolve ID --option retry_stronger|retry_larger_budget|retry|amend_spec|abort [--note TEXT]
 * gaffer escalation dismiss ID [--note TEXT]
 *
 * The people's inbox. Changing an escalation needs an operator or admin token over the API; on the
 * database directly it is recorded as the OS user (like approvals).
 */
import { Option, type Command } from 'commander';
import { loadEscalationView, toEscalationViews, type EscalationView } from '../../api/routes/escalations.js';
import { ESCALATION_OPTIONS, ESCALATION_STATUSES, type EscalationOption, type EscalationStatus } from '../../db/vocabulary.js';
import { table } from '../format.js';
import type { CliIo } from '../io.js';
import { localPrincipal } from './specs.js';
import { withApi } from './tasks.js';

const time = (iso: string | null): string => (iso ? iso.replace('T', ' ').slice(0, 19) : '');

function showText(e: EscalationView): string {
  const lines = [
    `id        ${e.id}`,
    `task      ${e.taskId}`,
    `status    ${e.status}${e.resolution ? ` (${e.resolution})` : ''}`,
    `trigger   ${e.trigger}`,
    `class     ${e.failureClass ?? ''}`,
    `opened    ${time(e.openedAt)}`,
  ];
  if (e.acknowledgedBy) lines.push(`acked     ${time(e.acknowledgedAt)} by ${e.acknowledgedBy}`);
  if (e.resolvedBy) lines.push(`closed    ${time(e.resolvedAt)} by ${e.resolvedBy}`);
  if (e.note) lines.push(`note      ${e.note}`);
  lines.push('', 'evidence (last attempts)');
  for (const a of e.evidence as { attempt: number; status: string; verdict: string | null; failureClass: string | null; message: string | null }[]) {
    lines.push(`  #${a.attempt} ${a.status}${a.verdict ? ` verdict ${a.verdict}` : ''}${a.failureClass ? ` ${a.failureClass}` : ''}: ${(a.message ?? '').slice(0, 160)}`);
  }
  lines.push('', 'options');
  for (const o of e.options as { option: string; label: string; estimate?: { runs: number; successRate: number | null; avgCostUsd: number | null } }[]) {
    const est = o.estimate && o.estimate.runs > 0 ? `  (past: ${o.estimate.runs} runs, ${((o.estimate.successRate ?? 0) * 100).toFixed(0)}% ok, avg $${(o.estimate.avgCostUsd ?? 0).toFixed(4)})` : '';
    lines.push(`  ${o.option.padEnd(20)} ${o.label}${est}`);
  }
  return lines.join('\n');
}

export function registerEscalationCommands(program: Command, io: CliIo): void {
  const escalation = program.command('escalation').description("the people's inbox: tasks Gaffer could not finish");

  escalation
    .command('list')
    .description('escalations, newest first')
    .addOption(new Option('--status <status>', 'only this status (open: what waits)').choices(ESCALATION_STATUSES))
    .option('--task <id>', 'only escalations of this task')
    .option('--json', 'print JSON')
    .action(async (opts: { status?: EscalationStatus; task?: string; json?: boolean }) => {
      const list = await withApi(program, (api) =>
        api.call<EscalationView[]>({
          local: async (gaffer) => toEscalationViews(gaffer, await gaffer.escalations.list({ ...(opts.status ? { status: opts.status } : {}), ...(opts.task ? { taskId: opts.task } : {}) })),
          remote: async (http) => {
            const q = new URLSearchParams();
            if (opts.status) q.set('status', opts.status);
            if (opts.task) q.set('taskId', opts.task);
            return ((await http.request('GET', `/escalations?${q}`)) as { escalations: EscalationView[] }).escalations;
          },
        }),
      );
      if (opts.json) io.stdout(JSON.stringify({ escalations: list }, null, 2));
      else if (list.length === 0) io.stdout('no escalations');
      else io.stdout(table(list.map((e) => [e.id, e.taskId, e.status, e.trigger, e.failureClass ?? '', time(e.openedAt), e.resolution ?? '']), ['ID', 'TASK', 'STATUS', 'TRIGGER', 'CLASS', 'OPENED', 'RESOLUTION']));
    });

  escalation
    .command('show')
    .description('one escalation: its evidence and the options, with estimates from past runs')
    .argument('<id>')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const e = await withApi(program, (api) =>
        api.call<EscalationView>({
          local: async (gaffer) => loadEscalationView(gaffer, await gaffer.escalations.get(id)),
          remote: async (http) => (await http.request('GET', `/escalations/${id}`)) as EscalationView,
        }),
      );
      io.stdout(opts.json ? JSON.stringify(e, null, 2) : showText(e));
    });

  for (const action of ['ack', 'dismiss'] as const) {
    escalation
      .command(action)
      .description(action === 'ack' ? 'acknowledge: you are on it' : 'dismiss: nothing more is tried; the task ends failed')
      .argument('<id>')
      .option('--note <text>', 'why')
      .option('--json', 'print JSON')
      .action(async (id: string, opts: { note?: string; json?: boolean }) => {
        const e = await withApi(program, (api) =>
          api.call<EscalationView>({
            local: async (gaffer) => {
              const input = { id, principal: localPrincipal(), ...(opts.note ? { note: opts.note } : {}) };
              return loadEscalationView(gaffer, action === 'ack' ? await gaffer.escalations.acknowledge(input) : await gaffer.escalations.dismiss(input));
            },
            remote: async (http) => (await http.request('POST', `/escalations/${id}/${action}`, opts.note ? { note: opts.note } : {})) as EscalationView,
          }),
        );
        io.stdout(opts.json ? JSON.stringify(e, null, 2) : `escalation ${e.id} ${e.status}`);
      });
  }

  escalation
    .command('resolve')
    .description('resolve with an option: a retry option runs the task again with it; abort cancels the task')
    .argument('<id>')
    .addOption(new Option('--option <option>', 'what to do').choices(ESCALATION_OPTIONS).makeOptionMandatory())
    .option('--note <text>', 'why')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { option: EscalationOption; note?: string; json?: boolean }) => {
      const out = await withApi(program, (api) =>
        api.call<{ escalation: EscalationView; task: { id: string; status: string } }>({
          local: async (gaffer) => {
            const r = await gaffer.escalations.resolve({ id, option: opts.option, principal: localPrincipal(), ...(opts.note ? { note: opts.note } : {}) });
            return { escalation: await loadEscalationView(gaffer, r.escalation), task: { id: r.task.id, status: r.task.status } };
          },
          remote: async (http) =>
            (await http.request('POST', `/escalations/${id}/resolve`, { option: opts.option, ...(opts.note ? { note: opts.note } : {}) })) as {
              escalation: EscalationView;
              task: { id: string; status: string };
            },
        }),
      );
      io.stdout(opts.json ? JSON.stringify(out, null, 2) : `escalation ${out.escalation.id} resolved (${opts.option}); task ${out.task.id} is ${out.task.status}`);
    });
}
