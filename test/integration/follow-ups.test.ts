import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { makeSurvey } from '../helpers/factories';
import { loginAs, type Agent } from '../helpers/login';
import { recordResponse } from '../../src/modules/responses';

/**
 * The detractor queue: every detractor answer opens a follow-up; viewers read it, editors assign it,
 * write notes and move it open → in progress → closed. Every change is a CSRF-protected POST.
 */
let t: TestApp;
let viewer: Agent & { csrf: string; email: string };
let editor: Agent & { csrf: string; email: string };
let surveyId: string;
let followUpId: string;

const row = async () => (await t.db.query(`SELECT status, assignee_user_id, notes, closed_at FROM follow_ups WHERE id = $1`, [followUpId]))[0];
const idsOnPage = (html: string) => [...html.matchAll(/<li class="queue-item status-\w+" data-id="(\d+)"/g)].map((m) => m[1]);

beforeAll(async () => {
  t = await startTestApp();
  surveyId = (await makeSurvey(t, { kind: 'nps', title: 'Hotline NPS', touchpoint: { key: 'hotline', stageKey: 'retention', name: { vi: 'Tổng đài', en: 'Hotline' }, channel: 'phone' } })).id;
  await request(t.app).post(`/s/${surveyId}`).type('form').send({ score: '3', comment: 'Chờ 20 phút <b>không ai</b> nghe máy' }).expect(303);
  await request(t.app).post(`/s/${surveyId}`).type('form').send({ score: '9', comment: 'Tốt' }).expect(303);
  const rows = await t.db.query(`SELECT f.id FROM follow_ups f JOIN responses r ON r.id = f.response_id WHERE r.score = 3`);
  followUpId = rows[0].id;
  viewer = await loginAs(t, 'viewer', { locale: 'vi' });
  editor = await loginAs(t, 'editor', { locale: 'en' });
});

afterAll(async () => {
  await t?.close();
});

test('a detractor answer is in the queue; a promoter is not', async () => {
  const html = (await viewer.get('/follow-ups').expect(200)).text;
  expect(idsOnPage(html)).toEqual([followUpId]);
  expect(html).toContain('Chờ 20 phút &lt;b&gt;không ai&lt;/b&gt; nghe máy');
  expect(html).toContain('Tổng đài');
});

test('a viewer reads an item but has no forms, and cannot change it', async () => {
  const html = (await viewer.get(`/follow-ups/${followUpId}`).expect(200)).text;
  expect(html).not.toContain(`action="/follow-ups/${followUpId}/status"`);
  expect(html).toContain('Vai trò Xem chỉ đọc được mục này.');
  await viewer.post(`/follow-ups/${followUpId}/status`).type('form').send({ _csrf: viewer.csrf, status: 'closed' }).expect(403);
  await viewer.post(`/follow-ups/${followUpId}/notes`).type('form').send({ _csrf: viewer.csrf, note: 'hi' }).expect(403);
  expect((await row()).status).toBe('open');
});

test('an editor assigns it to an editor; "assigned to me" then finds it', async () => {
  const [me] = await t.db.query(`SELECT id FROM users WHERE email = $1`, [editor.email]);
  await editor.post(`/follow-ups/${followUpId}/assign`).type('form').send({ _csrf: editor.csrf, assignee: me.id }).expect(303);
  expect((await row()).assignee_user_id).toBe(me.id);
  expect(idsOnPage((await editor.get('/follow-ups?assignee=me').expect(200)).text)).toEqual([followUpId]);
  expect(idsOnPage((await editor.get('/follow-ups?assignee=none').expect(200)).text)).toEqual([]);
});

test('assigning to a viewer or to nobody known is refused with a 400, nothing stored', async () => {
  const before = await row();
  const [v] = await t.db.query(`SELECT id FROM users WHERE email = $1`, [viewer.email]);
  const res = await editor.post(`/follow-ups/${followUpId}/assign`).type('form').send({ _csrf: editor.csrf, assignee: v.id }).expect(400);
  expect(res.text).toContain('Please choose an editor or an admin.');
  await editor.post(`/follow-ups/${followUpId}/assign`).type('form').send({ _csrf: editor.csrf, assignee: '00000000-0000-4000-8000-000000000000' }).expect(400);
  await editor.post(`/follow-ups/${followUpId}/assign`).type('form').send({ _csrf: editor.csrf, assignee: 'bob' }).expect(400);
  expect(await row()).toEqual(before);
});

test('notes are appended with their author, and shown escaped', async () => {
  await editor.post(`/follow-ups/${followUpId}/notes`).type('form').send({ _csrf: editor.csrf, note: 'Called back, refunded the fee.' }).expect(303);
  await editor.post(`/follow-ups/${followUpId}/notes`).type('form').send({ _csrf: editor.csrf, note: '<script>alert(1)</script>' }).expect(303);
  const { notes } = await row();
  expect(notes).toMatch(/^— .+, .+\nCalled back, refunded the fee\.\n\n— .+\n<script>alert\(1\)<\/script>$/);
  const html = (await editor.get(`/follow-ups/${followUpId}`).expect(200)).text;
  expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(html).not.toContain('<script>alert(1)</script>');
});

test('an empty or too long note is a 400 with the form kept, nothing stored', async () => {
  const before = await row();
  const empty = await editor.post(`/follow-ups/${followUpId}/notes`).type('form').send({ _csrf: editor.csrf, note: '   ' }).expect(400);
  expect(empty.text).toContain('Please write a note (at most 2000 characters).');
  const long = await editor.post(`/follow-ups/${followUpId}/notes`).type('form').send({ _csrf: editor.csrf, note: 'x'.repeat(2001) }).expect(400);
  expect(long.text).toContain('x'.repeat(2001));
  expect(await row()).toEqual(before);
});

test('open → in progress → closed, then reopened; the queue follows', async () => {
  await editor.post(`/follow-ups/${followUpId}/status`).type('form').send({ _csrf: editor.csrf, status: 'in_progress' }).expect(303);
  expect(await row()).toMatchObject({ status: 'in_progress', closed_at: null });
  expect(idsOnPage((await viewer.get('/follow-ups?status=in_progress').expect(200)).text)).toEqual([followUpId]);
  await editor.post(`/follow-ups/${followUpId}/status`).type('form').send({ _csrf: editor.csrf, status: 'closed' }).expect(303);
  expect((await row()).closed_at).toBeInstanceOf(Date);
  expect(idsOnPage((await viewer.get('/follow-ups').expect(200)).text)).toEqual([]);
  expect(idsOnPage((await viewer.get('/follow-ups?status=closed').expect(200)).text)).toEqual([followUpId]);
  await editor.post(`/follow-ups/${followUpId}/status`).type('form').send({ _csrf: editor.csrf, status: 'open' }).expect(303);
  expect(await row()).toMatchObject({ status: 'open', closed_at: null });
});

test('an unknown status, a missing CSRF token, an unknown item: 400, 403, 404', async () => {
  await editor.post(`/follow-ups/${followUpId}/status`).type('form').send({ _csrf: editor.csrf, status: 'lost' }).expect(400);
  await editor.post(`/follow-ups/${followUpId}/status`).type('form').send({ status: 'closed' }).expect(403);
  expect((await row()).status).toBe('open');
  await editor.post('/follow-ups/999999/status').type('form').send({ _csrf: editor.csrf, status: 'closed' }).expect(404);
  await viewer.get('/follow-ups/999999').expect(404);
  await viewer.get('/follow-ups/abc').expect(404);
});

test('the queue pages by keyset, newest first', async () => {
  for (let i = 0; i < 34; i++) {
    await recordResponse(t.db, { surveyId, kind: 'nps', score: i % 7, comment: null, channel: 'api', locale: 'vi', answeredAt: new Date(Date.UTC(2026, 2, 1, i)) });
  }
  const expected: string[] = (await t.db.query(`SELECT id::text FROM follow_ups WHERE status = 'open' ORDER BY created_at DESC, id DESC`)).map((r: { id: string }) => r.id);
  expect(expected).toHaveLength(35);
  const first = (await viewer.get('/follow-ups').expect(200)).text;
  const next = /<a href="([^"]+)" rel="next">/.exec(first)?.[1].replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
  const second = (await viewer.get(next as string).expect(200)).text;
  expect([...idsOnPage(first), ...idsOnPage(second)]).toEqual(expected);
  expect(idsOnPage(first)).toHaveLength(30);
});
