/**
 * Opens the database: embedded PGlite (a folder, or memory for tests) or a server Postgres pool.
 * Both are wrapped in one `Database` interface over Drizzle so every query, migration and test
 * runs unchanged on either. Type parsing is aligned (int8 and numeric come back as numbers on both).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { GafferError } from '../errors.js';
import * as schema from './schema.js';
import { isTransientDbError, withTransientRetry } from './sqlstate.js';

export type Schema = typeof schema;
/** A Drizzle handle: the database itself or an open transaction. */
export type Executor = PgDatabase<PgQueryResultHKT, Schema>;

export type DatabaseTarget =
  | { kind: 'postgres'; url: string; poolSize?: number; applicationName?: string }
  /** `dir` undefined = in memory. `loadDataDir` clones a dumped database (test templates). */
  | { kind: 'pglite'; dir?: string; loadDataDir?: Blob | File };

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly drizzle: Executor;
  /** Runs raw SQL (built with drizzle's `sql` template, so values are always parameters). */
  rows<T>(query: SQL): Promise<T[]>;
  /**
   * Runs one hot statement on its own (autocommit, never inside a transaction). On server
   * Postgres it is a named prepared statement, parsed and planned once per pooled connection
   * instead of on every call; on PGlite a parameterised query. Values are bound as parameters:
   * pass JSON as text (cast with ::jsonb) and arrays as JSON text too, the same on both drivers.
   */
  query<T>(name: string, text: string, values: readonly unknown[]): Promise<T[]>;
  /**
   * Runs fn in a transaction, retrying it on transient errors (serialization failure, deadlock,
   * lost connection): fn must be safe to run again from the start.
   */
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
  /** The PGlite instance (embedded only), for dumps and direct access in tests. */
  readonly pglite?: PGlite;
  /** The pg pool (server only): LISTEN connections and benchmarks use it. */
  readonly pool?: pg.Pool;
  /**
   * Calls onNotify for every NOTIFY on the channel until the returned function is called. On
   * server Postgres this holds one dedicated connection that reconnects (with backoff) after a
   * restart, calling onNotify once on reconnect since notifications may have been missed.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Raw rows from `execute` on either driver. */
export async function execRows<T>(executor: Executor, query: SQL): Promise<T[]> {
  const result = (await executor.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/**
 * A statement written with numbered parameters ($1, $2...) as drizzle SQL with those values, for
 * running a `Database.query` statement inside a transaction.
 */
export function numberedSql(text: string, values: readonly unknown[]): SQL {
  const parts = text.split(/\$(\d+)/);
  const chunks: SQL[] = [];
  parts.forEach((part, i) => chunks.push(i % 2 === 0 ? sql.raw(part) : sql`${values[Number(part) - 1]}`));
  return sql.join(chunks);
}

let savepoints = 0;

/**
 * Runs fn inside a savepoint of the open transaction tx: if fn throws, only its own work is
 * undone and the transaction goes on; fn's error is rethrown (with a failed ROLLBACK TO as its
 * cause: then the transaction itself is lost). Works the same on both drivers. Savepoints on one
 * transaction nest; they must not run concurrently (a transaction is one connection, one
 * statement at a time).
 */
export async function savepoint<T>(tx: Executor, fn: (sp: Executor) => Promise<T>): Promise<T> {
  const name = `gaffer_sp_${++savepoints}`;
  await tx.execute(sql.raw(`SAVEPOINT ${name}`));
  try {
    const result = await fn(tx);
    await tx.execute(sql.raw(`RELEASE SAVEPOINT ${name}`));
    return result;
  } catch (err) {
    try {
      await tx.execute(sql.raw(`ROLLBACK TO SAVEPOINT ${name}`));
    } catch (rollbackError) {
      if (err instanceof Error && err.cause === undefined) err.cause = rollbackError;
    }
    throw err;
  }
}

/** Longest wait for a free pooled connection (ms). */
export const POOL_CONNECT_TIMEOUT_MS = 15_000;

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const toNumber = (value: string): number => Number(value);

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  return target.kind === 'postgres' ? openPostgres(target) : openPglite(target);
}

function wrap(
  kind: Database['kind'],
  db: Executor,
  close: () => Promise<void>,
  extra: {
    pglite?: PGlite;
    pool?: pg.Pool;
    listen: Database['listen'];
    query: Database['query'];
    transaction?: Database['transaction'];
  },
): Database {
  const { transaction, ...rest } = extra;
  return {
    kind,
    drizzle: db,
    ...rest,
    rows: (query) => execRows(db, query),
    transaction: transaction ?? ((fn) => withTransientRetry(() => db.transaction((tx) => fn(tx as unknown as Executor)))),
    close,
  };
}

/**
 * Transactions on the server pool, done here rather than by drizzle's `transaction()`: that one
 * sends BEGIN outside its try, so a connection killed by a Postgres restart fails at BEGIN and is
 * never released — a few of those exhaust the pool and every later query waits forever. Here the
 * client always goes back, and a client that failed is released with its error so the pool
 * destroys it instead of handing the dead connection out again.
 */
function poolTransaction(pool: pg.Pool): Database['transaction'] {
  // A drizzle handle per pooled client, built once: building one walks the whole schema
  // (about 0.17 ms, measured), too much to repeat for every transaction.
  const handles = new WeakMap<pg.PoolClient, Executor>();
  const handleFor = (client: pg.PoolClient): Executor => {
    let handle = handles.get(client);
    if (!handle) {
      handle = drizzlePg(client, { schema }) as unknown as Executor;
      // This handle is already inside BEGIN, but drizzle's `transaction()` on a client handle
      // would send BEGIN (ignored, with a warning) and then COMMIT — committing the outer
      // transaction halfway and running the rest in autocommit. Nested work is a savepoint.
      const nested = handle;
      handle.transaction = ((fn: (tx: Executor) => Promise<unknown>) => savepoint(nested, fn)) as Executor['transaction'];
      handles.set(client, handle);
    }
    return handle;
  };
  return (fn) =>
    withTransientRetry(async () => {
      const client = await pool.connect();
      let failure: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(handleFor(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        failure = err as Error;
        try {
          await client.query('ROLLBACK');
          // The connection is fine; only the transaction failed. Keep the client.
          if (!isTransientDbError(err)) failure = undefined;
        } catch {
          // ROLLBACK failed too: the connection is gone.
        }
        throw err;
      } finally {
        client.release(failure);
      }
    });
}

async function openPostgres(target: Extract<DatabaseTarget, { kind: 'postgres' }>): Promise<Database> {
  // Drizzle's node-postgres session passes its own per-query type config that falls back to pg's
  // global parsers, so int8/numeric must be set there to come back as numbers like on PGlite.
  // Our int8 values (sequences, token counts, byte sizes) stay far below 2^53.
  pg.types.setTypeParser(INT8_OID, toNumber);
  pg.types.setTypeParser(NUMERIC_OID, toNumber);
  const pool = new pg.Pool({
    connectionString: target.url,
    max: target.poolSize ?? 10,
    application_name: target.applicationName ?? 'gaffer',
    keepAlive: true,
    // A wait for a pooled connection ends in an error (retried as transient), never a hang.
    connectionTimeoutMillis: POOL_CONNECT_TIMEOUT_MS,
  });
  // An idle client whose server went away emits 'error' on the pool; without a listener that
  // would crash the process. The next query reconnects.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => {});
    throw new GafferError('DATABASE_UNAVAILABLE', `cannot connect to DATABASE_URL: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const db = drizzlePg(pool, { schema }) as unknown as Executor;
  const listeners = new Set<PgListener>();
  return wrap(
    'postgres',
    db,
    async () => {
      await Promise.all([...listeners].map((l) => l.stop()));
      await pool.end();
    },
    {
      pool,
      query: async <T>(name: string, text: string, values: readonly unknown[]) =>
        (await pool.query<T & pg.QueryResultRow>({ name, text, values: values as unknown[] })).rows,
      transaction: poolTransaction(pool),
      listen: async (channel, onNotify) => {
        const listener = new PgListener(target.url, channel, onNotify);
        listeners.add(listener);
        await listener.start();
        return async () => {
          listeners.delete(listener);
          await listener.stop();
        };
      },
    },
  );
}

async function openPglite(target: Extract<DatabaseTarget, { kind: 'pglite' }>): Promise<Database> {
  let releaseLock = (): void => {};
  if (target.dir !== undefined) {
    fs.mkdirSync(target.dir, { recursive: true });
    releaseLock = lockDataDir(target.dir);
  }
  let client: PGlite;
  try {
    client = await PGlite.create(target.dir, {
      parsers: { [INT8_OID]: toNumber, [NUMERIC_OID]: toNumber },
      ...(target.loadDataDir ? { loadDataDir: target.loadDataDir } : {}),
    });
  } catch (err) {
    releaseLock();
    throw err;
  }
  const db = drizzlePglite(client, { schema }) as unknown as Executor;
  return wrap(
    'pglite',
    db,
    async () => {
      await client.close();
      releaseLock();
    },
    {
      pglite: client,
      query: async <T>(_name: string, text: string, values: readonly unknown[]) => (await client.query<T>(text, values as unknown[])).rows,
      listen: async (channel, onNotify) => {
        const unsubscribe = await client.listen(channel, () => onNotify());
        return async () => {
          if (!client.closed) await unsubscribe();
        };
      },
    },
  );
}

/**
 * PGlite is a single-process database: two processes opening one folder would corrupt it. A lock
 * file holding the owner's pid keeps a second process out; a lock left by a dead process is taken
 * over.
 */
function lockDataDir(dir: string): () => void {
  const lockPath = path.join(dir, 'postmaster.gaffer.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(fs.readFileSync(lockPath, 'utf8'));
      if (owner && isAlive(owner)) {
        throw new GafferError(
          'DATA_DIR_LOCKED',
          `the embedded database in ${dir} is in use by process ${owner}; stop it, or talk to its server ` +
            `(gaffer commands do this by themselves when it runs \`gaffer serve\`)`,
          { details: { dataDir: dir, pid: owner } },
        );
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new GafferError('DATA_DIR_LOCKED', `could not lock the embedded database in ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One LISTEN connection to server Postgres that comes back after the server restarts. */
class PgListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private retryMs = 100;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onNotify: () => void,
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.url, application_name: 'gaffer-listen' });
    client.on('error', () => this.reconnect(client));
    client.on('end', () => this.reconnect(client));
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.onNotify();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`);
      this.client = client;
      this.retryMs = 100;
      // Anything notified while we were away is lost: let the owner look once.
      this.onNotify();
    } catch {
      client.removeAllListeners();
      client.end().catch(() => {});
      this.schedule();
    }
  }

  private reconnect(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners();
    client.end().catch(() => {});
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    const delay = this.retryMs / 2 + Math.random() * (this.retryMs / 2);
    this.retryMs = Math.min(this.retryMs * 2, 5_000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, delay);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners();
      await client.end().catch(() => {});
    }
  }
}
