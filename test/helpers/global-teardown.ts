import fs from 'node:fs';
import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis.__TOUCHPOINT_PG__;
  if (!state) return;
  if (state.embedded) {
    await state.embedded.stop();
    if (state.dir) fs.rmSync(state.dir, { recursive: true, force: true });
    return;
  }
  const admin = new Client({ connectionString: state.adminUrl });
  await admin.connect();
  const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE 'touchpoint_t_%' OR datname = $1`, [state.template]);
  for (const r of rows) await admin.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`);
  await admin.end();
}
