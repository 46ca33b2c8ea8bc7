/**
 * `createGaffer(config)`: the facade. Opens the database (migrating on start unless told not to),
 * builds the shared Resources and exposes each subsystem's operations. The HTTP API, the CLI and
 * the in-process SDK all go through this object, so they cannot behave differently.
 */
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { getArtifact, getArtifactMeta, putArtifact, type BlobLocation } from './artifacts/artifactStore.js';
import * as tokens from './auth/tokens.js';
import { configFromEnv, resolveConfig, type ConfigInput, type GafferConfig } from './config/config.js';
import { openDatabase, type Database, type DatabaseTarget } from './db/connection.js';
import { migrate } from './db/migrate.js';
import type { TokenScope } from './db/vocabulary.js';
import { appendEvents, type EventInput } from './events/appendEvents.js';
import { readEvents, waitForEvents, type ReadEventsOptions } from './events/readEvents.js';
import { Redactor } from './events/redact.js';
import { EventBus, type Resources } from './resources.js';
import {
  countRunsByStatus,
  createRun,
  finishRun,
  getRun,
  listRuns,
  type CreateRunInput,
  type FinishRunInput,
  type ListRunsInput,
} from './runs/runs.js';

import * as specStore from './specs/specStore.js';
import { submitTask, type SubmitTaskInput } from './tasks/submitTask.js';
import { listDecisions, type DecisionFilter } from './decisions/decisions.js';
import type { EscalationOption } from './db/vocabulary.js';
import {
  acknowledgeEscalation,
  dismissEscalation,
  getEscalation,
  listEscalations,
  resolveEscalation,
  type EscalationFilter,
} from './escalations/escalations.js';
import { getStats, type StatsQuery } from './outcomes/stats.js';
import { cancelTask, getTask, countTasks, getTaskDetail, listTasks, type ListTasksInput } from './tasks/tasks.js';
import { readTaskEvents } from './tasks/taskEvents.js';
import { decideApproval, getApproval, listApprovals, type ApprovalFilter, type ApprovalHandler } from './approvals/approvals.js';
import { Worker, type WorkerOptions } from './queue/worker.js';

export interface CreateGafferOptions {
  /** Config input; env vars are read only when `env` is given (the CLI passes process.env). */
  config?: ConfigInput;
  env?: NodeJS.ProcessEnv;
  /** Use an in-memory PGlite instead of the data dir (tests, throwaway recorders). */
  memory?: boolean;
  /** Open this database target instead of the one the config names. */
  database?: DatabaseTarget;
  logger?: Logger;
  /** Injected clock (tests). */
  now?: () => Date;
}

export interface Gaffer {
  readonly config: GafferConfig;
  readonly resources: Resources;
  readonly db: Database;
  readonly runs: {
    create(input: CreateRunInput, principal?: string): ReturnType<typeof createRun>;
    get(id: string): ReturnType<typeof getRun>;
    list(input?: ListRunsInput): ReturnType<typeof listRuns>;
    finish(id: string, input?: FinishRunInput): ReturnType<typeof finishRun>;
    countByStatus(): ReturnType<typeof countRunsByStatus>;
  };
  readonly events: {
    append(runId: string, events: EventInput[], options?: { batchId?: string }): ReturnType<typeof appendEvents>;
    read(runId: string, options?: ReadEventsOptions): ReturnType<typeof readEvents>;
    waitFor(runId: string, after: number, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  };
  readonly artifacts: {
    put(content: Uint8Array | string, contentType?: string): ReturnType<typeof putArtifact>;
    get(sha256: string): ReturnType<typeof getArtifact>;
    meta(sha256: string): ReturnType<typeof getArtifactMeta>;
  };
  readonly tokens: {
    create(input: { name: string; scope: TokenScope }): ReturnType<typeof tokens.createToken>;
    list(): ReturnType<typeof tokens.listTokens>;
    revoke(id: string): Promise<void>;
    authenticate(token: string): Promise<tokens.Principal | undefined>;
    ensureAdminTokenFile(): ReturnType<typeof tokens.ensureAdminTokenFile>;
  };
  readonly specs: {
    apply(definition: unknown, principal?: string): ReturnType<typeof specStore.applySpec>;
    applyProfile(definition: unknown, principal?: string): ReturnType<typeof specStore.applyProfile>;
    get(nameOrId: string, version?: number): ReturnType<typeof specStore.getSpec>;
    getProfile(nameOrId: string, version?: number): ReturnType<typeof specStore.getProfile>;
    list(): ReturnType<typeof specStore.listSpecs>;
    listProfiles(): ReturnType<typeof specStore.listProfiles>;
    versions(name: string): ReturnType<typeof specStore.listSpecVersions>;
    profileVersions(name: string): ReturnType<typeof specStore.listProfileVersions>;
  };
  readonly tasks: {
    submit(input: SubmitTaskInput, principal?: string): ReturnType<typeof submitTask>;
    get(id: string): ReturnType<typeof getTask>;
    detail(id: string): ReturnType<typeof getTaskDetail>;
    /** Tasks in each status (zeros included), of one kind when given. */
    counts(kind?: 'work' | 'reminder' | 'delivery'): ReturnType<typeof countTasks>;
    list(input?: ListTasksInput): ReturnType<typeof listTasks>;
    cancel(id: string, principal: string, reason?: string): ReturnType<typeof cancelTask>;
    events(id: string, after?: number, limit?: number): ReturnType<typeof readTaskEvents>;
  };
  /** Success rates and cost by profile, spec, failure class or day (from outcomes). */
  stats(query?: StatsQuery): ReturnType<typeof getStats>;
  /** The people's inbox (src/escalations/escalations.ts). */
  readonly escalations: {
    list(filter?: EscalationFilter): ReturnType<typeof listEscalations>;
    get(id: string): ReturnType<typeof getEscalation>;
    acknowledge(input: { id: string; principal: string; note?: string }): ReturnType<typeof acknowledgeEscalation>;
    resolve(input: { id: string; option: EscalationOption; principal: string; note?: string }): ReturnType<typeof resolveEscalation>;
    dismiss(input: { id: string; principal: string; note?: string }): ReturnType<typeof dismissEscalation>;
  };
  readonly decisions: {
    /** The decision log, newest first (routing, gate, refinement_cycle, retry, fallback, custom). */
    list(filter?: DecisionFilter): ReturnType<typeof listDecisions>;
  };
  readonly approvals: {
    decide(input: { id: string; decision: 'approved' | 'rejected'; note?: string; principal: string }): ReturnType<typeof decideApproval>;
    get(id: string): ReturnType<typeof getApproval>;
    list(filter?: ApprovalFilter): ReturnType<typeof listApprovals>;
    /** Registers what happens when an approval of a kind is approved (a patch approval applies the patch). */
    onApproved(kind: string, handler: ApprovalHandler): void;
  };
  /** A worker on this Gaffer's database (start it with `await worker.start()`). */
  createWorker(options?: WorkerOptions): Worker;
  close(): Promise<void>;
}

/** Content types whose bytes are text and so pass through secret redaction before storage. */
const TEXT_CONTENT = /^(text\/|application\/(json|x-ndjson|yaml|xml|javascript|x-diff|x-patch))/;

export function databaseTargetFor(config: GafferConfig): DatabaseTarget {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl, poolSize: config.poolSize }
    : { kind: 'pglite', dir: path.join(config.dataDir, 'pgdata') };
}

export async function createGaffer(options: CreateGafferOptions = {}): Promise<Gaffer> {
  const config = resolveConfig(options.env ? configFromEnv(options.env) : {}, options.config ?? {});
  const logger = options.logger ?? pino({ level: config.logLevel });
  const target: DatabaseTarget = options.database ?? (options.memory ? { kind: 'pglite' } : databaseTargetFor(config));
  const db = await openDatabase(target);
  try {
    if (config.migrateOnStart) {
      const result = await migrate(db);
      if (result.applied.length) logger.info({ applied: result.applied }, 'database migrated');
    }
  } catch (err) {
    await db.close();
    throw err;
  }
  // File blobs only for an embedded database with a folder; otherwise chunks in the database.
  const blobs: BlobLocation =
    target.kind === 'pglite' && target.dir !== undefined ? { blobDir: path.join(config.dataDir, 'blobs') } : {};
  const resources: Resources = {
    db,
    blobs,
    redactor: new Redactor({ secretEnvVars: config.secretEnvVars, env: options.env ?? process.env }),
    logger,
    bus: new EventBus(),
    classifierRules: config.classifierRules,
    notifications: config.notifications,
    now: options.now ?? (() => new Date()),
  };
  const res = resources;
  const approvalHandlers = new Map<string, ApprovalHandler>();
  const workers = new Set<Worker>();
  return {
    config,
    resources,
    db,
    runs: {
      create: (input, principal) => createRun(res, input, principal),
      get: (id) => getRun(res, id),
      list: (input) => listRuns(res, input),
      finish: (id, input) => finishRun(res, id, input),
      countByStatus: () => countRunsByStatus(res),
    },
    events: {
      append: (runId, events, opts) => appendEvents(res, runId, events, opts),
      read: (runId, opts) => readEvents(res, runId, opts),
      waitFor: (runId, after, timeoutMs, signal) => waitForEvents(res, runId, after, timeoutMs, signal),
    },
    artifacts: {
      put: (content, contentType = 'application/octet-stream') => {
        let bytes = typeof content === 'string' ? Buffer.from(content) : content;
        if (TEXT_CONTENT.test(contentType)) bytes = Buffer.from(res.redactor.text(Buffer.from(bytes).toString('utf8')));
        return db.transaction((tx) => putArtifact(tx, blobs, bytes, contentType));
      },
      get: (sha256) => getArtifact(db.drizzle, blobs, sha256),
      meta: (sha256) => getArtifactMeta(db.drizzle, sha256),
    },
    tokens: {
      create: (input) => tokens.createToken(res, input),
      list: () => tokens.listTokens(res),
      revoke: (id) => tokens.revokeToken(res, id),
      authenticate: (token) => tokens.authenticate(res, token, config.adminToken),
      ensureAdminTokenFile: () => tokens.ensureAdminTokenFile(res, config.dataDir),
    },
    specs: {
      apply: (definition, principal) => specStore.applySpec(res, definition, principal),
      applyProfile: (definition, principal) => specStore.applyProfile(res, definition, principal),
      get: (nameOrId, version) => specStore.getSpec(res, nameOrId, version),
      getProfile: (nameOrId, version) => specStore.getProfile(res, nameOrId, version),
      list: () => specStore.listSpecs(res),
      listProfiles: () => specStore.listProfiles(res),
      versions: (name) => specStore.listSpecVersions(res, name),
      profileVersions: (name) => specStore.listProfileVersions(res, name),
    },
    tasks: {
      submit: (input, principal) => submitTask(res, input, principal),
      get: (id) => getTask(res, id),
      detail: (id) => getTaskDetail(res, id),
      list: (input) => listTasks(res, input),
      counts: (kind) => countTasks(res, kind),
      cancel: (id, principal, reason) => cancelTask(res, id, principal, reason),
      events: (id, after, limit) => readTaskEvents(res, id, after, limit),
    },
    stats: (query) => getStats(res, query),
    decisions: {
      list: (filter) => listDecisions(res, filter),
    },
    escalations: {
      list: (filter) => listEscalations(res, filter),
      get: (id) => getEscalation(res, id),
      acknowledge: (input) => acknowledgeEscalation(res, input),
      resolve: (input) => resolveEscalation(res, input),
      dismiss: (input) => dismissEscalation(res, input),
    },
    approvals: {
      decide: (input) => decideApproval(res, input, (r, approval) => approvalHandlers.get(approval.kind)?.(r, approval) ?? Promise.resolve()),
      get: (id) => getApproval(res, id),
      list: (filter) => listApprovals(res, filter),
      onApproved: (kind, handler) => approvalHandlers.set(kind, handler),
    },
    createWorker: (options) => {
      const worker = new Worker(res, options);
      workers.add(worker);
      return worker;
    },
    close: async () => {
      await Promise.all([...workers].map((w) => w.stop()));
      await db.close();
    },
  };
}
