import request from 'supertest';
import QRCode from 'qrcode';
import { startTestApp, TEST_BASE_URL, type TestApp } from '../helpers/app';
import { makeInvitedContact, makeSurvey, type TouchpointOptions } from '../helpers/factories';
import { newInvitationToken } from '../../src/modules/invitations/invitation-token';

let t: TestApp;

/** The touchpoint every survey here asks about. */
const COUNTER: TouchpointOptions = { stageKey: 'decision', name: { vi: 'Quầy thu ngân', en: 'Checkout counter' }, channel: 'store' };

const count = async (sql: string, params: unknown[] = []) => Number((await t.db.query(sql, params))[0].n);
const responsesOf = (surveyId: string) => t.db.query(`SELECT * FROM responses WHERE survey_id = $1 ORDER BY id`, [surveyId]);

beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

describe('GET /s/:surveyId', () => {
  test('renders the question in Vietnamese by default with the whole scale, needing no script', async () => {
    const s = await makeSurvey(t, { kind: 'nps', touchpoint: COUNTER });
    const res = await request(t.app).get(`/s/${s.id}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('<html lang="vi">');
    expect(res.text).toContain('Bạn có sẵn lòng giới thiệu Touchpoint cho bạn bè hoặc đồng nghiệp không?');
    for (let v = 0; v <= 10; v++) expect(res.text).toContain(`name="score" value="${v}"`);
    expect(res.text).toContain('Hoàn toàn không');
    expect(res.text).toContain('Chắc chắn có');
    expect(res.text).not.toMatch(/<script/i);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  });

  test('speaks English with ?lang=en and with Accept-Language, and fills {touchpoint} for CSAT', async () => {
    const s = await makeSurvey(t, { kind: 'csat', touchpoint: COUNTER });
    const byQuery = await request(t.app).get(`/s/${s.id}?lang=en`);
    expect(byQuery.text).toContain('How satisfied were you with Checkout counter?');
    expect(byQuery.text).toContain('Very unsatisfied');
    const byHeader = await request(t.app).get(`/s/${s.id}`).set('Accept-Language', 'en-US,en;q=0.9,vi;q=0.5');
    expect(byHeader.text).toContain('<html lang="en">');
    const vi = await request(t.app).get(`/s/${s.id}`).set('Accept-Language', 'vi-VN,vi;q=0.9');
    expect(vi.text).toContain('Bạn hài lòng thế nào với Quầy thu ngân?');
  });

  test('a page weighs under 20 KB with its stylesheet', async () => {
    const s = await makeSurvey(t, { kind: 'nps', touchpoint: COUNTER });
    const page = await request(t.app).get(`/s/${s.id}`);
    const css = await request(t.app).get('/static/css/survey.css');
    expect(css.status).toBe(200);
    expect(Buffer.byteLength(page.text) + Buffer.byteLength(css.text)).toBeLessThan(20 * 1024);
  });

  test('unknown, malformed, draft and closed surveys get a clear page in the visitor language and a 4xx', async () => {
    const missing = await request(t.app).get('/s/00000000-0000-4000-8000-000000000000?lang=en');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('This survey could not be found');
    const malformed = await request(t.app).get('/s/not-a-uuid');
    expect(malformed.status).toBe(404);
    expect(malformed.text).toContain('Không tìm thấy khảo sát này');
    // Forms Joi would call a GUID but PostgreSQL would not: still a 404, never a 500.
    for (const odd of ['{00000000-0000-4000-8000-000000000000}', '00000000:0000:4000:8000:000000000000', '00000000000040008000000000000000']) {
      expect((await request(t.app).get(`/s/${encodeURIComponent(odd)}`)).status).toBe(404);
      expect((await request(t.app).post(`/s/${encodeURIComponent(odd)}`).type('form').send({ score: '5' })).status).toBe(404);
    }
    const draft = await makeSurvey(t, { kind: 'nps', touchpoint: COUNTER, status: 'draft' });
    expect((await request(t.app).get(`/s/${draft.id}`)).status).toBe(404);
    const closed = await makeSurvey(t, { kind: 'nps', touchpoint: COUNTER, status: 'closed' });
    const res = await request(t.app).get(`/s/${closed.id}?lang=en`);
    expect(res.status).toBe(410);
    expect(res.text).toContain('This survey is closed');
  });

  test('preselects ?score=N and refuses an out-of-range preselection with a 400', async () => {
    const s = await makeSurvey(t, { kind: 'ces', touchpoint: COUNTER });
    const ok = await request(t.app).get(`/s/${s.id}?score=6`);
    expect(ok.text).toMatch(/value="6" required checked/);
    const bad = await request(t.app).get(`/s/${s.id}?score=9&lang=en`);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('choose a whole number from 1 to 7');
  });

  test('escapes what the team typed and what a visitor puts in the link', async () => {
    const s = await makeSurvey(t, { kind: 'nps', touchpoint: COUNTER, question: { vi: 'Ổn không? <img src=x onerror=alert(1)>', en: 'OK? <script>alert(1)</script>' } });
    const vi = await request(t.app).get(`/s/${s.id}?store=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E`);
    expect(vi.status).toBe(200);
    expect(vi.text).toContain('Ổn không? &lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(vi.text).not.toContain('<img src=x');
    expect(vi.text).not.toMatch(/<script/i);
    const en = await request(t.app).get(`/s/${s.id}?lang=en`);
    expect(en.text).toContain('OK? &lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('language of a respondent page: ?lang=, then the contact, then Accept-Language, then the default', () => {
  // The organisation speaks English here, so a Vietnamese page can only come from what the request says.
  beforeAll(async () => { await t.db.query(`UPDATE settings SET default_locale = 'en'`); });
  afterAll(async () => { await t.db.query(`UPDATE settings SET default_locale = 'vi'`); });
  const langOf = (html: string) => /<html lang="(\w+)">/.exec(html)?.[1];

  test('Accept-Language is weighed by its q-values', async () => {
    const s = await makeSurvey(t, { kind: 'nps' });
    const english = await request(t.app).get(`/s/${s.id}`).set('Accept-Language', 'en-US,en;q=0.9,vi;q=0.5');
    expect(langOf(english.text)).toBe('en');
    expect(english.text).toContain('How likely are you to recommend Touchpoint');
    const vietnamese = await request(t.app).get(`/s/${s.id}`).set('Accept-Language', 'fr, vi;q=0.1');
    expect(langOf(vietnamese.text)).toBe('vi');
    expect(vietnamese.text).toContain('Bạn có sẵn lòng giới thiệu Touchpoint');
    expect(langOf((await request(t.app).get(`/s/${s.id}`).set('Accept-Language', 'vi;q=0.2, en;q=0.8')).text)).toBe('en');
  });

  test('without a language we speak, the organisation default applies', async () => {
    const s = await makeSurvey(t, { kind: 'nps' });
    expect(langOf((await request(t.app).get(`/s/${s.id}`)).text)).toBe('en');
    expect(langOf((await request(t.app).get(`/s/${s.id}`).set('Accept-Language', 'fr-FR, de;q=0.5')).text)).toBe('en');
    expect(langOf((await request(t.app).get(`/s/${s.id}`).set('Accept-Language', 'vi;q=0')).text)).toBe('en');
  });

  test('?lang= beats the contact and the browser; the contact beats the browser', async () => {
    const s = await makeSurvey(t, { kind: 'nps' });
    expect(langOf((await request(t.app).get(`/s/${s.id}?lang=vi`).set('Accept-Language', 'en')).text)).toBe('vi');
    const inv = await makeInvitedContact(t, s.id, { locale: 'vi' });
    expect(langOf((await request(t.app).get(`/i/${inv.token}`).set('Accept-Language', 'en-US,en;q=0.9')).text)).toBe('vi');
    expect(langOf((await request(t.app).get(`/i/${inv.token}?lang=en`).set('Accept-Language', 'vi')).text)).toBe('en');
  });
});

describe('POST /s/:surveyId', () => {
  test('stores the answer with channel link, hidden fields and comment, then 303 to the thank-you page', async () => {
    const s = await makeSurvey(t, { kind: 'nps', touchpoint: COUNTER });
    const res = await request(t.app).post(`/s/${s.id}?store=q1&staff=lan`).type('form').send({ score: '9', comment: 'Nhân viên rất thân thiện 😊' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/s/${s.id}/thanks?lang=vi`);
    const rows = await responsesOf(s.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ score: 9, channel: 'link', locale: 'vi', comment: 'Nhân viên rất thân thiện 😊', hidden: { store: 'q1', staff: 'lan' } });
    const thanks = await request(t.app).get(res.headers.location);
    expect(thanks.status).toBe(200);
    expect(thanks.text).toContain('Cảm ơn bạn!');
  });

  test('records channel qr when the form came from the QR code', async () => {
    const s = await makeSurvey(t, { kind: 'csat', touchpoint: COUNTER });
    await request(t.app).post(`/s/${s.id}?via=qr&lang=en`).type('form').send({ score: '4' }).expect(303);
    const rows = await responsesOf(s.id);
    expect(rows[0]).toMatchObject({ channel: 'qr', locale: 'en', score: 4, hidden: {} });
  });

  test('a double submit of the same form updates one answer instead of creating two', async () => {
    const s = await makeSurvey(t, { kind: 'nps', touchpoint: COUNTER });
    const k = 'AAAAAAAAAAAAAAAAAAAAAA';
    await request(t.app).post(`/s/${s.id}`).type('form').send({ score: '3', k }).expect(303);
    await request(t.app).post(`/s/${s.id}`).type('form').send({ score: '4', k }).expect(303);
    const rows = await responsesOf(s.id);
    expect(rows).toHaveLength(1);
    expect(rows[0].score).toBe(4);
  });

  test.each([
    ['missing score', {}, 'Please choose a score.'],
    ['out of range', { score: '11' }, 'choose a whole number from 0 to 10'],
    ['negative', { score: '-1' }, 'choose a whole number from 0 to 10'],
    ['not a number', { score: 'ten' }, 'choose a whole number from 0 to 10'],
    ['a fraction', { score: '7.5' }, 'choose a whole number from 0 to 10'],
    ['two scores', { score: ['7', '8'] }, 'choose a whole number from 0 to 10'],
    ['an oversized comment', { score: '7', comment: 'x'.repeat(2001) }, 'The comment is too long (at most 2000 characters).'],
  ])('%s: 400 with the form and a clear message in the respondent language, nothing stored', async (_name, body, message) => {
    const s = await makeSurvey(t, { kind: 'nps', touchpoint: COUNTER });
    const res = await request(t.app).post(`/s/${s.id}?lang=en`).type('form').send(body);
    expect(res.status).toBe(400);
    expect(res.text).toContain(message);
    expect(res.text).toContain('role="alert"');
    expect(await responsesOf(s.id)).toHaveLength(0);
  });

  test('the error is in Vietnamese for a Vietnamese respondent', async () => {
    const s = await makeSurvey(t, { kind: 'csat', touchpoint: COUNTER });
    const res = await request(t.app).post(`/s/${s.id}`).type('form').send({ score: '0' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Điểm không hợp lệ: hãy chọn một số nguyên từ 1 đến 5.');
  });

  test('a closed survey and malformed hidden fields store nothing', async () => {
    const closed = await makeSurvey(t, { kind: 'nps', touchpoint: COUNTER, status: 'closed' });
    expect((await request(t.app).post(`/s/${closed.id}`).type('form').send({ score: '9' })).status).toBe(410);
    const s = await makeSurvey(t, { kind: 'nps', touchpoint: COUNTER });
    const res = await request(t.app).post(`/s/${s.id}?${'x'.repeat(50)}=1`).type('form').send({ score: '9' });
    expect(res.status).toBe(400);
    expect(await count(`SELECT count(*) AS n FROM responses WHERE survey_id = ANY($1)`, [[closed.id, s.id]])).toBe(0);
  });

  test('a detractor opens a follow-up; a promoter does not', async () => {
    const s = await makeSurvey(t, { kind: 'nps', touchpoint: COUNTER });
    await request(t.app).post(`/s/${s.id}`).type('form').send({ score: '6' }).expect(303);
    await request(t.app).post(`/s/${s.id}`).type('form').send({ score: '7' }).expect(303);
    const rows = await t.db.query(`SELECT r.score FROM follow_ups f JOIN responses r ON r.id = f.response_id WHERE r.survey_id = $1`, [s.id]);
    expect(rows).toEqual([{ score: 6 }]);
  });
});

describe('invitation pages /i/:token', () => {
  test('GET never writes an answer, whatever the score in the link; it marks the invitation opened', async () => {
    const s = await makeSurvey(t, { kind: 'nps', touchpoint: COUNTER });
    const inv = await makeInvitedContact(t, s.id, { name: 'Lan', locale: 'en' });
    for (let v = 0; v <= 10; v++) {
      const res = await request(t.app).get(`/i/${inv.token}?score=${v}`);
      expect(res.status).toBe(200);
    }
    expect(await responsesOf(s.id)).toHaveLength(0);
    const [invitation] = await t.db.query(`SELECT opened_at, responded_at FROM invitations WHERE id = $1`, [inv.id]);
    expect(invitation.opened_at).not.toBeNull();
    expect(invitation.responded_at).toBeNull();
  });

  test('speaks the contact language, preselects the score, and records one answer that a re-answer updates', async () => {
    const s = await makeSurvey(t, { kind: 'csat', touchpoint: COUNTER });
    const inv = await makeInvitedContact(t, s.id, { name: 'Lan', locale: 'en' });
    const page = await request(t.app).get(`/i/${inv.token}?score=2`);
    expect(page.text).toContain('<html lang="en">');
    expect(page.text).toMatch(/value="2" required checked/);
    expect(page.text).toContain('Please confirm the score you chose');
    await request(t.app).post(`/i/${inv.token}`).type('form').send({ score: '2', comment: 'Slow' }).expect(303);
    await request(t.app).post(`/i/${inv.token}`).type('form').send({ score: '5', comment: 'Actually fine' }).expect(303);
    const rows = await responsesOf(s.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ score: 5, comment: 'Actually fine', channel: 'email', invitation_id: inv.id, contact_id: inv.contactId, locale: 'en' });
    const again = await request(t.app).get(`/i/${inv.token}`);
    expect(again.text).toContain('You have already answered');
    expect(again.text).toMatch(/value="5" required checked/);
    const [invitation] = await t.db.query(`SELECT responded_at FROM invitations WHERE id = $1`, [inv.id]);
    expect(invitation.responded_at).not.toBeNull();
  });

  test('unknown and malformed tokens get a 404 page in the browser language; nothing is stored', async () => {
    const before = await count(`SELECT count(*) AS n FROM responses`);
    const unknown = await request(t.app).get(`/i/${newInvitationToken()}`).set('Accept-Language', 'en');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('This survey link is not valid or has expired.');
    const malformed = await request(t.app).post('/i/%27%3B%20drop%20table').type('form').send({ score: '5' });
    expect(malformed.status).toBe(404);
    expect(malformed.text).toContain('Liên kết khảo sát này không hợp lệ');
    expect(await count(`SELECT count(*) AS n FROM responses`)).toBe(before);
  });

  test('an invalid score on an invitation stores nothing', async () => {
    const s = await makeSurvey(t, { kind: 'ces', touchpoint: COUNTER });
    const inv = await makeInvitedContact(t, s.id, { name: 'Lan', locale: 'vi' });
    const res = await request(t.app).post(`/i/${inv.token}`).type('form').send({ score: '8' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('từ 1 đến 7');
    expect(await responsesOf(s.id)).toHaveLength(0);
  });
});

describe('QR code and poster', () => {
  test('SVG and PNG QR codes encode the survey link marked as QR', async () => {
    const s = await makeSurvey(t, { kind: 'nps', touchpoint: COUNTER });
    const svg = await request(t.app).get(`/s/${s.id}/qr.svg`).buffer(true).parse((res, done) => {
      let text = '';
      res.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      res.on('end', () => done(null, text));
    });
    expect(svg.status).toBe(200);
    expect(svg.headers['content-type']).toContain('image/svg+xml');
    expect(svg.body).toBe(await QRCode.toString(`${TEST_BASE_URL}/s/${s.id}?via=qr`, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' }));
    const png = await request(t.app).get(`/s/${s.id}/qr.png`).buffer(true);
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect((png.body as Buffer).subarray(1, 4).toString()).toBe('PNG');
    expect(s.qrUrl).toBe(`${TEST_BASE_URL}/s/${s.id}/qr.png`);
  });

  test('the poster shows the question and the QR code, in A4 and A6', async () => {
    const s = await makeSurvey(t, { kind: 'nps', touchpoint: COUNTER });
    const a4 = await request(t.app).get(`/s/${s.id}/poster?lang=en`);
    expect(a4.status).toBe(200);
    expect(a4.text).toContain('How likely are you to recommend Touchpoint');
    expect(a4.text).toContain('<svg');
    expect(a4.text).toContain('size-a4');
    const a6 = await request(t.app).get(`/s/${s.id}/poster?size=a6`);
    expect(a6.text).toContain('size-a6');
    expect((await request(t.app).get(`/s/${s.id}/poster?size=a3`)).status).toBe(400);
  });
});

test('unknown pages get a 404 page, not a crash', async () => {
  const res = await request(t.app).get('/nope').set('Accept-Language', 'en');
  expect(res.status).toBe(404);
  expect(res.text).toContain('This page could not be found.');
});

describe('rate limit on answers', () => {
  test('past the per-minute limit an address gets a 429 page in its language and nothing more is stored', async () => {
    const limited = await startTestApp({ PUBLIC_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const s = await makeSurvey(limited, {
        kind: 'csat', title: 'Kiosk', touchpoint: { key: 'kiosk', stageKey: 'retention', name: { vi: 'Ki-ốt', en: 'Kiosk' }, channel: 'store' },
      });
      for (let i = 0; i < 3; i++) await request(limited.app).post(`/s/${s.id}`).type('form').send({ score: '5' }).expect(303);
      const res = await request(limited.app).post(`/s/${s.id}?lang=en`).type('form').send({ score: '5' });
      expect(res.status).toBe(429);
      expect(res.text).toContain('Too many requests');
      const [{ n }] = await limited.db.query(`SELECT count(*)::int AS n FROM responses`);
      expect(n).toBe(3);
    } finally {
      await limited.close();
    }
  });
});
