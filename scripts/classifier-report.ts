/**
 * Classifier report over the labelled corpus: overall accuracy, per-class precision / recall /
 * support, and every miss. The corpus sits beside the repository (shared/ next to the clone).
 *
 * Run: npx tsx scripts/classifier-report.ts [--json] [CORPUS_DIR]
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAILURE_CLASSES } from '../src/db/vocabulary.js';
import { evaluateClassifier, loadLabelledSamples, type LabelledSample } from '../src/failures/evaluate.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_CORPUS_DIR = resolve(REPO_ROOT, '../shared/corpus/failures');

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const dir = args.find((a) => !a.startsWith('--')) ?? DEFAULT_CORPUS_DIR;

let samples: LabelledSample[] | undefined;
try {
  samples = loadLabelledSamples(dir);
} catch (err) {
  console.error(`classifier-report: cannot read the corpus at ${dir}: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}

if (samples !== undefined) {
  const result = evaluateClassifier(samples);
  if (asJson) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
    console.log(`corpus:   ${dir}`);
    console.log(`accuracy: ${pct(result.accuracy)} (${result.correct}/${result.total})\n`);
    console.log(`${'class'.padEnd(22)}${'precision'.padStart(10)}${'recall'.padStart(10)}${'support'.padStart(9)}`);
    for (const cls of FAILURE_CLASSES) {
      const m = result.perClass[cls];
      console.log(`${cls.padEnd(22)}${pct(m.precision).padStart(10)}${pct(m.recall).padStart(10)}${String(m.support).padStart(9)}`);
    }
    console.log(`\nmisses (${result.misses.length}):`);
    if (result.misses.length === 0) console.log('  none');
    for (const m of result.misses) console.log(`  ${m.stem}: expected ${m.expected}, got ${m.got} (${m.confidence}) — ${m.summary}`);
  }
}
