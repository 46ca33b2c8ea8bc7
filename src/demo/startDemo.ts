/**
 * `gaffer demo` as a function: the whole loop on a fresh machine with no model key and no network.
 * Starts the bundled scripted model server (unless OPENAI_BASE_URL names a real endpoint), then
 * Gaffer on the embedded database (API, dashboard, workers, scheduler), and seeds the demo
 * workspace when the data directory is new. `reset` removes a demo data directory first — only one
 * that `gaffer demo` made (it holds demo.json) and that no running server owns.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { GafferError } from '../errors.js';
import type { ConfigInput } from '../config/config.js';
import { runningServer } from '../sdk/openGaffer.js';
import { startServer, type RunningServer } from '../server/startServer.js';
import { startScriptedModelServer, type ScriptedModelServer } from '../testing/scriptedModelServer.js';
import { DEMO_LARGE_MODEL, DEMO_SMALL_MODEL, demoModelHandler } from './demoModel.js';
import { applyDemoProfiles, DEMO_MARKER, seedDemo, type DemoModels, type SeedResult } from './seed.js';

export interface StartDemoOptions {
  /** Config input (dataDir, port, workers…); the demo always uses the embedded database. */
  config: ConfigInput & { dataDir: string };
  /** Environment (OPENAI_BASE_URL, OPENAI_MODEL, OPENAI_MODEL_LARGE, GAFFER_*). */
  env?: NodeJS.ProcessEnv;
  reset?: boolean;
  logger?: Logger;
  /** The scripted model's pause before each answer (ms). */
  modelDelayMs?: number;
  /** The built dashboard to serve (default dist/ui). */
  uiDir?: string;
  /** Spacing of the seeded tasks' first runs (default 15 s; 0 runs them all at once). */
  staggerMs?: number;
}

export interface RunningDemo {
  server: RunningServer;
  /** The scripted model server, when the demo runs on it. */
  model?: ScriptedModelServer;
  models: DemoModels;
  /** What was seeded now; undefined when the data directory already held the demo. */
  seeded?: SeedResult;
  /** Set when the data directory holds data that is not the demo's (nothing was seeded). */
  notDemo?: boolean;
  close(): Promise<void>;
}

export async function startDemo(options: StartDemoOptions): Promise<RunningDemo> {
  const env = { ...(options.env ?? {}) };
  delete env.DATABASE_URL;
  const dataDir = path.resolve(options.config.dataDir);
  if (options.reset) resetDemoDir(dataDir);

  const endpoint = env.OPENAI_BASE_URL;
  const model = endpoint
    ? undefined
    : await startScriptedModelServer({
        scripts: { [DEMO_SMALL_MODEL]: demoModelHandler({ delayMs: options.modelDelayMs }), [DEMO_LARGE_MODEL]: demoModelHandler({ delayMs: options.modelDelayMs }) },
      });
  const models: DemoModels = model
    ? { kind: 'scripted', baseUrl: model.baseUrl }
    : { kind: 'endpoint', small: env.OPENAI_MODEL ?? 'gpt-4o-mini', large: env.OPENAI_MODEL_LARGE ?? env.OPENAI_MODEL ?? 'gpt-4o' };

  let server: RunningServer;
  try {
    const { databaseUrl: _ignored, ...config } = options.config;
    server = await startServer({ env, config: { ...config, dataDir }, ...(options.logger ? { logger: options.logger } : {}), ...(options.uiDir ? { uiDir: options.uiDir } : {}) });
  } catch (err) {
    await model?.close();
    throw err;
  }
  try {
    const marker = fs.existsSync(path.join(dataDir, DEMO_MARKER));
    const empty = !marker && (await server.gaffer.specs.list()).length === 0 && (await server.gaffer.tasks.list({ limit: 1 })).tasks.length === 0;
    let seeded: SeedResult | undefined;
    if (empty) seeded = await seedDemo(server.gaffer, { dataDir, models, ...(options.staggerMs === undefined ? {} : { staggerMs: options.staggerMs }) });
    else if (marker) await applyDemoProfiles(server.gaffer, models);
    return {
      server,
      ...(model ? { model } : {}),
      models,
      ...(seeded ? { seeded } : {}),
      ...(!marker && !empty ? { notDemo: true } : {}),
      close: async () => {
        await server.close();
        await model?.close();
      },
    };
  } catch (err) {
    await server.close();
    await model?.close();
    throw err;
  }
}

function resetDemoDir(dataDir: string): void {
  if (!fs.existsSync(dataDir)) return;
  const running = runningServer(dataDir);
  if (running) {
    throw new GafferError('CONFLICT', `a Gaffer server (pid ${running.pid}, ${running.url}) is using ${dataDir}: stop it before --reset`);
  }
  const entries = fs.readdirSync(dataDir);
  if (entries.length > 0 && !entries.includes(DEMO_MARKER)) {
    throw new GafferError(
      'CONFLICT',
      `${dataDir} holds data that is not the demo's (it has no ${DEMO_MARKER}); --reset removes only a demo data directory. Use --data-dir for the demo, or remove it yourself.`,
    );
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
}
