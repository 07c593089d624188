import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { answer, makeContact, makeSurvey } from '../helpers/factories';
import { loginAs, type Agent } from '../helpers/login';
import { foldSegmentRollups } from '../../src/modules/metrics';

/**
 * The pages of issue 16's timeline and segments: a contact's journey (every answer in time order, escaped,
 * linked, paged), the dimensions form in Settings (limits and unknown keys refused in the reader's
 * language, nothing stored), and the comparison page (figures per value, marks against the rest, no script
 * needed, roles).
 */
type User = Agent & { csrf: string; email: string };
let t: TestApp;
let admin: User;
let adminVi: User;
let viewer: User;
let contactId: string;
let npsId: string;
const XSS = '<script>alert(1)</script>';

beforeAll(async () => {
  t = await startTestApp();
  admin = await loginAs(t, 'admin', { locale: 'en' });
  adminVi = await loginAs(t, 'admin', { locale: 'vi', email: 'admin-vi@example.com' });
  viewer = await loginAs(t, 'viewer', { locale: 'en' });
  npsId = (await makeSurvey(t, { kind: 'nps', title: 'Delivery NPS', touchpoint: { key: 'delivery', stageKey: 'retention', name: { vi: 'Giao hàng', en: 'Delivery' }, channel: 'other' } })).id;
  const journeyId = (await makeSurvey(t, { kind: 'nps', title: 'Relationship NPS' })).id;
  contactId = await makeContact(t, 'lan@example.com', { name: 'Lan', attributes: { persona: 'Gia đình trẻ' } });
  // 55 answers: more than one page of the timeline (50).
  for (let i = 0; i < 55; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    const month = i < 28 ? '01' : '02';
    await answer(t, i === 54 ? journeyId : npsId, { score: i === 0 ? 2 : 9, email: 'lan@example.com', comment: i === 0 ? XSS : undefined, answeredAt: `2026-${month}-${day}T10:00:00+07:00` });
  }
  // Two personas: young families NPS 70 (34 promoters, 6 detractors), small businesses NPS −60 (8 and 32).
  for (let i = 0; i < 40; i++) {
    await makeContact(t, `fam${i}@example.com`, { attributes: { persona: 'Gia đình trẻ' } });
    await makeContact(t, `sme${i}@example.com`, { attributes: { persona: `Doanh nghiệp nhỏ ${XSS}`.slice(0, 40) } });
    await answer(t, npsId, { score: i < 34 ? 10 : 5, email: `fam${i}@example.com`, answeredAt: '2026-03-05T10:00:00+07:00' });
    await answer(t, npsId, { score: i < 8 ? 9 : 2, email: `sme${i}@example.com`, answeredAt: '2026-03-05T10:00:00+07:00' });
  }
});

afterAll(async () => {
  await t?.close();
});

test('the contact page shows the journey in time order, escaped and linked, fifty answers a page', async () => {
  const first = await viewer.get(`/manage/contacts/${contactId}`).expect(200);
  const ids = [...first.text.matchAll(/<tr data-id="(\d+)" data-group="(\w+)">/g)];
  expect(ids).toHaveLength(50);
  expect(first.text).not.toContain(XSS);
  expect(first.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(ids[0][2]).toBe('detractor');
  expect(first.text).toContain(`href="/responses/${ids[0][1]}"`);
  expect(first.text).toContain('Delivery');
  expect(first.text).toContain('Retention');
  const next = /<a href="([^"]+)" rel="next">/.exec(first.text)?.[1].replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
  expect(next).toBeDefined();
  const second = await viewer.get(next!).expect(200);
  const more = [...second.text.matchAll(/<tr data-id="(\d+)"/g)].map((m) => Number(m[1]));
  expect(more).toHaveLength(5);
  expect(Math.min(...more)).toBeGreaterThan(Math.max(...ids.map((m) => Number(m[1]))));
  // The last answer belongs to a survey of the whole journey.
  expect(second.text).toContain('Whole journey');
  expect(second.text).not.toContain('rel="next"');
  await viewer.get(`/manage/contacts/${contactId}?after=notacursor`).expect(400);
  await viewer.get(`/manage/contacts/${contactId}?after=x&other=1`).expect(400);
});

test('the dimensions form refuses limits and unknown keys in the reader’s language and stores nothing', async () => {
  const form = await admin.get('/manage/settings/dimensions').expect(200);
  expect(form.text).toContain('value="persona"');
  const tooMany = await admin.post('/manage/settings/dimensions').type('form')
    .send(`_csrf=${admin.csrf}&attributes=persona&attributes=a&attributes=b&attributes=c&attributes=d&attributes=e`).expect(400);
  expect(tooMany.text).toContain('Choose at most 5 contact attributes.');
  const unknown = await adminVi.post('/manage/settings/dimensions').type('form').send({ _csrf: adminVi.csrf, attributes: 'region' }).expect(400);
  expect(unknown.text).toContain('Không liên hệ nào có thuộc tính “region”.');
  const escaped = await admin.post('/manage/settings/dimensions').type('form').send({ _csrf: admin.csrf, hidden: XSS }).expect(400);
  expect(escaped.text).not.toContain(XSS);
  expect((await t.db.query(`SELECT count(*)::int AS n FROM segment_dimensions`))[0].n).toBe(0);
  await viewer.post('/manage/settings/dimensions').type('form').send({ _csrf: viewer.csrf, attributes: 'persona' }).expect(403);
  await admin.post('/manage/settings/dimensions').type('form').send({ _csrf: admin.csrf, attributes: 'persona' }).expect(303);
  expect(await t.db.query(`SELECT source, key FROM segment_dimensions`)).toEqual([{ source: 'attribute', key: 'persona' }]);
});

test('the comparison page shows each value with n, margin and a mark against the rest, from the rollups once counted', async () => {
  const url = '/segments?period=custom&from=2026-03-01&to=2026-03-31&metric=nps';
  const stale = await viewer.get(url).expect(200);
  expect(stale.text).toContain('This dimension is being counted');
  await foldSegmentRollups(t.db);
  const page = await viewer.get(url).expect(200);
  expect(page.text).not.toContain('being counted');
  expect(page.text).not.toContain(XSS);
  expect(page.text).not.toMatch(/<script(?![^>]*src=)/);
  const rows = [...page.text.matchAll(/<th scope="row" class="seg-value">([^<]*)<\/th>\s*<td class="num seg-cell status-(\w+)" data-metric="nps">\s*<data class="score" value="(-?[\d.]+)">[\s\S]*?data-mark="(\w+)"[\s\S]*?<data class="n" value="(\d+)">/g)]
    .map((m) => ({ value: m[1], score: Math.round(Number(m[3])), mark: m[4], n: Number(m[5]) }));
  expect(rows).toEqual([
    { value: 'Doanh nghiệp nhỏ &lt;script&gt;alert(1)&lt;/scrip', score: -60, mark: 'worse', n: 40 },
    { value: 'Gia đình trẻ', score: 70, mark: 'better', n: 40 },
  ]);
  const vi = await adminVi.get(url).expect(200);
  expect(vi.text).toContain('Cao hơn rõ rệt');
  // An unknown dimension and a bad metric are 400 pages, not 500s.
  await viewer.get('/segments?dimension=attribute:region').expect(400);
  await viewer.get('/segments?dimension=persona').expect(400);
  await viewer.get('/segments?metric=xyz').expect(400);
  await request(t.app).get('/segments').expect(303);
});
