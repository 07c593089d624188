import { DataSource } from 'typeorm';
import type { Config } from '../config';
import { createDataSource, runMigrations } from './data-source';
import { startEmbeddedPostgres } from './embedded';
import path from 'node:path';

export { createDataSource, runMigrations } from './data-source';
export { startEmbeddedPostgres, freePort } from './embedded';

export interface Database {
  db: DataSource;
  embedded: boolean;
  close(): Promise<void>;
}

/** Connects to DATABASE_URL, or starts the embedded PostgreSQL in DATA_DIR; runs pending migrations. */
export async function openDatabase(config: Config, opts: { migrate?: boolean; poolSize?: number } = {}): Promise<Database> {
  const embedded = config.databaseUrl ? null : await startEmbeddedPostgres(path.join(config.dataDir));
  const db = createDataSource(config.databaseUrl ?? embedded!.url, { poolSize: opts.poolSize });
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
    embedded: embedded !== null,
    async close() {
      if (db.isInitialized) await db.destroy();
      await embedded?.stop();
    },
  };
}
