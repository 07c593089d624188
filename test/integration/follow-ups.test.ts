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

test('a viewer reads an item but has no form, and cannot change it', async () => {
  const html = (await viewer.get(`/follow-ups/${followUpId}`).expect(200)).text;
  expect(html).not.toContain(`action="/follow-ups/${followUpId}"`);
  expect(html).toContain('Vai trò Xem chỉ đọc được mục này.');
  await viewer.post(`/follow-ups/${followUpId}`).type('form').send({ _csrf: viewer.csrf, status: 'closed', assignee: '' }).expect(403);
  await viewer.post('/follow-ups/bulk').type('form').send({ _csrf: viewer.csrf, ids: followUpId, action: 'close' }).expect(403);
  expect((await row()).status).toBe('open');
});

const save = (agent: Agent & { csrf: string }, fields: Record<string, string>, id = followUpId) =>
  agent.post(`/follow-ups/${id}`).type('form').send({ _csrf: agent.csrf, ...fields });

test('assign, note and close in one save; each change is on the timeline with who and when', async () => {
  const [me] = await t.db.query(`SELECT id, coalesce(nullif(name, ''), email) AS name FROM users WHERE email = $1`, [editor.email]);
  await save(editor, { status: 'closed', assignee: me.id, note: 'Called back, refunded the fee.' }).expect(303);
  expect(await row()).toMatchObject({ status: 'closed', assignee_user_id: me.id });
  expect((await row()).closed_at).toBeInstanceOf(Date);
  const events = await t.db.query(`SELECT kind, actor_user_id, status, assignee_user_id, note FROM follow_up_events WHERE follow_up_id = $1 ORDER BY id`, [followUpId]);
  expect(events.map((e: { kind: string }) => e.kind)).toEqual(['opened', 'assigned', 'status', 'note']);
  expect(events.slice(1).every((e: { actor_user_id: string }) => e.actor_user_id === me.id)).toBe(true);
  const html = (await editor.get(`/follow-ups/${followUpId}`).expect(200)).text;
  expect(html).toContain(`Assigned to ${me.name}`);
  expect(html).toContain('Status changed to Closed');
  expect(html).toContain('Called back, refunded the fee.');
  expect(html).toMatch(/<time datetime="[^"]+">\d{1,2} \w{3} \d{4}, \d{2}:\d{2}<\/time> · <strong>/);
  // The same timeline read in Vietnamese: the times follow the reader's language, not the writer's.
  const vi = (await viewer.get(`/follow-ups/${followUpId}`).expect(200)).text;
  expect(vi).toMatch(/<time datetime="[^"]+">\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}<\/time>/);
  expect(vi).toContain('Chuyển trạng thái sang Đã đóng');
  // Saving the same values again changes nothing and writes nothing.
  await save(editor, { status: 'closed', assignee: me.id, note: '' }).expect(303);
  expect(await t.db.query(`SELECT count(*)::int AS n FROM follow_up_events WHERE follow_up_id = $1`, [followUpId])).toEqual([{ n: 4 }]);
  await save(editor, { status: 'open', assignee: '' }).expect(303);
  expect(await row()).toMatchObject({ status: 'open', closed_at: null, assignee_user_id: null });
});

test('"assigned to me", by one assignee, by touchpoint, stage and age', async () => {
  const [me] = await t.db.query(`SELECT id FROM users WHERE email = $1`, [editor.email]);
  await save(editor, { status: 'open', assignee: me.id }).expect(303);
  expect(idsOnPage((await editor.get('/follow-ups?assignee=me').expect(200)).text)).toEqual([followUpId]);
  expect(idsOnPage((await editor.get(`/follow-ups?assignee=${me.id}`).expect(200)).text)).toEqual([followUpId]);
  expect(idsOnPage((await editor.get('/follow-ups?assignee=none').expect(200)).text)).toEqual([]);
  expect(idsOnPage((await viewer.get('/follow-ups?touchpoint=hotline').expect(200)).text)).toEqual([followUpId]);
  expect(idsOnPage((await viewer.get('/follow-ups?stage=retention').expect(200)).text)).toEqual([followUpId]);
  expect(idsOnPage((await viewer.get('/follow-ups?stage=awareness').expect(200)).text)).toEqual([]);
  expect(idsOnPage((await viewer.get('/follow-ups?age=3d').expect(200)).text)).toEqual([]);
  await t.db.query(`UPDATE follow_ups SET created_at = now() - interval '4 days' WHERE id = $1`, [followUpId]);
  const aged = (await viewer.get('/follow-ups?age=3d').expect(200)).text;
  expect(idsOnPage(aged)).toEqual([followUpId]);
  expect(aged).toContain('<span class="small" data-age>4 ngày</span>');
  await t.db.query(`UPDATE follow_ups SET created_at = now() WHERE id = $1`, [followUpId]);
});

test('assigning to a viewer or to nobody known is refused with a 400, nothing stored', async () => {
  const before = await row();
  const [v] = await t.db.query(`SELECT id FROM users WHERE email = $1`, [viewer.email]);
  const res = await save(editor, { status: 'in_progress', assignee: v.id, note: 'kept' }).expect(400);
  expect(res.text).toContain('Please choose an editor or an admin.');
  expect(res.text).toContain('>kept</textarea>');
  await save(editor, { status: 'in_progress', assignee: '00000000-0000-4000-8000-000000000000' }).expect(400);
  await save(editor, { status: 'in_progress', assignee: 'bob' }).expect(400);
  expect(await row()).toEqual(before);
});

test('notes are shown escaped; a too long one is a 400 with the form kept, nothing stored', async () => {
  await save(editor, { status: 'open', assignee: '', note: '<script>alert(1)</script>' }).expect(303);
  const html = (await editor.get(`/follow-ups/${followUpId}`).expect(200)).text;
  expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(html).not.toContain('<script>alert(1)</script>');
  const before = await row();
  const long = await save(editor, { status: 'closed', assignee: '', note: 'x'.repeat(2001) }).expect(400);
  expect(long.text).toContain('x'.repeat(2001));
  expect(await row()).toEqual(before);
});

test('an unknown status, a missing CSRF token, an unknown item: 400, 403, 404', async () => {
  await save(editor, { status: 'lost', assignee: '' }).expect(400);
  await editor.post(`/follow-ups/${followUpId}`).type('form').send({ status: 'closed', assignee: '' }).expect(403);
  expect((await row()).status).toBe('open');
  await save(editor, { status: 'closed', assignee: '' }, '999999').expect(404);
  await viewer.get('/follow-ups/999999').expect(404);
  await viewer.get('/follow-ups/abc').expect(404);
});

test('a new follow-up goes to the touchpoint owner (an editor), and says so on its timeline', async () => {
  const [owner] = await t.db.query(`SELECT id, coalesce(nullif(name, ''), email) AS name FROM users WHERE email = $1`, [editor.email]);
  await t.db.query(`UPDATE touchpoints SET owner_user_id = $1 WHERE key = 'hotline'`, [owner.id]);
  await request(t.app).post(`/s/${surveyId}`).type('form').send({ score: '1', comment: 'Rude' }).expect(303);
  const [f] = await t.db.query(`SELECT f.id, f.assignee_user_id FROM follow_ups f JOIN responses r ON r.id = f.response_id WHERE r.comment = 'Rude'`);
  expect(f.assignee_user_id).toBe(owner.id);
  expect((await editor.get(`/follow-ups/${f.id}`).expect(200)).text).toContain(`Opened, assigned to ${owner.name} (the touchpoint owner)`);
  // A viewer owning the touchpoint cannot work on it: the item stays unassigned.
  const [v] = await t.db.query(`SELECT id FROM users WHERE email = $1`, [viewer.email]);
  await t.db.query(`UPDATE touchpoints SET owner_user_id = $1 WHERE key = 'hotline'`, [v.id]);
  await request(t.app).post(`/s/${surveyId}`).type('form').send({ score: '2', comment: 'Slow' }).expect(303);
  const [g] = await t.db.query(`SELECT f.assignee_user_id FROM follow_ups f JOIN responses r ON r.id = f.response_id WHERE r.comment = 'Slow'`);
  expect(g.assignee_user_id).toBeNull();
  await t.db.query(`UPDATE touchpoints SET owner_user_id = NULL WHERE key = 'hotline'`);
  await t.db.query(`DELETE FROM follow_ups f USING responses r WHERE r.id = f.response_id AND r.comment IN ('Rude', 'Slow')`);
});

test('bulk: assign several to one editor, then close them; a bad selection stores nothing', async () => {
  const extra = [];
  for (const score of [0, 4]) {
    const r = await recordResponse(t.db, { surveyId, kind: 'nps', score, comment: null, channel: 'api', locale: 'vi', answeredAt: new Date() });
    extra.push((await t.db.query(`SELECT id::text FROM follow_ups WHERE response_id = $1`, [r.id]))[0].id);
  }
  const [me] = await t.db.query(`SELECT id FROM users WHERE email = $1`, [editor.email]);
  const bulk = (fields: Record<string, unknown>) => editor.post('/follow-ups/bulk').type('form').send({ _csrf: editor.csrf, back: '/follow-ups?status=all', ...fields });
  await bulk({ ids: extra, action: 'assign', assignee: me.id }).expect(303).expect('Location', '/follow-ups?status=all');
  expect((await t.db.query(`SELECT DISTINCT assignee_user_id FROM follow_ups WHERE id = ANY($1::bigint[])`, [extra]))).toEqual([{ assignee_user_id: me.id }]);
  await bulk({ ids: extra, action: 'close' }).expect(303);
  expect((await t.db.query(`SELECT DISTINCT status FROM follow_ups WHERE id = ANY($1::bigint[])`, [extra]))).toEqual([{ status: 'closed' }]);
  const [v] = await t.db.query(`SELECT id FROM users WHERE email = $1`, [viewer.email]);
  await bulk({ ids: extra, action: 'assign', assignee: v.id }).expect(303);
  await bulk({ ids: ['abc'], action: 'close' }).expect(303);
  await bulk({ ids: extra, action: 'assign', back: 'https://evil.example/' }).expect(303).expect('Location', '/follow-ups');
  expect((await t.db.query(`SELECT DISTINCT assignee_user_id FROM follow_ups WHERE id = ANY($1::bigint[])`, [extra]))).toEqual([{ assignee_user_id: me.id }]);
  const kinds = await t.db.query(`SELECT kind FROM follow_up_events WHERE follow_up_id = $1 ORDER BY id`, [extra[0]]);
  expect(kinds.map((k: { kind: string }) => k.kind)).toEqual(['opened', 'assigned', 'status']);
  await t.db.query(`DELETE FROM follow_ups WHERE id = ANY($1::bigint[])`, [extra]);
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
