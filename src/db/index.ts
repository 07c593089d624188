import { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { createDataSource, runMigrations } from './data-source';
import { startEmbeddedPostgres } from './embedded';

export { createDataSource, runMigrations } from './data-source';
export { startEmbeddedPostgres, freePort, EmbeddedDatabaseError } from './embedded';

export interface Database {
  db: DataSource;
  /** The embedded cluster's folder, or null with DATABASE_URL. */
  embedded: { clusterDir: string; relocated: boolean; shared: boolean } | null;
  close(): Promise<void>;
}

/** Connects to DATABASE_URL, or starts the embedded PostgreSQL in DATA_DIR; runs pending migrations. Failed queries go to `logger`. */
export async function openDatabase(config: Config, opts: { migrate?: boolean; poolSize?: number; logger?: Logger } = {}): Promise<Database> {
  const embedded = config.databaseUrl ? null : await startEmbeddedPostgres(config.dataDir);
  const db = createDataSource(config.databaseUrl ?? embedded!.url, { poolSize: opts.poolSize, logger: opts.logger });
  const close = async () => {
    await closePool(db);
    await embedded?.stop();
  };
  try {
    await db.initialize();
    if (opts.migrate ?? true) await runMigrations(db);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    db,
    embedded: embedded && { clusterDir: embedded.clusterDir, relocated: embedded.relocated, shared: embedded.shared },
    close,
  };
}

/** How long close() waits for the pool's connections to close before it stops the server anyway. */
const POOL_CLOSE_WAIT_MS = 5_000;

/**
 * Destroys the DataSource and returns once every connection of its pool has closed. pg-pool's end() calls
 * back as soon as it has told its idle connections to close, before they have: an embedded server stopped
 * right then cuts them, and the pool logs "terminating connection due to administrator command" as an error.
 */
async function closePool(db: DataSource): Promise<void> {
  if (!db.isInitialized) return;
  const pool = (db.driver as unknown as { master?: { totalCount: number; on(event: 'remove', listener: () => void): unknown } }).master;
  let open = pool?.totalCount ?? 0;
  let timer: NodeJS.Timeout | undefined;
  const closed = new Promise<void>((resolve) => {
    if (!pool || open === 0) return resolve();
    // pg-pool emits 'remove' once a connection it dropped has closed.
    pool.on('remove', () => {
      if (--open <= 0) resolve();
    });
    timer = setTimeout(resolve, POOL_CLOSE_WAIT_MS);
  });
  await db.destroy();
  await closed;
  clearTimeout(timer);
}
