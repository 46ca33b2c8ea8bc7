/**
 * Seeds the demo workspace into a Gaffer: the sample repository (a real git repository in the
 * data directory), two profiles, three specs, a periodic schedule, and four tasks chosen to show
 * the loop at once: a bug fix that passes, a bug fix the cheap model gets wrong (it fails its
 * test and lands in the escalation inbox, where "retry with a stronger profile" fixes it), a
 * feature waiting for a person's approval, and a lint pass. `gaffer demo` calls it on an empty
 * data directory; `gaffer demo --reset` starts over.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_GIT_IDENTITY, gitOk } from '../workspace/git.js';
import type { Gaffer } from '../gaffer.js';
import { createSchedule } from '../scheduler/schedules.js';
import { DEMO_LARGE_MODEL, DEMO_SMALL_MODEL } from './demoModel.js';
import { SAMPLE_REPO_FILES } from './sampleRepo.js';

/** Marks a data directory as the demo's; `--reset` only ever removes a directory that has it. */
export const DEMO_MARKER = 'demo.json';
export const DEMO_PRINCIPAL = 'demo';

export interface DemoMarker {
  seededAt: string;
  repo: string;
  model: 'scripted' | 'endpoint';
}

/** Where the demo's models are: the bundled scripted server, or a real OpenAI-compatible endpoint. */
export type DemoModels =
  | { kind: 'scripted'; baseUrl: string }
  | { kind: 'endpoint'; small: string; large: string };

export interface SeedResult {
  repo: string;
  taskIds: { fixPasses: string; fixEscalates: string; awaitingApproval: string; lint: string };
  scheduleId: string;
}

/** Writes the sample repository into <dir> and commits it. */
export async function writeSampleRepo(dir: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(SAMPLE_REPO_FILES)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  const identity = ['-c', `user.name=${DEFAULT_GIT_IDENTITY.name}`, '-c', `user.email=${DEFAULT_GIT_IDENTITY.email}`];
  await gitOk(dir, ['init', '-q', '-b', 'main'], 'git init of the demo repository');
  await gitOk(dir, ['add', '-A'], 'git add of the demo repository');
  await gitOk(dir, [...identity, 'commit', '-q', '-m', 'textkit: slugify, wordCount, lint'], 'git commit of the demo repository');
  return dir;
}

/**
 * Applies the two demo profiles (a new version only when something changed: the scripted
 * server's port can differ from one start to the next).
 */
export async function applyDemoProfiles(gaffer: Gaffer, models: DemoModels): Promise<void> {
  const scripted = models.kind === 'scripted';
  const label = scripted
    ? 'DEMO MODEL: the bundled scripted model server (a test and demo tool that plays scripted turns; not a model).'
    : 'Demo profile on your OpenAI-compatible endpoint (OPENAI_BASE_URL).';
  const common = scripted ? { baseUrl: models.baseUrl } : {};
  await gaffer.specs.applyProfile(
    {
      name: 'demo-small',
      description: `${label} Cheap and quick; tier 0.`,
      model: scripted ? DEMO_SMALL_MODEL : models.small,
      ...common,
      prices: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
      routing: { tier: 0, maxComplexity: 1 },
    },
    DEMO_PRINCIPAL,
  );
  await gaffer.specs.applyProfile(
    {
      name: 'demo-large',
      description: `${label} Stronger and dearer; tier 1.`,
      model: scripted ? DEMO_LARGE_MODEL : models.large,
      ...common,
      prices: { inputPerMTok: 3, outputPerMTok: 15 },
      routing: { tier: 1, maxComplexity: 1 },
    },
    DEMO_PRINCIPAL,
  );
}

/**
 * `staggerMs` spaces out the first runs (the wordCount fix at once, the lint pass after one
 * step, the slugify fix after two) so someone who opens the dashboard a few seconds after the
 * start still sees work begin, live.
 */
export async function seedDemo(gaffer: Gaffer, options: { dataDir: string; models: DemoModels; staggerMs?: number }): Promise<SeedResult> {
  const stagger = options.staggerMs ?? 15_000;
  const repo = await writeSampleRepo(path.join(options.dataDir, 'demo', 'textkit'));
  await applyDemoProfiles(gaffer, options.models);
  const budgets = { maxTurns: 12, wallTimeMs: 120_000 };
  const profiles = ['demo-small', 'demo-large'];
  const workspace = { repo };

  // fix-failing-test has a history, so the dashboard has two versions to compare: the first
  // checked only the test, and an agent could have "fixed" it by editing the test itself.
  const testsCheck = { type: 'command', name: 'tests', config: { argv: ['node', '--test', '{{input.test}}'] }, required: true };
  await gaffer.specs.apply(
    {
      name: 'fix-failing-test',
      description: 'Make a failing test pass, verified by running that test.',
      executor: 'agent',
      instructions: 'The test {{input.test}} fails. Make it pass.',
      profiles,
      workspace,
      inputSchema: { type: 'object', required: ['test'], properties: { test: { type: 'string', description: 'the failing test file' } } },
      budgets,
      acceptance: { validators: [testsCheck], gate: 'all_pass' },
    },
    DEMO_PRINCIPAL,
  );
  await gaffer.specs.apply(
    {
      name: 'fix-failing-test',
      description: 'Make a failing test pass by fixing the code, verified by running that test. No automatic retry: a failure goes to a person.',
      executor: 'agent',
      instructions: 'The test {{input.test}} fails. Find out why, fix the code under src/ (not the test), and check that it passes.',
      profiles,
      workspace,
      inputSchema: { type: 'object', required: ['test'], properties: { test: { type: 'string', description: 'the failing test file' } } },
      budgets,
      acceptance: {
        validators: [
          testsCheck,
          { type: 'diff_limits', name: 'small-change', config: { maxFiles: 2, forbiddenPaths: ['test/**'] } },
        ],
        gate: 'all_pass',
      },
    },
    DEMO_PRINCIPAL,
  );
  await gaffer.specs.apply(
    {
      name: 'add-feature',
      description: 'Add a small feature with its tests. A person approves each one before it runs.',
      executor: 'agent',
      instructions: '{{input.request}}\n\nAdd the code under src/ and tests under test/, and run the tests.',
      profiles,
      workspace,
      approval: 'always',
      inputSchema: {
        type: 'object',
        required: ['request', 'test'],
        properties: { request: { type: 'string' }, test: { type: 'string', description: 'the test file that must pass' } },
      },
      budgets,
      acceptance: {
        validators: [
          { type: 'command', name: 'tests', config: { argv: ['node', '--test', '{{input.test}}'] }, required: true },
          { type: 'file_exists', name: 'has-test', config: { path: '{{input.test}}' }, required: true },
        ],
        gate: 'all_pass',
        retry: { policy: 'fixed', maxRetries: 1, backoffMs: 2_000 },
      },
    },
    DEMO_PRINCIPAL,
  );
  await gaffer.specs.apply(
    {
      name: 'lint-pass',
      description: "Fix what the project's lint reports, verified by running the lint.",
      executor: 'agent',
      instructions: 'Run the lint (node scripts/lint.js) and fix every finding in src/ without changing behaviour.',
      profiles: ['demo-small'],
      workspace,
      budgets,
      acceptance: {
        validators: [{ type: 'command', name: 'lint', config: { argv: ['node', 'scripts/lint.js'] }, required: true }],
        gate: 'all_pass',
      },
    },
    DEMO_PRINCIPAL,
  );

  const schedule = await createSchedule(gaffer.resources, { name: 'lint-textkit', spec: 'lint-pass', cron: '*/2 * * * *', missed: 'skip' }, DEMO_PRINCIPAL);
  const fixPasses = await gaffer.tasks.submit({ spec: 'fix-failing-test', input: { test: 'test/wordCount.test.js' } }, DEMO_PRINCIPAL);
  const fixEscalates = await gaffer.tasks.submit({ spec: 'fix-failing-test', input: { test: 'test/slugify.test.js' }, ...(stagger ? { delayMs: 2 * stagger } : {}) }, DEMO_PRINCIPAL);
  const feature = await gaffer.tasks.submit(
    {
      spec: 'add-feature',
      input: { request: 'Add titleCase(text) to textkit: each word with its first letter upper case and the rest lower case, keeping the spacing.', test: 'test/titleCase.test.js' },
    },
    DEMO_PRINCIPAL,
  );
  const lint = await gaffer.tasks.submit({ spec: 'lint-pass', ...(stagger ? { delayMs: stagger } : {}) }, DEMO_PRINCIPAL);

  const marker: DemoMarker = { seededAt: new Date().toISOString(), repo, model: options.models.kind };
  fs.writeFileSync(path.join(options.dataDir, DEMO_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
  return {
    repo,
    taskIds: { fixPasses: fixPasses.task.id, fixEscalates: fixEscalates.task.id, awaitingApproval: feature.task.id, lint: lint.task.id },
    scheduleId: schedule.id,
  };
}
