/**
 * gaffer spec apply FILE|DIR... | list | show NAME [--rev N] | versions NAME
 * gaffer profile list | show NAME [--rev N] | versions NAME
 *
 * (`--rev`, not `--version`: gaffer's own --version is recognised anywhere on the line.)
 *
 * `apply` reads YAML (several documents per file allowed) or JSON (an object or an array of
 * them); a directory means every *.yaml, *.yml and *.json in it. The whole set goes as one batch:
 * profiles first, then specs, so a spec may name a profile (or a fallback spec) defined in the
 * same files. Errors name the file, the document, the field and, for YAML, the line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import YAML, { LineCounter, type Document } from 'yaml';
import { applyDocuments, planApply, type AppliedDocument, type DocumentIssue } from '../../api/routes/specs.js';
import { toProfileView, toSpecView, type ProfileView, type SpecView } from '../../api/taskViews.js';
import { GafferError, isGafferError } from '../../errors.js';
import { connect, type CliApi, type GlobalOptions } from '../context.js';
import { table } from '../format.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../io.js';

const DEFINITION_FILE = /\.(ya?ml|json)$/i;

/** Who a command that opens the database itself acts as (there is no token to name someone). */
export function localPrincipal(): string {
  let user = process.env.USER ?? process.env.USERNAME;
  try {
    user = os.userInfo().username;
  } catch {
    // No passwd entry (some containers): fall back to the environment.
  }
  return `cli:${user ?? 'unknown'}`;
}

/** One document read from a file, with what is needed to point back at it. */
export interface SourceDocument {
  file: string;
  /** 1-based position in its file. */
  position: number;
  /** Documents in the same file (a lone document is named by its file alone). */
  ofFile: number;
  doc: unknown;
  yaml?: { document: Document.Parsed; lines: LineCounter };
}

export function describeSource(s: SourceDocument, field?: string): string {
  const line = field && s.yaml ? lineOf(s.yaml.document, s.yaml.lines, field) : undefined;
  return `${s.file}${line ? `:${line}` : ''}${s.ofFile > 1 ? ` (document ${s.position})` : ''}`;
}

/** The line of a field (`acceptance.fallbackSpec`, `profiles[0]`), or of its nearest parent present. */
function lineOf(document: Document.Parsed, lines: LineCounter, field: string): number | undefined {
  if (field === '(root)') return undefined;
  const keys: (string | number)[] = [];
  for (const part of field.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    if (m[1]) keys.push(m[1]);
    for (const index of m[2]!.matchAll(/\[(\d+)\]/g)) keys.push(Number(index[1]));
  }
  for (let n = keys.length; n > 0; n--) {
    const node = document.getIn(keys.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

function listFiles(target: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    throw new UsageError(`${target}: no such file or directory`);
  }
  if (!stat.isDirectory()) return [target];
  const files = fs
    .readdirSync(target, { withFileTypes: true })
    .filter((e) => e.isFile() && DEFINITION_FILE.test(e.name))
    .map((e) => path.join(target, e.name))
    .sort();
  if (files.length === 0) throw new UsageError(`${target}: no .yaml, .yml or .json files in this directory`);
  return files;
}

function readFile(file: string): SourceDocument[] {
  const text = fs.readFileSync(file, 'utf8');
  const docs: Omit<SourceDocument, 'position' | 'ofFile'>[] = [];
  if (/\.json$/i.test(file)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new GafferError('VALIDATION_FAILED', `${file}: not valid JSON: ${(err as Error).message}`);
    }
    for (const doc of Array.isArray(value) ? value : [value]) docs.push({ file, doc });
  } else {
    const lines = new LineCounter();
    for (const document of YAML.parseAllDocuments(text, { lineCounter: lines })) {
      const problem = document.errors[0];
      if (problem) {
        const line = problem.linePos?.[0].line;
        throw new GafferError('VALIDATION_FAILED', `${file}${line ? `:${line}` : ''}: not valid YAML: ${problem.message.split('\n')[0]}`);
      }
      if (document.contents === null) continue; // an empty document (a trailing `---`)
      docs.push({ file, doc: document.toJS(), yaml: { document, lines } });
    }
  }
  return docs.map((d, i) => ({ ...d, position: i + 1, ofFile: docs.length }));
}

/** Every definition document in these files and directories, in order. */
export function loadDocuments(targets: readonly string[]): SourceDocument[] {
  const sources = targets.flatMap(listFiles).flatMap(readFile);
  if (sources.length === 0) throw new UsageError(`no documents in ${targets.join(', ')}`);
  return sources;
}

/** Re-addresses a batch error (`documents[3]...`) to the file and document it came from. */
function inSources(err: GafferError, sources: readonly SourceDocument[]): GafferError {
  const details = err.details as { document?: unknown; error?: unknown; issues?: Partial<DocumentIssue>[] } | undefined;
  if (typeof details?.document !== 'number' || !sources[details.document]) return err;
  const lines: string[] = [];
  if (typeof details.error === 'string') {
    const field = details.issues?.[0]?.field;
    lines.push(`${describeSource(sources[details.document]!, field)}: ${details.error}`);
  } else {
    for (const issue of details.issues ?? []) {
      const source = typeof issue.document === 'number' ? sources[issue.document] : undefined;
      if (source) lines.push(`${describeSource(source, issue.field)}: ${issue.field}: ${issue.message}`);
    }
  }
  return lines.length ? new GafferError(err.code, lines.join('\n'), { details: err.details, cause: err }) : err;
}

async function withApi<T>(program: Command, use: (api: CliApi) => Promise<T>): Promise<T> {
  const api = await connect(program.opts<GlobalOptions>());
  try {
    return await use(api);
  } finally {
    await api.close();
  }
}

function parseVersion(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--rev must be a positive integer, not '${value}'`);
  return n;
}

const day = (iso: string): string => iso.replace('T', ' ').slice(0, 19);

function definitionText(kind: 'spec' | 'profile', v: SpecView | ProfileView, extra: [string, string][]): string {
  const head: [string, string][] = [
    [kind, v.name],
    ['version', String(v.version)],
    ...extra,
    ['created', `${day(v.createdAt)}${v.createdBy ? ` by ${v.createdBy}` : ''}`],
  ];
  if (v.description) head.push(['about', v.description]);
  return `${head.map(([k, val]) => `${k.padEnd(9)} ${val}`).join('\n')}\n---\n${YAML.stringify(v.definition).trimEnd()}`;
}

export function registerSpecCommands(program: Command, io: CliIo): void {
  const spec = program.command('spec').description('apply and read versioned specs (and profiles)');
  const profile = program.command('profile').description('read versioned profiles (apply them with `gaffer spec apply`)');

  spec
    .command('apply <paths...>')
    .description('apply Spec and Profile definitions from YAML or JSON files or directories')
    .option('--json', 'print JSON')
    .action(async (paths: string[], opts: { json?: boolean }) => {
      const sources = loadDocuments(paths);
      const documents = sources.map((s) => s.doc);
      let results: AppliedDocument[];
      try {
        planApply(documents); // shape errors name the file before anything is sent
        results = await withApi(program, (api) =>
          api.call({
            local: (gaffer) => applyDocuments(gaffer, documents, localPrincipal()),
            remote: async (http) => ((await http.request('POST', '/apply', { documents })) as { results: AppliedDocument[] }).results,
          }),
        );
      } catch (err) {
        throw isGafferError(err) ? inSources(err, sources) : err;
      }
      if (opts.json) {
        io.stdout(JSON.stringify({ results: results.map((r) => ({ ...r, source: describeSource(sources[r.document]!) })) }, null, 2));
        return;
      }
      for (const r of results) io.stdout(`${r.kind.toLowerCase()} ${r.name}: v${r.version} (${r.changed ? 'created' : 'unchanged'})`);
    });

  spec
    .command('list')
    .description('list specs (latest versions)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const specs = await withApi(program, (api) =>
        api.call({
          local: async (gaffer) => (await gaffer.specs.list()).map(toSpecView),
          remote: async (http) => ((await http.request('GET', '/specs')) as { specs: SpecView[] }).specs,
        }),
      );
      if (opts.json) io.stdout(JSON.stringify({ specs }, null, 2));
      else if (specs.length === 0) io.stdout('no specs; apply one with `gaffer spec apply FILE`');
      else io.stdout(table(specs.map((s) => [s.name, `v${s.version}`, s.executor, day(s.createdAt), s.description ?? '']), ['NAME', 'VERSION', 'EXECUTOR', 'UPDATED', 'DESCRIPTION']));
    });

  spec
    .command('show <name>')
    .description('show a spec (the latest version, or --rev N)')
    .option('-r, --rev <n>', 'a specific version')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { rev?: string; json?: boolean }) => {
      const version = parseVersion(opts.rev);
      const s = await withApi(program, (api) =>
        api.call({
          local: async (gaffer) => toSpecView(await gaffer.specs.get(name, version)),
          remote: async (http) => (await http.request('GET', `/specs/${encodeURIComponent(name)}${version ? `?version=${version}` : ''}`)) as SpecView,
        }),
      );
      io.stdout(opts.json ? JSON.stringify(s, null, 2) : definitionText('spec', s, [['executor', s.executor]]));
    });

  spec
    .command('versions <name>')
    .description('list every version of a spec, newest first')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const versions = await withApi(program, (api) =>
        api.call({
          local: async (gaffer) => (await gaffer.specs.versions(name)).map(toSpecView),
          remote: async (http) => ((await http.request('GET', `/specs/${encodeURIComponent(name)}/versions`)) as { versions: SpecView[] }).versions,
        }),
      );
      if (opts.json) io.stdout(JSON.stringify({ versions }, null, 2));
      else io.stdout(table(versions.map((v) => [`v${v.version}`, day(v.createdAt), v.createdBy ?? '']), ['VERSION', 'CREATED', 'BY']));
    });

  profile
    .command('list')
    .description('list profiles (latest versions)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const profiles = await withApi(program, (api) =>
        api.call({
          local: async (gaffer) => (await gaffer.specs.listProfiles()).map(toProfileView),
          remote: async (http) => ((await http.request('GET', '/profiles')) as { profiles: ProfileView[] }).profiles,
        }),
      );
      if (opts.json) io.stdout(JSON.stringify({ profiles }, null, 2));
      else if (profiles.length === 0) io.stdout('no profiles; apply one with `gaffer spec apply FILE`');
      else io.stdout(table(profiles.map((p) => [p.name, `v${p.version}`, p.model, day(p.createdAt), p.description ?? '']), ['NAME', 'VERSION', 'MODEL', 'UPDATED', 'DESCRIPTION']));
    });

  profile
    .command('show <name>')
    .description('show a profile (the latest version, or --rev N)')
    .option('-r, --rev <n>', 'a specific version')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { rev?: string; json?: boolean }) => {
      const version = parseVersion(opts.rev);
      const p = await withApi(program, (api) =>
        api.call({
          local: async (gaffer) => toProfileView(await gaffer.specs.getProfile(name, version)),
          remote: async (http) => (await http.request('GET', `/profiles/${encodeURIComponent(name)}${version ? `?version=${version}` : ''}`)) as ProfileView,
        }),
      );
      io.stdout(opts.json ? JSON.stringify(p, null, 2) : definitionText('profile', p, [['model', p.model]]));
    });

  profile
    .command('versions <name>')
    .description('list every version of a profile, newest first')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const versions = await withApi(program, (api) =>
        api.call({
          local: async (gaffer) => (await gaffer.specs.profileVersions(name)).map(toProfileView),
          remote: async (http) => ((await http.request('GET', `/profiles/${encodeURIComponent(name)}/versions`)) as { versions: ProfileView[] }).versions,
        }),
      );
      if (opts.json) io.stdout(JSON.stringify({ versions }, null, 2));
      else io.stdout(table(versions.map((v) => [`v${v.version}`, day(v.createdAt), v.createdBy ?? '']), ['VERSION', 'CREATED', 'BY']));
    });
}
