/**
 * The dashboard in a real browser: the distribution's Chromium driven by playwright-core against
 * `gaffer demo` (the real server, the real queue and workers, real git and `node --test`, the
 * scripted demo model over real HTTP). What a new user does: sign in with the admin token,
 * approve the waiting task and watch its run live, resolve the escalation with a stronger profile
 * and see the new attempt pass, open a run's timeline and expand a model call; a viewer's token
 * shows no buttons that change anything, and the server refuses it anyway; the pages work from
 * the keyboard and on a narrow screen.
 *
 * Screenshots are saved under test-results/screenshots/ and attached to each test's output. A
 * page in the wrong state fails the test: every step waits for a named element to show a state.
 *
 * Chromium: GAFFER_CHROMIUM (.ci/run sets it after installing Debian's chromium), else
 * /usr/bin/chromium. Without one the file is skipped, saying so; with GAFFER_CHROMIUM set and
 * missing, it fails.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { buildUi } from '../../scripts/build-ui.mjs';
import { startDemo, type RunningDemo } from '../../src/demo/startDemo.js';

const explicit = process.env.GAFFER_CHROMIUM;
const executablePath = explicit || '/usr/bin/chromium';
const available = fs.existsSync(executablePath);
if (!available && !explicit) {
  console.warn(`\n  ⚠  No Chromium at ${executablePath}: the browser tests are SKIPPED (apt-get install chromium, or set GAFFER_CHROMIUM).\n`);
}

const SCREENSHOTS = path.resolve('test-results', 'screenshots');
const FINAL = ['succeeded', 'failed', 'escalated', 'cancelled', 'rejected', 'blocked'];
/** Budget for a page to reach a state (a run of the demo model takes a few seconds). */
const STATE_MS = 45_000;
/** The text of the focused element (evaluated in the page). */
const FOCUSED_TEXT = "(document.activeElement && document.activeElement.textContent || '').trim()";

describe.skipIf(!available && !explicit)('dashboard in Chromium', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-browser-'));
  const uiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaffer-ui-build-'));
  let demo: RunningDemo;
  let browser: Browser;
  let page: Page;
  let adminToken: string;
  let viewerToken: string;

  beforeAll(async () => {
    if (!fs.existsSync(executablePath)) throw new Error(`GAFFER_CHROMIUM=${executablePath} does not exist`);
    await buildUi({ outDir: uiDir, minify: false });
    // The demo model pauses before each answer so a run can be watched while it is going.
    demo = await startDemo({ config: { dataDir, port: 0, workers: 2 }, env: {}, modelDelayMs: 600, staggerMs: 0, uiDir, logger: pino({ level: 'silent' }) });
    adminToken = fs.readFileSync(demo.server.adminTokenFile, 'utf8').trim();
    viewerToken = (await demo.server.gaffer.tokens.create({ name: 'watcher', scope: 'viewer' })).token;
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(uiDir, { recursive: true, force: true });
  });

  async function shot(ctx: TestContext, p: Page, name: string): Promise<void> {
    const file = path.join(SCREENSHOTS, `${name}.png`);
    await p.screenshot({ path: file, fullPage: true });
    await ctx.annotate(`screenshot ${name}`, 'screenshot', { path: file, contentType: 'image/png' });
    console.info(`screenshot: ${path.relative(process.cwd(), file)}`);
  }

  async function signIn(p: Page, token: string): Promise<void> {
    await p.goto(demo.server.url);
    await p.getByLabel('Token').waitFor();
    // The sign-in page starts in the token field.
    expect(await p.evaluate('document.activeElement && document.activeElement.id')).toBe('token');
    await p.getByLabel('Token').fill(token);
    await p.getByRole('button', { name: 'Sign in' }).click();
  }

  const settled = (id: string) =>
    waitUntil(`task ${id} to settle`, async () => {
      const t = await demo.server.gaffer.tasks.get(id);
      return FINAL.includes(t.status) || t.status === 'awaiting_approval' ? t : undefined;
    });

  it('signs in with a token and shows the overview with live counts', async (ctx) => {
    await signIn(page, adminToken);
    await expect.poll(() => page.getByTestId('whoami').textContent()).toContain('admin');
    // Runs has its own place in the navigation, between Tasks and Approvals.
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link').first().waitFor();
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Overview', 'Tasks', 'Runs', 'Approvals', 'Escalations', 'Schedules', 'Specs & profiles']);
    // The seeded work lands: the overview's counts follow the database.
    await settled(demo.seeded!.taskIds.fixPasses);
    await settled(demo.seeded!.taskIds.fixEscalates);
    await expect.poll(async () => Number(await page.getByTestId('count-escalated').textContent()), { timeout: STATE_MS }).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => Number(await page.getByTestId('count-awaiting_approval').textContent()), { timeout: STATE_MS }).toBe(1);
    await shot(ctx, page, '01-overview');
  });

  it('approves the waiting task with a note and watches its run live to success', async (ctx) => {
    const taskId = demo.seeded!.taskIds.awaitingApproval;
    // The list carries each approval's task: no card reads its task on its own.
    const taskReads: string[] = [];
    const onRequest = (req: { url(): string }): void => {
      if (new URL(req.url()).pathname.startsWith('/api/v1/tasks/')) taskReads.push(req.url());
    };
    page.on('request', onRequest);
    await page.getByRole('link', { name: 'Approvals', exact: true }).first().click();
    const card = page.getByTestId('approval').filter({ hasText: taskId });
    await card.waitFor();
    // The card is whole the moment it shows: its spec and what the task is asked to do, with no
    // Approve button before them (read once, not polled).
    const whole = await card.innerText();
    expect(whole).toContain('add-feature v');
    expect(whole).toContain('What the task is asked to do');
    expect(whole).toContain('Add titleCase(text) to textkit');
    await page.waitForLoadState('networkidle').catch(() => {});
    page.off('request', onRequest);
    expect(taskReads).toEqual([]);
    await shot(ctx, page, '02-approvals');
    await card.getByLabel('Note').fill('go ahead');
    await card.getByRole('button', { name: 'Approve' }).click();
    await card.waitFor({ state: 'detached', timeout: STATE_MS });

    await page.goto(`${demo.server.url}/#/tasks/${taskId}`);
    const attempt = page.getByTestId('attempt').first();
    await attempt.waitFor({ timeout: STATE_MS });
    await attempt.getByRole('link').first().click();
    await page.waitForURL(/#\/runs\//);
    // The run is still going: the timeline streams and says so.
    await page.getByTestId('live').waitFor({ timeout: STATE_MS });
    // Its counters keep up with the timeline: never fewer events than it shows.
    for (let i = 0; i < 5; i++) {
      const shown = await page.getByTestId('event').count();
      const counted = Number((await page.getByTestId('run-events').textContent())?.replace(/,/g, ''));
      expect(counted).toBeGreaterThanOrEqual(shown);
      await page.waitForTimeout(300);
    }
    await shot(ctx, page, '03-run-live');
    const first = await page.getByTestId('event').count();
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: STATE_MS }).toBe('succeeded');
    expect(await page.getByTestId('event').count()).toBeGreaterThan(first);
    await page.locator('[data-testid=event][data-type=validator_result]').first().waitFor();
    await page.getByTestId('live').waitFor({ state: 'detached', timeout: STATE_MS });
    // One duration for the run; the output's own time is the agent loop's, and says so.
    const summary = page.locator('main section').first();
    expect(await summary.locator('dt', { hasText: /^Took$/ }).count()).toBe(1);
    expect(await summary.getByTestId('outcome-result').locator('dt', { hasText: /^(Took|Turns|Tokens|Cost)$/ }).count()).toBe(0);
    // The first event in words: the task it runs, its attempt and worker; no JSON.
    const started = page.locator('[data-testid=event][data-type=run_started]');
    expect(await started.innerText()).toMatch(/Run started for task \w+, attempt 1 on worker /);
    expect(await started.innerText()).not.toContain('{');
    await shot(ctx, page, '04-run-finished');
    const approved = await demo.server.gaffer.approvals.list({ taskId });
    expect(approved[0]).toMatchObject({ status: 'approved', note: 'go ahead', decidedBy: expect.stringContaining('admin') });
  });

  it('shows a proposed patch as a diff in the approvals inbox; approving applies and verifies it', async (ctx) => {
    const { task } = await demo.server.gaffer.tasks.submit({ spec: 'fix-failing-test', input: { test: 'test/wordCount.test.js' }, mode: 'propose' });
    expect((await settled(task.id)).status).toBe('awaiting_approval');
    await page.goto(`${demo.server.url}/#/approvals`);
    const card = page.getByTestId('approval').filter({ hasText: task.id });
    await card.waitFor({ timeout: STATE_MS });
    await expect(card.getByTestId('diff').textContent()).resolves.toContain('+  return text.split(/\\s+/).filter(Boolean).length;');
    await shot(ctx, page, '05a-proposed-patch');
    await card.getByRole('button', { name: 'Approve' }).click();
    await card.waitFor({ state: 'detached', timeout: STATE_MS });
    await page.goto(`${demo.server.url}/#/tasks/${task.id}`);
    await expect.poll(() => page.getByTestId('task-status').textContent(), { timeout: STATE_MS }).toBe('succeeded');
    expect(await page.getByTestId('attempt').count()).toBe(2);
  });

  it('acknowledges the escalation in the inbox, then retries it with a stronger profile from the task page', async (ctx) => {
    const taskId = demo.seeded!.taskIds.fixEscalates;
    await page.getByRole('link', { name: 'Escalations', exact: true }).first().click();
    const card = page.getByTestId('escalation').filter({ hasText: taskId });
    await card.waitFor({ timeout: STATE_MS });
    // The spec allows one attempt: nothing was retried, and the card does not say "retries exhausted".
    await expect.poll(() => card.locator('h2').textContent()).toContain('no retries allowed by the spec');
    // The card names the spec from the escalation itself; the input is read when it is opened.
    expect(await card.innerText()).toContain('fix-failing-test v2');
    await card.locator('summary', { hasText: 'Input' }).click();
    await expect.poll(() => card.innerText(), { timeout: STATE_MS }).toContain('test/slugify.test.js');
    await shot(ctx, page, '05-escalations');
    await card.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => card.locator('.card-head [data-status]').getAttribute('data-status'), { timeout: STATE_MS }).toBe('acknowledged');

    // The task page says why it failed in words, and offers the same decision in place.
    await card.getByRole('link', { name: taskId }).click();
    await page.waitForURL(/#\/tasks\//);
    const error = page.getByTestId('outcome-error');
    await error.waitFor({ timeout: STATE_MS });
    const errorText = await error.innerText();
    expect(errorText).toContain("verification failed: required validator 'tests' failed");
    expect(errorText).toContain('test_fail');
    expect(errorText).toContain('slugify joins words with single dashes');
    // The whole JSON is there, folded: nothing of it shows until "Raw JSON" is opened.
    expect(await error.locator('details.raw').getAttribute('open')).toBeNull();
    expect(await page.locator('main').innerText()).not.toMatch(/"(message|verification|failing|classification)":/);
    // The focus moved to the new page's heading (keyboard and screen-reader users start there).
    expect(await page.evaluate(FOCUSED_TEXT)).toMatch(/^Task /);
    const inPlace = page.getByTestId('escalation');
    expect(await inPlace.count()).toBe(1);
    // Waiting for a person is not "live"; the last error names the attempt it came from.
    expect(await page.getByTestId('task-live').count()).toBe(0);
    await page.getByRole('heading', { name: 'Last error — attempt 1' }).waitFor();
    await shot(ctx, page, '06a-task-escalated');
    await inPlace.getByLabel('Option').selectOption('retry_stronger');
    await inPlace.getByLabel('Note').fill('the small model stripped the capitals');
    await inPlace.getByRole('button', { name: 'Resolve' }).click();
    await page.getByTestId('escalation-notice').waitFor({ timeout: STATE_MS });
    expect(await page.getByTestId('escalation-notice').textContent()).toContain('Resolved with retry_stronger');
    // Queued again, the task moves: now it is live.
    await page.getByTestId('task-live').waitFor({ timeout: STATE_MS });

    // The new attempt appears on the same page and passes; the log shows both attempts' starts.
    await expect.poll(() => page.getByTestId('attempt').count(), { timeout: STATE_MS }).toBe(2);
    await expect.poll(() => page.getByTestId('task-status').getAttribute('data-status'), { timeout: STATE_MS }).toBe('succeeded');
    await expect.poll(() => page.getByTestId('attempt').nth(1).textContent(), { timeout: STATE_MS }).toContain('succeeded');
    expect(await page.getByTestId('log-attempt').count()).toBe(2);
    // Each attempt names the profile it ran on: the retry ran on the stronger one.
    expect(await page.getByTestId('attempt').nth(0).locator('[data-label=Profile]').textContent()).toContain('demo-small');
    expect(await page.getByTestId('attempt').nth(1).locator('[data-label=Profile]').textContent()).toContain('demo-large');
    expect(await page.getByTestId('escalation').count()).toBe(0);
    expect(await page.getByTestId('task-live').count()).toBe(0);
    await shot(ctx, page, '06-task-retried');
    const [escalation] = await demo.server.gaffer.escalations.list({ taskId });
    expect(escalation).toMatchObject({ status: 'resolved', resolution: 'retry_stronger', acknowledgedBy: expect.stringContaining('admin') });

    // Resolved, the escalation still tells of when it was opened: one attempt of one, no retries
    // (the task has run a second attempt since).
    await page.goto(`${demo.server.url}/#/escalations?status=resolved`);
    const resolved = page.getByTestId('escalation').filter({ hasText: taskId });
    await resolved.waitFor({ timeout: STATE_MS });
    expect(await resolved.locator('h2').textContent()).toContain('no retries allowed by the spec');
    expect(await resolved.locator('dt', { hasText: 'Attempts when opened' }).locator('xpath=..').locator('dd').textContent()).toBe('1 of 1');
    await shot(ctx, page, '06b-escalation-resolved');
    // Back to the task page for the next test.
    await page.goto(`${demo.server.url}/#/tasks/${taskId}`);
    await page.getByTestId('attempt').nth(1).waitFor({ timeout: STATE_MS });
  });

  it('opens a run timeline and expands a model call to its messages and the diff', async (ctx) => {
    const taskId = demo.seeded!.taskIds.fixEscalates;
    await page.getByTestId('attempt').nth(1).getByRole('link').first().click();
    await page.waitForURL(/#\/runs\//);
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: STATE_MS }).toBe('succeeded');
    const call = page.locator('[data-testid=event][data-type=llm_call]').first();
    await call.waitFor();
    await call.locator('summary', { hasText: /^Model call/ }).first().click();
    const user = call.locator('[data-testid=message][data-role=user]').first();
    await user.waitFor();
    expect(await user.textContent()).toContain('test/slugify.test.js');
    // The routing decision says why the stronger profile ran; the diff is rendered as a diff.
    await page.locator('[data-testid=event][data-type=decision]').filter({ hasText: 'demo-large' }).first().waitFor();
    await page.getByTestId('diff').first().waitFor();
    expect(await page.getByTestId('diff').first().textContent()).toContain('toLowerCase()');
    await shot(ctx, page, '07-model-call-expanded');
    expect((await demo.server.gaffer.tasks.get(taskId)).status).toBe('succeeded');
  });

  it('pauses and resumes a schedule, and shows what changed between two versions of a spec', async (ctx) => {
    await page.goto(`${demo.server.url}/#/schedules`);
    const schedule = page.getByTestId('schedule').filter({ hasText: 'lint-textkit' });
    await schedule.waitFor();
    expect(await schedule.textContent()).toContain('*/2 * * * *');
    await schedule.getByRole('button', { name: 'Pause' }).click();
    await schedule.getByRole('button', { name: 'Resume' }).waitFor();
    expect((await demo.server.gaffer.resources.db.rows<{ paused: boolean }>(sql`SELECT paused FROM schedules WHERE name = 'lint-textkit'`))[0]!.paused).toBe(true);
    await shot(ctx, page, '08a-schedule-paused');
    await schedule.getByRole('button', { name: 'Resume' }).click();
    await schedule.getByRole('button', { name: 'Pause' }).waitFor();

    const current = (await demo.server.gaffer.specs.get('lint-pass')).definition;
    await demo.server.gaffer.specs.apply({ ...current, description: 'Keep the lint clean.', budgets: { maxTurns: 8 } });
    await page.getByRole('link', { name: 'Specs & profiles', exact: true }).first().click();
    await page.getByRole('link', { name: 'lint-pass', exact: true }).click();
    const changes = page.getByTestId('version-diff');
    await changes.waitFor();
    const text = await changes.textContent();
    expect(text).toContain('description');
    expect(text).toContain('Keep the lint clean.');
    expect(text).toContain('budgets.maxTurns');
    expect(text).toContain('budgets.wallTimeMs');
    await shot(ctx, page, '08b-spec-versions');
  });

  it('shows a viewer no buttons that change anything, and the server refuses the viewer anyway', async (ctx) => {
    const viewer = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    try {
      // Something to approve, so the buttons would be there for an operator.
      const { task } = await demo.server.gaffer.tasks.submit({ spec: 'add-feature', input: { request: 'Add titleCase(text).', test: 'test/titleCase.test.js' } });
      await signIn(viewer, viewerToken);
      await expect.poll(() => viewer.getByTestId('whoami').textContent()).toContain('viewer');
      const forbidden = /^(Approve|Reject|Resolve|Acknowledge|Dismiss|Pause|Resume|Cancel)$/;
      for (const route of ['#/approvals', '#/escalations', '#/schedules', `#/tasks/${task.id}`]) {
        await viewer.goto(`${demo.server.url}/${route}`);
        await viewer.locator('main').waitFor();
        if (route === '#/approvals') await viewer.getByTestId('approval').filter({ hasText: task.id }).waitFor();
        if (route === '#/schedules') await viewer.getByTestId('schedule').first().waitFor();
        if (route.startsWith('#/tasks/')) await expect.poll(() => viewer.getByTestId('task-status').textContent()).toBe('awaiting approval');
        expect(await viewer.getByRole('button', { name: forbidden }).count(), route).toBe(0);
      }
      await shot(ctx, viewer, '08-viewer-approvals');
      const [approval] = await demo.server.gaffer.approvals.list({ taskId: task.id, status: 'pending' });
      const status = await viewer.evaluate(
        async ({ id, token }) => (await fetch(`/api/v1/approvals/${id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status,
        { id: approval!.id, token: viewerToken },
      );
      expect(status).toBe(403);
      expect((await demo.server.gaffer.tasks.get(task.id)).status).toBe('awaiting_approval');
    } finally {
      await viewer.close();
    }
  });

  it('asks again before rejecting an approval; approving stays one click', async (ctx) => {
    const { task } = await demo.server.gaffer.tasks.submit({ spec: 'add-feature', input: { request: 'Add reverseWords(text).', test: 'test/reverseWords.test.js' } });
    await page.goto(`${demo.server.url}/#/approvals`);
    const card = page.getByTestId('approval').filter({ hasText: task.id });
    await card.waitFor({ timeout: STATE_MS });
    // What is to be approved shows up front, not only in a folded JSON.
    expect(await card.innerText()).toContain('Add reverseWords(text).');
    await card.getByRole('button', { name: 'Reject', exact: true }).click();
    // The first click only asks: nothing is decided yet.
    await card.getByRole('button', { name: 'Reject task' }).waitFor();
    expect((await demo.server.gaffer.tasks.get(task.id)).status).toBe('awaiting_approval');
    await shot(ctx, page, '08c-reject-confirm');
    await card.getByRole('button', { name: 'Keep it' }).click();
    await card.getByRole('button', { name: 'Reject', exact: true }).click();
    await card.getByRole('button', { name: 'Reject task' }).click();
    await card.waitFor({ state: 'detached', timeout: STATE_MS });
    expect((await demo.server.gaffer.tasks.get(task.id)).status).toBe('rejected');
  });

  it('shows one clear "not found" panel for ids and names that name nothing', async (ctx) => {
    const cases: [string, string][] = [
      ['#/tasks/does-not-exist', 'No task with id does-not-exist'],
      ['#/tasks/01a238e5-0000-7000-8000-000000000000', 'No task with id 01a238e5-0000-7000-8000-000000000000'],
      ['#/runs/01a238e5-0000-7000-8000-000000000000', 'No run with id 01a238e5-0000-7000-8000-000000000000'],
      ['#/runs/01a238e5-0000-0000-0000-000000000000', 'No run with id'],
      ['#/specs/nope', 'No spec named nope'],
      ['#/profiles/nope', 'No profile named nope'],
      ['#/approvals/x', 'There is no page at /approvals/x'],
      ['#/nowhere', 'There is no page at /nowhere'],
    ];
    const reads: string[] = [];
    const onRequest = (req: { url(): string }): void => {
      if (new URL(req.url()).pathname.startsWith('/api/v1/')) reads.push(new URL(req.url()).pathname);
    };
    page.on('request', onRequest);
    for (const [route, says] of cases) {
      reads.length = 0;
      await page.goto(`${demo.server.url}/${route}`);
      const panel = page.getByTestId('not-found');
      await panel.waitFor({ timeout: STATE_MS });
      if (route.startsWith('#/tasks/')) {
        // One request for a task that is not there, not a second when the page stops polling.
        // A second read would follow the first at once; give it a moment to show.
        await page.waitForTimeout(1000);
        expect(reads.filter((p) => p === `/api/v1${route.slice(1)}`), route).toHaveLength(1);
      }
      expect(await panel.innerText(), route).toContain(says);
      // One heading, no second copy of the error, nothing under the panel.
      expect(await page.locator('main h1').allTextContents(), route).toEqual(['Not found']);
      expect(await page.getByRole('alert').count(), route).toBe(0);
      expect(await page.getByRole('button', { name: /Load more/ }).count(), route).toBe(0);
      expect(await panel.getByRole('link').count(), route).toBe(1);
    }
    page.off('request', onRequest);
    await shot(ctx, page, '11-not-found');
  });

  it('works from the keyboard and on a narrow screen', async (ctx) => {
    const narrow = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await signIn(narrow, adminToken);
      await narrow.getByTestId('whoami').waitFor();
      for (const route of ['#/', '#/tasks', '#/approvals', '#/escalations', '#/schedules', '#/specs', `#/tasks/${demo.seeded!.taskIds.fixPasses}`]) {
        await narrow.goto(`${demo.server.url}/${route}`);
        await narrow.locator('main').waitFor();
        await narrow.waitForLoadState('networkidle').catch(() => {});
        const overflow = (await narrow.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
        expect(overflow, `${route} scrolls sideways by ${overflow}px`).toBeLessThanOrEqual(1);
      }
      await shot(ctx, narrow, '09-narrow-task');

      // Keyboard: on a freshly loaded page the first Tab reaches the skip link; Tab moves to the
      // nav; Enter follows a link, and the focus lands on the new page's heading.
      await narrow.goto(`${demo.server.url}/#/`);
      await narrow.reload();
      await narrow.getByTestId('whoami').waitFor();
      await narrow.keyboard.press('Tab');
      expect(await narrow.evaluate(FOCUSED_TEXT)).toMatch(/skip/i);
      let reached = '';
      for (let i = 0; i < 20 && reached !== 'Escalations'; i++) {
        await narrow.keyboard.press('Tab');
        reached = ((await narrow.evaluate(FOCUSED_TEXT)) as string).replace(/\s*\d+$/, '');
      }
      expect(reached).toBe('Escalations');
      await narrow.keyboard.press('Enter');
      await narrow.waitForURL(/#\/escalations/);
      await expect.poll(() => narrow.evaluate(FOCUSED_TEXT)).toBe('Escalations');
      await shot(ctx, narrow, '10-keyboard-escalations');
    } finally {
      await narrow.close();
    }
  });
});

async function waitUntil<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = STATE_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
