import type { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/**
 * On SIGTERM the app closes its pool, then stops the embedded PostgreSQL. pg-pool's end() calls back once it
 * has told its connections to close, not once they have: a server stopped right then cut them, and the app
 * logged "Postgres pool raised an error: terminating connection due to administrator command" on some stops.
 * Closing must return only once every connection of the pool has closed.
 */
let database: TestDatabase;
beforeAll(async () => { database = await createTestDatabase(); });
afterAll(async () => { await database.drop(); });

test('closing the database returns once every connection of its pool has closed', async () => {
  const config = loadConfig({
    NODE_ENV: 'test', BASE_URL: 'http://touchpoint.test', DATA_DIR: path.join(os.tmpdir(), 'touchpoint-test-data'),
    SESSION_SECRET: 'x'.repeat(40), DATABASE_URL: database.url,
  });
  const opened = await openDatabase(config, { migrate: false, poolSize: 4 });
  const pool = (opened.db.driver as unknown as { master: { on(event: 'connect', listener: (client: EventEmitter) => void): unknown } }).master;
  const connections: Array<{ closed: boolean }> = [];
  pool.on('connect', (client) => {
    const connection = { closed: false };
    connections.push(connection);
    client.on('end', () => { connection.closed = true; });
  });
  // Four queries at once: the pool opens connections for them and keeps them, idle, afterwards.
  await Promise.all(Array.from({ length: 4 }, () => opened.db.query('SELECT pg_sleep(0.05)')));
  expect(connections.length).toBeGreaterThanOrEqual(3);
  await opened.close();
  expect(connections.filter((c) => !c.closed)).toEqual([]);
});
