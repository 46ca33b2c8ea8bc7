/**
 * The one object every subsystem shares: the database, blob location, redactor, logger, the
 * in-process notification bus and the clock. Subsystems take `Resources` and call each other's
 * functions; none reaches into another's tables.
 */
import { EventEmitter } from 'node:events';
import pino, { type Logger } from 'pino';
import type { BlobLocation } from './artifacts/artifactStore.js';
import type { Database } from './db/connection.js';
import type { Redactor } from './events/redact.js';
import type { UserRule } from './failures/types.js';
import type { NotificationsConfig } from './notifications/notifications.js';

export interface RunEventsAppended {
  runId: string;
  lastSeq: number;
}

/** Typed in-process notifications; on server Postgres, NOTIFY carries them across processes. */
export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  emitAppended(message: RunEventsAppended): void {
    this.emitter.emit(`run:${message.runId}`, message);
  }

  onAppended(runId: string, listener: (message: RunEventsAppended) => void): () => void {
    this.emitter.on(`run:${runId}`, listener);
    return () => this.emitter.off(`run:${runId}`, listener);
  }
}

export interface Resources {
  readonly db: Database;
  readonly blobs: BlobLocation;
  readonly redactor: Redactor;
  readonly logger: Logger;
  readonly bus: EventBus;
  /** The configured failure classifier rules (config `classifierRules`). */
  readonly classifierRules?: readonly UserRule[];
  /** The configured notification subscriptions (config `notifications`). */
  readonly notifications?: NotificationsConfig;
  now(): Date;
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
