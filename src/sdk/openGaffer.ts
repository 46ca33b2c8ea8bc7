/**
 * The SDK's entry points.
 *
 *   const gaffer = await openGaffer();                 // embedded store in ./.gaffer, or the
 *                                                      // `gaffer serve` already running on it
 *   const gaffer = new GafferClient({ url, token });   // a Gaffer server over HTTP
 *   const run = gaffer.startRun({ name: 'fix-bug' });
 *   run.llmCall({...}); run.toolCall({...}); await run.finish();
 *   await gaffer.close();
 *
 * Both return the same buffered recorder; only the transport differs.
 */
import fs from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { readAdminTokenFile } from '../auth/tokens.js';
import { configFromEnv, resolveConfig, type ConfigInput, type GafferConfig } from '../config/config.js';
import { createGaffer, type Gaffer } from '../gaffer.js';
import { silentLogger } from '../resources.js';
import { BufferedRecorder } from './recorder.js';
import { HttpTransport, LocalTransport, type HttpTransportOptions } from './transport.js';
import type { RecorderOptions } from './types.js';

/** Written by `gaffer serve` into its data dir so other processes find it instead of the files. */
export const SERVER_FILE = 'server.json';

export interface ServerFile {
  url: string;
  pid: number;
}

export interface OpenGafferOptions extends RecorderOptions {
  /** Embedded data folder (default GAFFER_DATA_DIR or ./.gaffer). */
  dataDir?: string;
  /** A server Postgres to write to directly (default DATABASE_URL). */
  databaseUrl?: string;
  /** Throwaway in-memory database (tests, experiments). */
  memory?: boolean;
  /** Use an already opened Gaffer (the recorder does not close it). */
  gaffer?: Gaffer;
  /** Extra config (secret env var names and so on). */
  config?: ConfigInput;
}

export type GafferRecorder = BufferedRecorder;

/**
 * Opens a recorder on the embedded store or server Postgres in this process. When the data dir
 * belongs to a running `gaffer serve`, it talks to that server over HTTP instead (PGlite admits
 * one process), using the admin token file in the same folder.
 *
 * The environment is read as by the CLI (GAFFER_SECRET_ENV, GAFFER_LOG_LEVEL,
 * GAFFER_MIGRATE_ON_START...); `options.config`, `dataDir` and `databaseUrl` win over it.
 */
export async function openGaffer(options: OpenGafferOptions = {}): Promise<GafferRecorder> {
  if (options.gaffer) return new BufferedRecorder(new LocalTransport(options.gaffer, false), options);
  const explicit: ConfigInput = {
    ...options.config,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
  };
  const config = resolveConfig(configFromEnv(process.env), explicit);
  const logger = sdkLogger(options.config?.logLevel !== undefined || Boolean(process.env.GAFFER_LOG_LEVEL), config);
  if (options.memory) {
    // A new in-memory database is empty: migrate it whatever GAFFER_MIGRATE_ON_START says for
    // the shared one (an explicit config.migrateOnStart still wins).
    const gaffer = await createGaffer({ memory: true, env: process.env, logger, config: { migrateOnStart: true, ...options.config } });
    return new BufferedRecorder(new LocalTransport(gaffer, true), options);
  }
  if (!config.databaseUrl) {
    const server = runningServer(config.dataDir);
    const token = config.adminToken ?? readAdminTokenFile(config.dataDir);
    if (server && token) return new BufferedRecorder(new HttpTransport({ url: server.url, token }), options);
  }
  const gaffer = await createGaffer({
    env: process.env,
    config: { ...explicit, dataDir: config.dataDir, ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}) },
    logger,
  });
  return new BufferedRecorder(new LocalTransport(gaffer, true), options);
}

/**
 * Silent unless a log level was asked for (GAFFER_LOG_LEVEL or config.logLevel): the default
 * level, info, is the server's, and an agent's output is not the place for it. Logs go to
 * stderr, leaving stdout to the agent.
 */
function sdkLogger(levelAsked: boolean, config: GafferConfig): Logger {
  return levelAsked ? pino({ level: config.logLevel }, pino.destination(2)) : silentLogger();
}

/** The `gaffer serve` that owns this data dir, if one is alive. */
export function runningServer(dataDir: string): ServerFile | undefined {
  const file = path.join(dataDir, SERVER_FILE);
  if (!fs.existsSync(file)) return undefined;
  try {
    const info = JSON.parse(fs.readFileSync(file, 'utf8')) as ServerFile;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined;
  }
}

export interface GafferClientOptions extends RecorderOptions, Partial<HttpTransportOptions> {}

/** A recorder that writes to a Gaffer server over HTTP (GAFFER_URL / GAFFER_TOKEN by default). */
export class GafferClient extends BufferedRecorder {
  constructor(options: GafferClientOptions = {}) {
    const url = options.url ?? process.env.GAFFER_URL ?? `http://127.0.0.1:${process.env.GAFFER_PORT ?? 4800}`;
    const token = options.token ?? process.env.GAFFER_TOKEN;
    if (!token) throw new Error('GafferClient: token is required (pass { token } or set GAFFER_TOKEN)');
    super(new HttpTransport({ url, token, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) }), options);
  }
}
