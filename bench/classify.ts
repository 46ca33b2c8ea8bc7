/**
 * Classifier throughput. Builds a ≥ 64 MB log from the real corpus logs interleaved with the noise
 * real machines print (package-manager warnings, progress bars, passing tests, request logs), ending
 * in a tsc failure, and measures classifyFailure in MB/s. The anchor, measured in the same run over
 * the same text, is the cheapest full pass there is: counting newlines with indexOf. Also measured:
 * a log just under the full-scan limit (every rule runs over every byte), and per-sample latency
 * over the corpus.
 *
 * Run: npx tsx bench/classify.ts   (prints JSON; the lead's bench runner calls benchClassify()).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { classifyFailure } from '../src/failures/classifier.js';
import { FULL_SCAN_MAX_CHARS } from '../src/failures/text.js';

const LARGE_LOG_BYTES = 64 * 1024 * 1024;
const RUNS = 5;
const CORPUS_REPEATS = 20;

/** The corpus sits beside the repository (shared/ next to the clone), never at an absolute path. */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS_DIR = resolve(REPO_ROOT, '../shared/corpus/failures');

interface Sample {
  stem: string;
  log: string;
  command: string;
  exitCode: number;
}

function loadCorpus(): Sample[] {
  const stems = readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).sort();
  return stems.map((stem) => {
    const meta = JSON.parse(readFileSync(resolve(CORPUS_DIR, `${stem}.json`), 'utf8')) as { command: string; exit_code: number };
    return { stem, log: readFileSync(resolve(CORPUS_DIR, `${stem}.log`), 'utf8'), command: meta.command, exitCode: meta.exit_code };
  });
}

/** Deterministic noise: what fills real CI logs between the lines that matter. */
function noiseBlock(seed: number): string {
  const lines: string[] = [];
  for (let i = 0; i < 200; i++) {
    const n = (seed * 7919 + i * 104729) % 100000;
    switch (i % 6) {
      case 0:
        lines.push(`npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory. (${n})`);
        break;
      case 1:
        lines.push(`[${'='.repeat(i % 30)}>${' '.repeat(30 - (i % 30))}] ${(i % 100).toString().padStart(2)}% ${n}/100000 modules\r`);
        break;
      case 2:
        lines.push(` ✓ test/unit/module-${n}.test.ts > formats value ${n} ${i % 17}ms`);
        break;
      case 3:
        lines.push(`2026-11-22T03:05:${String(i % 60).padStart(2, '0')}.${n}Z INFO  http: GET /api/items/${n} 200 ${(i % 9) + 1}.2ms`);
        break;
      case 4:
        lines.push(`\x1b[2m  asset chunk-${n}.js ${(n % 900) + 10} KiB [emitted] [minimized] (name: vendor)\x1b[22m`);
        break;
      default:
        lines.push(`    at processTicksAndRejections (node:internal/process/task_queues:95:5) retry ${n}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function buildLog(corpus: readonly Sample[], targetChars: number, tail: string): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < targetChars - tail.length; i++) {
    const noise = noiseBlock(i);
    const sample = corpus[i % corpus.length] as Sample;
    parts.push(noise, sample.log, '\n');
    size += noise.length + sample.log.length + 1;
  }
  parts.push(tail);
  return parts.join('');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function timeMs(fn: () => unknown, runs: number): number {
  fn(); // warm-up: JIT and regex compilation
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

/** The anchor: one indexOf pass over the whole text. */
function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

const mbps = (bytes: number, ms: number): number => Math.round((bytes / 1e6 / (ms / 1000)) * 10) / 10;

export async function benchClassify(): Promise<Record<string, unknown>> {
  const corpus = loadCorpus();
  const tail = corpus.find((s) => s.stem.startsWith('tsc-type-mismatch'))?.log ?? 'src/a.ts(1,1): error TS2322: Type mismatch.\n';

  const large = buildLog(corpus, LARGE_LOG_BYTES, tail);
  const largeBytes = Buffer.byteLength(large, 'utf8');
  const largeInput = { command: 'npm run build', exitCode: 2, stdout: large };
  const largeVerdict = classifyFailure(largeInput);
  const largeMs = timeMs(() => classifyFailure(largeInput), RUNS);
  const largeBaselineMs = timeMs(() => countNewlines(large), RUNS);

  // Just under the windowing limit: every rule runs over every character.
  const full = buildLog(corpus, FULL_SCAN_MAX_CHARS - 1024, tail).slice(-(FULL_SCAN_MAX_CHARS - 1));
  const fullBytes = Buffer.byteLength(full, 'utf8');
  const fullInput = { command: 'npm run build', exitCode: 2, stdout: full };
  const fullMs = timeMs(() => classifyFailure(fullInput), RUNS * 4);
  const fullBaselineMs = timeMs(() => countNewlines(full), RUNS * 4);

  // Just over the limit: the worst case for windowing, when the windows are a large share of the input.
  const boundary = buildLog(corpus, Math.round(FULL_SCAN_MAX_CHARS * 1.05), tail);
  const boundaryBytes = Buffer.byteLength(boundary, 'utf8');
  const boundaryInput = { command: 'npm run build', exitCode: 2, stdout: boundary };
  const boundaryMs = timeMs(() => classifyFailure(boundaryInput), RUNS * 4);
  const boundaryBaselineMs = timeMs(() => countNewlines(boundary), RUNS * 4);

  const corpusMs = timeMs(() => {
    for (let r = 0; r < CORPUS_REPEATS; r++) for (const s of corpus) classifyFailure({ command: s.command, exitCode: s.exitCode, stdout: s.log });
  }, 3);

  const largeMBps = mbps(largeBytes, largeMs);
  const largeBaselineMBps = mbps(largeBytes, largeBaselineMs);
  const fullMBps = mbps(fullBytes, fullMs);
  const fullBaselineMBps = mbps(fullBytes, fullBaselineMs);
  return {
    name: 'classify',
    large: {
      inputMB: Math.round(largeBytes / 1e5) / 10,
      verdict: largeVerdict.failureClass,
      confidence: largeVerdict.confidence,
      classifyMs: Math.round(largeMs * 10) / 10,
      classifyMBps: largeMBps,
      baselineNewlineScanMBps: largeBaselineMBps,
      ratioToBaseline: Math.round((largeMBps / largeBaselineMBps) * 100) / 100,
    },
    fullScan: {
      inputKB: Math.round(fullBytes / 1024),
      classifyMs: Math.round(fullMs * 100) / 100,
      classifyMBps: fullMBps,
      baselineNewlineScanMBps: fullBaselineMBps,
      ratioToBaseline: Math.round((fullMBps / fullBaselineMBps) * 1000) / 1000,
    },
    justOverWindowLimit: {
      inputKB: Math.round(boundaryBytes / 1024),
      classifyMs: Math.round(boundaryMs * 100) / 100,
      classifyMBps: mbps(boundaryBytes, boundaryMs),
      baselineNewlineScanMBps: mbps(boundaryBytes, boundaryBaselineMs),
    },
    corpus: {
      samples: corpus.length,
      microsPerClassification: Math.round((corpusMs * 1000) / (CORPUS_REPEATS * corpus.length)),
    },
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchClassify(), null, 2));
}
