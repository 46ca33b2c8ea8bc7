/**
 * Every option Gaffer has, with its default and unit, in one zod schema. Environment variables and
 * CLI flags feed the same schema (`resolveConfig`); the result is frozen. Nothing runs at import.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatPath, validationError } from '../errors.js';
import { userRulesSchema } from '../failures/userRules.js';
import { notificationsSchema } from '../notifications/notifications.js';

/** Event payloads larger than this (bytes of JSON) are stored as an artifact and referenced. */
export const MAX_EVENT_PAYLOAD_BYTES = 64 * 1024;
/** Artifacts up to this size (bytes) are stored inline in the artifacts table. */
export const INLINE_ARTIFACT_MAX_BYTES = 16 * 1024;
/** Largest accepted HTTP request body (bytes). */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024 * 1024;
/** Most events accepted in one append call. */
export const MAX_EVENTS_PER_BATCH = 5_000;

/** Environment variables whose values are always redacted when present. */
export const DEFAULT_SECRET_ENV_VARS = [
  'GAFFER_TOKEN',
  'OPENAI_API_KEY',
  'ANTHROPIC_API_KEY',
  'GEMINI_API_KEY',
  'GOOGLE_API_KEY',
  'MISTRAL_API_KEY',
  'GROQ_API_KEY',
  'OPENROUTER_API_KEY',
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'AWS_SECRET_ACCESS_KEY',
  'SLACK_WEBHOOK_URL',
] as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const envVarName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name');

export const configSchema = z.object({
  /** Server Postgres connection string; unset means the embedded PGlite database in dataDir. */
  databaseUrl: z.string().min(1).optional(),
  /** Folder for the embedded database, blobs and the admin token file. */
  dataDir: z.string().min(1).default('./.gaffer'),
  /** HTTP port of `gaffer serve`. */
  port: z.coerce.number().int().min(0).max(65535).default(4800),
  /** Interface `gaffer serve` binds to. */
  host: z.string().min(1).default('127.0.0.1'),
  /** A token accepted as admin in addition to stored tokens (for automation). */
  adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Apply pending migrations when a process opens the database. */
  migrateOnStart: z.boolean().default(true),
  logLevel: z.enum(LOG_LEVELS).default('info'),
  /**
   * Names of environment variables whose values must never be stored (added to
   * DEFAULT_SECRET_ENV_VARS). Any variable whose name ends in _KEY, _TOKEN, _SECRET, _PASSWORD (or
   * PASSWORD), _PAT or _CREDENTIALS (case-insensitive; SECRET_ENV_NAME in src/events/redact.ts) is
   * treated as secret too.
   */
  secretEnvVars: z.array(z.string().min(1)).default([]),
  /** Connections in the server Postgres pool. */
  poolSize: z.coerce.number().int().min(1).max(200).default(10),
  /** Tasks `gaffer serve` runs at once in its own process (0: run no worker, only the API). */
  workers: z.coerce.number().int().min(0).max(256).default(2),
  /** Tasks one `gaffer worker` process runs at once. */
  workerConcurrency: z.coerce.number().int().min(1).max(256).default(4),
  /** Lease length (ms): a dead worker's task is retried after at most this long. */
  leaseMs: z.coerce.number().int().min(500).max(3_600_000).default(30_000),
  /** Run the scheduler (periodic schedules, deferred reminders) in `gaffer serve`. */
  scheduler: z.boolean().default(true),
  /**
   * Your own failure classifier rules (pattern → class, with precedence), used wherever Gaffer
   * classifies a failure: failed attempts, failed checks, `gaffer classify` (docs/glossary.md).
   */
  classifierRules: userRulesSchema.default([]),
  /** Outgoing notifications: subscriptions to events, delivered through the task queue. */
  notifications: notificationsSchema,
  /** Inbound webhooks that submit tasks (docs/api.md#inbound-webhooks). */
  hooks: z
    .strictObject({
      github: z
        .strictObject({
          /** The environment variable holding the webhook secret GitHub signs with. */
          secretEnv: envVarName.default('GITHUB_WEBHOOK_SECRET'),
          /** The first route matching a delivery submits a task of its spec. */
          routes: z
            .array(
              z.strictObject({
                /** X-GitHub-Event: issues, pull_request, push... */
                event: z.string().min(1),
                /** The payload's action (labeled, opened...); any when absent. */
                action: z.string().min(1).optional(),
                /** Only when this label is the one added, or on the issue / pull request. */
                label: z.string().min(1).optional(),
                spec: z.string().min(1),
              }),
            )
            .min(1),
        })
        .optional(),
      /** Generic signed hooks: POST /api/v1/hooks/generic/<name> submits a task of the spec with the body as input. */
      generic: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, 'must be a name of letters, digits, - and _'), z.strictObject({ secretEnv: envVarName, spec: z.string().min(1) })).optional(),
    })
    .default({}),
});

export type ConfigInput = z.input<typeof configSchema>;
export type GafferConfig = Readonly<z.output<typeof configSchema>>;

/** Reads the documented environment variables (docs/configuration.md) into config input. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ConfigInput {
  const out: ConfigInput = {};
  if (env.DATABASE_URL) out.databaseUrl = env.DATABASE_URL;
  if (env.GAFFER_DATA_DIR) out.dataDir = env.GAFFER_DATA_DIR;
  if (env.GAFFER_PORT) out.port = env.GAFFER_PORT as unknown as number;
  if (env.GAFFER_HOST) out.host = env.GAFFER_HOST;
  if (env.GAFFER_TOKEN) out.adminToken = env.GAFFER_TOKEN;
  if (env.GAFFER_LOG_LEVEL) out.logLevel = env.GAFFER_LOG_LEVEL as GafferConfig['logLevel'];
  if (env.GAFFER_MIGRATE_ON_START) out.migrateOnStart = env.GAFFER_MIGRATE_ON_START !== 'false';
  if (env.GAFFER_POOL_SIZE) out.poolSize = env.GAFFER_POOL_SIZE as unknown as number;
  if (env.GAFFER_WORKERS) out.workers = env.GAFFER_WORKERS as unknown as number;
  if (env.GAFFER_WORKER_CONCURRENCY) out.workerConcurrency = env.GAFFER_WORKER_CONCURRENCY as unknown as number;
  if (env.GAFFER_LEASE_MS) out.leaseMs = env.GAFFER_LEASE_MS as unknown as number;
  if (env.GAFFER_SCHEDULER) out.scheduler = env.GAFFER_SCHEDULER !== 'false';
  if (env.GAFFER_NOTIFICATIONS) out.notifications = readConfigFile(env.GAFFER_NOTIFICATIONS, 'notifications (GAFFER_NOTIFICATIONS)') as ConfigInput['notifications'];
  if (env.GAFFER_HOOKS) out.hooks = readConfigFile(env.GAFFER_HOOKS, 'hooks (GAFFER_HOOKS)') as ConfigInput['hooks'];
  if (env.GAFFER_CLASSIFIER_RULES) out.classifierRules = readRulesFile(env.GAFFER_CLASSIFIER_RULES, 'classifierRules (GAFFER_CLASSIFIER_RULES)');
  if (env.GAFFER_SECRET_ENV) {
    out.secretEnvVars = env.GAFFER_SECRET_ENV.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  return out;
}

/** A JSON or YAML file's content; an unreadable one fails naming `where`. */
function readConfigFile(file: string, where: string): unknown {
  try {
    return parseYaml(fs.readFileSync(file, 'utf8')) as unknown; // YAML is a superset of JSON
  } catch (err) {
    throw validationError('configuration', [{ path: where, message: `cannot read ${file}: ${(err as Error).message}` }]);
  }
}

/** A JSON or YAML file holding a list of classifier rules; an unreadable one fails naming `where`. */
export function readRulesFile(file: string, where: string): ConfigInput['classifierRules'] {
  const rules = readConfigFile(file, where);
  if (!Array.isArray(rules)) throw validationError('configuration', [{ path: where, message: `${file} must hold a list of rules ({ pattern, class, precedence?, flags?, name? })` }]);
  return rules as ConfigInput['classifierRules'];
}

/** Validates and freezes a config; later sources win (defaults < env < explicit). */
export function resolveConfig(...sources: ConfigInput[]): GafferConfig {
  const merged: Record<string, unknown> = {};
  for (const source of sources) {
    for (const [key, value] of Object.entries(source)) if (value !== undefined) merged[key] = value;
  }
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    throw validationError(
      'configuration',
      parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
    );
  }
  const config = parsed.data;
  config.dataDir = path.resolve(config.dataDir);
  return Object.freeze(config);
}
