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
import { readAdminTokenFile } from '../auth/tokens.js';
import { configFromEnv, resolveConfig, type ConfigInput } from '../config/config.js';
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
 */
export async function openGaffer(options: OpenGafferOptions = {}): Promise<GafferRecorder> {
  if (options.gaffer) return new BufferedRecorder(new LocalTransport(options.gaffer, false), options);
  if (options.memory) {
    const gaffer = await createGaffer({ memory: true, logger: silentLogger(), config: options.config ?? {} });
    return new BufferedRecorder(new LocalTransport(gaffer, true), options);
  }
  const config = resolveConfig(configFromEnv(process.env), options.config ?? {}, {
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
  });
  if (!config.databaseUrl) {
    const server = runningServer(config.dataDir);
    const token = config.adminToken ?? readAdminTokenFile(config.dataDir);
    if (server && token) return new BufferedRecorder(new HttpTransport({ url: server.url, token }), options);
  }
  const gaffer = await createGaffer({ config: { ...options.config, dataDir: config.dataDir, ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}) }, logger: silentLogger() });
  return new BufferedRecorder(new LocalTransport(gaffer, true), options);
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
