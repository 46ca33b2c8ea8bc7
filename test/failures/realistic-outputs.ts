/**
 * Realistic outputs of tools that are not in the labelled corpus, written as the tools print them,
 * to check that the classifier generalises beyond the corpus. Each case states what it guards.
 */
import type { FailureClass } from '../../src/db/vocabulary.js';
import type { ClassifyInput } from '../../src/failures/types.js';

export interface RealisticCase {
  name: string;
  input: ClassifyInput;
  want: FailureClass;
}

export const REALISTIC_CASES: readonly RealisticCase[] = [
  {
    name: 'tsc --pretty diagnostics',
    input: {
      command: 'npx tsc -p .',
      exitCode: 2,
      stdout: "src/index.ts:3:7 - error TS2322: Type 'string' is not assignable to type 'number'.\n\n3 const x: number = \"a\";\n        ~\n\n\nFound 1 error in src/index.ts:3\n",
    },
    want: 'compile_error',
  },
  {
    name: 'rustc unresolved name',
    input: {
      command: 'cargo build',
      exitCode: 101,
      stderr: '   Compiling app v0.1.0 (/src/app)\nerror[E0425]: cannot find value `totl` in this scope\n --> src/main.rs:4:20\n  |\n4 |     println!("{}", totl);\n  |                    ^^^^ help: a local variable with a similar name exists: `total`\n\nFor more information about this error, try `rustc --explain E0425`.\nerror: could not compile `app` (bin "app") due to 1 previous error\n',
    },
    want: 'compile_error',
  },
  {
    name: 'go test that fails to build is a compile error, not a test failure',
    input: {
      command: 'go test ./...',
      exitCode: 1,
      stdout: '# example.com/shop [example.com/shop.test]\n./cart_test.go:14:9: undefined: NewCartt\nFAIL\texample.com/shop [build failed]\nFAIL\n',
    },
    want: 'compile_error',
  },
  {
    name: 'mypy type errors',
    input: {
      command: 'mypy app',
      exitCode: 1,
      stdout: 'app/models.py:12: error: Incompatible return value type (got "str", expected "int")  [return-value]\nFound 1 error in 1 file (checked 7 source files)\n',
    },
    want: 'compile_error',
  },
  {
    name: 'dotnet build',
    input: {
      command: 'dotnet build',
      exitCode: 1,
      stdout: "Program.cs(5,13): error CS0103: The name 'totl' does not exist in the current context [/app/app.csproj]\n\nBuild FAILED.\n",
    },
    want: 'compile_error',
  },
  {
    name: 'vitest cannot load a test file because of a misspelt relative import',
    input: {
      command: 'npx vitest run',
      exitCode: 1,
      stdout: ' FAIL  test/cart.test.ts [ test/cart.test.ts ]\nError: Failed to resolve import "../src/utlis" from "test/cart.test.ts". Does the file exist?\n\n Test Files  1 failed (1)\n      Tests  no tests\n   Start at  10:01:02\n',
    },
    want: 'compile_error',
  },
  {
    name: 'jest suite cannot find an npm package',
    input: {
      command: 'npx jest',
      exitCode: 1,
      stdout: " FAIL  src/date.test.js\n  ● Test suite failed to run\n\n    Cannot find module 'dayjs' from 'src/date.js'\n\nTest Suites: 1 failed, 1 total\nTests:       0 total\n",
    },
    want: 'dependency_missing',
  },
  {
    name: 'pytest collection error from a missing third-party module',
    input: {
      command: 'pytest',
      exitCode: 2,
      stdout: "==================================== ERRORS ====================================\n_____________________ ERROR collecting tests/test_api.py _______________________\nImportError while importing test module '/app/tests/test_api.py'.\nE   ModuleNotFoundError: No module named 'requests'\n=========================== short test summary info ============================\nERROR tests/test_api.py\n!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!\n1 error in 0.12s\n",
    },
    want: 'dependency_missing',
  },
  {
    name: 'mocha failing test',
    input: {
      command: 'npx mocha',
      exitCode: 1,
      stdout: '\n\n  Array\n    #indexOf()\n      1) should return -1 when the value is not present\n\n\n  0 passing (6ms)\n  1 failing\n\n  1) Array\n       #indexOf()\n         should return -1 when the value is not present:\n\n      AssertionError [ERR_ASSERTION]: 0 == -1\n      at Context.<anonymous> (test/array.spec.js:5:14)\n',
    },
    want: 'test_fail',
  },
  {
    name: 'rspec failure',
    input: {
      command: 'bundle exec rspec',
      exitCode: 1,
      stdout: "Failures:\n\n  1) Calculator adds\n     Failure/Error: expect(calc.add(1, 2)).to eq(3)\n\n       expected: 3\n            got: 4\n     # ./spec/calculator_spec.rb:5:in `block (2 levels) in <top (required)>'\n\nFinished in 0.01 seconds (files took 0.1 seconds to load)\n2 examples, 1 failure\n\nFailed examples:\n\nrspec ./spec/calculator_spec.rb:4 # Calculator adds\n",
    },
    want: 'test_fail',
  },
  {
    name: 'ruff check',
    input: {
      command: 'ruff check .',
      exitCode: 1,
      stdout: 'app.py:1:8: F401 [*] `os` imported but unused\nFound 1 error.\n[*] 1 fixable with the `--fix` option.\n',
    },
    want: 'lint_error',
  },
  {
    name: 'black --check',
    input: { command: 'black --check .', exitCode: 1, stderr: 'would reformat /app/src/app.py\n\nOh no! 💥 💔 💥\n1 file would be reformatted, 3 files would be left unchanged.\n' },
    want: 'lint_error',
  },
  {
    name: 'golangci-lint',
    input: { command: 'golangci-lint run', exitCode: 1, stdout: 'main.go:12:10: Error return value of `f.Close` is not checked (errcheck)\n\tdefer f.Close()\n\t       ^\n' },
    want: 'lint_error',
  },
  {
    name: 'eslint failure inside a git pre-commit hook',
    input: {
      command: 'git commit -m "wip"',
      exitCode: 1,
      stderr: "\n/app/src/a.js\n  3:7  error  'x' is assigned a value but never used  no-unused-vars\n\n✖ 1 problem (1 error, 0 warnings)\n\nhusky - pre-commit script failed (code 1)\n",
    },
    want: 'lint_error',
  },
  {
    name: 'pip cannot find a package',
    input: {
      command: 'pip install torchx==9.9',
      exitCode: 1,
      stderr: 'ERROR: Could not find a version that satisfies the requirement torchx==9.9 (from versions: none)\nERROR: No matching distribution found for torchx==9.9\n',
    },
    want: 'dependency_missing',
  },
  {
    name: 'sh reports a missing binary inside an npm script',
    input: { command: 'npm run build', exitCode: 127, stderr: '\n> app@1.0.0 build\n> tsc -p .\n\nsh: 1: tsc: not found\n' },
    want: 'dependency_missing',
  },
  {
    name: 'linker cannot find a system library',
    input: { command: 'make', exitCode: 2, stderr: '/usr/bin/ld: cannot find -lssl: No such file or directory\ncollect2: error: ld returned 1 exit status\nmake: *** [Makefile:4: app] Error 1\n' },
    want: 'dependency_missing',
  },
  {
    name: 'npm registry unreachable is infrastructure, not a missing package',
    input: {
      command: 'npm install',
      exitCode: 1,
      stderr: 'npm error code ECONNREFUSED\nnpm error syscall connect\nnpm error errno ECONNREFUSED\nnpm error FetchError: request to https://registry.npmjs.org/left-pad failed, reason: connect ECONNREFUSED 127.0.0.1:443\n',
    },
    want: 'orchestration_error',
  },
  {
    name: 'ssh to the git host refused',
    input: {
      command: 'git fetch origin',
      exitCode: 128,
      stderr: 'ssh: connect to host github.com port 22: Connection refused\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n',
    },
    want: 'orchestration_error',
  },
  {
    name: 'Anthropic SDK overloaded (Python)',
    input: {
      command: 'python3 agent.py',
      exitCode: 1,
      stderr: "Traceback (most recent call last):\n  File \"/app/agent.py\", line 9, in <module>\n    msg = client.messages.create(**req)\nanthropic.InternalServerError: Error code: 529 - {'type': 'error', 'error': {'type': 'overloaded_error', 'message': 'Overloaded'}}\n",
    },
    want: 'provider_error',
  },
  {
    name: 'Anthropic prompt too long',
    input: {
      command: 'node agent.mjs',
      exitCode: 1,
      stderr: 'BadRequestError: 400 {"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 215004 tokens > 200000 maximum"}}\n',
    },
    want: 'provider_error',
  },
  {
    name: 'OpenAI quota exhausted arrives as a 429 but is a budget problem',
    input: {
      command: 'python3 run.py',
      exitCode: 1,
      stderr: "openai.RateLimitError: Error code: 429 - {'error': {'message': 'You exceeded your current quota, please check your plan and billing details.', 'type': 'insufficient_quota', 'param': None, 'code': 'insufficient_quota'}}\n",
    },
    want: 'budget_exceeded',
  },
  {
    name: "Gaffer's own turn budget",
    input: { stage: 'agent', exitCode: 1, stdout: 'agent: turn budget exhausted after 40 turns (limit 40); stopping\n' },
    want: 'budget_exceeded',
  },
  {
    name: 'compiler killed by the OOM killer',
    input: { command: 'make -j16', exitCode: 2, stderr: 'c++: fatal error: Killed signal terminated program cc1plus\ncompilation terminated.\nmake: *** [Makefile:12: big.o] Error 1\n' },
    want: 'resource_exhausted',
  },
  {
    name: 'Go runtime out of memory',
    input: { command: './indexer', exitCode: 2, stderr: 'fatal error: runtime: out of memory\n\nruntime stack:\nruntime.throw({0x4b2a0d?, 0x0?})\n' },
    want: 'resource_exhausted',
  },
  {
    name: 'npm ENOSPC during install',
    input: { command: 'npm ci', exitCode: 1, stderr: 'npm error code ENOSPC\nnpm error syscall write\nnpm error errno -28\nnpm error nospc ENOSPC: no space left on device, write\n' },
    want: 'resource_exhausted',
  },
  {
    name: 'cargo-semver-checks breaking change',
    input: {
      command: 'cargo semver-checks',
      exitCode: 1,
      stdout: '     Checking geo v1.2.0 -> v1.3.0 (minor change)\n--- failure function_missing: pub fn removed or renamed ---\n\nFailed in:\n  function geo::distance_km, previously in file src/lib.rs:10\n\n     Summary semver requires new major version: 1 major and 0 minor checks failed\n',
    },
    want: 'contract_violation',
  },
  {
    name: 'forbidden_patterns validator',
    input: { stage: 'validator', validatorType: 'forbidden_patterns', exitCode: 1, stdout: 'src/db.ts:12: matched forbidden pattern /console\\.log/\n' },
    want: 'contract_violation',
  },
  {
    name: 'segfault with a message is still unknown',
    input: { command: './parse in.txt', exitCode: 139, stderr: 'Segmentation fault (core dumped)\n' },
    want: 'unknown',
  },
  {
    name: 'a runtime JSON SyntaxError is not a compile error',
    input: { command: 'node load.js', exitCode: 1, stderr: 'SyntaxError: Unexpected token \'}\', "{"a":}" is not valid JSON\n    at JSON.parse (<anonymous>)\n    at Object.<anonymous> (/app/load.js:3:6)\n' },
    want: 'unknown',
  },
  {
    name: 'esbuild cannot resolve a relative import',
    input: { command: 'npx esbuild src/index.ts --bundle', exitCode: 1, stderr: '✘ [ERROR] Could not resolve "./utlis"\n\n    src/index.ts:1:22:\n      1 │ import { slug } from "./utlis";\n        ╵                      ~~~~~~~~~\n\n1 error\n' },
    want: 'compile_error',
  },
  {
    name: 'webpack cannot resolve an npm package',
    input: { command: 'npx webpack', exitCode: 1, stdout: "ERROR in ./src/index.js 3:0-23\nModule not found: Error: Can't resolve 'lodash' in '/app/src'\n\nwebpack 5.90.0 compiled with 1 error in 212 ms\n" },
    want: 'dependency_missing',
  },
  {
    name: 'tsc cannot find a path-alias import',
    input: { command: 'npx tsc --noEmit', exitCode: 2, stdout: "src/app.ts(2,22): error TS2307: Cannot find module '@/utlis/slug' or its corresponding type declarations.\n" },
    want: 'compile_error',
  },
  {
    name: 'pnpm frozen lockfile out of date',
    input: { command: 'pnpm install --frozen-lockfile', exitCode: 1, stderr: ' ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with "frozen-lockfile" because pnpm-lock.yaml is not up to date with package.json\n' },
    want: 'dependency_missing',
  },
  {
    name: 'maven surefire test failures',
    input: { command: 'mvn test', exitCode: 1, stdout: '[ERROR] Tests run: 3, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 0.05 s <<< FAILURE! - in com.acme.CalcTest\n[ERROR] com.acme.CalcTest.adds  Time elapsed: 0.01 s  <<< FAILURE!\norg.opentest4j.AssertionFailedError: expected: <3> but was: <4>\n[INFO] BUILD FAILURE\n' },
    want: 'test_fail',
  },
  {
    name: 'playwright failures',
    input: { command: 'npx playwright test', exitCode: 1, stdout: '  1) [chromium] › login.spec.ts:5:1 › logs in ──────────────────────\n\n    Error: expect(page).toHaveURL(expected) failed\n\n  1 failed\n    [chromium] › login.spec.ts:5:1 › logs in\n  4 passed (6.1s)\n' },
    want: 'test_fail',
  },
  {
    name: 'jest worker out of memory',
    input: { command: 'npx jest', exitCode: 1, stderr: ' PASS  src/a.test.js\n\n<--- Last few GCs --->\n\nFATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory\n' },
    want: 'resource_exhausted',
  },
  {
    name: 'GitHub Actions job over its time limit',
    input: { stage: 'test', exitCode: null, signal: 'SIGTERM', stdout: '##[error]The job running on runner GitHub Actions 2 has exceeded the maximum execution time of 360 minutes.\n' },
    want: 'timeout',
  },
  {
    name: 'Kubernetes pod OOMKilled',
    input: { command: 'kubectl logs job/migrate', exitCode: 1, stdout: 'Last State:     Terminated\n  Reason:       OOMKilled\n  Exit Code:    137\n' },
    want: 'resource_exhausted',
  },
  {
    name: 'docker daemon not running',
    input: { command: 'docker build .', exitCode: 1, stderr: 'ERROR: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n' },
    want: 'orchestration_error',
  },
  {
    name: 'Anthropic credit balance exhausted',
    input: { command: 'node agent.mjs', exitCode: 1, stderr: 'BadRequestError: 400 {"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."}}\n' },
    want: 'budget_exceeded',
  },
  {
    name: 'agent stopped at its maximum number of turns',
    input: { stage: 'agent', exitCode: 1, stdout: '{"type":"result","subtype":"error_max_turns","is_error":true,"num_turns":31}\n' },
    want: 'budget_exceeded',
  },
  {
    name: 'Python requests cannot reach a service',
    input: { command: 'python3 sync.py', exitCode: 1, stderr: "requests.exceptions.ConnectionError: HTTPConnectionPool(host='localhost', port=8080): Max retries exceeded with url: /api (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f>: Failed to establish a new connection: [Errno 111] Connection refused'))\n" },
    want: 'orchestration_error',
  },
  {
    name: 'a test run whose failing test hit a refused connection is still test_fail',
    input: { command: 'npx vitest run', exitCode: 1, stdout: ' FAIL  test/api.test.ts > api > lists items\nError: connect ECONNREFUSED 127.0.0.1:5432\n\n Test Files  1 failed (1)\n      Tests  1 failed | 5 passed (6)\n' },
    want: 'test_fail',
  },
  {
    name: 'a Rust panic outside tests is unknown',
    input: { command: 'cargo run', exitCode: 101, stderr: "    Finished `dev` profile [unoptimized + debuginfo] target(s) in 0.02s\n     Running `target/debug/app`\nthread 'main' panicked at src/main.rs:5:9:\nindex out of bounds: the len is 3 but the index is 7\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n" },
    want: 'unknown',
  },
  {
    name: 'a Java NullPointerException is unknown',
    input: { command: 'java -jar app.jar', exitCode: 1, stderr: 'Exception in thread "main" java.lang.NullPointerException: Cannot invoke "String.length()" because "s" is null\n\tat com.acme.App.main(App.java:7)\n' },
    want: 'unknown',
  },
  {
    name: 'stylelint errors',
    input: { command: 'npx stylelint "src/**/*.css"', exitCode: 2, stdout: '\nsrc/app.css\n  3:3  ✖  Unexpected unknown property "colr"  property-no-unknown\n\n✖ 1 problem (1 error, 0 warnings)\n' },
    want: 'lint_error',
  },
  {
    name: 'ruff full output format',
    input: { command: 'ruff check .', exitCode: 1, stdout: 'F401 [*] `os` imported but unused\n --> app.py:1:8\n  |\n1 | import os\n  |        ^^\n  |\nhelp: Remove unused import: `os`\n\nFound 1 error.\n[*] 1 fixable with the `--fix` option.\n' },
    want: 'lint_error',
  },
  {
    name: 'eslint unix format',
    input: { command: 'npx eslint -f unix src', exitCode: 1, stdout: "/app/src/a.js:2:7: 'x' is assigned a value but never used. [Error/no-unused-vars]\n\n1 problem\n" },
    want: 'lint_error',
  },
  {
    name: 'clang undeclared identifier',
    input: { command: 'clang -c main.c', exitCode: 1, stderr: "main.c:3:5: error: use of undeclared identifier 'x'\n    3 |     x = 1;\n      |     ^\n1 error generated.\n" },
    want: 'compile_error',
  },
  {
    name: 'Python IndentationError',
    input: { command: 'python3 app.py', exitCode: 1, stderr: '  File "/app/app.py", line 4\n    return x\n    ^^^^^^\nIndentationError: unexpected indent\n' },
    want: 'compile_error',
  },
  {
    name: 'curl operation timed out is infrastructure',
    input: { command: 'curl -sS --max-time 30 https://artifacts.example.com/x.tgz', exitCode: 28, stderr: 'curl: (28) Operation timed out after 30001 milliseconds with 0 out of 0 bytes received\n' },
    want: 'orchestration_error',
  },
  {
    name: 'npm registry auth failure',
    input: { command: 'npm install', exitCode: 1, stderr: 'npm error code E401\nnpm error Unable to authenticate, need: Basic realm="GitHub Package Registry"\n' },
    want: 'orchestration_error',
  },
  {
    name: 'OpenAI model not found (Python SDK)',
    input: { command: 'python3 run.py', exitCode: 1, stderr: "openai.NotFoundError: Error code: 404 - {'error': {'message': 'The model `gpt-9` does not exist or you do not have access to it.', 'type': 'invalid_request_error', 'param': None, 'code': 'model_not_found'}}\n" },
    want: 'provider_error',
  },
  {
    name: 'Python OSError too many open files',
    input: { command: 'python3 crawl.py', exitCode: 1, stderr: "OSError: [Errno 24] Too many open files: '/tmp/page-1021.html'\n" },
    want: 'resource_exhausted',
  },
  {
    name: 'kernel OOM killer message with exit 137',
    input: { command: 'make -j32', exitCode: 137, stderr: '[12345.678] Out of memory: Killed process 4242 (cc1plus) total-vm:4123456kB\nKilled\n' },
    want: 'resource_exhausted',
  },
  {
    name: 'git protected branch push declined',
    input: { command: 'git push origin main', exitCode: 1, stderr: 'To github.com:acme/app.git\n ! [remote rejected] main -> main (protected branch hook declined)\nerror: failed to push some refs to \'github.com:acme/app.git\'\n' },
    want: 'orchestration_error',
  },
];
