import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import http from 'node:http';
import { CookieAccessInfo } from 'cookiejar';
import { startJobs, type Jobs } from '../../src/jobs';
import { startTestApp, type TestApp } from '../helpers/app';
import { listen } from '../helpers/browser';
import { eventually } from '../helpers/eventually';
import { loginAs, type Agent } from '../helpers/login';

type Editor = Agent & { csrf: string; email: string };

let t: TestApp;
let jobs: Jobs;
let editor: Editor;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'contacts-import-test-'));

beforeAll(async () => {
  // A DATA_DIR of its own: the checks on spooled files must not see another test run's uploads.
  t = await startTestApp({ DATA_DIR: path.join(tmp, 'data') });
  // Imports run as jobs.
  jobs = await startJobs({ ...t, logger: t.logger });
  editor = await loginAs(t, 'editor', { locale: 'en' });
});
afterAll(async () => {
  await jobs.stop();
  await t.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Posts the import form as a browser does: the CSRF field first, then the file. */
function upload(agent: Editor, content: Buffer | string, fileName = 'contacts.csv', csrf: string | null = agent.csrf) {
  const req = agent.post('/manage/contacts/import');
  if (csrf !== null) req.field('_csrf', csrf);
  return req.attach('file', Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), { filename: fileName, contentType: 'text/csv' });
}

async function importCount(): Promise<number> {
  return (await t.db.query(`SELECT count(*)::int AS n FROM contact_imports`))[0].n;
}

async function contactCount(): Promise<number> {
  return (await t.db.query(`SELECT count(*)::int AS n FROM contacts`))[0].n;
}

interface ImportRow { status: string; total: number; processed: number; created: number; updated: number; failed: number; errors: Array<{ row: number; email: string; code: string; vars?: Record<string, unknown> }> }

/** Follows the import as the progress page does, until it is no longer running. */
async function waitForImport(id: string, timeoutMs = 120_000): Promise<ImportRow> {
  let row: ImportRow | undefined;
  return eventually(async () => {
    [row] = await t.db.query(`SELECT status, total, processed, created, updated, failed, errors FROM contact_imports WHERE id = $1`, [id]);
    return row!.status !== 'running' && row;
  }, { timeoutMs, intervalMs: 100, what: () => `import ${id} to finish; still running: ${JSON.stringify(row)}` });
}

function importIdFrom(location: string | undefined): string {
  const m = /^\/manage\/contacts\/imports\/([0-9a-f-]{36})$/.exec(location ?? '');
  if (!m) throw new Error(`not an import page: ${location}`);
  return m[1];
}

const BOM = '\uFEFF';
const MIXED = [
  'E-mail;Họ tên;Ngôn ngữ;Segment;Thành phố',
  'lan@example.com;Nguyễn Thị Lan;vi;vip;Hà Nội',
  'not-an-email;Trần Văn Bảo;vi;;',
  'Minh@Example.com;Trần Minh;English;;Đà Nẵng',
  'LAN@example.com;Lan lần hai;vi;;',
  '',
  'hoa@example.com;Lê Hoa;fr;;',
  'tuan@example.com;Phạm Tuấn;vi;regular;Huế;extra',
  ';Không có email;vi;;',
  'mai@example.com;"Võ Thị ""Mai""";;;"Quận 1; TP.HCM"',
  "quang@example.com;'=Quang;vi;;",
].join('\r\n');

describe('importing a CSV that mixes good and bad rows', () => {
  let importId: string;

  test('the upload answers 303 to the import page, which reports every bad row with its number and reason', async () => {
    const spoolDir = path.join(t.config.dataDir, 'imports');
    const res = await upload(editor, Buffer.from(BOM + MIXED, 'utf8'), 'khách hàng.csv');
    expect(res.status).toBe(303);
    importId = importIdFrom(res.headers.location);
    // The file went into the database with the import: no spooled copy stays behind on this instance.
    expect(fs.readdirSync(spoolDir)).toEqual([]);
    const done = await waitForImport(importId);
    expect(done).toMatchObject({ status: 'done', total: 9, processed: 9, created: 4, updated: 0, failed: 5 });
    // Once done, the stored file is gone too (it holds personal data).
    expect(await t.db.query(`SELECT part FROM contact_import_files WHERE import_id = $1`, [importId])).toEqual([]);
    expect(done.errors.map((e) => [e.row, e.email, e.code])).toEqual([
      [3, 'not-an-email', 'email_invalid'],
      [5, 'LAN@example.com', 'duplicate'],
      [7, 'hoa@example.com', 'locale_unknown'],
      [8, 'tuan@example.com', 'too_many_columns'],
      [9, '', 'email_missing'],
    ]);

    const page = await editor.get(res.headers.location);
    expect(page.status).toBe(200);
    expect(page.headers.refresh).toBeUndefined();
    const rows = [...page.text.matchAll(/<td data-label="Row" class="num">(\d+)<\/td>\s*<td[^>]*>([^<]*)<\/td>\s*<td[^>]*>([^<]*)<\/td>/g)]
      .map((m) => [Number(m[1]), m[2], m[3]]);
    expect(rows).toEqual([
      [3, 'not-an-email', 'Not a valid email address.'],
      [5, 'LAN@example.com', 'Same email as row 2; only row 2 is imported.'],
      [7, 'hoa@example.com', 'Unknown language “fr”: use vi or en.'],
      [8, 'tuan@example.com', 'Has 6 columns, more than the header’s 5.'],
      [9, '', 'No email address.'],
    ]);
    expect(page.text).toContain('Import of khách hàng.csv');
    expect(page.text).toContain('Attribute thanh_pho');
  });

  test('valid rows are stored, with Vietnamese text intact and other columns as attributes', async () => {
    const rows = await t.db.query(`SELECT email, name, locale, attributes, unsubscribed_at FROM contacts ORDER BY lower(email)`);
    expect(rows).toEqual([
      { email: 'lan@example.com', name: 'Nguyễn Thị Lan', locale: 'vi', attributes: { segment: 'vip', thanh_pho: 'Hà Nội' }, unsubscribed_at: null },
      { email: 'mai@example.com', name: 'Võ Thị "Mai"', locale: 'vi', attributes: { thanh_pho: 'Quận 1; TP.HCM' }, unsubscribed_at: null },
      { email: 'Minh@Example.com', name: 'Trần Minh', locale: 'en', attributes: { thanh_pho: 'Đà Nẵng' }, unsubscribed_at: null },
      // A cell our export protected against formula injection comes back without the quote.
      { email: 'quang@example.com', name: '=Quang', locale: 'vi', attributes: {}, unsubscribed_at: null },
    ]);
  });

  test('the error report downloads as CSV, in the page language, safe for spreadsheets', async () => {
    const res = await editor.get(`/manage/contacts/imports/${importId}/errors.csv`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const text = (res.body as Buffer).toString('utf8');
    expect(text.startsWith(BOM)).toBe(true);
    const records: string[][] = parse(text.slice(1));
    expect(records[0]).toEqual(['row', 'email', 'problem']);
    expect(records.slice(1).map((r) => r[0])).toEqual(['3', '5', '7', '8', '9']);
    expect(records[2]).toEqual(['5', 'LAN@example.com', 'Same email as row 2; only row 2 is imported.']);
  });

  test('importing again updates instead of duplicating; empty cells change nothing; attributes merge', async () => {
    const again = [
      'email,name,locale,plan',
      'LAN@EXAMPLE.COM,Nguyễn Thị Lan Anh,,gold',
      'minh@example.com,,,',
      'new@example.com,Người Mới,en,',
    ].join('\n');
    const before = await contactCount();
    const res = await upload(editor, again);
    expect(res.status).toBe(303);
    const done = await waitForImport(importIdFrom(res.headers.location));
    expect(done).toMatchObject({ status: 'done', total: 3, created: 1, updated: 1, failed: 0 });
    expect(await contactCount()).toBe(before + 1);
    const [lan] = await t.db.query(`SELECT email, name, locale, attributes FROM contacts WHERE lower(email) = 'lan@example.com'`);
    expect(lan).toEqual({ email: 'lan@example.com', name: 'Nguyễn Thị Lan Anh', locale: 'vi', attributes: { segment: 'vip', thanh_pho: 'Hà Nội', plan: 'gold' } });
    const page = await editor.get(res.headers.location);
    expect(page.text).toMatch(/<dt>Unchanged<\/dt><dd>1<\/dd>/);
  });

  test('an unsubscribed_at column (as our export writes it) unsubscribes, and an import never resubscribes', async () => {
    await t.db.query(`UPDATE contacts SET unsubscribed_at = '2026-01-02T03:04:05Z' WHERE email = 'mai@example.com'`);
    const csv = 'email;unsubscribed_at;created_at\nmai@example.com;;2020-01-01\nnew@example.com;2026-03-04T10:00:00+07:00;2020-01-01\nlan@example.com;sometimes;\n';
    const res = await upload(editor, csv);
    const done = await waitForImport(importIdFrom(res.headers.location));
    expect(done.errors.map((e) => [e.row, e.code])).toEqual([[4, 'unsubscribed_invalid']]);
    const rows = await t.db.query(`SELECT email, unsubscribed_at FROM contacts WHERE email IN ('mai@example.com', 'new@example.com') ORDER BY email`);
    expect(rows).toEqual([
      { email: 'mai@example.com', unsubscribed_at: new Date('2026-01-02T03:04:05Z') },
      { email: 'new@example.com', unsubscribed_at: new Date('2026-03-04T03:00:00Z') },
    ]);
    const attrs = await t.db.query(`SELECT attributes FROM contacts WHERE email = 'new@example.com'`);
    expect(attrs[0].attributes).toEqual({});
  });

  test('the import page lists the imports with their results', async () => {
    const page = await editor.get('/manage/contacts/import');
    expect(page.status).toBe(200);
    expect(page.text).toContain('khách hàng.csv');
    expect(page.text).toContain('4 new · 0 updated · 5 failed');
  });
});

describe('uploads that cannot be imported get a clear 4xx page and store nothing', () => {
  const cases: Array<[string, Buffer | string, number, string]> = [
    ['an empty file', '', 400, 'The file is empty.'],
    ['a header without rows', 'email;name\r\n', 400, 'The file has a header row but no contacts.'],
    ['no email column', 'name,phone\nLan,0901\n', 400, 'There is no email column.'],
    ['an Excel workbook', Buffer.concat([Buffer.from('504b030414000600', 'hex'), Buffer.alloc(200, 1)]), 415, 'This is an Excel workbook, not a CSV file.'],
    ['binary data', Buffer.from([0x65, 0x6d, 0x61, 0x69, 0x6c, 0x0a, 0x00, 0x01, 0x02]), 415, 'This is not a CSV file'],
    ['Windows-1258 text (not UTF-8)', Buffer.concat([Buffer.from('email,name\nlan@example.com,Nguy'), Buffer.from([0xd2, 0xea]), Buffer.from('n\n')]), 415, 'The file is not UTF-8 text.'],
    ['UTF-16 text', Buffer.from('\uFEFFemail\nlan@example.com\n', 'utf16le'), 415, 'The file is not UTF-8 text.'],
    ['a quote never closed', 'email,name\na@example.com,"Lan\nb@example.com,Minh\n', 400, 'The CSV cannot be read at row 2: a double quote is not closed'],
    ['two email columns', 'email,e-mail\na@example.com,b@example.com\n', 400, 'Two columns mean the same thing: “email” and “e-mail”.'],
    ['a header that cannot name an attribute', 'email,???\na@example.com,x\n', 400, '“???” cannot name an attribute'],
  ];

  test.each(cases)('%s', async (_name, content, status, message) => {
    const imports = await importCount();
    const contacts = await contactCount();
    const res = await upload(editor, content);
    expect(res.status).toBe(status);
    expect(res.text).toContain(message);
    expect(res.text).toContain('This file was not imported. Nothing was stored.');
    expect(await importCount()).toBe(imports);
    expect(await contactCount()).toBe(contacts);
  });

  test('the messages speak Vietnamese for a Vietnamese user', async () => {
    const vi = await loginAs(t, 'editor', { locale: 'vi' });
    const res = await upload(vi, 'name\nLan\n');
    expect(res.status).toBe(400);
    expect(res.text).toContain('Không có cột email.');
  });

  test('no file chosen', async () => {
    const res = await editor.post('/manage/contacts/import').field('_csrf', editor.csrf)
      .attach('file', Buffer.alloc(0), { filename: '', contentType: 'application/octet-stream' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Choose a CSV file to import.');
  });

  test('a multipart body cut off after the file (no closing boundary) is refused, and its file removed', async () => {
    const spoolDir = path.join(t.config.dataDir, 'imports');
    const before = new Set(fs.existsSync(spoolDir) ? fs.readdirSync(spoolDir) : []);
    const imports = await importCount();
    const body = `--XYZ\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${editor.csrf}\r\n`
      + `--XYZ\r\nContent-Disposition: form-data; name="file"; filename="cut.csv"\r\nContent-Type: text/csv\r\n\r\nemail\ncut@example.com\n`;
    const res = await editor.post('/manage/contacts/import').set('Content-Type', 'multipart/form-data; boundary=XYZ').send(body);
    expect(res.status).toBe(400);
    expect(res.text).toContain('The upload was cut off or damaged.');
    expect(await importCount()).toBe(imports);
    expect(fs.readdirSync(spoolDir).filter((f) => !before.has(f))).toEqual([]);
  });

  test('a form that is not multipart', async () => {
    const res = await editor.post('/manage/contacts/import').type('form').send({ _csrf: editor.csrf });
    expect(res.status).toBe(415);
    expect(res.text).toContain('Send the file with the upload form.');
  });

  test('a file over 50 MB is refused with 413, streamed (never held whole)', async () => {
    const big = path.join(tmp, 'big.csv');
    await pipeline(Readable.from((function* () {
      yield 'email,name,note\n';
      const line = `someone@example.com,Nguyễn Văn A,${'x'.repeat(1000)}\n`;
      for (let i = 0; i < 52_000; i++) yield line.replace('someone', `p${i}`);
    })()), fs.createWriteStream(big));
    const imports = await importCount();
    const spoolDir = path.join(t.config.dataDir, 'imports');
    const spooled = () => (fs.existsSync(spoolDir) ? fs.readdirSync(spoolDir) : []);
    const before = new Set(spooled());
    const res = await editor.post('/manage/contacts/import').field('_csrf', editor.csrf).attach('file', big);
    expect(res.status).toBe(413);
    expect(res.text).toContain('The file is larger than 50 MB.');
    expect(await importCount()).toBe(imports);
    // The part already spooled to disk is removed with the refusal.
    expect(spooled().filter((f) => !before.has(f))).toEqual([]);
  }, 120_000);

  test('without the CSRF field, or with it after the file, the upload is refused with 403 before the file is read', async () => {
    const imports = await importCount();
    const missing = await upload(editor, 'email\na@example.com\n', 'a.csv', null);
    expect(missing.status).toBe(403);
    const wrong = await upload(editor, 'email\na@example.com\n', 'a.csv', 'not-the-token');
    expect(wrong.status).toBe(403);
    const late = await editor.post('/manage/contacts/import')
      .attach('file', Buffer.from('email\na@example.com\n'), { filename: 'a.csv', contentType: 'text/csv' })
      .field('_csrf', editor.csrf);
    expect(late.status).toBe(403);
    expect(await importCount()).toBe(imports);
  });

  test('a viewer cannot import (403) and nothing is stored', async () => {
    const viewer = await loginAs(t, 'viewer');
    const imports = await importCount();
    const res = await upload(viewer, 'email\nviewer-import@example.com\n');
    expect(res.status).toBe(403);
    expect(await importCount()).toBe(imports);
    expect((await viewer.get('/manage/contacts/import')).status).toBe(403);
    const [{ id }] = await t.db.query(`SELECT id FROM contact_imports LIMIT 1`);
    expect((await viewer.get(`/manage/contacts/imports/${id}`)).status).toBe(403);
  });
});

describe('an upload the browser abandons half-way', () => {
  test('ends the request, leaves no spooled file and no import', async () => {
    const server = await listen(t.app);
    try {
      const cookie = editor.jar.getCookies(new CookieAccessInfo('127.0.0.1', '/', false, false)).toValueString();
      const spoolDir = path.join(t.config.dataDir, 'imports');
      const before = new Set(fs.existsSync(spoolDir) ? fs.readdirSync(spoolDir) : []);
      const imports = await importCount();
      const boundary = '----contacts-abort';
      const req = http.request(`${server.url}/manage/contacts/import`, {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(10 * 1024 * 1024) },
      });
      req.on('error', () => undefined);
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${editor.csrf}\r\n`);
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="half.csv"\r\nContent-Type: text/csv\r\n\r\nemail,name\n`);
      for (let i = 0; i < 2000; i++) req.write(`half${i}@example.com,Nửa chừng\n`);
      const spooled = () => (fs.existsSync(spoolDir) ? fs.readdirSync(spoolDir).filter((f) => !before.has(f)) : []);
      // The server is reading it: the file is being spooled.
      await eventually(() => spooled().length > 0, { what: 'the upload to be spooled', timeoutMs: 5_000 });
      expect(spooled()).toHaveLength(1);
      req.destroy();
      // The server notices, stops waiting and cleans up.
      await eventually(() => spooled().length === 0, { what: () => `the spooled file to be removed: ${spooled().join(', ')}`, timeoutMs: 15_000, intervalMs: 100 });
      expect(spooled()).toEqual([]);
      expect(await importCount()).toBe(imports);
      expect(await t.db.query(`SELECT 1 FROM contacts WHERE email LIKE 'half%'`)).toEqual([]);
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe('a 100,000-row file', () => {
  test('imports in batches with the right counts, without holding the file in memory', async () => {
    const file = path.join(tmp, 'hundred-thousand.csv');
    const family = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Võ', 'Đặng', 'Bùi', 'Đỗ'];
    const given = ['Thị Lan', 'Văn Minh', 'Ngọc Ánh', 'Quốc Bảo', 'Thu Hương', 'Đức Anh', 'Mỹ Duyên', 'Hữu Phước'];
    await pipeline(Readable.from((function* () {
      yield `${BOM}email;họ tên;ngôn ngữ;segment;thành phố\n`;
      for (let i = 0; i < 100_000; i++) {
        // Every 1000th row has a broken address: 100 errors, reported with their row numbers.
        const email = i % 1000 === 999 ? `broken${i}.example.com` : `khach${i}@example.com`;
        yield `${email};${family[i % family.length]} ${given[i % given.length]};${i % 3 === 0 ? 'en' : 'vi'};${i % 10 === 0 ? 'vip' : 'regular'};Hà Nội\n`;
      }
    })()), fs.createWriteStream(file));
    const fileBytes = fs.statSync(file).size;

    const before = await contactCount();
    const samples: number[] = [];
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    const sampler = setInterval(() => samples.push(process.memoryUsage().rss), 20);
    const started = Date.now();
    const res = await editor.post('/manage/contacts/import').field('_csrf', editor.csrf).attach('file', file);
    const uploadedMs = Date.now() - started;
    expect(res.status).toBe(303);
    const id = importIdFrom(res.headers.location);

    // While it runs, the page refreshes itself and shows progress.
    const progress = await editor.get(res.headers.location);
    const done = await waitForImport(id, 170_000);
    const importedMs = Date.now() - started;
    clearInterval(sampler);

    expect(done).toMatchObject({ status: 'done', total: 100_000, processed: 100_000, created: 99_900, updated: 0, failed: 100 });
    expect(done.errors).toHaveLength(100);
    expect(done.errors[0]).toMatchObject({ row: 1001, email: 'broken999.example.com', code: 'email_invalid' });
    expect(done.errors[99]).toMatchObject({ row: 100_001, code: 'email_invalid' });
    expect(await contactCount()).toBe(before + 99_900);
    const [sample] = await t.db.query(`SELECT name, locale, attributes FROM contacts WHERE email = 'khach12345@example.com'`);
    expect(sample).toEqual({ name: 'Huỳnh Văn Minh', locale: 'en', attributes: { segment: 'regular', thanh_pho: 'Hà Nội' } });
    if (progress.text.includes('Importing')) expect(progress.headers.refresh).toBe('2');

    const peak = Math.max(...samples);
    const figures = {
      rows: 100_000,
      fileMegabytes: +(fileBytes / 1024 / 1024).toFixed(1),
      baselineRssMegabytes: +(baseline / 1024 / 1024).toFixed(1),
      peakRssMegabytes: +(peak / 1024 / 1024).toFixed(1),
      peakRssGrowthMegabytes: +((peak - baseline) / 1024 / 1024).toFixed(1),
      uploadAndValidateSeconds: +(uploadedMs / 1000).toFixed(1),
      totalSeconds: +(importedMs / 1000).toFixed(1),
    };
    fs.mkdirSync('test-results', { recursive: true });
    fs.writeFileSync('test-results/contacts-import-100k.json', `${JSON.stringify(figures, null, 2)}\n`);
  }, 180_000);
});
