import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createDataSource, runMigrations } from '../../src/db/data-source';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded';
import { withDatabase } from './urls';

declare global {
  var __TOUCHPOINT_PG__: { embedded: EmbeddedDatabase | null; dir: string | null; adminUrl: string; template: string } | undefined;
}

/**
 * Once per run: a real PostgreSQL (embedded in a temporary folder unless DATABASE_URL is set) and a
 * template database with every migration applied. Each test file clones the template (fast, isolated).
 */
export default async function globalSetup(): Promise<void> {
  let embedded: EmbeddedDatabase | null = null;
  let dir: string | null = null;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'touchpoint-test-'));
    embedded = await startEmbeddedPostgres(dir, { persistent: false });
    adminUrl = embedded.url;
  }
  const template = `touchpoint_tpl_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();
  const db = createDataSource(withDatabase(adminUrl, template), { poolSize: 1 });
  await db.initialize();
  await runMigrations(db);
  await db.destroy();
  globalThis.__TOUCHPOINT_PG__ = { embedded, dir, adminUrl, template };
  process.env.TOUCHPOINT_TEST_ADMIN_URL = adminUrl;
  process.env.TOUCHPOINT_TEST_TEMPLATE = template;
}
