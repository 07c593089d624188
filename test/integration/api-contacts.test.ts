import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { expectApiError } from '../helpers/api';

/** POST /api/v1/contacts: one contact or an array, upsert by email (SPEC §2 contacts, §7). */

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

const post = (body: unknown) => request(t.app).post('/api/v1/contacts').set('Authorization', `Bearer ${t.apiKey}`).send(body as object);


interface ContactRow { email: string; name: string; locale: string; attributes: Record<string, unknown> }

async function contact(email: string): Promise<ContactRow | undefined> {
  const rows = await t.db.query(`SELECT email, name, locale, attributes FROM contacts WHERE lower(email) = lower($1)`, [email]);
  expect(rows.length).toBeLessThanOrEqual(1);
  return rows[0];
}

async function contactCount(): Promise<number> {
  const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM contacts`);
  return n;
}

let seq = 0;
const email = (label: string) => `${label}.${++seq}@example.vn`;

describe('single contact', () => {
  test('creates a contact with defaults (locale vi, empty attributes)', async () => {
    const e = email('an');
    const res = await post({ email: e, name: 'Nguyễn Văn An' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ created: 1, updated: 0, errors: [] });
    expect(await contact(e)).toEqual({ email: e, name: 'Nguyễn Văn An', locale: 'vi', attributes: {} });
  });

  test('upserts by email, case-insensitively, without creating a second row', async () => {
    const e = email('binh');
    await post({ email: e, name: 'Bình', locale: 'vi' });
    const before = await contactCount();
    const res = await post({ email: e.toUpperCase(), locale: 'en' });
    expect(res.body).toEqual({ created: 0, updated: 1, errors: [] });
    expect(await contactCount()).toBe(before);
    // The name was not given, so it is kept; the locale was, so it changes.
    expect(await contact(e)).toMatchObject({ name: 'Bình', locale: 'en' });
  });

  test('attributes are merged into the existing ones, not replaced', async () => {
    const e = email('chi');
    await post({ email: e, attributes: { plan: 'gold', region: 'HCM', vip: true } });
    await post({ email: e, attributes: { plan: 'silver', orders: 3 } });
    expect((await contact(e))!.attributes).toEqual({ plan: 'silver', region: 'HCM', vip: true, orders: 3 });
  });

  test('an update without attributes keeps them, without a locale keeps it', async () => {
    const e = email('dung');
    await post({ email: e, locale: 'en', attributes: { segment: 'smb' } });
    await post({ email: e, name: 'Dũng' });
    expect(await contact(e)).toMatchObject({ name: 'Dũng', locale: 'en', attributes: { segment: 'smb' } });
  });

  test('surrounding spaces in the email are trimmed', async () => {
    const e = email('giang');
    await post({ email: `  ${e}  ` });
    expect((await contact(e))!.email).toBe(e);
  });

  test.each([
    ['a missing email', { name: 'No email' }, 'email'],
    ['a malformed email', { email: 'not-an-email' }, 'email'],
    ['a bad locale', { email: 'locale@example.vn', locale: 'fr' }, 'locale'],
    ['an unknown field', { email: 'unknown@example.vn', phone: '0909' }, 'phone'],
    ['a nested attribute value', { email: 'nested@example.vn', attributes: { address: { city: 'HN' } } }, 'attributes.address'],
    ['an attribute name with spaces', { email: 'spaces@example.vn', attributes: { 'home town': 'Huế' } }, 'attributes.home town'],
    ['attributes as an array', { email: 'arr@example.vn', attributes: ['a'] }, 'attributes'],
    ['a null name', { email: 'nullname@example.vn', name: null }, 'name'],
  ])('%s → 400 with the error shape naming the field, nothing stored', async (_label, body, path) => {
    const before = await contactCount();
    const res = await post(body);
    expectApiError(res, 400, 'validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(await contactCount()).toBe(before);
  });

  test('Vietnamese names and SQL-looking text round-trip verbatim', async () => {
    const e = email('sql');
    const name = "Trần Thị Ánh'); DROP TABLE contacts; --";
    await post({ email: e, name, attributes: { note: "' OR 1=1 --", city: 'Hà Nội' } });
    expect(await contact(e)).toMatchObject({ name, attributes: { note: "' OR 1=1 --", city: 'Hà Nội' } });
  });

  test('concurrent upserts of the same new email create one contact', async () => {
    const e = email('race');
    const results = await Promise.all([1, 2, 3, 4].map((i) => post({ email: i % 2 ? e : e.toUpperCase(), attributes: { [`k${i}`]: i } }).then((r) => r)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(results.reduce((sum, r) => sum + r.body.created, 0)).toBe(1);
    expect(results.reduce((sum, r) => sum + r.body.updated, 0)).toBe(3);
    expect((await contact(e))!.attributes).toEqual({ k1: 1, k2: 2, k3: 3, k4: 4 });
  });
});

describe('array of contacts', () => {
  test('creates and updates in one request, counting each', async () => {
    const existing = email('hoa');
    await post({ email: existing, name: 'Hoa' });
    const fresh1 = email('khanh');
    const fresh2 = email('linh');
    const res = await post([{ email: fresh1, name: 'Khánh' }, { email: existing.toUpperCase(), attributes: { plan: 'pro' } }, { email: fresh2, locale: 'en' }]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ created: 2, updated: 1, errors: [] });
    expect(await contact(fresh1)).toMatchObject({ name: 'Khánh', locale: 'vi' });
    expect(await contact(existing)).toMatchObject({ name: 'Hoa', attributes: { plan: 'pro' } });
    expect(await contact(fresh2)).toMatchObject({ locale: 'en' });
  });

  test('invalid items are reported by index while the valid ones are stored', async () => {
    const ok1 = email('minh');
    const ok2 = email('nga');
    const res = await post([
      { email: ok1 },
      { email: 'broken' },
      { name: 'no email' },
      { email: ok2, locale: 'de' },
      null,
      'string item',
      { email: ok2 },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.created).toBe(2);
    expect(res.body.updated).toBe(0);
    expect(res.body.errors.map((e: { index: number }) => e.index)).toEqual([1, 2, 3, 4, 5]);
    for (const e of res.body.errors) expect(e).toEqual({ index: expect.any(Number), message: expect.any(String) });
    expect(res.body.errors[0].message).toMatch(/email/);
    expect(res.body.errors[2].message).toMatch(/locale/);
    expect(await contact(ok1)).toBeDefined();
    expect(await contact(ok2)).toBeDefined();
    expect(await contact('broken')).toBeUndefined();
  });

  test('the same email twice in one request (any case) is stored once; the repeat is reported', async () => {
    const e = email('oanh');
    const res = await post([{ email: e, name: 'Oanh' }, { email: e.toUpperCase(), name: 'OANH' }]);
    expect(res.body.created).toBe(1);
    expect(res.body.errors).toEqual([{ index: 1, message: expect.stringMatching(/more than once/) }]);
    expect((await contact(e))!.name).toBe('Oanh');
  });

  test('an array where every item is invalid stores nothing and reports each', async () => {
    const before = await contactCount();
    const res = await post([{ email: 'x' }, { email: 'y' }]);
    expect(res.body).toEqual({ created: 0, updated: 0, errors: [{ index: 0, message: expect.any(String) }, { index: 1, message: expect.any(String) }] });
    expect(await contactCount()).toBe(before);
  });

  test('an empty array → 400', async () => {
    expectApiError(await post([]), 400, 'validation_failed');
  });

  test('exactly 1000 contacts are accepted', async () => {
    const before = await contactCount();
    const batch = Array.from({ length: 1000 }, (_, i) => ({ email: `bulk${i}@example.vn` }));
    const res = await post(batch);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ created: 1000, updated: 0, errors: [] });
    expect(await contactCount()).toBe(before + 1000);
  });

  test('more than 1000 contacts → 400, nothing stored', async () => {
    const before = await contactCount();
    const batch = Array.from({ length: 1001 }, (_, i) => ({ email: `toomany${i}@example.vn` }));
    expectApiError(await post(batch), 400, 'validation_failed');
    expect(await contactCount()).toBe(before);
  });
});
