/**
 * What the command line says about the step: which tools ran (tsc, vitest, cargo clippy, git...),
 * whether it was wrapped in coreutils `timeout`, and whether it talked to a model provider. This is
 * prior evidence only: a linter that exits 1 probably found violations, but the text decides.
 */

/** The kind of work a tool does, which is the class its failures usually fall into. */
export type ToolKind = 'compiler' | 'test' | 'lint' | 'install' | 'git' | 'hosting' | 'network' | 'contract';

export interface CommandFacts {
  /** The command as one display string. */
  display?: string;
  /** Canonical tool names found in the command, e.g. 'tsc', 'cargo-clippy', 'go-vet', 'npm-install'. */
  tools: string[];
  kinds: Set<ToolKind>;
  /** The command ran under coreutils `timeout` (or gtimeout). */
  timeoutWrapper: boolean;
  /** Provider credentials or endpoints were set in the environment of the command (OPENAI_API_KEY=...). */
  providerEnv: boolean;
}

const PROVIDER_ENV_RE = /^(?:OPENAI|ANTHROPIC|AZURE_OPENAI|GEMINI|GOOGLE_GENERATIVE_AI|MISTRAL|GROQ|COHERE|OPENROUTER|TOGETHER|DEEPSEEK|XAI)_[A-Z_]*=/;
const ENV_ASSIGNMENT_RE = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** Tools recognised by executable basename alone. */
const TOOL_KINDS: Record<string, ToolKind> = {
  tsc: 'compiler', 'vue-tsc': 'compiler', gcc: 'compiler', 'g++': 'compiler', cc: 'compiler', 'c++': 'compiler',
  clang: 'compiler', 'clang++': 'compiler', make: 'compiler', cmake: 'compiler', ninja: 'compiler', javac: 'compiler',
  kotlinc: 'compiler', swiftc: 'compiler', rustc: 'compiler', mypy: 'compiler', pyright: 'compiler', esbuild: 'compiler',
  webpack: 'compiler', rollup: 'compiler', vite: 'compiler', tsup: 'compiler', babel: 'compiler',
  vitest: 'test', jest: 'test', mocha: 'test', ava: 'test', tap: 'test', playwright: 'test', cypress: 'test',
  pytest: 'test', 'py.test': 'test', unittest: 'test', nose2: 'test', rspec: 'test', phpunit: 'test', ctest: 'test',
  eslint: 'lint', prettier: 'lint', stylelint: 'lint', biome: 'lint', oxlint: 'lint', flake8: 'lint', pyflakes: 'lint',
  pyflakes3: 'lint', ruff: 'lint', pylint: 'lint', black: 'lint', isort: 'lint', shellcheck: 'lint', hadolint: 'lint',
  markdownlint: 'lint', 'markdownlint-cli2': 'lint', yamllint: 'lint', 'golangci-lint': 'lint', staticcheck: 'lint',
  rubocop: 'lint', ktlint: 'lint', gofmt: 'lint', rustfmt: 'lint', 'clippy-driver': 'lint', 'cargo-clippy': 'lint',
  pip: 'install', pip3: 'install', 'apt-get': 'install', apt: 'install', brew: 'install', gem: 'install',
  git: 'git', gh: 'hosting', glab: 'hosting',
  curl: 'network', wget: 'network', ssh: 'network', scp: 'network', rsync: 'network', nc: 'network',
  'api-extractor': 'contract', 'openapi-diff': 'contract', oasdiff: 'contract', 'graphql-inspector': 'contract',
  japicmp: 'contract', 'cargo-semver-checks': 'contract',
};

/** Wrappers whose next word is the real command. */
const PASS_THROUGH = new Set(['sudo', 'nice', 'nohup', 'time', 'command', 'exec', 'xvfb-run', 'stdbuf', 'ionice']);

/** `cargo X` / `go X` subcommands. */
const CARGO_SUB: Record<string, [string, ToolKind]> = {
  build: ['cargo-build', 'compiler'], b: ['cargo-build', 'compiler'], check: ['cargo-build', 'compiler'],
  c: ['cargo-build', 'compiler'], rustc: ['cargo-build', 'compiler'], run: ['cargo-run', 'compiler'],
  test: ['cargo-test', 'test'], t: ['cargo-test', 'test'], nextest: ['cargo-test', 'test'],
  clippy: ['cargo-clippy', 'lint'], fmt: ['cargo-fmt', 'lint'], add: ['cargo-add', 'install'],
  fetch: ['cargo-fetch', 'install'], update: ['cargo-update', 'install'], install: ['cargo-install', 'install'],
  'semver-checks': ['cargo-semver-checks', 'contract'],
};
const GO_SUB: Record<string, [string, ToolKind]> = {
  build: ['go-build', 'compiler'], install: ['go-build', 'compiler'], run: ['go-run', 'compiler'],
  test: ['go-test', 'test'], vet: ['go-vet', 'lint'], get: ['go-get', 'install'], mod: ['go-mod', 'install'],
};

/** Kind of an npm script from its name: `test:unit` → test, `lint:fix` → lint, `check:api` → contract. */
export function scriptKind(name: string): ToolKind | undefined {
  const n = name.toLowerCase();
  if (/(?:^|[:_-])api(?:$|[:_-])|api-?(?:check|report|compat)/.test(n)) return 'contract';
  if (/^(?:test|tests|spec|e2e)(?:$|[:_-])|[:_-]test$/.test(n)) return 'test';
  if (/^(?:lint|format|fmt|prettier|eslint|style)(?:$|[:_-])|[:_-]lint$/.test(n)) return 'lint';
  if (/^(?:build|compile|typecheck|type-check|tsc|types)(?:$|[:_-])|[:_-](?:types|typecheck)$/.test(n)) return 'compiler';
  if (/^(?:install|setup|bootstrap|deps)(?:$|[:_-])/.test(n)) return 'install';
  return undefined;
}

export function analyseCommand(command: string | readonly string[] | undefined): CommandFacts {
  const facts: CommandFacts = { tools: [], kinds: new Set(), timeoutWrapper: false, providerEnv: false };
  if (command === undefined) return facts;
  if (typeof command === 'string') {
    facts.display = command.trim();
    for (const segment of splitSegments(command)) readSegment(tokenise(segment), facts, 0);
  } else {
    facts.display = command.map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a)).join(' ');
    readSegment([...command], facts, 0);
  }
  return facts;
}

/** Adds the tools of a script body printed by npm (`> jest`) with the same reading rules. */
export function addScriptBody(facts: CommandFacts, body: string): void {
  for (const segment of splitSegments(body)) readSegment(tokenise(segment), facts, 0);
}

function addTool(facts: CommandFacts, tool: string, kind: ToolKind | undefined): void {
  if (!facts.tools.includes(tool)) facts.tools.push(tool);
  if (kind !== undefined) facts.kinds.add(kind);
}

/** Splits on ; && || | and newlines outside quotes. Quadratic-free: one pass over the string. */
function splitSegments(command: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  for (let i = 0; i < command.length; i++) {
    const ch = command[i] as string;
    if (quote !== '') {
      if (ch === quote) quote = '';
      cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      cur += ch;
    } else if (ch === ';' || ch === '\n' || ch === '|' || (ch === '&' && command[i + 1] === '&')) {
      if (ch === '&' || (ch === '|' && command[i + 1] === '|')) i++;
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

function tokenise(segment: string): string[] {
  const tokens: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(segment); m !== null; m = re.exec(segment)) tokens.push(m[1] ?? m[2] ?? m[3] ?? '');
  return tokens;
}

function basename(word: string): string {
  const slash = Math.max(word.lastIndexOf('/'), word.lastIndexOf('\\'));
  return (slash === -1 ? word : word.slice(slash + 1)).replace(/\.(?:exe|cmd|js|cjs|mjs)$/, '');
}

function readSegment(argv: string[], facts: CommandFacts, depth: number): void {
  let i = 0;
  const next = (): string | undefined => argv[i];
  // Environment assignments and pass-through wrappers in front of the real command.
  for (;;) {
    const word = next();
    if (word === undefined || depth > 4) return;
    if (ENV_ASSIGNMENT_RE.test(word)) {
      if (PROVIDER_ENV_RE.test(word)) facts.providerEnv = true;
      i++;
    } else if (word === 'env') {
      i++;
      while ((next() ?? '').startsWith('-')) i++;
    } else if (PASS_THROUGH.has(basename(word))) {
      i++;
      while ((next() ?? '').startsWith('-')) i++;
    } else if (basename(word) === 'timeout' || basename(word) === 'gtimeout') {
      facts.timeoutWrapper = true;
      i++;
      // Options (-s SIG, -k DUR, --preserve-status, --signal=X), then the duration.
      while ((next() ?? '').startsWith('-')) {
        const opt = next() as string;
        i += opt === '-s' || opt === '-k' || opt === '--signal' || opt === '--kill-after' ? 2 : 1;
      }
      i++;
    } else break;
  }
  const tool = basename(argv[i] as string);
  const rest = argv.slice(i + 1);
  const firstArg = rest.find((a) => !a.startsWith('-'));
  switch (tool) {
    case 'sh':
    case 'bash':
    case 'zsh':
    case 'dash': {
      const c = rest.indexOf('-c');
      const body = c === -1 ? undefined : rest[c + 1];
      if (body !== undefined) for (const s of splitSegments(body)) readSegment(tokenise(s), facts, depth + 1);
      return;
    }
    case 'npx':
    case 'bunx':
    case 'pnpx': {
      const j = rest.findIndex((a) => !a.startsWith('-'));
      if (j !== -1) readSegment(rest.slice(j), facts, depth + 1);
      return;
    }
    case 'python':
    case 'python3':
    case 'py': {
      const m = rest.indexOf('-m');
      const mod = m === -1 ? undefined : rest[m + 1];
      if (mod !== undefined) readSegment([mod, ...rest.slice(m + 2)], facts, depth + 1);
      return;
    }
    case 'poetry':
    case 'uv':
    case 'pipenv':
    case 'bundle':
    case 'pdm':
    case 'hatch': {
      if (firstArg === 'run' || firstArg === 'exec') readSegment(rest.slice(rest.indexOf(firstArg) + 1), facts, depth + 1);
      else if (firstArg === 'add' || firstArg === 'install' || firstArg === 'sync' || firstArg === 'pip' || firstArg === 'lock') addTool(facts, `${tool}-install`, 'install');
      return;
    }
    case 'node':
      if (rest.includes('--test')) addTool(facts, 'node-test', 'test');
      return;
    case 'deno':
    case 'bun':
      if (firstArg === 'test') addTool(facts, `${tool}-test`, 'test');
      else if (firstArg === 'install' || firstArg === 'add') addTool(facts, `${tool}-install`, 'install');
      else if (tool === 'bun' && (firstArg === 'run' || firstArg === 'x')) readPackageManagerRun(rest, firstArg, facts, depth);
      return;
    case 'npm':
    case 'pnpm':
    case 'yarn':
      readPackageManager(tool, rest, firstArg, facts, depth);
      return;
    case 'cargo': {
      const sub = firstArg === undefined ? undefined : CARGO_SUB[firstArg];
      if (sub !== undefined) addTool(facts, sub[0], sub[1]);
      else addTool(facts, 'cargo', undefined);
      return;
    }
    case 'go': {
      const sub = firstArg === undefined ? undefined : GO_SUB[firstArg];
      if (sub !== undefined) addTool(facts, sub[0], sub[1]);
      else addTool(facts, 'go', undefined);
      return;
    }
    case 'dotnet':
      if (firstArg === 'build') addTool(facts, 'dotnet-build', 'compiler');
      else if (firstArg === 'test') addTool(facts, 'dotnet-test', 'test');
      return;
    case 'buf':
      if (firstArg === 'breaking') addTool(facts, 'buf-breaking', 'contract');
      else if (firstArg === 'lint') addTool(facts, 'buf-lint', 'lint');
      return;
    default: {
      const kind = TOOL_KINDS[tool];
      if (kind !== undefined || tool !== '') addTool(facts, tool, kind);
    }
  }
}

function readPackageManager(tool: string, rest: string[], firstArg: string | undefined, facts: CommandFacts, depth: number): void {
  if (firstArg === undefined) {
    // Bare `yarn` / `pnpm` installs.
    if (tool !== 'npm') addTool(facts, `${tool}-install`, 'install');
    return;
  }
  if (['install', 'i', 'ci', 'add', 'update', 'upgrade'].includes(firstArg)) addTool(facts, `${tool}-install`, 'install');
  else if (firstArg === 'test' || firstArg === 't' || firstArg === 'tst') addTool(facts, `${tool}-test`, 'test');
  else if (firstArg === 'run' || firstArg === 'run-script' || firstArg === 'exec' || firstArg === 'x' || firstArg === 'dlx') {
    readPackageManagerRun(rest, firstArg, facts, depth);
  } else if (tool !== 'npm') {
    // `pnpm lint`, `yarn build`: a script name or a binary.
    readPackageManagerRun(['run', ...rest], 'run', facts, depth);
  }
}

function readPackageManagerRun(rest: string[], verb: string, facts: CommandFacts, depth: number): void {
  const args = rest.slice(rest.indexOf(verb) + 1).filter((a) => a !== '--');
  const j = args.findIndex((a) => !a.startsWith('-'));
  if (j === -1) return;
  const name = args[j] as string;
  if (verb === 'run' || verb === 'run-script') {
    const kind = scriptKind(name);
    if (kind !== undefined) {
      addTool(facts, `script:${name}`, kind);
      return;
    }
  }
  readSegment(args.slice(j), facts, depth + 1);
}
