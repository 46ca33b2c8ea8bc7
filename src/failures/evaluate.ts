/**
 * Measuring the classifier against a labelled corpus: STEM.log (captured output) + STEM.json
 * ({ class, command, exit_code, tool, note }). Used by the corpus accuracy test and by
 * scripts/classifier-report.ts, so both report the same numbers. Only the log, command and exit
 * code reach the classifier; the label, tool and note never do.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAILURE_CLASSES, type FailureClass } from '../db/vocabulary.js';
import { classifyFailure } from './classifier.js';

export interface LabelledSample {
  stem: string;
  label: FailureClass;
  command: string;
  exitCode: number | null;
  log: string;
}

export interface Miss {
  stem: string;
  expected: FailureClass;
  got: FailureClass;
  confidence: number;
  summary: string;
}

export interface ClassMetrics {
  precision: number;
  recall: number;
  /** Samples labelled with this class. */
  support: number;
}

export interface Evaluation {
  total: number;
  correct: number;
  accuracy: number;
  perClass: Record<FailureClass, ClassMetrics>;
  misses: Miss[];
}

/** Reads every STEM.json/STEM.log pair in `dir`. Throws if the folder is missing or has no samples. */
export function loadLabelledSamples(dir: string): LabelledSample[] {
  const stems = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
  if (stems.length === 0) throw new Error(`no labelled samples (STEM.json + STEM.log) in ${dir}`);
  return stems.map((stem) => {
    const meta = JSON.parse(readFileSync(join(dir, `${stem}.json`), 'utf8')) as Record<string, unknown>;
    const label = meta['class'];
    if (typeof label !== 'string' || !(FAILURE_CLASSES as readonly string[]).includes(label)) {
      throw new Error(`${stem}.json: "class" must be one of ${FAILURE_CLASSES.join(', ')}, got ${JSON.stringify(label)}`);
    }
    const exit = meta['exit_code'];
    return {
      stem,
      label: label as FailureClass,
      command: typeof meta['command'] === 'string' ? meta['command'] : '',
      exitCode: typeof exit === 'number' ? exit : null,
      log: readFileSync(join(dir, `${stem}.log`), 'utf8'),
    };
  });
}

export function evaluateClassifier(samples: readonly LabelledSample[]): Evaluation {
  const misses: Miss[] = [];
  const predicted = new Map<FailureClass, number>();
  const truePositive = new Map<FailureClass, number>();
  const support = new Map<FailureClass, number>();
  for (const s of samples) {
    const r = classifyFailure({ command: s.command, exitCode: s.exitCode, stdout: s.log });
    predicted.set(r.failureClass, (predicted.get(r.failureClass) ?? 0) + 1);
    support.set(s.label, (support.get(s.label) ?? 0) + 1);
    if (r.failureClass === s.label) truePositive.set(s.label, (truePositive.get(s.label) ?? 0) + 1);
    else misses.push({ stem: s.stem, expected: s.label, got: r.failureClass, confidence: r.confidence, summary: r.context.summary });
  }
  const perClass = {} as Record<FailureClass, ClassMetrics>;
  for (const cls of FAILURE_CLASSES) {
    const tp = truePositive.get(cls) ?? 0;
    const p = predicted.get(cls) ?? 0;
    const n = support.get(cls) ?? 0;
    // No predictions (or no samples) means nothing was wrong: report 1, not NaN.
    perClass[cls] = { precision: p === 0 ? 1 : tp / p, recall: n === 0 ? 1 : tp / n, support: n };
  }
  const correct = samples.length - misses.length;
  return { total: samples.length, correct, accuracy: samples.length === 0 ? 0 : correct / samples.length, perClass, misses };
}
