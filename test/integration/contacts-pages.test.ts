import request from 'supertest';
import { parse } from 'csv-parse/sync';
import { startTestApp, type TestApp } from '../helpers/app';
import { eventually } from '../helpers/eventually';
import { makeContact, makeInvitation, makeSurvey } from '../helpers/factories';
import { loginAs, type Agent } from '../helpers/login';
import { startJobs, type Jobs } from '../../src/jobs';
import { recordResponse } from '../../src/modules/responses';

/** /manage/contacts: list, search, filters, keyset pages, a contact's page, unsubscribe, erasure, export, roles. */

type User = Agent & { csrf: string; email: string };

let t: TestApp;
let jobs: Jobs;
let editor: User;
let viewer: User;

beforeAll(async () => {
  t = await startTestApp();
  // The export is imported back: imports run as jobs.
  jobs = await startJobs({ ...t, logger: t.logger });
  editor = await loginAs(t, 'editor', { locale: 'en' });
  viewer = await loginAs(t, 'viewer', { locale: 'en' });
});
afterAll(async () => {
  await jobs.stop();
  await t.close();
});

/** The emails listed on a page of the contacts list, in order. */
function listedEmails(html: string): string[] {
  return [...html.matchAll(/<td data-label="Email" class="ct-break"><a href="\/manage\/contacts\/[0-9a-f-]{36}">([^<]*)<\/a><\/td>/g)].map((m) => m[1]);
}

function nextLink(html: string): string | null {
  const m = /<a class="button" href="([^"]+)" rel="next">/.exec(html);
  return m ? m[1].replace(/&amp;/g, '&').replace(/&#x3D;/g, '=') : null;
}

const form = (fields: Array<[string, string]>) => new URLSearchParams(fields).toString();

describe('the list', () => {
  beforeAll(async () => {
    await makeContact(t, 'an.nguyen@example.com', { name: 'Nguyễn Văn An', attributes: { segment: 'vip', orders: 5 }, createdAt: '2026-01-01T00:00:01Z' });
    await makeContact(t, 'binh@example.com', { name: 'Đỗ Thị Bình', locale: 'en', attributes: { segment: 'regular' }, createdAt: '2026-01-01T00:00:02Z', unsubscribed: true });
    await makeContact(t, 'JOHN.SMITH@Example.com', { name: 'John Smith', attributes: { region: 'hcm' }, createdAt: '2026-01-01T00:00:03Z' });
    await makeContact(t, 'percent%sign@example.com', { name: 'Literal Percent', createdAt: '2026-01-01T00:00:04Z' });
  });

  const search = async (query: Record<string, string>) => {
    const res = await viewer.get('/manage/contacts').query(query);
    expect(res.status).toBe(200);
    return listedEmails(res.text).sort();
  };

  test('shows every column a CX team needs, newest first, for a viewer', async () => {
    const res = await viewer.get('/manage/contacts');
    expect(res.status).toBe(200);
    expect(listedEmails(res.text)).toEqual(['percent%sign@example.com', 'JOHN.SMITH@Example.com', 'binh@example.com', 'an.nguyen@example.com']);
    expect(res.text).toContain('4 contacts');
    for (const text of ['Nguyễn Văn An', 'Vietnamese', 'English', 'segment: vip', 'orders: 5', 'Unsubscribed', 'Subscribed', '1 Jan 2026, 07:00']) {
      expect(res.text).toContain(text);
    }
    // A viewer sees no button that changes anything.
    expect(res.text).not.toContain('href="/manage/contacts/import"');
    expect(res.text).not.toContain('export.csv');
  });

  test('search ignores case and Vietnamese diacritics, over email and name', async () => {
    expect(await search({ q: 'nguyen van' })).toEqual(['an.nguyen@example.com']);
    expect(await search({ q: 'NGUYỄN' })).toEqual(['an.nguyen@example.com']);
    expect(await search({ q: 'do thi binh' })).toEqual(['binh@example.com']);
    expect(await search({ q: 'Đỗ' })).toEqual(['binh@example.com']);
    expect(await search({ q: 'john.smith@EXAMPLE' })).toEqual(['JOHN.SMITH@Example.com']);
    expect(await search({ q: 'nobody' })).toEqual([]);
    // % and _ are searched for as characters, not as wildcards.
    expect(await search({ q: '%' })).toEqual(['percent%sign@example.com']);
    expect(await search({ q: 'n_guyen' })).toEqual([]);
  });

  test('filters by attribute (key=value, or a key alone) and by unsubscribed state', async () => {
    expect(await search({ attr: 'segment=vip' })).toEqual(['an.nguyen@example.com']);
    expect(await search({ attr: 'orders=5' })).toEqual(['an.nguyen@example.com']);
    expect(await search({ attr: 'segment' })).toEqual(['an.nguyen@example.com', 'binh@example.com']);
    expect(await search({ status: 'unsubscribed' })).toEqual(['binh@example.com']);
    expect(await search({ status: 'subscribed', attr: 'segment' })).toEqual(['an.nguyen@example.com']);
    const none = await viewer.get('/manage/contacts').query({ q: 'zzz' });
    expect(none.text).toContain('No contacts match these filters.');
  });

  test('a filter that cannot be read gets a 400 page that says why', async () => {
    const bad = await viewer.get('/manage/contacts').query({ attr: 'bad key=1' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Write the attribute as key&#x3D;value');
    const status = await viewer.get('/manage/contacts').query({ status: 'maybe' });
    expect(status.status).toBe(400);
    const cursor = await viewer.get('/manage/contacts').query({ cursor: 'bm90IGEgY3Vyc29y' });
    expect(cursor.status).toBe(400);
    expect(cursor.text).toContain('This page link is not valid.');
  });
});

describe('keyset pages', () => {
  test('walk every contact exactly once, newest first, ties on created_at included', async () => {
    await t.db.query(`DELETE FROM contacts`);
    // 120 contacts; every 4 share a created_at, so the id decides their order.
    const values = Array.from({ length: 120 }, (_, i) => `('page${String(i).padStart(3, '0')}@example.com', '2026-02-01T00:00:00Z'::timestamptz + ${Math.floor(i / 4)} * interval '1 second')`);
    await t.db.query(`INSERT INTO contacts (email, created_at) VALUES ${values.join(',')}`);
    const expected: Array<{ email: string }> = await t.db.query(`SELECT email FROM contacts ORDER BY created_at DESC, id DESC`);

    const seen: string[] = [];
    let href: string | null = '/manage/contacts?q=page';
    let pages = 0;
    while (href) {
      const res = await viewer.get(href);
      expect(res.status).toBe(200);
      expect(res.text).toContain('120 contacts');
      seen.push(...listedEmails(res.text));
      href = nextLink(res.text);
      if (href) expect(href).toContain('q=page');
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(expected.map((r) => r.email));
  });
});

describe('a contact’s page', () => {
  let id: string;
  beforeAll(async () => {
    id = await makeContact(t, 'lan@example.com', { name: 'Lan', attributes: { segment: 'vip', orders: 3, member: true } });
    await makeContact(t, 'taken@example.com');
  });

  test('a viewer sees the contact without a form', async () => {
    const res = await viewer.get(`/manage/contacts/${id}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('lan@example.com');
    expect(res.text).toContain('segment: vip');
    expect(res.text).not.toContain('name="attrKey"');
    const post = await viewer.post(`/manage/contacts/${id}`).type('form').send(form([['_csrf', viewer.csrf], ['email', 'x@example.com'], ['name', 'X'], ['locale', 'en']]));
    expect(post.status).toBe(403);
    expect((await t.db.query(`SELECT email FROM contacts WHERE id = $1`, [id]))[0].email).toBe('lan@example.com');
  });

  test('an editor changes name, language and attributes; untouched numbers and booleans keep their type', async () => {
    const page = await editor.get(`/manage/contacts/${id}`);
    expect(page.text).toContain('name="attrKey"');
    const res = await editor.post(`/manage/contacts/${id}`).type('form').send(form([
      ['_csrf', editor.csrf], ['email', 'lan@example.com'], ['name', 'Nguyễn Thị Lan'], ['locale', 'en'],
      ['attrKey', 'segment'], ['attrValue', 'gold'],
      ['attrKey', 'orders'], ['attrValue', '3'],
      ['attrKey', 'member'], ['attrValue', 'true'],
      ['attrKey', 'thanh_pho'], ['attrValue', 'Hà Nội'],
      ['attrKey', ''], ['attrValue', ''],
    ]));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/manage/contacts/${id}`);
    const [row] = await t.db.query(`SELECT name, locale, attributes FROM contacts WHERE id = $1`, [id]);
    expect(row).toEqual({ name: 'Nguyễn Thị Lan', locale: 'en', attributes: { segment: 'gold', orders: 3, member: true, thanh_pho: 'Hà Nội' } });
    expect((await editor.get(`/manage/contacts/${id}`)).text).toContain('Contact saved.');
  });

  test('clearing a key removes the attribute', async () => {
    const res = await editor.post(`/manage/contacts/${id}`).type('form').send(form([
      ['_csrf', editor.csrf], ['email', 'lan@example.com'], ['name', 'Nguyễn Thị Lan'], ['locale', 'en'],
      ['attrKey', 'segment'], ['attrValue', 'gold'], ['attrKey', ''], ['attrValue', ''],
    ]));
    expect(res.status).toBe(303);
    expect((await t.db.query(`SELECT attributes FROM contacts WHERE id = $1`, [id]))[0].attributes).toEqual({ segment: 'gold' });
  });

  test('bad input is shown again with its problems, and nothing changes', async () => {
    const before = await t.db.query(`SELECT email, name, locale, attributes FROM contacts WHERE id = $1`, [id]);
    const res = await editor.post(`/manage/contacts/${id}`).type('form').send(form([
      ['_csrf', editor.csrf], ['email', 'not an email'], ['name', '<script>alert(1)</script>'], ['locale', 'fr'],
      ['attrKey', 'thành phố'], ['attrValue', 'x'], ['attrKey', ''], ['attrValue', 'orphan'],
    ]));
    expect(res.status).toBe(400);
    expect(res.text).toContain('Enter a valid email address.');
    expect(res.text).toContain('Choose Vietnamese or English.');
    expect(res.text).toContain('A key is letters without accents');
    expect(res.text).toContain('Give this value a key.');
    expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(await t.db.query(`SELECT email, name, locale, attributes FROM contacts WHERE id = $1`, [id])).toEqual(before);
  });

  test('another contact’s email is refused (409)', async () => {
    const res = await editor.post(`/manage/contacts/${id}`).type('form').send(form([
      ['_csrf', editor.csrf], ['email', 'TAKEN@example.com'], ['name', 'Lan'], ['locale', 'vi'],
    ]));
    expect(res.status).toBe(409);
    expect(res.text).toContain('Another contact already has this email.');
  });

  test('unsubscribe and resubscribe set and clear unsubscribed_at', async () => {
    const off = await editor.post(`/manage/contacts/${id}/subscription`).type('form').send({ _csrf: editor.csrf, action: 'unsubscribe' });
    expect(off.status).toBe(303);
    const [a] = await t.db.query(`SELECT unsubscribed_at FROM contacts WHERE id = $1`, [id]);
    expect(a.unsubscribed_at).toBeInstanceOf(Date);
    const page = await editor.get(`/manage/contacts/${id}`);
    expect(page.text).toContain('Unsubscribed on');
    expect(page.text).toContain('value="resubscribe"');
    const on = await editor.post(`/manage/contacts/${id}/subscription`).type('form').send({ _csrf: editor.csrf, action: 'resubscribe' });
    expect(on.status).toBe(303);
    expect((await t.db.query(`SELECT unsubscribed_at FROM contacts WHERE id = $1`, [id]))[0].unsubscribed_at).toBeNull();
    const bad = await editor.post(`/manage/contacts/${id}/subscription`).type('form').send({ _csrf: editor.csrf, action: 'maybe' });
    expect(bad.status).toBe(400);
    const noToken = await editor.post(`/manage/contacts/${id}/subscription`).type('form').send({ action: 'unsubscribe' });
    expect(noToken.status).toBe(403);
    const byViewer = await viewer.post(`/manage/contacts/${id}/subscription`).type('form').send({ _csrf: viewer.csrf, action: 'unsubscribe' });
    expect(byViewer.status).toBe(403);
    expect((await t.db.query(`SELECT unsubscribed_at FROM contacts WHERE id = $1`, [id]))[0].unsubscribed_at).toBeNull();
  });

  test('an editor adds a contact by hand; a known email is refused', async () => {
    const res = await editor.post('/manage/contacts/new').type('form').send(form([
      ['_csrf', editor.csrf], ['email', 'new.person@example.com'], ['name', 'Người Mới'], ['locale', 'vi'], ['attrKey', 'source'], ['attrValue', 'hotline'],
    ]));
    expect(res.status).toBe(303);
    const [row] = await t.db.query(`SELECT id, name, attributes FROM contacts WHERE email = 'new.person@example.com'`);
    expect(res.headers.location).toBe(`/manage/contacts/${row.id}`);
    expect(row).toMatchObject({ name: 'Người Mới', attributes: { source: 'hotline' } });
    const again = await editor.post('/manage/contacts/new').type('form').send(form([['_csrf', editor.csrf], ['email', 'NEW.person@example.com'], ['locale', 'vi']]));
    expect(again.status).toBe(400);
    expect(again.text).toContain('Another contact already has this email.');
    expect((await viewer.get('/manage/contacts/new')).status).toBe(403);
  });

  test('an unknown or malformed id is a 404 page', async () => {
    expect((await viewer.get('/manage/contacts/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await viewer.get('/manage/contacts/not-an-id')).status).toBe(404);
    const unknown = '/manage/contacts/00000000-0000-4000-8000-000000000000';
    expect((await editor.post(`${unknown}/subscription`).type('form').send({ _csrf: editor.csrf, action: 'unsubscribe' })).status).toBe(404);
    expect((await editor.post(unknown).type('form').send({ _csrf: editor.csrf, email: 'x@example.com', locale: 'vi' })).status).toBe(404);
    expect((await editor.get(`${unknown}/delete`)).status).toBe(404);
  });

  test('without a session, the list sends the visitor to log in', async () => {
    const res = await request(t.app).get('/manage/contacts');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fmanage%2Fcontacts');
  });
});

describe('deleting a contact erases its personal data and keeps the scores', () => {
  const auth = () => ({ Authorization: `Bearer ${t.apiKey}` });

  test('responses stay (anonymised), the contact goes, invitations lose it, and the rollup is unchanged', async () => {
    const { id: surveyId } = await makeSurvey(t, {
      kind: 'nps', title: 'Hotline NPS', touchpoint: { key: 'hotline', stageKey: 'retention', name: { vi: 'Tổng đài', en: 'Hotline' }, channel: 'phone' },
    });
    const contactId = await makeContact(t, 'erase.me@example.com', { name: 'Trần Thị Xoá', attributes: { plan: 'gold' } });
    const other = await makeContact(t, 'keep.me@example.com', { name: 'Giữ Lại' });
    const { id: invitationId } = await makeInvitation(t, surveyId, contactId, { token: 'tok-erase-1' });
    const answer = (score: number, extra: Record<string, unknown>) => recordResponse(t.db, {
      surveyId, kind: 'nps', score, comment: `Góp ý ${score}`, channel: 'email', locale: 'vi', ...extra,
    });
    await answer(3, { contactId, invitationId, hidden: { order: 'HD-1001' } });
    await answer(10, { contactId, hidden: { staff: 'lan' }, answeredAt: new Date('2026-03-01T10:00:00Z') });
    await answer(8, { contactId: other, hidden: { store: 'q1' } });

    const rollup = () => t.db.query(
      `SELECT survey_id, day::text, channel, score, sum(count)::int AS n
       FROM (SELECT survey_id, day, channel, score, count FROM response_daily UNION ALL SELECT survey_id, day, channel, score, n FROM response_rollup_delta) x
       GROUP BY 1, 2, 3, 4 HAVING sum(count) <> 0 ORDER BY 1, 2, 3, 4`);
    const metrics = () => request(t.app).get('/api/v1/metrics').query({ kind: 'nps', by: 'survey', from: '2026-01-01', to: '2027-12-31' }).set(auth());
    const rollupBefore = await rollup();
    const metricsBefore = (await metrics()).body;
    expect(rollupBefore.length).toBeGreaterThan(0);

    const confirm = await editor.get(`/manage/contacts/${contactId}/delete`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Responses (2) stay in the scores, anonymised');
    expect(confirm.text).toContain('Invitations (1) are no longer linked');

    const unconfirmed = await editor.post(`/manage/contacts/${contactId}/delete`).type('form').send({ _csrf: editor.csrf });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.text).toContain('Tick the confirmation box to delete.');
    const byViewer = await viewer.post(`/manage/contacts/${contactId}/delete`).type('form').send({ _csrf: viewer.csrf, confirm: 'yes' });
    expect(byViewer.status).toBe(403);
    expect((await viewer.get(`/manage/contacts/${contactId}/delete`)).status).toBe(403);
    expect(await t.db.query(`SELECT id FROM contacts WHERE id = $1`, [contactId])).toHaveLength(1);

    const res = await editor.post(`/manage/contacts/${contactId}/delete`).type('form').send({ _csrf: editor.csrf, confirm: 'yes' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/manage/contacts');
    expect((await editor.get('/manage/contacts')).text).toContain('Contact deleted. Responses kept, anonymised: 2.');

    expect(await t.db.query(`SELECT id FROM contacts WHERE id = $1 OR email = 'erase.me@example.com'`, [contactId])).toEqual([]);
    const responses = await t.db.query(`SELECT score, comment, contact_id, invitation_id, hidden FROM responses WHERE survey_id = $1 ORDER BY score`, [surveyId]);
    expect(responses).toEqual([
      { score: 3, comment: 'Góp ý 3', contact_id: null, invitation_id: invitationId, hidden: {} },
      { score: 8, comment: 'Góp ý 8', contact_id: other, invitation_id: null, hidden: { store: 'q1' } },
      { score: 10, comment: 'Góp ý 10', contact_id: null, invitation_id: null, hidden: {} },
    ]);
    expect(await t.db.query(`SELECT contact_id FROM invitations WHERE id = $1`, [invitationId])).toEqual([{ contact_id: null }]);
    expect(await rollup()).toEqual(rollupBefore);
    expect((await metrics()).body).toEqual(metricsBefore);

    const gone = await editor.post(`/manage/contacts/${contactId}/delete`).type('form').send({ _csrf: editor.csrf, confirm: 'yes' });
    expect(gone.status).toBe(404);
  });

  test('the built-in mailbox drops the emails sent to the erased address', async () => {
    const contactId = await makeContact(t, 'mailed@example.com');
    await t.db.query(`INSERT INTO mailbox_messages (message_id, sender, recipients, recipient_addresses, subject) VALUES
      ('<a@x>', 'Touchpoint <no-reply@localhost>', '"Mailed" <Mailed@example.com>', '{mailed@example.com}', 'Invitation'),
      ('<b@x>', 'Touchpoint <no-reply@localhost>', 'kept@example.com', '{kept@example.com}', 'Invitation')`);
    await editor.post(`/manage/contacts/${contactId}/delete`).type('form').send({ _csrf: editor.csrf, confirm: 'yes' }).expect(303);
    expect(await t.db.query(`SELECT recipients FROM mailbox_messages ORDER BY id`)).toEqual([{ recipients: 'kept@example.com' }]);
  });

  test('a webhook delivery still waiting to be sent forgets the erased address and hidden fields; others keep theirs', async () => {
    const contactId = await makeContact(t, 'hooked@example.com');
    const [{ id: hookId }] = await t.db.query(`INSERT INTO webhooks (url, events, secret) VALUES ('https://hooks.example.com/in', '{response.created}', 'whsec_dGVzdA==') RETURNING id`);
    const body = (email: string, id: string) => JSON.stringify({ type: 'response.created', id, timestamp: '2026-05-01T00:00:00Z',
      data: { response: { id: '1', score: 2, contactEmail: email, hidden: { order: 'A-17' } } } });
    await t.db.query(`INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, body, status) VALUES
      ($1, 'evt_a', 'response.created', $2, 'retrying'), ($1, 'evt_b', 'response.created', $3, 'pending')`,
    [hookId, body('Hooked@example.com', 'evt_a'), body('kept@example.com', 'evt_b')]);
    await editor.post(`/manage/contacts/${contactId}/delete`).type('form').send({ _csrf: editor.csrf, confirm: 'yes' }).expect(303);
    // Only this test's two deliveries: the running dispatcher may also deliver earlier tests' answers to this webhook.
    const rows: Array<{ event_id: string; body: string }> = await t.db.query(`SELECT event_id, body FROM webhook_deliveries WHERE event_id IN ('evt_a', 'evt_b') ORDER BY event_id`);
    expect(rows.map((r) => r.event_id)).toEqual(['evt_a', 'evt_b']);
    expect(rows[0].body).not.toMatch(/hooked@example\.com|A-17/i);
    expect(JSON.parse(rows[0].body).data.response).toMatchObject({ id: '1', score: 2, contactEmail: null, hidden: {} });
    expect(JSON.parse(rows[1].body).data.response).toMatchObject({ contactEmail: 'kept@example.com', hidden: { order: 'A-17' } });
  });

  test('an import error report forgets the erased address', async () => {
    const contactId = await makeContact(t, 'reported@example.com');
    await t.db.query(`INSERT INTO contact_imports (file_name, status, errors) VALUES ('x.csv', 'done', $1)`,
      [JSON.stringify([{ row: 2, email: 'REPORTED@example.com', code: 'duplicate', vars: { first: 1 } }, { row: 3, email: 'other@example.com', code: 'email_invalid' }])]);
    await editor.post(`/manage/contacts/${contactId}/delete`).type('form').send({ _csrf: editor.csrf, confirm: 'yes' }).expect(303);
    const [{ errors }] = await t.db.query(`SELECT errors FROM contact_imports WHERE file_name = 'x.csv'`);
    expect(errors).toEqual([{ row: 2, email: '', code: 'duplicate', vars: { first: 1 } }, { row: 3, email: 'other@example.com', code: 'email_invalid' }]);
  });
});

describe('export', () => {
  async function download(agent: User, query: Record<string, string> = {}) {
    return agent.get('/manage/contacts/export.csv').query(query).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  }

  test('streams UTF-8 with a BOM, one column per attribute, formulas neutralised', async () => {
    await t.db.query(`DELETE FROM contacts`);
    await makeContact(t, 'formula@example.com', { name: '=HYPERLINK("http://evil.example","click")', attributes: { note: '+1 555', debt: '-2', at: '@SUM(A1)', tab: '\tx', wide: '\uFF1D1+1' }, createdAt: '2026-05-01T01:00:00Z' });
    await makeContact(t, 'viet@example.com', { name: 'Phạm Thị Hồng Nhung', locale: 'en', attributes: { segment: 'vip', orders: 7 }, createdAt: '2026-05-02T01:00:00Z', unsubscribed: true });
    const res = await download(editor);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="contacts-\d{4}-\d{2}-\d{2}\.csv"$/);
    const text = (res.body as Buffer).toString('utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const [header, ...rows]: string[][] = parse(text.slice(1));
    expect(header).toEqual(['email', 'name', 'locale', 'at', 'debt', 'note', 'orders', 'segment', 'tab', 'wide', 'unsubscribed_at', 'created_at']);
    expect(rows).toHaveLength(2);
    const byEmail = Object.fromEntries(rows.map((r) => [r[0], r]));
    expect(byEmail['formula@example.com']).toEqual([
      'formula@example.com', '\'=HYPERLINK("http://evil.example","click")', 'vi', '\'@SUM(A1)', '\'-2', '\'+1 555', '', '', '\'\tx', '\'\uFF1D1+1', '', '2026-05-01T08:00:00.000+07:00',
    ]);
    expect(byEmail['viet@example.com'].slice(0, 10)).toEqual(['viet@example.com', 'Phạm Thị Hồng Nhung', 'en', '', '', '', '7', 'vip', '', '']);
    expect(byEmail['viet@example.com'][10]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+07:00$/);
  });

  test('follows the list filters, and imports back as it is', async () => {
    const res = await download(editor, { attr: 'segment=vip' });
    const [, ...rows]: string[][] = parse((res.body as Buffer).toString('utf8').slice(1));
    expect(rows.map((r) => r[0])).toEqual(['viet@example.com']);

    const before = await t.db.query(`SELECT email, name, locale, attributes, unsubscribed_at FROM contacts ORDER BY email`);
    const all = await download(editor);
    const upload = await editor.post('/manage/contacts/import').field('_csrf', editor.csrf)
      .attach('file', all.body as Buffer, { filename: 'export.csv', contentType: 'text/csv' });
    expect(upload.status).toBe(303);
    const id = upload.headers.location.split('/').pop();
    const row = await eventually(async () => {
      const [r] = await t.db.query(`SELECT status, failed, created FROM contact_imports WHERE id = $1`, [id]);
      return r.status !== 'running' && r;
    }, { what: 'the import to finish', timeoutMs: 10_000 });
    expect(row).toEqual({ status: 'done', failed: 0, created: 0 });
    // Values come back as text ("7"), which segment filters still match; everything else is as it was.
    const after = await t.db.query(`SELECT email, name, locale, attributes, unsubscribed_at FROM contacts ORDER BY email`);
    expect(after.map((r: { attributes: Record<string, unknown> }) => ({ ...r, attributes: Object.fromEntries(Object.entries(r.attributes).map(([k, v]) => [k, String(v)])) })))
      .toEqual(before.map((r: { attributes: Record<string, unknown> }) => ({ ...r, attributes: Object.fromEntries(Object.entries(r.attributes).map(([k, v]) => [k, String(v)])) })));
  });

  test('a viewer cannot export', async () => {
    expect((await viewer.get('/manage/contacts/export.csv')).status).toBe(403);
  });
});

describe('the import report page', () => {
  test('refreshes itself and shows progress while an import runs', async () => {
    const [{ id }] = await t.db.query(
      `INSERT INTO contact_imports (file_name, status, total, processed, created) VALUES ('big.csv', 'running', 100000, 42000, 41000) RETURNING id`);
    const res = await editor.get(`/manage/contacts/imports/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.refresh).toBe('2');
    expect(res.text).toContain('<progress class="ct-progress" max="100000" value="42000">');
    expect(res.text).toContain('42,000 of 100,000 rows processed');
  });

  test('an import that has not moved for a while is still running: its job resumes it, a page view does not end it', async () => {
    const [{ id }] = await t.db.query(
      `INSERT INTO contact_imports (file_name, status, total, processed, updated_at) VALUES ('slow.csv', 'running', 10, 5, now() - interval '10 minutes') RETURNING id`);
    const res = await editor.get(`/manage/contacts/imports/${id}`);
    expect(res.headers.refresh).toBe('2');
    expect(res.text).not.toContain('The import was interrupted');
    expect((await t.db.query(`SELECT status, message FROM contact_imports WHERE id = $1`, [id]))[0]).toEqual({ status: 'running', message: null });
  });

  test('an import its jobs gave up on is reported as interrupted', async () => {
    const [{ id }] = await t.db.query(
      `INSERT INTO contact_imports (file_name, status, total, processed, message, finished_at) VALUES ('cut.csv', 'failed', 10, 5, 'interrupted', now()) RETURNING id`);
    const res = await editor.get(`/manage/contacts/imports/${id}`);
    expect(res.headers.refresh).toBeUndefined();
    expect(res.text).toContain('The import was interrupted');
  });

  test('an unknown import is a 404', async () => {
    expect((await editor.get('/manage/contacts/imports/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});
