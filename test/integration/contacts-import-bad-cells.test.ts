import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startJobs, type Jobs } from '../../src/jobs';
import { startTestApp, type TestApp } from '../helpers/app';
import { eventually } from '../helpers/eventually';
import { loginAs, type Agent } from '../helpers/login';

/**
 * Contacts import with cells the database cannot take or the app must not (issue 14 §5): each is a clear
 * answer for the person importing — a 4xx for the file, or a row in the report — never a 500, never an
 * import that fails as a whole, and an upload that is refused leaves no file behind.
 */
type Editor = Agent & { csrf: string; email: string };

let t: TestApp;
let jobs: Jobs;
let editor: Editor;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'contacts-import-bad-cells-'));
const spoolDir = path.join(tmp, 'data', 'imports');

beforeAll(async () => {
  t = await startTestApp({ DATA_DIR: path.join(tmp, 'data') });
  jobs = await startJobs({ ...t, logger: t.logger });
  editor = await loginAs(t, 'editor', { locale: 'en' });
});
afterAll(async () => {
  await jobs.stop();
  await t.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function upload(csv: string) {
  return editor.post('/manage/contacts/import').field('_csrf', editor.csrf)
    .attach('file', Buffer.from(csv, 'utf8'), { filename: 'contacts.csv', contentType: 'text/csv' });
}

const importCount = async (): Promise<number> => (await t.db.query(`SELECT count(*)::int AS n FROM contact_imports`))[0].n;
const lastImportId = async (): Promise<string> => (await t.db.query(`SELECT id FROM contact_imports ORDER BY started_at DESC LIMIT 1`))[0].id;
const spooled = (): string[] => (fs.existsSync(spoolDir) ? fs.readdirSync(spoolDir) : []);

interface ImportRow { status: string; message: string | null; total: number; created: number; failed: number; errors: Array<{ row: number; email: string; code: string }> }

async function importedFrom(res: { status: number; headers: Record<string, string> }): Promise<ImportRow> {
  expect(res.status).toBe(303);
  const id = res.headers.location.split('/').pop();
  let row: ImportRow | undefined;
  return eventually(async () => {
    [row] = await t.db.query(`SELECT status, message, total, created, failed, errors FROM contact_imports WHERE id = $1`, [id]);
    return row!.status !== 'running' && row;
  }, { timeoutMs: 30_000, intervalMs: 100, what: () => `import ${id} to finish: ${JSON.stringify(row)}` });
}

test('a cell over 64 KB is a 400 that names the row, and the uploaded file is removed at once', async () => {
  const before = await importCount();
  for (const cell of ['x'.repeat(70 * 1024), `"${'y'.repeat(70 * 1024)}"`]) {
    const res = await upload(`email,name\nfirst@example.com,First\nbig@example.com,${cell}\nlast@example.com,Last\n`);
    expect(res.status).toBe(400);
    expect(res.text).toContain('Row 3 is longer than 64 KB');
    expect(spooled()).toEqual([]);
  }
  expect(await importCount()).toBe(before);
  expect(await t.db.query(`SELECT email FROM contacts WHERE email IN ('first@example.com', 'last@example.com')`)).toEqual([]);
});

test('an unsubscribed_at PostgreSQL cannot store (year 0000) is a row error; the import finishes with the valid rows', async () => {
  const res = await upload([
    'email,name,unsubscribed_at',
    'ok.before@example.com,Trước,',
    'year.zero@example.com,Năm không,0000-01-01',
    'too.early@example.com,Quá sớm,1969-12-31T23:00:00Z',
    'bad.hour@example.com,Giờ sai,2025-01-01T24:00:00Z',
    'ok.after@example.com,Sau,2025-01-02T10:00:00.000+07:00',
  ].join('\n'));
  const row = await importedFrom(res);
  expect(row).toMatchObject({ status: 'done', message: null, total: 5, created: 2, failed: 3 });
  expect(row.errors.map((e) => [e.row, e.email, e.code])).toEqual([
    [3, 'year.zero@example.com', 'unsubscribed_invalid'],
    [4, 'too.early@example.com', 'unsubscribed_invalid'],
    [5, 'bad.hour@example.com', 'unsubscribed_invalid'],
  ]);
  const stored = await t.db.query(`SELECT email, unsubscribed_at FROM contacts WHERE email LIKE 'ok.%' ORDER BY email`);
  expect(stored).toEqual([
    { email: 'ok.after@example.com', unsubscribed_at: new Date('2025-01-02T03:00:00Z') },
    { email: 'ok.before@example.com', unsubscribed_at: null },
  ]);
});

test('30 February is a row error, not stored as 2 March', async () => {
  const row = await importedFrom(await upload('email,unsubscribed_at\nfeb30@example.com,2025-02-30\nfeb28@example.com,2025-02-28\n'));
  expect(row).toMatchObject({ status: 'done', created: 1, failed: 1 });
  expect(row.errors.map((e) => [e.row, e.code])).toEqual([[2, 'unsubscribed_invalid']]);
  expect(await t.db.query(`SELECT email FROM contacts WHERE email LIKE 'feb%' ORDER BY email`)).toEqual([{ email: 'feb28@example.com' }]);
  const page = await editor.get(`/manage/contacts/imports/${await lastImportId()}`);
  expect(page.text).toContain('“2025-02-30” is not a date (YYYY-MM-DD) or yes/no.');
});

test('names and attributes follow the input rules: one line, no direction overrides, invisible controls removed', async () => {
  const row = await importedFrom(await upload([
    'email,name,city',
    '"two.lines@example.com","Ann\r\nBcc: evil@example.com",Huế',
    'rlo@example.com,\u202Egnp.exe,Huế',
    'city.lines@example.com,Bình,"Quận 1\nTP.HCM"',
    'bell@example.com,Chuông\u0007 Lê\u001b,Hà\u0085 Nội',
  ].join('\n')));
  expect(row).toMatchObject({ status: 'done', created: 1, failed: 3 });
  expect(row.errors.map((e) => [e.row, e.email, e.code])).toEqual([
    [2, 'two.lines@example.com', 'not_one_line'],
    [3, 'rlo@example.com', 'not_one_line'],
    [4, 'city.lines@example.com', 'not_one_line'],
  ]);
  expect(await t.db.query(`SELECT name, attributes FROM contacts WHERE email = 'bell@example.com'`)).toEqual([{ name: 'Chuông Lê', attributes: { city: 'Hà Nội' } }]);
  const page = await editor.get(`/manage/contacts/imports/${await lastImportId()}`);
  expect(page.text).toContain('The “name” cell must be one line, without control or text-direction characters.');
  expect(page.text).toContain('The “city” cell must be one line');
});
