import crypto from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/data-source';
import { withDatabase } from './urls';

function adminUrl(): string {
  const url = process.env.TOUCHPOINT_TEST_ADMIN_URL;
  if (!url) throw new Error('The test database was not set up: run the tests with jest (see jest.config.js)');
  return url;
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export interface TestDatabase {
  db: DataSource;
  url: string;
  drop(): Promise<void>;
}

/** A fresh database for one test file, cloned from the migrated template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `touchpoint_t_${crypto.randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${process.env.TOUCHPOINT_TEST_TEMPLATE}`));
  const url = withDatabase(adminUrl(), name);
  const db = createDataSource(url, { poolSize: 5 });
  await db.initialize();
  return {
    db,
    url,
    async drop() {
      if (db.isInitialized) await db.destroy();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
