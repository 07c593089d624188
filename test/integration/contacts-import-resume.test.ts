import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QUEUES, startJobs, type ContactImportOptions, type Jobs } from '../../src/jobs';
import { runContactImport } from '../../src/modules/contacts';
import { startTestApp, type TestApp } from '../helpers/app';
import { eventually } from '../helpers/eventually';
import { loginAs, type Agent } from '../helpers/login';

/**
 * Contact imports are jobs on the queue that survive the app stopping mid-import: they go on from the
 * last committed chunk (1,000 rows), and every row is counted and stored exactly once.
 */

let t: TestApp;
let editor: Agent & { csrf: string; email: string };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'contacts-import-resume-'));

beforeAll(async () => {
  t = await startTestApp({ DATA_DIR: path.join(tmp, 'data') });
  editor = await loginAs(t, 'editor', { locale: 'en' });
});
afterAll(async () => {
  await t.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const ROWS = 4500;
/**
 * Rows i = 0…4499 (spreadsheet rows 2…4501): every 100th address is broken; rows 250, 750, … repeat an
 * earlier address — from 2,250 on, one from two chunks before, so a resumed run must still know it.
 */
function dupOf(i: number): number | null {
  if (i % 500 !== 250) return null;
  return i >= 2000 ? i - 2001 : i - 250;
}
const broken = (i: number) => i % 100 === 99;
const valid = (i: number) => !broken(i) && dupOf(i) === null;
const validBefore = (n: number) => Array.from({ length: n }, (_, i) => i).filter(valid).length;

function csvFor(prefix: string): Buffer {
  const lines = ['email;name;language;segment'];
  for (let i = 0; i < ROWS; i++) {
    const dup = dupOf(i);
    const email = broken(i) ? `${prefix}${i}.example.com` : `${prefix}${dup ?? i}@example.com`;
    lines.push(`${email};Khách ${i};${i % 3 === 0 ? 'en' : 'vi'};${i % 10 === 0 ? 'vip' : 'regular'}`);
  }
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

const EXPECTED_DONE = { status: 'done', total: ROWS, processed: ROWS, created: validBefore(ROWS), updated: 0, failed: ROWS - validBefore(ROWS) };

async function upload(prefix: string): Promise<string> {
  const res = await editor.post('/manage/contacts/import').field('_csrf', editor.csrf)
    .attach('file', csvFor(prefix), { filename: `${prefix}.csv`, contentType: 'text/csv' });
  expect(res.status).toBe(303);
  return String(res.headers.location).split('/').pop() as string;
}

interface ImportRow { status: string; message: string | null; total: number; processed: number; created: number; updated: number; failed: number }
async function importRow(id: string): Promise<ImportRow> {
  const [row] = await t.db.query(
    `SELECT status, message, total, processed, created, updated, failed FROM contact_imports WHERE id = $1`, [id]);
  return row;
}

async function waitUntilDone(id: string): Promise<ImportRow> {
  return eventually(async () => {
    const row = await importRow(id);
    return row.status !== 'running' && row;
  }, { timeoutMs: 60_000, what: `import ${id} to end` });
}

async function contactsOf(prefix: string): Promise<number> {
  return (await t.db.query(`SELECT count(*)::int AS n FROM contacts WHERE email LIKE $1`, [`${prefix}%@example.com`]))[0].n;
}

async function storedParts(id: string): Promise<number> {
  return (await t.db.query(`SELECT count(*)::int AS n FROM contact_import_files WHERE import_id = $1`, [id]))[0].n;
}

async function jobsOf(id: string): Promise<Array<{ state: string; retryCount: number }>> {
  return t.db.query(
    `SELECT state, retry_count AS "retryCount" FROM pgboss.job WHERE name = $1 AND data ->> 'importId' = $2 ORDER BY created_on`,
    [QUEUES.contactImport, id]);
}

const start = (contactImports: Partial<ContactImportOptions> = {}) =>
  startJobs({ ...t, logger: t.logger }, { contactImports: { retryDelaySeconds: 1, ...contactImports } });

/** Makes the chunk that would take an import past `rows` fail inside its transaction (after the contacts' upsert). */
async function failChunksPast(rows: number): Promise<() => Promise<void>> {
  await t.db.query(`
    CREATE FUNCTION fail_import_chunk() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.status = 'running' AND NEW.processed > ${rows} THEN RAISE EXCEPTION 'the import dies here'; END IF;
      RETURN NEW;
    END $$`);
  await t.db.query(`CREATE TRIGGER fail_import_chunk BEFORE UPDATE ON contact_imports FOR EACH ROW EXECUTE FUNCTION fail_import_chunk()`);
  return async () => {
    await t.db.query(`DROP TRIGGER fail_import_chunk ON contact_imports`);
    await t.db.query(`DROP FUNCTION fail_import_chunk()`);
  };
}

test('the upload stores the import with its file and its job; nothing runs it until the jobs start', async () => {
  const id = await upload('queued');
  expect(await importRow(id)).toMatchObject({ status: 'running', processed: 0, total: ROWS });
  expect(await storedParts(id)).toBeGreaterThan(0);
  expect(await jobsOf(id)).toEqual([{ state: 'created', retryCount: 0 }]);

  const jobs = await start();
  try {
    expect(await waitUntilDone(id)).toMatchObject(EXPECTED_DONE);
  } finally {
    await jobs.stop();
  }
  expect(await contactsOf('queued')).toBe(validBefore(ROWS));
  expect(await storedParts(id)).toBe(0);
  // The queue knows where imports go when every attempt was cut off.
  expect((await (await t.queue.start()).getQueue(QUEUES.contactImport))?.deadLetter).toBe(QUEUES.contactImportFailed);
});

test('an import that dies mid-chunk is retried after the jobs restart, goes on from the last committed chunk, and counts every row once', async () => {
  const stopFailing = await failChunksPast(2000);
  let jobs = await start();
  let id: string;
  try {
    id = await upload('died');
    // The third chunk's upsert ran and was rolled back with its transaction; the job waits for its retry.
    await eventually(async () => (await jobsOf(id)).some((j) => j.state === 'retry' || j.retryCount > 0), { timeoutMs: 30_000, what: 'a failed attempt' });
  } finally {
    await jobs.stop();
    await stopFailing();
  }
  expect(await importRow(id)).toMatchObject({ status: 'running', processed: 2000, created: validBefore(2000), failed: EXPECTED_DONE.failed });
  expect(await contactsOf('died')).toBe(validBefore(2000));

  jobs = await start();
  try {
    expect(await waitUntilDone(id)).toMatchObject(EXPECTED_DONE);
  } finally {
    await jobs.stop();
  }
  expect(await contactsOf('died')).toBe(validBefore(ROWS));
  expect(await storedParts(id)).toBe(0);
});

test('jobs stopped mid-import pause after the chunk in hand and queue the rest; started again, they finish it exactly once', async () => {
  // A contact of the third chunk is held by someone else: the import waits there while the jobs stop.
  await t.db.query(`INSERT INTO contacts (email, name) VALUES ('paused2500@example.com', 'Before')`);
  const holder = t.db.createQueryRunner();
  await holder.connect();
  let jobs: Jobs | null = null;
  let id: string;
  try {
    await holder.startTransaction();
    await holder.query(`SELECT 1 FROM contacts WHERE email = 'paused2500@example.com' FOR UPDATE`);
    jobs = await start();
    id = await upload('paused');
    await eventually(async () => (await importRow(id)).processed === 2000 && (await t.db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`))[0].n > 0,
    { timeoutMs: 30_000, what: 'the third chunk to wait for the held contact' });
    const stopped = jobs.stop();
    jobs = null;
    await holder.commitTransaction();
    await stopped;
  } finally {
    if (holder.isTransactionActive) await holder.rollbackTransaction();
    await holder.release();
    await jobs?.stop();
  }
  expect(await importRow(id)).toMatchObject({ status: 'running', processed: 3000 });
  expect(await eventually(async () => {
    const states = (await jobsOf(id)).map((j) => j.state);
    return states.join() === 'completed,created' && states;
  }, { what: 'the paused job completed and the rest queued' })).toEqual(['completed', 'created']);

  jobs = await start();
  try {
    expect(await waitUntilDone(id)).toMatchObject({ ...EXPECTED_DONE, created: validBefore(ROWS) - 1, updated: 1 });
  } finally {
    await jobs.stop();
  }
  expect(await contactsOf('paused')).toBe(validBefore(ROWS));
  expect((await t.db.query(`SELECT name FROM contacts WHERE email = 'paused2500@example.com'`))[0].name).toBe('Khách 2500');
});

test('a long import works in slices, each a job of its own, and the slices add up exactly', async () => {
  const jobs = await start({ sliceMs: 0 });
  let id: string;
  try {
    id = await upload('sliced');
    expect(await waitUntilDone(id)).toMatchObject(EXPECTED_DONE);
  } finally {
    await jobs.stop();
  }
  expect(await contactsOf('sliced')).toBe(validBefore(ROWS));
  // A pause after each of the four full chunks, then the last 500 rows and the end.
  expect(await jobsOf(id)).toHaveLength(5);
});

test('two runs of the same import at once never commit the same chunk twice', async () => {
  const id = await upload('twice');
  const run = () => runContactImport(t.db, id, { pauseAfter: Infinity, signal: new AbortController().signal, logger: t.logger });
  const outcomes = await Promise.all([run(), run()]);
  expect(outcomes.sort()).toEqual(['done', 'not_running']);
  expect(await importRow(id)).toMatchObject(EXPECTED_DONE);
  expect(await contactsOf('twice')).toBe(validBefore(ROWS));
  // Its job, when it runs, finds nothing left to do.
  const jobs = await start();
  try {
    await eventually(async () => (await jobsOf(id)).every((j) => j.state === 'completed'), { what: 'the job to complete' });
  } finally {
    await jobs.stop();
  }
  expect(await importRow(id)).toMatchObject(EXPECTED_DONE);
});

test('a run told to stop while it still skips the rows committed before pauses at once, committing nothing', async () => {
  const id = await upload('skipping');
  const logger = t.logger;
  expect(await runContactImport(t.db, id, { pauseAfter: 0, signal: new AbortController().signal, logger })).toBe('paused');
  expect(await importRow(id)).toMatchObject({ status: 'running', processed: 1000 });
  const stopped = new AbortController();
  stopped.abort();
  expect(await runContactImport(t.db, id, { pauseAfter: Infinity, signal: stopped.signal, logger })).toBe('paused');
  expect(await importRow(id)).toMatchObject({ status: 'running', processed: 1000 });
  expect(await runContactImport(t.db, id, { pauseAfter: Infinity, signal: new AbortController().signal, logger })).toBe('done');
  expect(await importRow(id)).toMatchObject(EXPECTED_DONE);
  expect(await contactsOf('skipping')).toBe(validBefore(ROWS));
});

test('an import that fails on its last attempt is reported as a server error, keeping the rows committed', async () => {
  const stopFailing = await failChunksPast(1000);
  const jobs = await start({ retryLimit: 0 });
  let id: string;
  try {
    id = await upload('gaveup');
    expect(await waitUntilDone(id)).toMatchObject({ status: 'failed', message: 'error', processed: 1000 });
  } finally {
    await jobs.stop();
    await stopFailing();
  }
  expect(await contactsOf('gaveup')).toBe(validBefore(1000));
  expect(await storedParts(id)).toBe(0);
  const page = await editor.get(`/manage/contacts/imports/${id}`);
  expect(page.headers.refresh).toBeUndefined();
  expect(page.text).toContain('The import stopped on a server error.');
});

test('an import whose last attempt was cut off (its dead letter) is reported as interrupted', async () => {
  const id = await upload('cutoff');
  // What pg-boss does when the last attempt's process died: the job expires and goes to the dead letter queue.
  await t.db.query(`DELETE FROM pgboss.job WHERE name = $1 AND data ->> 'importId' = $2`, [QUEUES.contactImport, id]);
  await (await t.queue.start()).send(QUEUES.contactImportFailed, { importId: id });
  const jobs = await start();
  try {
    expect(await waitUntilDone(id)).toMatchObject({ status: 'failed', message: 'interrupted', processed: 0 });
  } finally {
    await jobs.stop();
  }
  expect(await storedParts(id)).toBe(0);
  const page = await editor.get(`/manage/contacts/imports/${id}`);
  expect(page.text).toContain('The import was interrupted');
});
