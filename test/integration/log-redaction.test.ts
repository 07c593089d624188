import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createDataSource } from '../../src/db/data-source';
import { JobQueue, startJobs, type Jobs } from '../../src/jobs';
import { createLogger } from '../../src/logger';
import { createApiKey } from '../../src/modules/auth';
import type { TestApp } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { eventually } from '../helpers/eventually';
import { TEST_PASSWORD } from '../helpers/factories';
import { loginAs, type Agent } from '../helpers/login';

/**
 * SPEC §9: logs never hold a password hash, session secret, API key, token or a query's bound parameters,
 * nor the personal data of an import batch. The app runs with its logger at debug level writing into a
 * string, and with failed queries logged through TypeORM (as `npm start` does). Queries are made to fail
 * on purpose by CHECK constraints this test adds, so the failing statements carry the real data: a new
 * colleague's argon2id hash, an import batch's emails and names. A duplicate email posted twice at once
 * fails on the unique index. Then the captured log is searched for every secret and address involved.
 */

const SESSION_SECRET = 'log-test-session-secret-log-test-session-secret';
const POISON = 'Poison Pill';
const NEW_PASSWORD = 'Correct Horse Battery 7';
const NEW_EMAIL = 'new.colleague@example.test';
const RACE_EMAIL = 'twice.at.once@example.test';
const BATCH = [
  { email: 'mai.tran@example.test', name: 'Trần Thị Mai' },
  { email: 'binh.le@example.test', name: 'Lê Văn Bình' },
  { email: 'poisoned.row@example.test', name: POISON },
];
const API_CONTACT = 'api.contact@example.test';

let captured = '';
let database: TestDatabase;
let db: DataSource;
let t: TestApp;
let jobs: Jobs;
let admin: Agent & { csrf: string; email: string };

beforeAll(async () => {
  database = await createTestDatabase();
  const logger = createLogger('debug', new Writable({ write(chunk, _enc, done) { captured += String(chunk); done(); } }));
  // The app's own DataSource, built as openDatabase builds it: failed queries are logged through the app logger.
  db = createDataSource(database.url, { poolSize: 5, logger });
  await db.initialize();
  const config = loadConfig({
    NODE_ENV: 'test', BASE_URL: 'http://touchpoint.test', DATA_DIR: path.join(os.tmpdir(), 'touchpoint-test-data'),
    SESSION_SECRET, DATABASE_URL: database.url,
  });
  const queue = new JobQueue(db, logger);
  const { key } = await createApiKey(db, 'log test');
  t = { app: createApp({ db, config, logger, queue }), db, config, logger, queue, apiKey: key, close: async () => {} };
  jobs = await startJobs({ db, config, logger, queue }, { contactImports: { retryLimit: 0 } });
  admin = await loginAs(t, 'admin', { locale: 'en' });
  await db.query(`ALTER TABLE users ADD CONSTRAINT log_test_probe CHECK (name <> '${POISON}')`);
  await db.query(`ALTER TABLE contacts ADD CONSTRAINT log_test_probe CHECK (name <> '${POISON}')`);
});
afterAll(async () => {
  await jobs.stop();
  await t.queue.stop();
  await db.destroy();
  await database.drop();
});

/** A second session holds SHARE on users: both inserts queue behind it after both passed the "already exists" check. */
async function bothPastTheCheck(post: () => Promise<number>): Promise<number[]> {
  const blocker = new Client({ connectionString: database.url });
  await blocker.connect();
  try {
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE users IN SHARE MODE');
    const statuses = Promise.all([post(), post()]);
    await eventually(async () => {
      const [{ n }] = await db.query(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'relation' AND NOT granted AND relation = 'users'::regclass
           AND mode = 'RowExclusiveLock' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
      return n >= 2;
    }, { what: 'both inserts waiting on the users table' });
    await blocker.query('COMMIT');
    return (await statuses).sort();
  } finally {
    await blocker.end();
  }
}

test('failed queries, failed requests and a failed import batch leave no hash, password, address, name, key or secret in the log', async () => {
  // A new colleague whose INSERT fails: the statement's parameters hold the argon2id hash.
  const failed = await admin.post('/manage/users').type('form')
    .send({ _csrf: admin.csrf, email: NEW_EMAIL, name: POISON, role: 'editor', password: NEW_PASSWORD });
  expect(failed.status).toBe(500);

  // The same new address posted twice at once: the second insert fails on the unique index.
  const raced = await bothPastTheCheck(async () => (await admin.post('/manage/users').type('form')
    .send({ _csrf: admin.csrf, email: RACE_EMAIL, name: 'Racer', role: 'viewer', password: NEW_PASSWORD })).status);
  expect(raced).toEqual([201, 409]);

  // A duplicate typed in the form is refused before any insert.
  const duplicate = await admin.post('/manage/users').type('form')
    .send({ _csrf: admin.csrf, email: RACE_EMAIL, name: 'Again', role: 'viewer', password: NEW_PASSWORD });
  expect(duplicate.status).toBe(400);

  // The API with a key, and a contact whose upsert fails.
  const api = await request(t.app).post('/api/v1/contacts').set('Authorization', `Bearer ${t.apiKey}`)
    .send({ email: API_CONTACT, name: POISON });
  expect(api.status).toBe(500);

  // An import whose batch fails: the upsert's parameters are the whole batch.
  const csv = ['email,name', ...BATCH.map((r) => `${r.email},${r.name}`)].join('\n');
  const upload = await admin.post('/manage/contacts/import').field('_csrf', admin.csrf)
    .attach('file', Buffer.from(csv, 'utf8'), { filename: 'people.csv', contentType: 'text/csv' });
  expect(upload.status).toBe(303);
  const importId = /\/manage\/contacts\/imports\/([0-9a-f-]{36})/.exec(upload.headers.location)?.[1];
  expect(importId).toBeDefined();
  await eventually(async () => {
    const [row] = await db.query(`SELECT status FROM contact_imports WHERE id = $1`, [importId]);
    return row.status === 'failed';
  }, { what: 'the poisoned import to fail', timeoutMs: 60_000 });
  await eventually(() => captured.includes('contact import attempt failed'), { what: 'the import failure in the log' });

  // None of the data is in the log...
  const secrets = {
    'argon2id hash prefix': '$argon2id$',
    'new password': NEW_PASSWORD,
    'login password': TEST_PASSWORD,
    'new colleague email': NEW_EMAIL,
    'raced email': RACE_EMAIL,
    'admin email': admin.email,
    'api key': t.apiKey,
    'session secret': SESSION_SECRET,
    'api contact': API_CONTACT,
    ...Object.fromEntries(BATCH.flatMap((r, i) => [[`batch email ${i}`, r.email], [`batch name ${i}`, r.name]])),
  };
  const found = Object.entries(secrets).filter(([, value]) => captured.includes(value) || captured.includes(JSON.stringify(value).slice(1, -1)));
  expect(found.map(([what]) => what)).toEqual([]);
  // ...though each failure was logged (so that absence means something).
  expect(captured).toContain('"msg":"unhandled error"');
  expect(captured).toContain('"msg":"query failed"');
  expect(captured).toContain('"code":"23514"');
  expect(captured).toContain('"code":"23505"');
  expect(captured).toContain('log_test_probe');

});
