/**
 * `gaffer schedule ...` and `gaffer remind` as a user runs them: against a running server (--url)
 * and on an embedded data dir, with the exit codes of the fixed contract (0 ok, 1 failed, 2 usage).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ReminderView, ScheduleView } from '../../src/api/routes/schedules.js';
import { registerScheduleCommands } from '../../src/cli/commands/schedules.js';
import { UsageError, type CliIo } from '../../src/cli/io.js';
import { buildProgram, runCli } from '../../src/cli/main.js';
import { createGaffer, type Gaffer } from '../../src/gaffer.js';
import { silentLogger } from '../../src/resources.js';
import { openTestGaffer } from '../helpers/db.js';
import { applyTestSpec, serverWithSchedules, SPEC } from './helpers.js';

interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** The schedule commands alone, the way main.ts builds the program (used until main.ts registers them). */
async function runScheduleCommands(argv: string[], io: CliIo): Promise<number> {
  const program = new Command('gaffer')
    .option('--url <url>')
    .option('--token <token>')
    .option('--data-dir <dir>')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  registerScheduleCommands(program, io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return 2;
    io.stderr(`error: ${(err as Error).message}`);
    return err instanceof UsageError ? 2 : 1;
  }
}

const registeredInMain = buildProgram({ stdout: () => {}, stderr: () => {} }).commands.some((c) => c.name() === 'schedule');

async function cli(args: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (s) => (out += s.endsWith('\n') ? s : `${s}\n`), stderr: (s) => (err += `${s}\n`) };
  const code = registeredInMain ? await runCli(args, io) : await runScheduleCommands(args, io);
  return { code, out, err };
}

describe('gaffer schedule / remind against a server', () => {
  let gaffer: Gaffer;
  let app: FastifyInstance;
  let remote: string[];

  beforeAll(async () => {
    gaffer = await openTestGaffer({ name: 'pglite' });
    await applyTestSpec(gaffer);
    app = await serverWithSchedules(gaffer);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const { token } = await gaffer.tokens.create({ name: 'cli', scope: 'operator' });
    remote = ['--url', `http://127.0.0.1:${port}`, '--token', token];
  });
  afterAll(async () => {
    await app?.close();
    await gaffer?.close();
  });

  it('creates, lists, pauses, resumes and deletes a schedule', async () => {
    const created = await cli([
      ...remote, 'schedule', 'create', '--spec', SPEC, '--cron', '0 9 * * 1-5', '--tz', 'Europe/Paris',
      '--input', '{"repo":"r","branch":"main"}', '--missed', 'once', '--name', 'weekday', '--priority', '3', '--json',
    ]);
    expect(created.err).toBe('');
    expect(created.code).toBe(0);
    const view = JSON.parse(created.out) as ScheduleView;
    expect(view).toMatchObject({ name: 'weekday', cron: '0 9 * * 1-5', timezone: 'Europe/Paris', missed: 'once', priority: 3, input: { repo: 'r', branch: 'main' } });
    expect(view.nextFireTimes).toHaveLength(3);

    const plain = await cli([...remote, 'schedule', 'create', '--spec', SPEC, '--cron', '@hourly', '--input', '{"repo":"r"}']);
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(new RegExp(`^created schedule ${SPEC}-[0-9a-f]{8} \\([0-9a-f-]{36}\\), active; next: `));

    const table = await cli([...remote, 'schedule', 'list']);
    expect(table.code).toBe(0);
    const [header, ...rows] = table.out.trim().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+SPEC\s+CRON\s+TZ\s+MISSED\s+STATE\s+NEXT FIRE TIMES$/);
    const weekdayRow = rows.find((r) => r.includes(' weekday '));
    expect(weekdayRow).toContain('Europe/Paris');
    expect(weekdayRow).toContain(view.nextFireTimes[0]!.replace('T', ' ').slice(0, 16));

    const json = JSON.parse((await cli([...remote, 'schedule', 'list', '--json'])).out) as { schedules: ScheduleView[] };
    expect(json.schedules.map((s) => s.name)).toContain('weekday');

    const paused = await cli([...remote, 'schedule', 'pause', 'weekday']);
    expect(paused.out).toMatch(/^paused schedule weekday .*, paused$/m);
    // Read straight from the table: the CLI must have changed the database, not just printed.
    expect((await gaffer.db.rows<{ paused: boolean }>(sql`SELECT paused FROM schedules WHERE id = ${view.id}`))[0]!.paused).toBe(true);
    const resumed = await cli([...remote, 'schedule', 'resume', view.id, '--json']);
    expect(JSON.parse(resumed.out)).toMatchObject({ paused: false });
    const deleted = await cli([...remote, 'schedule', 'delete', 'weekday']);
    expect(deleted.code).toBe(0);
    expect(deleted.out).toMatch(/^deleted schedule weekday/);
    const all = await cli([...remote, 'schedule', 'list', '--all']);
    expect(all.out.split('\n').find((r) => r.includes(' weekday '))).toMatch(/\sdeleted\s*$/);
  });

  it('creates a reminder', async () => {
    const result = await cli([...remote, 'remind', '--at', '10m', '--message', 'stand-up', '--to', 'team', '--json']);
    expect(result.code).toBe(0);
    const reminder = JSON.parse(result.out) as ReminderView;
    expect(reminder).toMatchObject({ kind: 'reminder', status: 'scheduled', message: 'stand-up', to: 'team' });
    const text = await cli([...remote, 'remind', '--at', '2020-01-01T00:00:00Z', '--message', 'late']);
    expect(text.out).toMatch(/^reminder [0-9a-f-]{36} queued, due 2020-01-01T00:00:00.000Z$/m);
  });

  it('exits 2 on usage errors and 1 when the operation fails', async () => {
    const badJson = await cli([...remote, 'schedule', 'create', '--spec', SPEC, '--cron', '@daily', '--input', '{repo: r}']);
    expect(badJson.code).toBe(2);
    expect(badJson.err).toMatch(/--input is not valid JSON/);
    expect((await cli([...remote, 'schedule', 'create', '--spec', SPEC, '--cron', '@daily', '--missed', 'sometimes'])).code).toBe(2);
    expect((await cli([...remote, 'schedule', 'create', '--spec', SPEC, '--cron', '@daily', '--priority', 'high'])).code).toBe(2);
    expect((await cli([...remote, 'schedule', 'create', '--spec', SPEC])).code).toBe(2); // --cron missing
    const badAt = await cli([...remote, 'remind', '--at', 'tomorrow', '--message', 'x']);
    expect(badAt.code).toBe(2);
    expect(badAt.err).toMatch(/--at: 'tomorrow' is not a time/);

    const badCron = await cli([...remote, 'schedule', 'create', '--spec', SPEC, '--cron', '0 25 * * *', '--input', '{"repo":"r"}']);
    expect(badCron.code).toBe(1);
    expect(badCron.err).toMatch(/cron: '0 25 \* \* \*' is not a valid cron expression/);
    const missing = await cli([...remote, 'schedule', 'pause', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no schedule named 'nope'/);
  });
});

describe('gaffer schedule / remind on an embedded data dir', () => {
  let dataDir: string;

  beforeAll(async () => {
    vi.stubEnv('DATABASE_URL', '');
    vi.stubEnv('GAFFER_URL', '');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-sched-cli-'));
    const gaffer = await createGaffer({ config: { dataDir }, logger: silentLogger() });
    await applyTestSpec(gaffer);
    await gaffer.close();
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates and lists a schedule and a reminder in the local database', async () => {
    const local = ['--data-dir', dataDir];
    const created = await cli([...local, 'schedule', 'create', '--spec', SPEC, '--cron', '*/15 * * * *', '--input', '{"repo":"here"}', '--name', 'quarterly', '--json']);
    expect(created.err).toBe('');
    expect(JSON.parse(created.out)).toMatchObject({ name: 'quarterly', createdBy: expect.stringMatching(/^cli:/) as unknown });
    const list = await cli([...local, 'schedule', 'list', '--json']);
    expect((JSON.parse(list.out) as { schedules: ScheduleView[] }).schedules.map((s) => s.name)).toEqual(['quarterly']);
    const reminder = await cli([...local, 'remind', '--at', '1h', '--message', 'local']);
    expect(reminder.code).toBe(0);
    expect(reminder.out).toMatch(/scheduled, due /);
  });
});
