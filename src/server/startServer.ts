/**
 * `gaffer serve` as a function: open Gaffer (migrating on start), make sure an admin token
 * exists, start the HTTP server, and advertise it in <dataDir>/server.json so other processes on
 * the machine (CLI, SDK) talk to it instead of opening the embedded database themselves.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../api/server.js';
import { GafferError } from '../errors.js';
import { createGaffer, type CreateGafferOptions, type Gaffer } from '../gaffer.js';
import { defaultExecutors } from '../executor/registry.js';
import type { Worker } from '../queue/worker.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { SERVER_FILE, type ServerFile } from '../sdk/openGaffer.js';

export interface RunningServer {
  gaffer: Gaffer;
  /** In-process worker (absent with workers = 0). */
  worker?: Worker;
  scheduler?: Scheduler;
  app: FastifyInstance;
  url: string;
  adminTokenFile: string;
  adminTokenCreated: boolean;
  close(): Promise<void>;
}

export async function startServer(options: CreateGafferOptions & { logRequests?: boolean; uiDir?: string }): Promise<RunningServer> {
  const gaffer = await createGaffer(options);
  try {
    const tokenFile = await gaffer.tokens.ensureAdminTokenFile();
    const app = await buildServer(gaffer, { logRequests: options.logRequests ?? false, ...(options.uiDir ? { uiDir: options.uiDir } : {}) });
    try {
      await app.listen({ port: gaffer.config.port, host: gaffer.config.host });
    } catch (err) {
      await app.close();
      const code = (err as NodeJS.ErrnoException).code;
      throw new GafferError(
        'CONFLICT',
        code === 'EADDRINUSE'
          ? `port ${gaffer.config.port} is in use: stop what holds it or set GAFFER_PORT to another port`
          : `cannot listen on ${gaffer.config.host}:${gaffer.config.port}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : gaffer.config.port;
    const host = gaffer.config.host === '0.0.0.0' || gaffer.config.host === '::' ? '127.0.0.1' : gaffer.config.host;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    const worker =
      gaffer.config.workers > 0
        ? gaffer.createWorker({ concurrency: gaffer.config.workers, leaseMs: gaffer.config.leaseMs, executors: defaultExecutors() })
        : undefined;
    await worker?.start();
    const scheduler = gaffer.config.scheduler ? new Scheduler(gaffer.resources) : undefined;
    scheduler?.start();
    const serverFile = path.join(gaffer.config.dataDir, SERVER_FILE);
    const info: ServerFile = { url, pid: process.pid };
    fs.writeFileSync(serverFile, JSON.stringify(info), { mode: 0o600 });
    let closed = false;
    return {
      gaffer,
      ...(worker ? { worker } : {}),
      ...(scheduler ? { scheduler } : {}),
      app,
      url,
      adminTokenFile: tokenFile.path,
      adminTokenCreated: tokenFile.created,
      close: async () => {
        if (closed) return;
        closed = true;
        try {
          const current = JSON.parse(fs.readFileSync(serverFile, 'utf8')) as ServerFile;
          if (current.pid === process.pid) fs.rmSync(serverFile, { force: true });
        } catch {
          // already gone
        }
        // Stop taking work first; let running attempts finish (or hand them back); then the API.
        await scheduler?.stop();
        await worker?.stop();
        await app.close();
        await gaffer.close();
      },
    };
  } catch (err) {
    await gaffer.close();
    throw err;
  }
}
