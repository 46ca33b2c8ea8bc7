/**
 * The demo's sample repository, "textkit": a small CommonJS library with two real bugs, each
 * caught by a real test (`node --test`), a lint script with one real finding, and room for a
 * feature. `gaffer demo` writes it into the data directory and commits it with git, so every
 * demo task works on a real repository with real commands.
 *
 * The bugs: slugify() keeps capitals ("Hello, World!" → "Hello-World"); wordCount() counts ''
 * as one word and a double space as an extra word. The lint finding: `var` in src/index.js.
 */
export const SAMPLE_REPO_FILES: Readonly<Record<string, string>> = {
  'README.md': `# textkit

Small text helpers. The demo repository of [Gaffer](https://github.com/): agents fix its bugs,
add features and keep its lint clean, and Gaffer checks every claim by running the tests.

    node --test          # the tests (two fail: slugify and wordCount have bugs)
    node scripts/lint.js # the lint (one finding)
`,
  'package.json': `${JSON.stringify({ name: 'textkit', version: '1.0.0', private: true, scripts: { test: 'node --test', lint: 'node scripts/lint.js' } }, null, 2)}\n`,
  'src/index.js': `'use strict';
var { slugify } = require('./slugify.js');
const { wordCount } = require('./wordCount.js');

module.exports = { slugify, wordCount };
`,
  'src/slugify.js': `'use strict';

/** A URL slug of a title: "Hello, World!" -> "hello-world". */
function slugify(text) {
  return text
    .trim()
    .replace(/[^A-Za-z0-9\\s-]/g, '')
    .replace(/\\s+/g, '-');
}

module.exports = { slugify };
`,
  'src/wordCount.js': `'use strict';

/** How many words the text has; words are separated by any run of whitespace. */
function wordCount(text) {
  return text.split(' ').length;
}

module.exports = { wordCount };
`,
  'test/slugify.test.js': `'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { slugify } = require('../src/slugify.js');

test('slugify lowercases and drops punctuation', () => {
  assert.equal(slugify('Hello, World!'), 'hello-world');
});

test('slugify joins words with single dashes', () => {
  assert.equal(slugify('  Gaffer   runs agents '), 'gaffer-runs-agents');
});
`,
  'test/wordCount.test.js': `'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { wordCount } = require('../src/wordCount.js');

test('wordCount counts words', () => {
  assert.equal(wordCount('the quick brown fox'), 4);
});

test('wordCount of an empty text is 0', () => {
  assert.equal(wordCount(''), 0);
});

test('wordCount ignores extra spaces', () => {
  assert.equal(wordCount('  two   words '), 2);
});
`,
  'scripts/lint.js': `'use strict';
// The project's lint: every file in src/ is strict mode, declares with const or let (never var),
// and has no trailing whitespace. Prints "file:line message" for each finding; exit 1 if any.
const fs = require('node:fs');
const path = require('node:path');

const dir = path.join(__dirname, '..', 'src');
const findings = [];
for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) {
  const lines = fs.readFileSync(path.join(dir, name), 'utf8').split('\\n');
  if (lines[0] !== "'use strict';") findings.push(\`src/\${name}:1 missing 'use strict'\`);
  lines.forEach((line, i) => {
    if (/^\\s*var\\s/.test(line)) findings.push(\`src/\${name}:\${i + 1} use const or let, not var\`);
    if (/\\s+$/.test(line)) findings.push(\`src/\${name}:\${i + 1} trailing whitespace\`);
  });
}
for (const finding of findings) console.log(finding);
console.log(findings.length ? \`\${findings.length} problem(s)\` : 'lint clean');
process.exit(findings.length ? 1 : 0);
`,
};
