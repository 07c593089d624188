import { parse } from 'csv-parse/sync';
import { startTestApp, type TestApp } from '../helpers/app';
import { makeContact, makeSurvey } from '../helpers/factories';
import { loginAs, type Agent } from '../helpers/login';
import { recordResponse } from '../../src/modules/responses';
import { ROUTE_RULES } from '../../src/web/dashboard-router';

/**
 * SPEC §9: only editors and admins take personal data out in bulk. A viewer's responses export has the
 * scores and comments but no contact email, no contact attribute and no hidden field; editors and admins
 * get every column. Every other CSV export is for editors and admins only.
 */

type User = Agent & { csrf: string; email: string };

let t: TestApp;
let viewer: User;
let editor: User;
let admin: User;
const PERIOD = 'period=custom&from=2026-03-01&to=2026-03-31';
const PERSONAL_COLUMNS = ['contact_email', 'contact_attributes', 'hidden'];

beforeAll(async () => {
  t = await startTestApp();
  const { id: surveyId } = await makeSurvey(t, { kind: 'csat', title: 'Shop CSAT', touchpoint: { key: 'shop', stageKey: 'decision', name: { vi: 'Cửa hàng', en: 'Shop' }, channel: 'store' } });
  const contactId = await makeContact(t, 'export.person@example.test', { name: 'Phạm Minh Export', attributes: { city: 'Huế', tier: 'gold-secret' } });
  await recordResponse(t.db, {
    surveyId, kind: 'csat', score: 2, comment: 'Slow checkout', channel: 'email', locale: 'vi', contactId,
    hidden: { staff: 'lan-cashier' }, answeredAt: new Date('2026-03-10T10:00:00+07:00'),
  });
  await recordResponse(t.db, {
    surveyId, kind: 'csat', score: 5, comment: 'Great', channel: 'link', locale: 'en',
    hidden: { order: 'HD-7781' }, answeredAt: new Date('2026-03-11T10:00:00+07:00'),
  });
  viewer = await loginAs(t, 'viewer', { locale: 'en' });
  editor = await loginAs(t, 'editor', { locale: 'en' });
  admin = await loginAs(t, 'admin', { locale: 'en' });
});
afterAll(async () => {
  await t.close();
});

async function exportAs(agent: User) {
  const res = await agent.get(`/responses/export.csv?${PERIOD}`).expect(200);
  const text = res.text.replace(/^\uFEFF/, '');
  const [header] = parse(text, { to_line: 1 }) as string[][];
  const rows: Array<Record<string, string>> = parse(text, { columns: true });
  return { text, header, rows };
}

test('a viewer\'s responses export keeps scores and comments, and has no contact email, attribute or hidden field', async () => {
  const { text, header, rows } = await exportAs(viewer);
  expect(header).toEqual(['id', 'created_at', 'survey_id', 'survey_title', 'metric', 'stage', 'touchpoint', 'score', 'group', 'comment', 'channel', 'locale', 'topics']);
  expect(rows.map((r) => [r.score, r.comment])).toEqual([['5', 'Great'], ['2', 'Slow checkout']]);
  for (const personal of ['export.person@example.test', 'gold-secret', 'Huế', 'lan-cashier', 'HD-7781', 'Phạm Minh Export']) {
    expect({ personal, found: text.includes(personal) }).toEqual({ personal, found: false });
  }
});

test.each([['editor'], ['admin']] as const)('an %s gets every column, personal data included', async (role) => {
  const { header, rows } = await exportAs(role === 'editor' ? editor : admin);
  expect(header.slice(-3)).toEqual(PERSONAL_COLUMNS);
  const byScore = new Map(rows.map((r) => [r.score, r]));
  expect(byScore.get('2')).toMatchObject({
    contact_email: 'export.person@example.test', contact_attributes: JSON.stringify({ city: 'Huế', tier: 'gold-secret' }), hidden: JSON.stringify({ staff: 'lan-cashier' }),
  });
  expect(byScore.get('5')).toMatchObject({ contact_email: '', contact_attributes: '', hidden: JSON.stringify({ order: 'HD-7781' }) });
});

test('every other CSV export is for editors and admins only', async () => {
  const csvRoutes = ROUTE_RULES.filter((r) => r.method === 'get' && r.path.endsWith('.csv'));
  expect(csvRoutes.map((r) => r.path).sort()).toEqual(['/analytics/at-risk.csv', '/manage/contacts/export.csv', '/manage/contacts/imports/:importId/errors.csv', '/responses/export.csv']);
  for (const rule of csvRoutes.filter((r) => r.path !== '/responses/export.csv')) {
    expect({ path: rule.path, role: rule.role }).toEqual({ path: rule.path, role: 'editor' });
  }
  expect((await viewer.get('/manage/contacts/export.csv')).status).toBe(403);
  expect((await editor.get('/manage/contacts/export.csv')).status).toBe(200);
});
