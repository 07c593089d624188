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
  try {
    await db.initialize();
    if (opts.migrate ?? true) await runMigrations(db);
  } catch (err) {
    if (db.isInitialized) await db.destroy();
    await embedded?.stop();
    throw err;
  }
  return {
    db,
    embedded: embedded && { clusterDir: embedded.clusterDir, relocated: embedded.relocated, shared: embedded.shared },
    async close() {
      if (db.isInitialized) await db.destroy();
      await embedded?.stop();
    },
  };
}
