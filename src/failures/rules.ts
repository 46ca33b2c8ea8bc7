/**
 * Built-in text rules: a regular expression that is evidence for one class, with a weight (how
 * strongly a match alone says "this class", 0..1). Rules are evidence, not verdicts: scoring.ts
 * combines them with exit codes, signals, stage and command, and the strongest, latest evidence
 * decides. Checks that need more than one regex live beside them: missing modules and programs
 * (modules.ts), test runs (tests.ts), compiler error codes (codes.ts).
 *
 * Writing a rule: the text can be up to FULL_SCAN_MAX_CHARS (512 KB), so
 * - begin every top-level branch with a literal of two or more characters: gate.ts derives the
 *   rule's needles from it and skips the rule when none occur, and V8 scans literal-led patterns
 *   with Boyer-Moore (measured ~0.05 ms vs ~0.4 ms per 500 KB for a leading character class);
 *   put structure that needs a leading class into `lineTest`, which only runs on candidate lines;
 * - never let two unbounded quantifiers compete for the same characters, and use [ \t] (not \s)
 *   inside line-anchored patterns so a run of blank lines cannot make a match quadratic;
 * - match what the tool prints when it fails, not words that merely occur in failing output
 *   ("timeout", "dependency" and "error" alone are not evidence of anything).
 */
import type { FailureClass } from '../db/vocabulary.js';
import type { CommandFacts, ToolKind } from './command.js';
import type { Evidence } from './types.js';
import { stickyOf, type GateResult, type RegexGate } from './gate.js';
import { lineAt } from './text.js';

export interface TextRule {
  id: string;
  cls: FailureClass;
  weight: number;
  /**
   * Compiled with the 'g' flag (added if missing). Lead with a literal: V8 then skips ahead with a
   * Boyer-Moore scan (~0.05 ms per 500 KB) instead of trying the pattern at every position (~0.4 ms).
   */
  re: RegExp;
  /** Each match counts only if its whole line also matches this (the structure around the literal). */
  lineTest?: RegExp;
  /** Skip the rule when this matches anywhere (e.g. a generic rustc rule when clippy lints are present). */
  unless?: RegExp;
  /** Only when this also matches somewhere (e.g. rustc-format diagnostics count as lint under clippy). */
  requires?: RegExp;
  /** Only when the command ran a tool of one of these kinds. */
  whenKinds?: readonly ToolKind[];
  /** Classes this rule is a more specific reading of (see Evidence.overrides). */
  overrides?: readonly FailureClass[];
}

/** Matches examined per rule before jumping to the end of the text to find the last one. */
const MAX_MATCHES_PER_RULE = 200;
/** Where the search for the last match resumes after the cap: this far before the end. */
const LAST_MATCH_SEARCH_CHARS = 64 * 1024;

function rule(id: string, cls: FailureClass, weight: number, re: RegExp, extra: Partial<TextRule> = {}): TextRule {
  const flags = re.flags.includes('g') ? re.flags : `${re.flags}g`;
  return { id, cls, weight, re: new RegExp(re.source, flags), ...extra };
}

export const BUILTIN_RULES: readonly TextRule[] = [
  // ── compile_error ──────────────────────────────────────────────────────────────────────────────
  rule('gcc-error', 'compile_error', 0.9, /: error: |: fatal error: /, { lineTest: /\.(?:c|cc|cpp|cxx|c\+\+|h|hh|hpp|hxx|m|mm|cu|f90|f|s):\d+(?::\d+)?: (?:fatal )?error: / }),
  rule('javac-error', 'compile_error', 0.9, /\.java:\d+: error: /),
  rule('swift-error', 'compile_error', 0.9, /\.swift:\d+:\d+: error: /),
  rule('kotlin-error', 'compile_error', 0.9, /\.kts?:/, { lineTest: /^e: (?:file:\/\/)?[^\n]{0,400}\.kts?:/ }),
  rule('csharp-error', 'compile_error', 0.9, /error CS\d{4}: /),
  rule('mypy-error', 'compile_error', 0.8, /\.pyi?:\d+:(?:\d+:)? error: [^\n]{0,400}\[[a-z-]+\]$/m),
  rule('mypy-summary', 'compile_error', 0.7, /^Found \d+ errors? in \d+ files? \(checked \d+ source files?\)$/m),
  rule('pyright-error', 'compile_error', 0.8, /- error: [^\n]{0,400}\(report[A-Za-z]+\)$/m),
  rule('go-compile', 'compile_error', 0.9,
    /\.go:\d+:\d+: (?:undefined: |invalid operation: |cannot use |declared (?:and|but) not used|"[^"\n]+" imported (?:and|but) not used|missing return|too many arguments|not enough arguments|syntax error: |cannot assign|assignment mismatch|non-boolean|invalid argument|[^\s:]+ redeclared|no new variables|cannot convert|[^\n]{0,400}mismatched types|[^\n]{0,400} has no field or method |[^\n]{0,400}\(typecheck\)$)/m),
  rule('go-build-failed', 'compile_error', 0.6, /\[build failed\]$|\.test\]$/m, { lineTest: /^FAIL\t\S+ \[build failed\]$|^# [\w./-]+ \[[\w./-]+\.test\]$/ }),
  rule('rustc-diagnostic', 'compile_error', 0.7, /^error(?:\[E(?!0432\]|0433\]|0463\])\d{4}\])?: [^\n]{1,400}\n[ \t]*--> [^\n]{1,400}\.rs:\d+:\d+$/m, { unless: /clippy::|^error: unused |-D warnings/m }),
  rule('rust-could-not-compile', 'compile_error', 0.5, /^error: could not compile `/m, { unless: /clippy::|-D warnings/ }),
  rule('linker-undefined', 'compile_error', 0.75, /undefined reference to `|Undefined symbols for architecture /),
  rule('link-failed', 'compile_error', 0.4, /collect2: error: ld returned|error: linker command failed/),
  // A SyntaxError raised by JSON.parse at run time is not a file failing to parse.
  rule('syntax-error', 'compile_error', 0.85, /SyntaxError|IndentationError|TabError/, {
    lineTest: /^(?:E[ \t]+|Uncaught |[ \t]*)(?:[\w.]+\.)?(?:SyntaxError|IndentationError|TabError)(?::|\s\[)(?![^\n]{0,400}\b(?:JSON|Unexpected end of input$))/,
  }),
  rule('py-cannot-import-name', 'compile_error', 0.6, /ImportError: cannot import name '/),
  rule('js-missing-export', 'compile_error', 0.8, /does not provide an export named '|" is not exported by "|' \(imported as '/),
  rule('bundler-error', 'compile_error', 0.6, /✘ \[ERROR\] |Module build failed|error during build:$|\[vite\]: Rollup failed/m),
  rule('compilation-failed', 'compile_error', 0.75, /COMPILATION ERROR|Compilation failed; see the compiler error output|^error: aborting due to \d+ previous errors?/m),
  rule('tsc-found-errors', 'compile_error', 0.4, /^Found \d+ errors?(?: in (?:\d+ files|the same file|[^\n]{1,400}:\d+$)|\. Watching for file changes)/m),
  rule('make-error', 'compile_error', 0.25, /^make(?:\[\d+\])?: \*\*\* \[[^\n]{0,400}\] Error \d+$/m),

  // ── lint_error ─────────────────────────────────────────────────────────────────────────────────
  rule('eslint-row', 'lint_error', 0.85, /error {2}/, { lineTest: /^[ \t]+\d+:\d+[ \t]+error[ \t]{2,}\S/ }),
  rule('eslint-summary', 'lint_error', 0.95, /✖ \d+ problems? \([1-9]\d* errors?, \d+ warnings?\)/),
  // Warnings alone did not stop the work (a build that lints then fails to compile is compile_error).
  rule('eslint-warnings-only', 'lint_error', 0.15, /✖ \d+ problems? \(0 errors?, \d+ warnings?\)/),
  rule('eslint-max-warnings', 'lint_error', 0.9, /ESLint found too many warnings|--max-warnings/),
  rule('eslint-compact', 'lint_error', 0.85, /: line \d+, col \d+, Error - |\[Error\/[\w@/-]+\]$/m),
  rule('prettier-check', 'lint_error', 0.95, /Code style issues (?:found in (?:the above file|\d+ files)|were found)|Forgot to run Prettier\?/),
  rule('prettier-warn-file', 'lint_error', 0.35, /\[warn\] /, { lineTest: /^\[warn\] [^\s[][^\n]{0,400}\.\w+$/ }),
  rule('rust-lint-diagnostic', 'lint_error', 0.85, /^error: [^\n]{1,400}\n[ \t]*--> [^\n]{1,400}\.rs:\d+:\d+$|^warning: [^\n]{1,400}\n[ \t]*--> [^\n]{1,400}\.rs:\d+:\d+$/m, { requires: /clippy::|-D warnings/ }),
  rule('clippy-lint', 'lint_error', 0.8, /clippy::[a-z_]+/),
  rule('deny-warnings', 'lint_error', 0.6, /implied by `-D warnings`|`#\[deny\([\w:]+\)\]` on by default/),
  rule('flake8-code', 'lint_error', 0.9, /\.pyi?:\d+:\d+: [EWFCNBDQSUPT]\d{3,4}\b/),
  rule('pyflakes', 'lint_error', 0.9,
    /\.pyi?:\d+:(?:\d+:?)? (?:'[^'\n]+' imported but unused|undefined name '|local variable '[^'\n]+' (?:is assigned to but never used|defined)|redefinition of unused '|f-string is missing placeholders|'[^'\n]+' may be undefined|import '[^'\n]+' from line \d+ shadowed|'from [^'\n]+ import \*' used)/),
  rule('ruff', 'lint_error', 0.85, /fixable with the `--fix` option|^Found \d+ errors?\.$/m),
  rule('pylint', 'lint_error', 0.9, /\.py:\d+:\d+: [CRWEF]\d{4}: |Your code has been rated at /),
  rule('shellcheck', 'lint_error', 0.85, /SC\d{4}\b(?: \((?:error|warning|info|style)\))?/),
  rule('shellcheck-header', 'lint_error', 0.5, /^In [^\n]{1,400} line \d+:$/m),
  rule('go-vet', 'lint_error', 0.85,
    /\.go:\d+:\d+: (?:[^\n]{0,400} passes lock by value|[^\n]{0,400}call has possible (?:Printf )?formatting directive|[^\n]{0,400} format %[^\n]{0,400} (?:has arg|reads arg|has unknown verb)|[^\n]{0,400} call (?:needs \d+ args? but has|has arguments but no formatting)|unreachable code|self-assignment of |[^\n]{0,400}composite literal uses unkeyed fields|possible misuse of |[^\n]{0,400}struct field tag |loop variable [^\n]{0,400} captured by func literal|[^\n]{0,400}the cancel function|result of [^\n]{0,400} call not used)/),
  rule('golangci', 'lint_error', 0.9, /\.go:\d+:\d+: [^\n]{0,400} \((?:(?!typecheck\))[a-z][\w-]*|(?:SA|S|ST|QF|U)\d{4})\)$/m),
  rule('rubocop', 'lint_error', 0.9, /inspected, [1-9]\d* offenses? detected/),
  rule('python-formatters', 'lint_error', 0.9, /would reformat |would be reformatted|Imports are incorrectly sorted/),
  rule('rustfmt-check', 'lint_error', 0.85, /^Diff in [^\n]{1,400} at line \d+:$/m),
  rule('markdownlint', 'lint_error', 0.85, /MD\d{3}\/[a-z-]+/),
  rule('hadolint', 'lint_error', 0.75, /DL\d{4} (?:error|warning|info|style):/),
  rule('biome', 'lint_error', 0.85, /lint\/(?:suspicious|style|correctness|complexity|performance|a11y|security|nursery)\/\w+/),

  // ── test_fail ──────────────────────────────────────────────────────────────────────────────────
  // Test runs are scored in tests.ts (summaries with counts, failing test names). These per-test
  // messages say a *test* timed out inside a run that completed — test_fail, not timeout.
  rule('per-test-timeout', 'test_fail', 0.6, /Test timed out in \d+ms|Exceeded timeout of \d+ ?ms for a (?:test|hook)|Error: Timeout of \d+ms exceeded|Failed: Timeout >[\d.]+s|panic: test timed out after /),

  // ── dependency_missing ─────────────────────────────────────────────────────────────────────────
  // Module / package / program resolution is in modules.ts (relative vs bare decides the class).
  rule('npm-404', 'dependency_missing', 0.9, /npm error code E404|npm ERR! code E404|npm error 404 Not Found|npm ERR! 404 Not Found|ERR_PNPM_FETCH_404|Couldn't find package "|Request failed \\?"404/),
  rule('npm-notarget', 'dependency_missing', 0.9, /npm error code ETARGET|npm ERR! code ETARGET|No matching version found for |ERR_PNPM_NO_MATCHING_VERSION/),
  rule('npm-eresolve', 'dependency_missing', 0.7, /npm error code ERESOLVE|npm ERR! code ERESOLVE|unable to resolve dependency tree|ERR_PNPM_PEER_DEP_ISSUES/),
  rule('lockfile-out-of-date', 'dependency_missing', 0.6, /ERR_PNPM_OUTDATED_LOCKFILE|`npm ci` can only install packages when your package\.json and package-lock\.json|Your lockfile needs to be updated/),
  rule('pip-not-found', 'dependency_missing', 0.95, /Could not find a version that satisfies the requirement|No matching distribution found for /),
  rule('pip-resolution', 'dependency_missing', 0.7, /ResolutionImpossible|ERROR: Could not install packages due to/),
  rule('cargo-registry', 'dependency_missing', 0.9, /no matching package named `[^`\n]+` found|failed to select a version for the requirement|` in (?:the )?registry|failed to get `[^`\n]+` as a dependency/,
    { lineTest: /no matching package named|failed to select a version|could not find `[^`\n]+` in (?:the )?registry|failed to get `/ }),
  rule('go-module-fetch', 'dependency_missing', 0.85, /^go: [^\n]{0,400}(?:unknown revision|: not found$|missing go\.sum entry|reading [^\n]{0,400}: 404 Not Found)/m),
  rule('bundler', 'dependency_missing', 0.9, /Could not find gem '|Bundler could not find compatible versions/),
  // Linking and configure run after (or before) compiling succeeded, so a missing library overrides
  // the generic "link failed" compile evidence.
  rule('shared-library', 'dependency_missing', 0.9,
    /error while loading shared libraries: |ld: cannot find -l|ld: library not found for -l|No package '[^'\n]+' found$|Package '?[^'\n]+'?, required by '[^'\n]+', not found|Could not find a package configuration file provided by /m,
    { overrides: ['compile_error'] }),
  rule('java-package-missing', 'dependency_missing', 0.7, /: error: package [\w.]+ does not exist$|Could not resolve dependencies for project /m),

  // ── contract_violation ─────────────────────────────────────────────────────────────────────────
  rule('api-extractor-changed', 'contract_violation', 0.9, /You have changed the (?:public )?API signature for this project/),
  rule('api-extractor-done', 'contract_violation', 0.4, /^API Extractor completed with (?:warnings|errors)$/m),
  rule('openapi-diff', 'contract_violation', 0.95, /Breaking changes found between the two specifications|"breakingDifferencesFound":[ \t]*true/),
  rule('breaking-changes', 'contract_violation', 0.8, /breaking changes?\b/i, { lineTest: /\b[1-9]\d* breaking changes?(?::| found| detected)|\bdetected [1-9]\d* breaking changes?/i }),
  rule('semver-checks', 'contract_violation', 0.9, /semver requires new major version|^--- failure [a-z_]+: /m),
  rule('forbidden-pattern', 'contract_violation', 0.85, /forbidden[_ -]pattern/i, { lineTest: /\bforbidden[_ -]patterns?\b[^\n]{0,400}\b(?:matched|found|violat)|\bmatched (?:a |the )?forbidden[_ -]pattern/i }),
  rule('allowed-paths', 'contract_violation', 0.85, /allowed[_ -]paths/i, { lineTest: /\boutside (?:of )?(?:the )?(?:spec'?s? )?allowed[_ -]paths\b|\bnot (?:in|within|covered by) (?:the )?allowed[_ -]paths\b/i }),

  // ── orchestration_error ────────────────────────────────────────────────────────────────────────
  rule('git-conflict', 'orchestration_error', 0.95, /^CONFLICT \([\w/ -]+\): |^Automatic merge failed; fix conflicts|is not possible because you have unmerged files|^You have unmerged paths\./m),
  rule('git-push-rejected', 'orchestration_error', 0.95, / ! \[(?:rejected|remote rejected)\] |error: failed to push some refs to |Updates were rejected because/),
  rule('git-repo', 'orchestration_error', 0.95, /^fatal: (?:not a git repository|'[^'\n]+' (?:already exists|is already (?:checked out|used by worktree) at|is not a working tree))|is already checked out at '/m),
  rule('git-ref', 'orchestration_error', 0.9, /did not match any file\(s\) known to git|^fatal: (?:invalid reference|couldn't find remote ref|Remote branch [^\n]{1,400} not found|ambiguous argument '[^'\n]+': unknown revision|A branch named '[^'\n]+' already exists|refusing to merge unrelated histories|Need to specify how to reconcile divergent branches|Not possible to fast-forward)|^error: src refspec [^\n]{1,400} does not match any/m),
  rule('git-remote', 'orchestration_error', 0.9, /^fatal: (?:unable to access '|Authentication failed for|could not read (?:Username|Password|from remote repository)|repository '[^'\n]+' not found|the remote end hung up)|^remote: Repository not found|Permission denied \(publickey|Host key verification failed/m),
  rule('git-local-state', 'orchestration_error', 0.9, /Your local changes to the following files would be overwritten|index\.lock': File exists|Another git process seems to be running|untracked working tree files would be overwritten/),
  rule('git-fatal', 'orchestration_error', 0.8, /^fatal: |^error: /m, { whenKinds: ['git'] }),
  rule('connection-refused', 'orchestration_error', 0.85, /ECONNREFUSED|Connection refused|Couldn't connect to server|Failed to connect to \S+ port \d+/),
  rule('dns-failure', 'orchestration_error', 0.85, /ENOTFOUND|EAI_AGAIN|getaddrinfo|Could not resolve host|Couldn't resolve host|Temporary failure in name resolution|Name or service not known|nodename nor servname provided|: no such host/),
  rule('connection-reset', 'orchestration_error', 0.75, /ECONNRESET|socket hang up|Connection reset by peer|EPIPE\b/),
  // A network operation timing out is infrastructure, not the step running too long.
  rule('network-timeout', 'orchestration_error', 0.75, /ETIMEDOUT|timed out|i\/o timeout|TLS handshake timeout|ConnectTimeoutError/,
    { lineTest: /ETIMEDOUT|Connection timed out|Operation timed out after|Resolving timed out|\bi\/o timeout\b|TLS handshake timeout|ConnectTimeoutError/ }),
  rule('tls-failure', 'orchestration_error', 0.75, /SSL certificate problem|SSL connect error|certificate verify failed|Empty reply from server|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_HAS_EXPIRED|SELF_SIGNED_CERT_IN_CHAIN/),
  rule('fetch-failed', 'orchestration_error', 0.45, /TypeError: fetch failed|FetchError: request to /),
  rule('http-error', 'orchestration_error', 0.5, /returned error: \d{3}|HTTP\/[\d.]+ (?:5\d\d|40[34])\b|502 Bad Gateway|503 Service Unavailable|504 Gateway Time/),
  // Registry authentication is infrastructure (a token or network policy), not a missing package.
  rule('registry-auth', 'orchestration_error', 0.8, /npm error code E401|npm ERR! code E401|npm error code E403|npm ERR! code E403|Unable to authenticate, need: /),
  rule('hosting-api', 'orchestration_error', 0.8, /API rate limit exceeded for |\(HTTP [45]\d\d\)$|api\.github\.com[^\n]{0,400}\b[45]\d\d\b/m),
  rule('docker-daemon', 'orchestration_error', 0.85, /Cannot connect to the Docker daemon|Error response from daemon: /),
  rule('lease-lost', 'orchestration_error', 0.9, /lease/i, { lineTest: /\blease (?:lost|expired|was lost)\b|\blost (?:the |its )?lease\b/i }),

  // ── budget_exceeded ────────────────────────────────────────────────────────────────────────────
  // Providers report an exhausted quota as a 429, so this reading overrides the rate-limit one.
  rule('provider-quota', 'budget_exceeded', 0.9, /insufficient_quota|exceeded your current quota|credit balance is too low|billing_hard_limit_reached|billing_not_active/, { overrides: ['provider_error'] }),
  rule('gaffer-budget', 'budget_exceeded', 0.85, /budget|token limit|cost limit|turn limit|spend limit/i,
    { lineTest: /\b(?:token|cost|turn|spend|usage|time) (?:budget|limit) (?:exceeded|exhausted|reached|hit)\b|\bbudget (?:exceeded|exhausted)\b|\bexceeded (?:the |its )?(?:token|cost|turn|spend) (?:budget|limit)\b/i }),
  rule('max-turns', 'budget_exceeded', 0.85, /max(?:imum)?[ _-]?turns/i, { lineTest: /\berror_max_turns\b|\b(?:reached|exceeded) (?:the )?max(?:imum)?[ _-]?turns\b|\bmax(?:imum)?[ _-]?turns (?:limit )?(?:reached|exceeded)\b/i }),
  rule('usage-limit', 'budget_exceeded', 0.7, /usage limit reached|hit your usage limit|monthly (?:spend|usage) limit/i),

  // ── provider_error ─────────────────────────────────────────────────────────────────────────────
  rule('provider-rate-limit', 'provider_error', 0.9, /rate_limit_(?:exceeded|error)|Rate limit reached for|RateLimitError:/),
  rule('provider-overloaded', 'provider_error', 0.85, /overloaded/i, { lineTest: /\boverloaded_error\b|\b(?:is|are) (?:currently )?overloaded\b|"message":[ \t]*"Overloaded"|\b529 Overloaded\b/i }),
  rule('provider-context', 'provider_error', 0.9, /context_length_exceeded|maximum context length is \d+|prompt is too long: \d+ tokens|context (?:window|length)/,
    { lineTest: /context_length_exceeded|maximum context length is|prompt is too long|exceeds? (?:the )?(?:model'?s? )?context (?:window|length)/i }),
  rule('provider-auth', 'provider_error', 0.9, /invalid_api_key|Incorrect API key provided|invalid x-api-key|authentication_error|API key not valid|nvalid (?:OpenAI|Anthropic) API key/),
  rule('provider-model', 'provider_error', 0.85, /model_not_found|does not exist or you do not have access to it|'message': 'model: |"message":"model: /),
  rule('provider-server', 'provider_error', 0.8, /The server had an error while processing your request|the model is (?:currently )?unavailable|"type":[ \t]*"(?:api_error|server_error)"|type: '(?:api_error|server_error)'/),
  rule('provider-sdk-error', 'provider_error', 0.6, /APIError|APIStatusError|APIConnectionError|APIConnectionTimeoutError|AuthenticationError|BadRequestError|PermissionDeniedError|InternalServerError|ServiceUnavailableError|UnprocessableEntityError/,
    { lineTest: /\b(?:API|APIStatus|APIConnection|APIConnectionTimeout|Authentication|BadRequest|PermissionDenied|InternalServer|ServiceUnavailable|UnprocessableEntity)Error(?::| \[)/ }),
  rule('provider-sdk-marker', 'provider_error', 0.5, /node_modules\/(?:openai|@anthropic-ai\/sdk|@google\/genai|@google\/generative-ai|groq-sdk|@mistralai\/[\w-]+)\/|openai\.[A-Z]\w*Error\b|anthropic\.[A-Z]\w*Error\b|api\.openai\.com|api\.anthropic\.com|generativelanguage\.googleapis\.com/),
  rule('provider-headers', 'provider_error', 0.4, /'openai-processing-ms'|'x-ratelimit-(?:limit|remaining)-(?:tokens|requests)'|'anthropic-ratelimit-|request_id: 'req_/),
  rule('provider-status', 'provider_error', 0.55, /Error(?: code)?: (?:429|50[0234]|529)\b/),

  // ── timeout ────────────────────────────────────────────────────────────────────────────────────
  // Only phrases that say the step itself was stopped for time; exit 124 and signals are in signals.ts.
  rule('step-timeout', 'timeout', 0.8, /wall-clock limit|wall clock limit|wallclock limit|time limit|killed by timeout|killed after |maximum execution time of|has timed out\./i,
    { lineTest: /\b(?:wall[- ]?clock|time) limit (?:of [^\n]{1,40} )?(?:exceeded|reached)\b|\bexceeded (?:the |its )?(?:wall[- ]?clock|time) limit\b|\bkilled (?:by timeout|after \d+(?:\.\d+)? ?(?:ms|s|seconds|minutes)\b)|has exceeded the maximum execution time of|The (?:action|job|operation) has timed out\./i }),
  rule('gaffer-step-timeout', 'timeout', 0.7, /timed out|exceeded its (?:time|deadline)/i, { lineTest: /\b(?:step|task|run|job) (?:timed out|exceeded its (?:time|deadline))\b/i }),
  rule('terminated', 'timeout', 0.4, /^Terminated$| Terminated /m, { lineTest: /^Terminated$|: line \d+: +\d+ Terminated / }),

  // ── resource_exhausted ─────────────────────────────────────────────────────────────────────────
  rule('js-heap-oom', 'resource_exhausted', 0.95, /JavaScript heap out of memory|Reached heap limit|Allocation failed - /),
  rule('memory-error', 'resource_exhausted', 0.9, /MemoryError\b/, { lineTest: /^(?:E[ \t]+)?(?:[\w.]+\.)?MemoryError\b|OutOfMemoryError\b/ }),
  rule('out-of-memory', 'resource_exhausted', 0.85, /out of memory|Out of memory|OUT OF MEMORY|memory allocation of \d+ bytes failed|Cannot allocate memory|ENOMEM|std::bad_alloc|OOMKilled|oom-kill|Killed signal terminated program/),
  rule('disk-full', 'resource_exhausted', 0.95, /No space left on device|ENOSPC|Disk quota exceeded|EDQUOT/),
  rule('open-files', 'resource_exhausted', 0.95, /EMFILE|ENFILE|Too many open files|too many open files|System limit for number of file watchers reached/),
  rule('process-limit', 'resource_exhausted', 0.85, /Resource temporarily unavailable|cannot fork/, { lineTest: /fork: (?:retry: )?Resource temporarily unavailable|\bcannot fork\b|pthread_create failed: Resource temporarily unavailable/ }),
  rule('killed', 'resource_exhausted', 0.5, /^Killed$| Killed |^signal: killed$/m, { lineTest: /^Killed$|: line \d+: +\d+ Killed |^signal: killed$/ }),
];

/**
 * Runs the rules over the analysed text; one Evidence per matching rule. With a gate result, rules
 * whose needles are absent are skipped, and rules whose needle positions are known are tried only
 * there (a sticky match at each position) instead of scanning the text.
 */
export function runTextRules(text: string, rules: readonly TextRule[], command: CommandFacts, gate?: GateResult<RegExp>): Evidence[] {
  const out: Evidence[] = [];
  const size = Math.max(1, text.length);
  for (const r of rules) {
    if (r.whenKinds !== undefined && !r.whenKinds.some((k) => command.kinds.has(k))) continue;
    const found = firstAndLastGated(r.re, text, gate, r.lineTest);
    if (found === undefined) continue;
    if (r.unless !== undefined) {
      r.unless.lastIndex = 0;
      if (r.unless.test(text)) continue;
    }
    if (r.requires !== undefined) {
      r.requires.lastIndex = 0;
      if (!r.requires.test(text)) continue;
    }
    const e: Evidence = { cls: r.cls, weight: r.weight, source: 'text', rule: r.id, line: lineAt(text, found.first), pos: found.last / size };
    if (r.overrides !== undefined) e.overrides = r.overrides;
    out.push(e);
  }
  return out;
}

/** First and last match, using the gate's needle positions when it has them. */
export function firstAndLastGated(re: RegExp, text: string, gate: RegexGate, lineTest?: RegExp): { first: number; last: number } | undefined {
  if (gate !== undefined && !gate.has(re)) return undefined;
  const positions = gate?.positions(re);
  return positions === undefined ? firstAndLast(re, text, lineTest) : firstAndLastAt(re, text, positions, lineTest);
}

/**
 * Index of the first and the last match of a global regex (each accepted by `lineTest`, when given).
 * After MAX_MATCHES_PER_RULE matches the search jumps to the last LAST_MATCH_SEARCH_CHARS, so a
 * pattern that matches on every line still costs a bounded number of exec calls.
 */
export function firstAndLast(re: RegExp, text: string, lineTest?: RegExp): { first: number; last: number } | undefined {
  let first = -1;
  let last = -1;
  let jumped = false;
  re.lastIndex = 0;
  for (let n = 0; ; n++) {
    if (n === MAX_MATCHES_PER_RULE) {
      if (jumped || first === -1) break;
      jumped = true;
      re.lastIndex = Math.max(re.lastIndex, text.length - LAST_MATCH_SEARCH_CHARS);
    }
    if (n >= 2 * MAX_MATCHES_PER_RULE) break;
    const m = re.exec(text);
    if (m === null) break;
    if (m[0] === '') re.lastIndex++;
    if (lineTest !== undefined && !lineTest.test(lineText(text, m.index))) continue;
    if (first === -1) first = m.index;
    last = m.index;
  }
  re.lastIndex = 0;
  return first === -1 ? undefined : { first, last };
}

/** Like firstAndLast, but only tries the given ascending start positions. */
export function firstAndLastAt(re: RegExp, text: string, positions: readonly number[], lineTest?: RegExp): { first: number; last: number } | undefined {
  const sticky = stickyOf(re);
  const at = (p: number): boolean => {
    sticky.lastIndex = p;
    return sticky.test(text) && (lineTest === undefined || lineTest.test(lineText(text, p)));
  };
  let first = -1;
  let i = 0;
  for (; i < positions.length; i++) {
    if (at(positions[i] as number)) {
      first = positions[i] as number;
      break;
    }
  }
  if (first === -1) return undefined;
  for (let j = positions.length - 1; j > i; j--) if (at(positions[j] as number)) return { first, last: positions[j] as number };
  return { first, last: first };
}

function lineText(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index - 1) + 1;
  const end = text.indexOf('\n', index);
  return text.slice(start, end === -1 ? text.length : end);
}
