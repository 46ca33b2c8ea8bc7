/**
 * classifyFailure: why did a step fail, and what should happen next. Evidence comes from every
 * signal available — exit code and signal, stage and validator type, the command that ran, and the
 * output text — and is scored per class (scoring.ts); it is not a first-match over substrings.
 *
 * Order of decision:
 * 1. A user rule with precedence > 0 that matches decides (types.ts, UserRule).
 * 2. A step killed by `timeout` (exit 124, or SIGTERM/SIGKILL under a timeout wrapper) is 'timeout'
 *    whatever it printed.
 * 3. Otherwise the best-scoring class, if its score reaches UNKNOWN_BELOW.
 * 4. Otherwise a user rule with precedence < 0, else 'unknown'.
 */
import type { FailureClass } from '../db/vocabulary.js';
import { analyseCommand, addScriptBody, type CommandFacts, type ToolKind } from './command.js';
import { codeRegexes, compilerCodeEvidence, findErrorCodes } from './codes.js';
import { findLocation, locationRegexes } from './context.js';
import { buildGate, type Gate, type GateResult } from './gate.js';
import { findMissingModules, findMissingPrograms, moduleEvidence, moduleRegexes, type MissingModule } from './modules.js';
import { BUILTIN_RULES, runTextRules } from './rules.js';
import { confidenceOf, round3, scoreEvidence, unknownConfidence, UNKNOWN_BELOW, type ClassScore } from './scoring.js';
import { commandEvidence, contextEvidence, effectiveSignal, exitEvidence, normaliseSignal, timeoutVerdict } from './signals.js';
import { findFailingTests, testEvidence, testRegexes } from './tests.js';
import { clip, joinStreams, lastNonBlankLine, prepareText } from './text.js';
import type { Classification, ClassifyInput, ClassifyOptions, Evidence, FailureContext } from './types.js';
import { compileUserRules, decisiveUserMatch, fallbackUserMatch, matchUserRules, userEvidence } from './userRules.js';

export type { Classification, ClassifyInput, ClassifyOptions, FailureContext, UserRule } from './types.js';
export { compileUserRules } from './userRules.js';

/** The verdict plus the reasoning behind it, for reports and debugging. */
export interface Explanation extends Classification {
  /** Every piece of evidence considered, strongest first per class. */
  scores: ClassScore[];
  /** Which stage of the decision order produced the verdict. */
  decidedBy: 'user-rule' | 'timeout' | 'score' | 'user-fallback' | 'unknown';
  /** The log was longer than the full-scan limit and was windowed. */
  windowed: boolean;
}

const SUMMARY_MAX_CHARS = 240;

/**
 * One gate over every regex the built-in detectors scan with (gate.ts): a single pass finds which
 * of them can match, and the rest are never run. Built on first use, not at import.
 */
let builtinGate: Gate<RegExp> | undefined;

/** Exported for tests that check the gate never hides a match the full scan would find. */
export function scanGate(text: string): GateResult<RegExp> {
  builtinGate ??= buildGate([...BUILTIN_RULES.map((r) => r.re), ...moduleRegexes(), ...testRegexes(), ...codeRegexes(), ...locationRegexes()], (re) => re);
  return builtinGate.scan(text);
}

export function classifyFailure(input: ClassifyInput, options: ClassifyOptions = {}): Classification {
  const { failureClass, confidence, context } = explainFailure(input, options);
  return { failureClass, confidence, context };
}

export function explainFailure(input: ClassifyInput, options: ClassifyOptions = {}): Explanation {
  const userRules = compileUserRules(options.rules ?? []);
  const prepared = prepareText(joinStreams(input.stdout, input.stderr));
  const text = prepared.text;
  const command = analyseCommand(input.command);
  const scriptKinds = npmScriptKinds(text);

  const gate = scanGate(text);
  const modules = findMissingModules(text, gate);
  const programs = findMissingPrograms(text, gate);
  const tests = findFailingTests(text, gate);
  const codes = findErrorCodes(text, gate);
  const userMatches = matchUserRules(text, userRules);

  const evidence: Evidence[] = [
    ...runTextRules(text, BUILTIN_RULES, command, gate),
    ...moduleEvidence(text, modules, programs),
    ...testEvidence(text, tests, gate),
    ...compilerCodeEvidence(text, codes),
    ...exitEvidence(input),
    ...contextEvidence(input),
    ...commandEvidence(command, scriptKinds),
    ...userEvidence(text, userMatches),
  ];
  const scores = scoreEvidence(evidence);
  const top = scores[0];
  const topScore = top?.score ?? 0;

  let failureClass: FailureClass;
  let confidence: number;
  let decidedBy: Explanation['decidedBy'];
  let summaryLine: string | undefined;

  const decisive = decisiveUserMatch(userMatches);
  const timedOut = timeoutVerdict(input, command);
  if (decisive !== undefined) {
    failureClass = decisive.rule.cls;
    confidence = 0.95;
    decidedBy = 'user-rule';
    summaryLine = lineOf(text, decisive.index);
  } else if (timedOut !== undefined) {
    failureClass = 'timeout';
    confidence = timedOut.confidence;
    decidedBy = 'timeout';
    summaryLine = `${timedOut.reason}${command.display === undefined ? '' : `: ${command.display}`}`;
  } else if (top !== undefined && topScore >= UNKNOWN_BELOW) {
    failureClass = top.cls;
    confidence = confidenceOf(topScore, scores[1]?.score ?? 0);
    decidedBy = 'score';
    summaryLine = top.evidence.find((e) => e.line !== undefined && e.line !== '')?.line;
  } else {
    const fallback = fallbackUserMatch(userMatches);
    if (fallback !== undefined) {
      failureClass = fallback.rule.cls;
      confidence = 0.6;
      decidedBy = 'user-fallback';
      summaryLine = lineOf(text, fallback.index);
    } else {
      failureClass = 'unknown';
      confidence = unknownConfidence(topScore);
      decidedBy = 'unknown';
    }
  }

  const context = buildContext(input, command, text, failureClass, gate, { modules, programs, tests, codes });
  context.summary = clip(summaryLine ?? fallbackSummary(input, text), SUMMARY_MAX_CHARS);
  return { failureClass, confidence: round3(confidence), context, scores, decidedBy, windowed: prepared.windowed };
}

function lineOf(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index - 1) + 1;
  const end = text.indexOf('\n', index);
  return text.slice(start, end === -1 ? text.length : end).trim();
}

/**
 * npm and pnpm echo the script body they run ("> pkg@1.0.0 test\n> jest"): the tool behind
 * `npm test` is a better prior than the script name alone.
 */
function npmScriptKinds(text: string): Set<ToolKind> {
  const facts: CommandFacts = { tools: [], kinds: new Set(), timeoutWrapper: false, providerEnv: false };
  const re = /^> [^\n]+\n> ([^\n]+)$/gm;
  let n = 0;
  for (let m = re.exec(text); m !== null && n < 20; m = re.exec(text), n++) addScriptBody(facts, m[1] ?? '');
  return facts.kinds;
}

interface Extracted {
  modules: ReturnType<typeof findMissingModules>;
  programs: ReturnType<typeof findMissingPrograms>;
  tests: ReturnType<typeof findFailingTests>;
  codes: ReturnType<typeof findErrorCodes>;
}

function buildContext(input: ClassifyInput, command: CommandFacts, text: string, cls: FailureClass, gate: GateResult<RegExp>, x: Extracted): FailureContext {
  const context: FailureContext = {
    errorCodes: x.codes.map((c) => c.code),
    failingTests: x.tests.map((t) => t.name),
    summary: '',
  };
  const location = findLocation(text, gate);
  if (location !== undefined) {
    context.file = location.file;
    context.line = location.line;
    if (location.column !== undefined) context.column = location.column;
  }
  const missing = pickModule(x.modules, cls);
  if (missing !== undefined) context.missingModule = missing.name;
  const program = x.programs[0];
  if (program !== undefined) context.missingProgram = program.name;
  if (command.display !== undefined && command.display !== '') context.command = command.display;
  if (typeof input.exitCode === 'number') context.exitCode = input.exitCode;
  const signal = normaliseSignal(input.signal);
  if (signal !== undefined) context.signal = signal;
  return context;
}

/** The module that explains the verdict: a local one for compile errors, a package otherwise. */
function pickModule(modules: readonly MissingModule[], cls: FailureClass): MissingModule | undefined {
  if (cls === 'compile_error') return modules.find((m) => m.local) ?? modules[0];
  return modules.find((m) => !m.local) ?? modules[0];
}

/** The last line that reads like an error message: "KeyError: 'JPY'", "Error: something went wrong", "fatal: ...". */
const ERROR_LINE_RE = /^[ \t]*(?:[\w$.]*(?:Error|Exception)(?: \[\w+\])?:|(?:error|fatal|panic|ERROR|FATAL)(?:\[\w+\])?:)[^\n]*/gm;

function fallbackSummary(input: ClassifyInput, text: string): string {
  let errorLine: string | undefined;
  ERROR_LINE_RE.lastIndex = 0;
  let n = 0;
  for (let m = ERROR_LINE_RE.exec(text); m !== null && n < 10_000; m = ERROR_LINE_RE.exec(text), n++) errorLine = m[0].trim();
  ERROR_LINE_RE.lastIndex = 0;
  if (errorLine !== undefined && errorLine !== '') return errorLine;
  const last = lastNonBlankLine(text);
  if (last !== '') return last;
  const signal = effectiveSignal(input);
  const code = typeof input.exitCode === 'number' ? `exited with code ${input.exitCode}` : signal !== undefined ? `killed by ${signal}` : 'failed';
  const sig = signal !== undefined && typeof input.exitCode === 'number' ? ` (${signal})` : '';
  return `${code}${sig} and printed nothing`;
}
