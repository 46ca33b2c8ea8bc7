import { describe, expect, it } from 'vitest';
import { matchesGlob, runValidator, type DiffSummary, type ValidatorEvidence } from '../../src/acceptance/index.js';
import { makeContext, makeWorkspace } from './helpers.js';

async function run(config: Record<string, unknown>, changedFiles: string[], diff?: DiffSummary): Promise<ValidatorEvidence> {
  const ctx = makeContext(await makeWorkspace(), { changedFiles, ...(diff ? { diff } : {}) });
  return runValidator({ type: 'diff_limits', config, weight: 1, required: false }, 0, ctx);
}

const diff: DiffSummary = {
  files: [
    { path: 'src/a.ts', additions: 30, deletions: 5 },
    { path: 'src/lib/b.ts', additions: 10, deletions: 0 },
    { path: 'test/a.test.ts', additions: 20, deletions: 2 },
  ],
  linesAdded: 60,
  linesRemoved: 7,
};
const paths = diff.files.map((f) => f.path);

describe('glob matching', () => {
  it.each([
    ['src/a.ts', 'src/**', true],
    ['src/lib/b.ts', 'src/**', true],
    ['srcx/a.ts', 'src/**', false],
    ['a.ts', '**/*.ts', true],
    ['x/y/a.ts', '**/*.ts', true],
    ['x/y/a.tsx', '**/*.ts', false],
    ['src/a.ts', 'src/*.ts', true],
    ['src/lib/b.ts', 'src/*.ts', false],
    ['package.json', 'package.json', true],
    ['packageXjson', 'package.json', false],
    ['.github/workflows/ci.yml', '.github/**', true],
    ['src/a.test.ts', 'src/**/*.test.ts', true],
    ['src/deep/x/a.test.ts', 'src/**/*.test.ts', true],
    ['src/a1.ts', 'src/a?.ts', true],
    ['src/a12.ts', 'src/a?.ts', false],
    ['./src/a.ts', 'src/*.ts', true],
  ])('%s against %s → %s', (file, glob, expected) => {
    expect(matchesGlob(file, glob)).toBe(expected);
  });
});

describe('diff_limits validator', () => {
  it('passes within maxFiles and maxLinesChanged', async () => {
    const r = await run({ maxFiles: 3, maxLinesChanged: 67 }, paths, diff);
    expect(r.verdict).toBe('passed');
    expect(r.evidence).toMatchObject({ files: 3, linesChanged: 67, violations: [] });
  });

  it('fails over maxFiles or maxLinesChanged, saying by how much', async () => {
    const r = await run({ maxFiles: 2, maxLinesChanged: 50 }, paths, diff);
    expect(r.verdict).toBe('failed');
    expect(r.evidence['violations']).toEqual([
      { rule: 'maxFiles', detail: '3 files changed; at most 2 allowed' },
      { rule: 'maxLinesChanged', detail: '67 lines changed; at most 50 allowed' },
    ]);
  });

  it('fails when a path is outside allowedPaths, naming it', async () => {
    const ok = await run({ allowedPaths: ['src/**', 'test/**'] }, paths, diff);
    expect(ok.verdict).toBe('passed');
    const r = await run({ allowedPaths: ['src/**'] }, paths, diff);
    expect(r.verdict).toBe('failed');
    expect(r.evidence['violations']).toEqual([{ rule: 'allowedPaths', path: 'test/a.test.ts', detail: 'test/a.test.ts matches none of the allowed paths' }]);
  });

  it('fails when a path matches forbiddenPaths, naming the glob', async () => {
    const r = await run({ forbiddenPaths: ['src/lib/**', '.github/**'] }, paths, diff);
    expect(r.verdict).toBe('failed');
    expect(r.evidence['violations']).toEqual([{ rule: 'forbiddenPaths', path: 'src/lib/b.ts', detail: 'src/lib/b.ts matches forbidden path src/lib/**' }]);
    expect((await run({ forbiddenPaths: ['.github/**'] }, paths, diff)).verdict).toBe('passed');
  });

  it('uses changedFiles when there is no diff summary', async () => {
    const r = await run({ maxFiles: 1, forbiddenPaths: ['*.lock'] }, ['src/a.ts', 'yarn.lock']);
    expect(r.verdict).toBe('failed');
    expect((r.evidence['violations'] as { rule: string }[]).map((v) => v.rule)).toEqual(['maxFiles', 'forbiddenPaths']);
  });

  it('is an error when maxLinesChanged has no diff to count, or when no limit is set', async () => {
    const noDiff = await run({ maxLinesChanged: 10 }, paths);
    expect(noDiff.verdict).toBe('error');
    expect(noDiff.evidence['error']).toContain('diff summary');
    const none = await run({}, paths, diff);
    expect(none.verdict).toBe('error');
    expect(none.evidence['error']).toContain('sets no limit');
    const bad = await run({ maxFiles: -1 }, paths, diff);
    expect(bad.evidence['error']).toMatch(/config\.maxFiles/);
  });
});
