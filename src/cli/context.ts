/**
 * How a CLI command reaches Gaffer. With --url (or GAFFER_URL), or when a `gaffer serve` owns the
 * embedded data dir, it talks HTTP to that server; otherwise it opens the database itself. Either
 * way the command sees one interface, so every command works in both situations.
 */
import { readAdminTokenFile } from '../auth/tokens.js';
import { configFromEnv, resolveConfig, type GafferConfig } from '../config/config.js';
import { GafferError } from '../errors.js';
import type { EventsPage, ReadEventsOptions } from '../events/readEvents.js';
import { createGaffer, type Gaffer } from '../gaffer.js';
import { silentLogger } from '../resources.js';
import type { ListRunsInput } from '../runs/runs.js';
import { loadRunView, toRunViews, type RunView } from '../api/views.js';
import { runningServer } from '../sdk/openGaffer.js';
import { HttpTransport } from '../sdk/transport.js';
import type { TokenScope } from '../db/vocabulary.js';

export interface GlobalOptions {
  url?: string;
  token?: string;
  dataDir?: string;
}

export interface TokenInfo {
  id: string;
  name: string;
  scope: TokenScope;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface CliApi {
  readonly via: string;
  listRuns(query: ListRunsInput): Promise<{ runs: RunView[]; next: string | null }>;
  getRun(id: string): Promise<RunView>;
  readEvents(id: string, options: ReadEventsOptions): Promise<EventsPage>;
  /** Resolves when there may be new events (local: on append; remote: after a short poll). */
  waitForEvents(id: string, after: number, timeoutMs: number): Promise<void>;
  createToken(input: { name: string; scope: TokenScope }): Promise<{ id: string; token: string; scope: TokenScope; name: string }>;
  listTokens(): Promise<TokenInfo[]>;
  revokeToken(id: string): Promise<void>;
  /**
   * Any other operation, given both ways: on a Gaffer opened in this process, or as an API call
   * (`http.request(method, path, body)`) to the running server.
   */
  call<T>(operation: { local: (gaffer: Gaffer) => Promise<T>; remote: (http: HttpTransport) => Promise<T> }): Promise<T>;
  close(): Promise<void>;
}

export function cliConfig(global: GlobalOptions): GafferConfig {
  return resolveConfig(configFromEnv(process.env), global.dataDir ? { dataDir: global.dataDir } : {});
}

export async function connect(global: GlobalOptions): Promise<CliApi> {
  const config = cliConfig(global);
  const url = global.url ?? process.env.GAFFER_URL ?? (config.databaseUrl ? undefined : runningServer(config.dataDir)?.url);
  if (url) {
    const token = global.token ?? config.adminToken ?? readAdminTokenFile(config.dataDir);
    if (!token) {
      throw new GafferError('UNAUTHENTICATED', `no token for ${url}: pass --token, set GAFFER_TOKEN, or run where ${config.dataDir}/admin-token is readable`);
    }
    return remoteApi(new HttpTransport({ url, token }), url);
  }
  const gaffer = await createGaffer({ env: process.env, config: { dataDir: config.dataDir }, logger: silentLogger() });
  return localApi(gaffer);
}

function localApi(gaffer: Gaffer): CliApi {
  return {
    via: gaffer.db.kind === 'pglite' ? `embedded database in ${gaffer.config.dataDir}` : 'server Postgres (DATABASE_URL)',
    listRuns: async (query) => {
      const page = await gaffer.runs.list(query);
      return { runs: await toRunViews(gaffer.resources, page.runs), next: page.next };
    },
    getRun: async (id) => loadRunView(gaffer.resources, await gaffer.runs.get(id)),
    readEvents: (id, options) => gaffer.events.read(id, options),
    waitForEvents: (id, after, timeoutMs) => gaffer.events.waitFor(id, after, timeoutMs),
    createToken: (input) => gaffer.tokens.create(input),
    listTokens: async () =>
      (await gaffer.tokens.list()).map((t) => ({
        id: t.id,
        name: t.name,
        scope: t.scope,
        prefix: t.prefix,
        createdAt: t.createdAt.toISOString(),
        revokedAt: t.revokedAt ? t.revokedAt.toISOString() : null,
      })),
    revokeToken: (id) => gaffer.tokens.revoke(id),
    call: (operation) => operation.local(gaffer),
    close: () => gaffer.close(),
  };
}

function remoteApi(http: HttpTransport, url: string): CliApi {
  return {
    via: `server at ${url}`,
    listRuns: async (query) => {
      const q = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) {
        if (value !== undefined) q.set(key, value instanceof Date ? value.toISOString() : String(value));
      }
      return (await http.request('GET', `/runs?${q}`)) as { runs: RunView[]; next: string | null };
    },
    getRun: (id) => http.getRun(id),
    readEvents: (id, options) => http.readEvents(id, options),
    waitForEvents: (_id, _after, timeoutMs) => new Promise((resolve) => setTimeout(resolve, Math.min(timeoutMs, 500))),
    createToken: async (input) =>
      (await http.request('POST', '/tokens', input)) as { id: string; token: string; scope: TokenScope; name: string },
    listTokens: async () => ((await http.request('GET', '/tokens')) as { tokens: TokenInfo[] }).tokens,
    revokeToken: async (id) => {
      await http.request('DELETE', `/tokens/${id}`);
    },
    call: (operation) => operation.remote(http),
    close: async () => {},
  };
}
