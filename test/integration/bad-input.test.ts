import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { apiClient, detailPaths, expectApiError } from '../helpers/api';
import { makeContact, makeInvitedContact, makeSurvey } from '../helpers/factories';
import { csrfFrom, loginAs, type Agent } from '../helpers/login';
import { encodeCursor } from '../../src/web/params';

/**
 * Bad input reaching the app (issue 14 §3, §4, §9): the one input layer (NUL, invalid UTF-8, lone
 * surrogates, control and bidi characters, `__proto__`) on forms, query strings and JSON bodies, and the
 * parameter schemas whose accepted values PostgreSQL also accepts. Each answer is a 4xx a person can read
 * (a page in their language, or the API's error contract), never a 500, and nothing is stored.
 */
let t: TestApp;
let editor: Agent & { csrf: string; email: string };
let admin: Agent & { csrf: string; email: string };
let surveyId: string;
let followUpId: string;
const api = apiClient(() => t);

const BAD_CHARACTERS_EN = 'What was sent contains characters that cannot be read or stored';
const BAD_CHARACTERS_VI = 'Nội dung gửi lên có ký tự không đọc hoặc không lưu được';
const ONE_LINE_EN = 'Keep it to one line, without control or text-direction characters.';
const NUL = '\u0000';

const count = async (table: string): Promise<number> => (await t.db.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n;

/** A raw JSON body (escapes such as \ud800 kept as the client wrote them) on the API. */
const rawJson = (path: string, body: string | Buffer) =>
  request(t.app).post(`/api/v1${path}`).set('Authorization', `Bearer ${t.apiKey}`).set('Content-Type', 'application/json')
    .serialize((raw) => raw).send(body as unknown as string);

/** An English page refusing the input: 400, the message in the reader's language, the dashboard around it. */
function expectRefusedPage(res: request.Response, message = BAD_CHARACTERS_EN): void {
  expect(res.status).toBe(400);
  expect(res.text).toContain(message);
}

beforeAll(async () => {
  t = await startTestApp();
  surveyId = (await makeSurvey(t, { kind: 'nps', title: 'Quầy NPS', touchpoint: { key: 'quay', stageKey: 'decision', name: { vi: 'Quầy', en: 'Counter' }, channel: 'store' } })).id;
  await request(t.app).post(`/s/${surveyId}`).type('form').send({ score: '2', comment: 'Chậm' }).expect(303);
  followUpId = (await t.db.query(`SELECT id FROM follow_ups`))[0].id;
  editor = await loginAs(t, 'editor', { locale: 'en' });
  admin = await loginAs(t, 'admin', { locale: 'en' });
});
afterAll(async () => { await t.close(); });

describe('survey pages (respondents)', () => {
  test('a comment with one invalid UTF-8 byte is refused in the respondent’s language, not stored percent-encoded', async () => {
    const before = await count('responses');
    const vi = await request(t.app).post(`/s/${surveyId}`).type('form').send('score=9&comment=caf%C3%A9%FF');
    expectRefusedPage(vi, BAD_CHARACTERS_VI);
    const en = await request(t.app).post(`/s/${surveyId}?lang=en`).type('form').send('score=9&comment=caf%C3%A9%FF');
    expectRefusedPage(en);
    // A stray % would also leave the whole comment percent-encoded: browsers always encode it, so it is refused.
    expectRefusedPage(await request(t.app).post(`/s/${surveyId}?lang=en`).type('form').send('score=9&comment=caf%C3%A9+100%'));
    // Raw bytes that are not UTF-8, and an encoded surrogate (not UTF-8 either).
    expectRefusedPage(await request(t.app).post(`/s/${surveyId}?lang=en`).type('form').serialize((raw) => raw)
      .send(Buffer.from('score=9&comment=caf\xe9', 'latin1') as unknown as string));
    expectRefusedPage(await request(t.app).post(`/s/${surveyId}?lang=en`).type('form').send('score=9&comment=%ED%A0%80'));
    expect(await count('responses')).toBe(before);
    expect(await t.db.query(`SELECT comment FROM responses WHERE comment LIKE '%\\%%'`)).toEqual([]);
  });

  test('a NUL in a comment, in a hidden field of the link, or in an invitation’s answer is a 400 page, nothing stored', async () => {
    const { token } = await makeInvitedContact(t, surveyId);
    const before = await count('responses');
    expectRefusedPage(await request(t.app).post(`/s/${surveyId}?lang=en`).type('form').send({ score: '9', comment: `a${NUL}b` }));
    expectRefusedPage(await request(t.app).post(`/s/${surveyId}?lang=en&store=q1${encodeURIComponent(NUL)}`).type('form').send({ score: '9' }));
    expectRefusedPage(await request(t.app).get(`/s/${surveyId}?lang=en&store=q1%00`));
    expectRefusedPage(await request(t.app).post(`/i/${token}?lang=en`).type('form').send({ score: '9', comment: `a${NUL}b` }));
    expectRefusedPage(await request(t.app).get(`/s/${surveyId}?lang=en&store=%FF`));
    expect(await count('responses')).toBe(before);
  });

  test('a comment keeps its lines and tabs and loses the other control characters', async () => {
    await request(t.app).post(`/s/${surveyId}`).type('form')
      .send({ score: '10', comment: 'Dòng một\r\nDòng hai\u0007\u001b[31m\tđỏ\u0085\u007f' }).expect(303);
    const [row] = await t.db.query(`SELECT comment FROM responses ORDER BY id DESC LIMIT 1`);
    expect(row.comment).toBe('Dòng một\nDòng hai[31m\tđỏ');
  });

  test('hidden fields of a link are single-line; a literal % in one is still read as typed', async () => {
    const before = await count('responses');
    for (const value of ['a%0Ab', 'a%0D%0Ab', '%E2%80%AEevil']) {
      const res = await request(t.app).post(`/s/${surveyId}?lang=en&store=${value}`).type('form').send({ score: '9' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('This survey link has invalid parameters');
    }
    expect(await count('responses')).toBe(before);
    const page = await request(t.app).get(`/s/${surveyId}?campaign=50%off`);
    expect(page.status).toBe(200);
    await request(t.app).post(`/s/${surveyId}?campaign=50%off`).type('form').send({ score: '9' }).expect(303);
    expect((await t.db.query(`SELECT hidden FROM responses ORDER BY id DESC LIMIT 1`))[0].hidden).toEqual({ campaign: '50%off' });
  });
});

describe('the API', () => {
  test('a lone surrogate in any field stored as JSON is a 400 naming the field, nothing stored', async () => {
    const contactsBefore = await count('contacts');
    const cases: Array<[string, string, string]> = [
      ['/contacts', '{"email":"s1@example.com","name":"\\ud800"}', 'name'],
      ['/contacts', '{"email":"s2@example.com","attributes":{"city":"H\\udc00"}}', 'attributes.city'],
      ['/contacts', '[{"email":"s3@example.com","name":"\\ud83d"}]', '0.name'],
      [`/surveys/${surveyId}/invitations`, '{"contacts":[{"email":"s4@example.com","name":"\\ud800"}]}', 'contacts.0.name'],
      [`/surveys/${surveyId}/invitations`, '{"contacts":[{"email":"s5@example.com","attributes":{"plan":"\\ud800"}}]}', 'contacts.0.attributes.plan'],
      [`/surveys/${surveyId}/invitations`, '{"segment":{"plan":"\\udfff"}}', 'segment.plan'],
      [`/surveys/${surveyId}/responses`, '{"score":9,"hidden":{"store":"\\ud800"}}', 'hidden.store'],
      [`/surveys/${surveyId}/responses`, '{"score":9,"comment":"ok \\ud800"}', 'comment'],
      ['/stages', '{"key":"surrogate","name":{"vi":"a","en":"b"},"framework":{"actions":{"vi":"\\ud800"}}}', 'framework.actions.vi'],
    ];
    const [responsesBefore, invitationsBefore, stagesBefore] = [await count('responses'), await count('invitations'), await count('stages')];
    for (const [path, body, field] of cases) {
      const res = await rawJson(path, body);
      expectApiError(res, 400, 'validation_failed');
      expect(detailPaths(res)).toEqual([field]);
    }
    expect([await count('contacts'), await count('responses'), await count('invitations'), await count('stages')])
      .toEqual([contactsBefore, responsesBefore, invitationsBefore, stagesBefore]);
  });

  test('a well-formed pair (an emoji) is stored and echoed as sent', async () => {
    const res = await rawJson(`/surveys/${surveyId}/responses`, '{"score":9,"comment":"Tuyệt \\ud83d\\ude00","hidden":{"store":"\\ud83c\\udf35"}}');
    expect(res.status).toBe(201);
    expect(res.body.comment).toBe('Tuyệt 😀');
    const [row] = await t.db.query(`SELECT comment, hidden FROM responses WHERE id = $1`, [res.body.id]);
    expect(row).toEqual({ comment: 'Tuyệt 😀', hidden: { store: '🌵' } });
  });

  test('a body that is not UTF-8 is a 400, not U+FFFD stored in place of the bytes', async () => {
    const body = Buffer.concat([Buffer.from('{"email":"latin@example.com","name":"Jos'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const res = await rawJson('/contacts', body);
    expectApiError(res, 400, 'invalid_encoding');
    expect(await t.db.query(`SELECT 1 FROM contacts WHERE email = 'latin@example.com'`)).toEqual([]);
    expectApiError(await api.get('/responses?surveyId=%FF'), 400, 'invalid_encoding');
  });

  test('a "__proto__" field is refused as unknown, at the top or nested', async () => {
    const before = await count('contacts');
    const top = await rawJson('/contacts', '{"email":"proto@example.com","__proto__":{"role":"admin"}}');
    expectApiError(top, 400, 'validation_failed');
    expect(detailPaths(top)).toEqual(['__proto__']);
    const nested = await rawJson('/contacts', '{"email":"proto@example.com","attributes":{"__proto__":{"x":"1"}}}');
    expectApiError(nested, 400, 'validation_failed');
    expect(detailPaths(nested)).toEqual(['attributes.__proto__']);
    expectApiError(await rawJson('/surveys', '{"kind":"nps","title":"P","__proto__":{}}'), 400, 'validation_failed');
    expect(await count('contacts')).toBe(before);
  });

  test('names are one line: CR/LF and right-to-left overrides are refused, BEL and ESC never stored', async () => {
    const before = await count('contacts');
    for (const name of ['Ann\r\nBcc: evil@example.com', 'Ann\nX', 'Ann\u202Egnp.exe', 'Ann\u2028X']) {
      const res = await api.post('/contacts', { email: 'line@example.com', name });
      expectApiError(res, 400, 'validation_failed');
      expect(res.body.error.details).toEqual([{ path: 'name', message: 'name must be one line, without control or text-direction characters' }]);
    }
    expect(await count('contacts')).toBe(before);
    // Into an invitation: a fake line in the plain-text email is not possible, the send is refused.
    const invitationsBefore = await count('invitations');
    expectApiError(await api.post(`/surveys/${surveyId}/invitations`, { contacts: [{ email: 'mail@example.com', name: 'Ann\r\n\r\nClick http://evil.example' }] }), 400);
    expectApiError(await api.post('/stages', { key: 'bidi', name: { vi: 'Giai đoạn', en: '\u202Eegats' } }), 400);
    expectApiError(await api.post('/contacts', { email: 'attr@example.com', attributes: { city: 'Hà Nội\nHuế' } }), 400);
    expect(await count('invitations')).toBe(invitationsBefore);
    await api.post('/contacts', { email: 'bell@example.com', name: 'Ann\u0007 Lê\u001b', attributes: { note: 'a\tb' } }).expect(200);
    expect((await t.db.query(`SELECT name, attributes FROM contacts WHERE email = 'bell@example.com'`))[0]).toEqual({ name: 'Ann Lê', attributes: { note: 'a\tb' } });
  });

  test('a NUL anywhere, query string included, is still a 400', async () => {
    expectApiError(await api.post('/contacts', { email: 'nul@example.com', name: `a${NUL}` }), 400, 'validation_failed');
    expectApiError(await api.get('/responses?surveyId=%00'), 400, 'validation_failed');
  });
});

describe('dashboard query strings', () => {
  test('a NUL in ?q= or ?attr= is a 400 page in the user’s language, with their navigation', async () => {
    for (const path of ['/manage/contacts?q=a%00b', '/manage/contacts?attr=segment%3Dv%00', '/responses?attr=segment%3Dv%00', '/overview?attr=a%3D%00',
      '/manage/contacts/export.csv?q=%00', '/follow-ups?status=%00']) {
      const res = await editor.get(path);
      expectRefusedPage(res);
      expect(res.text).toContain('<html lang="en">');
      expect(res.text).toContain('href="/manage/contacts"');
    }
    const vi = await loginAs(t, 'viewer', { locale: 'vi' });
    const res = await vi.get('/manage/contacts?q=%FF');
    expectRefusedPage(res, BAD_CHARACTERS_VI);
  });

  test('a cursor that decodes to an impossible date is a 400 on every list, never a 500', async () => {
    const contactId = await makeContact(t, 'cursor@example.com');
    expect(contactId).toBeTruthy();
    for (const at of ['2026-02-30T00:00:00.000000Z', '0000-01-01T00:00:00.000000Z', '2026-13-01T00:00:00.000000Z']) {
      const serial = encodeCursor({ at, id: '1' });
      const uuid = encodeCursor({ at, id: '00000000-0000-4000-8000-000000000000' });
      expectApiError(await api.get(`/responses?cursor=${serial}`), 400, 'invalid_cursor');
      for (const path of [`/follow-ups?cursor=${serial}`, `/responses?cursor=${serial}`, `/surveys/${surveyId}?cursor=${serial}`,
        `/touchpoints/quay?cursor=${serial}`, `/manage/contacts?cursor=${uuid}`]) {
        expect([path, (await editor.get(path)).status]).toEqual([path, 400]);
      }
    }
    // Not base64url at all: refused by the schema before it is decoded.
    expectApiError(await api.get('/responses?cursor=a%2Fb%3D'), 400, 'validation_failed');
    expect((await editor.get('/manage/contacts?cursor=a%2Fb')).status).toBe(400);
  });
});

describe('dashboard forms', () => {
  test('a NUL in any form field is a 400 page in the user’s language, and nothing is stored', async () => {
    const [{ id: stageId }] = await t.db.query(`SELECT id FROM stages WHERE key = 'decision'`);
    const contactId = await makeContact(t, 'form@example.com', { name: 'Trước' });
    const previewPage = await editor.get(`/manage/surveys/${surveyId}/send?audience=segment&attribute=plan&value=gold&preview=1`);
    const batch = /name="batch" value="([^"]+)"/.exec(previewPage.text)?.[1] ?? '11111111-1111-4111-8111-111111111111';
    const forms: Array<{ agent: Agent & { csrf: string }; path: string; body: Record<string, string>; table: string }> = [
      { agent: editor, path: '/manage/journey/stages', body: { key: 'nul-stage', name_vi: `Giai${NUL}`, name_en: 'Stage' }, table: 'stages' },
      { agent: editor, path: '/manage/journey/stages', body: { key: 'nul-stage', name_vi: 'Giai', name_en: 'Stage', fw_actions_en: `x${NUL}` }, table: 'stages' },
      { agent: editor, path: '/manage/journey/touchpoints', body: { key: 'nul-tp', stage_id: String(stageId), name_vi: `Điểm${NUL}`, name_en: 'Point', channel: 'website', owner_user_id: '' }, table: 'touchpoints' },
      { agent: editor, path: '/manage/surveys', body: { title: `Survey${NUL}`, kind: 'nps', attach: '', status: 'active', question_vi: 'Câu hỏi?', question_en: 'Question?' }, table: 'surveys' },
      { agent: editor, path: '/manage/contacts/new', body: { email: 'new.nul@example.com', name: `Tên${NUL}`, locale: 'vi' }, table: 'contacts' },
      { agent: editor, path: `/manage/contacts/${contactId}`, body: { email: 'form@example.com', name: 'Sau', locale: 'vi', attrKey: 'plan', attrValue: `gold${NUL}` }, table: 'contacts' },
      { agent: editor, path: `/follow-ups/${followUpId}`, body: { status: 'closed', assignee: '', note: `Gọi lại${NUL}` }, table: 'follow_up_events' },
      { agent: editor, path: `/manage/surveys/${surveyId}/send`, body: { audience: 'segment', attribute: 'plan', value: `gold${NUL}`, batch }, table: 'invitations' },
      { agent: admin, path: '/manage/settings', body: { brand: `Brand${NUL}`, time_zone: 'Asia/Ho_Chi_Minh', default_locale: 'vi', recontact_days: '30', reminder_days: '3', digest_weekday: '1', digest_hour: '8', digest_recipients: '' }, table: 'settings' },
      { agent: admin, path: '/manage/api-keys', body: { name: `Key${NUL}` }, table: 'api_keys' },
      { agent: admin, path: '/manage/users', body: { email: 'nul.user@example.com', name: `User${NUL}`, role: 'viewer', password: '' }, table: 'users' },
    ];
    for (const { agent, path, body, table } of forms) {
      const before = JSON.stringify(await t.db.query(`SELECT * FROM ${table} ORDER BY 1`));
      const res = await agent.post(path).type('form').send({ _csrf: agent.csrf, ...body });
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.text).toContain(BAD_CHARACTERS_EN);
      expect(JSON.stringify(await t.db.query(`SELECT * FROM ${table} ORDER BY 1`))).toBe(before);
    }
  });

  test('the login form refuses a NUL in the email with a 400 page', async () => {
    const agent = request.agent(t.app);
    const csrf = csrfFrom((await agent.get('/login?lang=en').set('Accept-Language', 'en')).text);
    const res = await agent.post('/login').set('Accept-Language', 'en').type('form').send({ _csrf: csrf, email: `editor${NUL}@example.com`, password: 'x' });
    expectRefusedPage(res);
  });

  test('a name with a line break or a direction override is shown again with a message, nothing stored', async () => {
    const before = await count('contacts');
    const res = await editor.post('/manage/contacts/new').type('form')
      .send({ _csrf: editor.csrf, email: 'two.lines@example.com', name: 'Ann\r\nBcc: x', locale: 'vi' });
    expectRefusedPage(res, ONE_LINE_EN);
    const attr = await editor.post('/manage/contacts/new').type('form')
      .send({ _csrf: editor.csrf, email: 'two.lines@example.com', name: 'Ann', locale: 'vi', attrKey: 'city', attrValue: '\u202EiouN aH' });
    expectRefusedPage(attr, ONE_LINE_EN);
    expect(await count('contacts')).toBe(before);
    const key = await admin.post('/manage/api-keys').type('form').send({ _csrf: admin.csrf, name: 'CRM\nsync' });
    expectRefusedPage(key, ONE_LINE_EN);
  });
});

describe('parameters PostgreSQL must accept too', () => {
  test('a follow-up id beyond bigint is a 404, not an overflow', async () => {
    for (const id of ['9223372036854775808', '99999999999999999999', '9223372036854775807']) {
      expect((await editor.get(`/follow-ups/${id}`)).status).toBe(404);
      expect((await editor.post(`/follow-ups/${id}`).type('form').send({ _csrf: editor.csrf, status: 'open', assignee: '', note: 'x' })).status).toBe(404);
    }
  });

  test('an assignee Joi’s guid() would take but PostgreSQL would not is a 400 on the form, nothing stored', async () => {
    const [me] = await t.db.query(`SELECT id FROM users WHERE email = $1`, [editor.email]);
    const before = (await t.db.query(`SELECT assignee_user_id FROM follow_ups WHERE id = $1`, [followUpId]))[0].assignee_user_id;
    for (const odd of [`[${me.id}]`, `{${me.id}}`, me.id.replace(/-/g, ':'), me.id.replace(/-/g, '')]) {
      const res = await editor.post(`/follow-ups/${followUpId}`).type('form').send({ _csrf: editor.csrf, status: 'open', assignee: odd });
      expect([odd, res.status]).toEqual([odd, 400]);
    }
    expect((await t.db.query(`SELECT assignee_user_id FROM follow_ups WHERE id = $1`, [followUpId]))[0].assignee_user_id).toBe(before);
  });
});
