/**
 * The demo model: scripts for the scripted model server (a TEST AND DEMO TOOL, not a model) that
 * play a plausible coding agent on the demo repository (sampleRepo.ts), so `gaffer demo` shows the
 * whole loop with no model key and no network. Every answer goes out over real HTTP in the
 * OpenAI protocol and through the same provider path a real endpoint uses; responses carry
 * `system_fingerprint: "gaffer-scripted"`, and the demo profiles say "demo model" in their
 * description, so nobody mistakes a recording of it for a model's work.
 *
 * Which script plays is read from the conversation: the task is recognised from the first user
 * message (the rendered instructions), the step from how many assistant turns came before. Two
 * models: `demo-small` (cheap; gets slugify wrong) and `demo-large` (stronger; gets it right).
 */
import type { ChatRequestBody, ScriptedTurn } from '../testing/scriptedModelServer.js';

export const DEMO_SMALL_MODEL = 'demo-small';
export const DEMO_LARGE_MODEL = 'demo-large';

/** A pause before each answer so a person can watch a run unfold live. */
export interface DemoModelOptions {
  delayMs?: number;
}

type Step = Omit<ScriptedTurn, 'delayMs'>;

const call = (name: string, args: Record<string, unknown>, content?: string): Step => ({
  ...(content ? { content } : {}),
  toolCalls: [{ name, arguments: args }],
});

const runTests = (file: string, why: string): Step => call('run_command', { argv: ['node', '--test', file] }, why);

const WORD_COUNT_FIX: Step[] = [
  runTests('test/wordCount.test.js', 'I will run the failing test first to see what it expects.'),
  call('read_file', { path: 'src/wordCount.js' }, 'Two cases fail: the empty text and repeated spaces. Reading the implementation.'),
  call(
    'edit_file',
    { path: 'src/wordCount.js', search: "  return text.split(' ').length;", replace: '  return text.split(/\\s+/).filter(Boolean).length;' },
    "split(' ') makes an empty word for '' and for each extra space; splitting on runs of whitespace and dropping empty strings fixes both.",
  ),
  runTests('test/wordCount.test.js', 'Running the test again.'),
  call('finish', { summary: 'wordCount split on single spaces, so "" counted as 1 and extra spaces as words; it now splits on runs of whitespace and drops empty parts. test/wordCount.test.js passes.' }),
];

/** The cheap model's plausible mistake: it blames the punctuation filter and strips capitals. */
const SLUGIFY_WRONG: Step[] = [
  runTests('test/slugify.test.js', 'Running the failing test.'),
  call('read_file', { path: 'src/slugify.js' }, 'The slug keeps capital letters. Looking at the filter.'),
  call(
    'edit_file',
    { path: 'src/slugify.js', search: "    .replace(/[^A-Za-z0-9\\s-]/g, '')", replace: "    .replace(/[^a-z0-9\\s-]/g, '')" },
    'The filter allows A-Z; restricting it to lowercase letters should make the slug lowercase.',
  ),
  call('finish', { summary: 'slugify now only keeps lowercase letters, digits, spaces and dashes.' }),
];

const SLUGIFY_RIGHT: Step[] = [
  runTests('test/slugify.test.js', 'Running the failing test to see the expected output.'),
  call('read_file', { path: 'src/slugify.js' }, 'Expected "hello-world", got "Hello-World": nothing lowercases the text.'),
  call(
    'edit_file',
    { path: 'src/slugify.js', search: '    .trim()\n', replace: '    .trim()\n    .toLowerCase()\n' },
    'Lowercasing before the filter keeps every letter and makes the slug lowercase.',
  ),
  runTests('test/slugify.test.js', 'Checking the fix.'),
  call('finish', { summary: 'slugify never lowercased the text; it now calls toLowerCase() after trim(). Both slugify tests pass.' }),
];

const TITLE_CASE_SOURCE = `'use strict';

/** Each word with its first letter in upper case and the rest in lower case: "hello wORLD" -> "Hello World". */
function titleCase(text) {
  return text
    .split(/(\\s+)/)
    .map((part) => (part.trim() ? part[0].toUpperCase() + part.slice(1).toLowerCase() : part))
    .join('');
}

module.exports = { titleCase };
`;

const TITLE_CASE_TEST = `'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { titleCase } = require('../src/titleCase.js');

test('titleCase capitalises each word', () => {
  assert.equal(titleCase('hello wORLD'), 'Hello World');
});

test('titleCase keeps the spacing', () => {
  assert.equal(titleCase('  two  words'), '  Two  Words');
});
`;

const TITLE_CASE_FEATURE: Step[] = [
  call('list_files', { path: 'src' }, 'Looking at how the library is laid out.'),
  call('write_file', { path: 'src/titleCase.js', content: TITLE_CASE_SOURCE }, 'Adding titleCase in its own module, like the others.'),
  call('write_file', { path: 'test/titleCase.test.js', content: TITLE_CASE_TEST }, 'And tests for it.'),
  runTests('test/titleCase.test.js', 'Running the new tests.'),
  call('finish', { summary: 'Added src/titleCase.js (titleCase capitalises each word and keeps the spacing) with two tests in test/titleCase.test.js; they pass.' }),
];

const LINT_PASS: Step[] = [
  call('run_command', { argv: ['node', 'scripts/lint.js'] }, 'Running the lint.'),
  call('edit_file', { path: 'src/index.js', search: "var { slugify } = require('./slugify.js');", replace: "const { slugify } = require('./slugify.js');" }, 'One finding: var in src/index.js.'),
  call('run_command', { argv: ['node', 'scripts/lint.js'] }, 'Running the lint again.'),
  call('finish', { summary: "Replaced the one var in src/index.js with const; the lint is clean." }),
];

const UNKNOWN: Step[] = [
  {
    content:
      'This is the scripted demo model (a test and demo tool, not a model): it has no script for this request. Set OPENAI_BASE_URL (and OPENAI_API_KEY) before `gaffer demo` to run the demo on a real model.',
    toolCalls: [{ name: 'finish', arguments: { summary: 'The scripted demo model has no script for this task; nothing was changed.' } }],
  },
];

interface Message {
  role?: string;
  content?: unknown;
}

function textOf(message: Message | undefined): string {
  if (!message) return '';
  if (typeof message.content === 'string') return message.content;
  if (Array.isArray(message.content)) return message.content.map((part) => (part as { text?: string }).text ?? '').join('\n');
  return '';
}

/** The script for a request: which task (from the first user message), for which model. */
export function demoScriptFor(model: string, firstUserMessage: string): Step[] {
  if (firstUserMessage.includes('wordCount.test.js')) return WORD_COUNT_FIX;
  if (firstUserMessage.includes('slugify.test.js')) return model === DEMO_LARGE_MODEL ? SLUGIFY_RIGHT : SLUGIFY_WRONG;
  if (/titleCase/.test(firstUserMessage)) return TITLE_CASE_FEATURE;
  if (/\blint\b/i.test(firstUserMessage)) return LINT_PASS;
  return UNKNOWN;
}

/** The demo model as a handler for the scripted model server (one per model name). */
export function demoModelHandler(options: DemoModelOptions = {}): (request: ChatRequestBody) => ScriptedTurn {
  const delayMs = options.delayMs ?? 700;
  return (request) => {
    const messages = (request.messages ?? []) as Message[];
    const script = demoScriptFor(request.model, textOf(messages.find((m) => m.role === 'user')));
    const step = messages.filter((m) => m.role === 'assistant').length;
    // Past the end of its script the model finishes again rather than inventing work.
    const turn = script[Math.min(step, script.length - 1)]!;
    return { ...turn, delayMs };
  };
}
