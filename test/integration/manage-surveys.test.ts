import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { answer, makeTouchpoint } from '../helpers/factories';
import { loginAs, type Agent } from '../helpers/login';
import { DEFAULT_QUESTIONS } from '../../src/modules/surveys';

let t: TestApp;
let editor: Agent & { csrf: string; email: string };
let viewer: Agent & { csrf: string; email: string };
let checkoutId: number;
let decisionId: number;

beforeAll(async () => {
  t = await startTestApp();
  editor = await loginAs(t, 'editor', { locale: 'en' });
  viewer = await loginAs(t, 'viewer', { locale: 'en' });
  await t.db.query(`UPDATE settings SET brand = 'Cà phê Sáng'`);
  await makeTouchpoint(t, { key: 'checkout', stageKey: 'decision', name: { vi: 'Thanh toán', en: 'Checkout' }, channel: 'website' });
  checkoutId = (await t.db.query(`SELECT id FROM touchpoints WHERE key = 'checkout'`))[0].id;
  decisionId = (await t.db.query(`SELECT id FROM stages WHERE key = 'decision'`))[0].id;
});
afterAll(async () => { await t.close(); });

const surveyCount = async (): Promise<number> => (await t.db.query(`SELECT count(*)::int AS n FROM surveys`))[0].n;

/** What a browser posts when the team fills the new-survey form as prefilled for the kind. */
async function prefilledForm(kind: 'nps' | 'csat' | 'ces'): Promise<Record<string, string>> {
  const page = await editor.get(`/manage/surveys/new?kind=${kind}`);
  const field = (name: string) => {
    const textarea = new RegExp(`<textarea[^>]*name="${name}"[^>]*>([^<]*)</textarea>`).exec(page.text);
    const input = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(page.text);
    const raw = (textarea ?? input)?.[1] ?? '';
    return raw.replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  };
  return {
    _csrf: editor.csrf, title: '', kind, attach: '', status: 'active', ask_comment: '1', recontact_days: '',
    question_vi: field('question_vi'), question_en: field('question_en'),
    comment_prompt_vi: field('comment_prompt_vi'), comment_prompt_en: field('comment_prompt_en'),
    thank_you_vi: field('thank_you_vi'), thank_you_en: field('thank_you_en'),
  };
}

describe('creating surveys', () => {
  test('the form is prefilled with the default wording of the chosen kind', async () => {
    for (const kind of ['nps', 'csat', 'ces'] as const) {
      const form = await prefilledForm(kind);
      expect(form.question_vi).toBe(DEFAULT_QUESTIONS[kind].vi);
      expect(form.question_en).toBe(DEFAULT_QUESTIONS[kind].en);
    }
    const page = await editor.get('/manage/surveys/new');
    expect(page.text).toContain('How likely are you to recommend {brand} to a friend or colleague?');
  });

  test('untouched default wording is stored as null, so {brand} and {touchpoint} still apply', async () => {
    const form = await prefilledForm('csat');
    const res = await editor.post('/manage/surveys').type('form').send({ ...form, title: 'Checkout CSAT', attach: `touchpoint:${checkoutId}` });
    expect(res.status).toBe(303);
    const id = res.headers.location.split('/').pop();
    const [row] = await t.db.query(`SELECT kind, touchpoint_id, stage_id, question_vi, question_en, comment_prompt_vi, thank_you_en, ask_comment, status, recontact_days FROM surveys WHERE id = $1`, [id]);
    expect(row).toEqual({ kind: 'csat', touchpoint_id: checkoutId, stage_id: null, question_vi: null, question_en: null, comment_prompt_vi: null, thank_you_en: null, ask_comment: true, status: 'active', recontact_days: null });
    const publicPage = await request(t.app).get(`/s/${id}?lang=en`);
    expect(publicPage.text).toContain('How satisfied were you with Checkout?');
  });

  test('switching the kind without touching the wording keeps the default of the new kind', async () => {
    const form = await prefilledForm('nps');
    const res = await editor.post('/manage/surveys').type('form').send({ ...form, kind: 'ces', title: 'Support CES' });
    expect(res.status).toBe(303);
    const id = res.headers.location.split('/').pop();
    expect((await t.db.query(`SELECT kind, question_vi, question_en FROM surveys WHERE id = $1`, [id]))[0]).toEqual({ kind: 'ces', question_vi: null, question_en: null });
    const publicPage = await request(t.app).get(`/s/${id}?lang=vi`);
    expect(publicPage.text).toContain('Cà phê Sáng đã giúp tôi giải quyết việc của mình một cách dễ dàng.');
  });

  test('custom wording, comment prompt, thank-you, stage attachment, status and recontact override are stored', async () => {
    const form = await prefilledForm('nps');
    const res = await editor.post('/manage/surveys').type('form').send({
      ...form, title: 'Relationship NPS', attach: `stage:${decisionId}`, status: 'draft', recontact_days: '90', ask_comment: undefined,
      question_vi: 'Bạn giới thiệu {brand} chứ?', question_en: 'Would you recommend {brand}?',
      comment_prompt_en: 'Why?', thank_you_vi: 'Cảm ơn nhiều!',
    });
    expect(res.status).toBe(303);
    const id = res.headers.location.split('/').pop();
    const [row] = await t.db.query(`SELECT stage_id, touchpoint_id, question_vi, question_en, ask_comment, comment_prompt_en, comment_prompt_vi, thank_you_vi, thank_you_en, status, recontact_days FROM surveys WHERE id = $1`, [id]);
    expect(row).toEqual({
      stage_id: decisionId, touchpoint_id: null, question_vi: 'Bạn giới thiệu {brand} chứ?', question_en: 'Would you recommend {brand}?',
      ask_comment: false, comment_prompt_en: 'Why?', comment_prompt_vi: null, thank_you_vi: 'Cảm ơn nhiều!', thank_you_en: null, status: 'draft', recontact_days: 90,
    });
    const page = await viewer.get(`/manage/surveys/${id}`);
    expect(page.text).toContain('Would you recommend Cà phê Sáng?');
    expect(page.text).toContain('Bạn giới thiệu Cà phê Sáng chứ?');
    expect(page.text).toContain('This survey is a draft');
    expect(page.text).toContain('90 days');
  });

  test('bad input: 400 with messages per field, the typed values kept, nothing stored', async () => {
    const before = await surveyCount();
    const form = await prefilledForm('nps');
    const res = await editor.post('/manage/surveys').type('form').send({ ...form, title: '', status: 'paused', recontact_days: '400', question_en: '', kind: 'csat', thank_you_vi: 'ok' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Please fix the problems below.');
    expect(res.text).toContain('This field is required.');
    expect(res.text).toContain('Enter a whole number from 0 to 365.');
    expect(res.text).toContain('Please choose one of the options.');
    expect(res.text).toContain('value="400"');
    expect(res.text).toContain('<input type="hidden" name="kind" value="csat">');
    const kind = await editor.post('/manage/surveys').type('form').send({ ...form, title: 'x', kind: 'stars' });
    expect(kind.status).toBe(400);
    const attach = await editor.post('/manage/surveys').type('form').send({ ...form, title: 'x', attach: 'touchpoint:999999' });
    expect(attach.status).toBe(400);
    const attachBad = await editor.post('/manage/surveys').type('form').send({ ...form, title: 'x', attach: 'stage:1;DROP' });
    expect(attachBad.status).toBe(400);
    const noKind = await editor.post('/manage/surveys').type('form').send({ ...form, title: 'x', kind: undefined });
    expect(noKind.status).toBe(400);
    const tooLong = await editor.post('/manage/surveys').type('form').send({ ...form, title: 'x', question_vi: 'q'.repeat(501) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).toContain('At most 500 characters.');
    expect(await surveyCount()).toBe(before);
  });

  test('a viewer cannot open the form or create a survey', async () => {
    const before = await surveyCount();
    expect((await viewer.get('/manage/surveys/new')).status).toBe(403);
    const form = await prefilledForm('nps');
    expect((await viewer.post('/manage/surveys').type('form').send({ ...form, _csrf: viewer.csrf, title: 'Sneaky' })).status).toBe(403);
    expect(await surveyCount()).toBe(before);
    const list = await viewer.get('/manage/surveys');
    expect(list.status).toBe(200);
    expect(list.text).not.toContain('href="/manage/surveys/new"');
  });
});

describe('the survey list and page', () => {
  test('the list shows kind, title, attachment, status and created date; titles are escaped', async () => {
    const form = await prefilledForm('nps');
    await editor.post('/manage/surveys').type('form').send({ ...form, title: '<script>alert("x")</script>' }).expect(303);
    const list = await viewer.get('/manage/surveys');
    expect(list.text).toContain('Checkout CSAT');
    expect(list.text).toContain('Checkout (Decision)');
    expect(list.text).toContain('Decision (relationship survey)');
    expect(list.text).toContain('Whole journey');
    expect(list.text).toContain('Draft');
    expect(list.text).not.toContain('<script>alert');
    expect(list.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    const vi = await loginAs(t, 'viewer', { locale: 'vi' });
    const viList = await vi.get('/manage/surveys');
    expect(viList.text).toContain('Toàn hành trình');
    expect(viList.text).toContain('Đang mở');
    expect(viList.text).toMatch(/\d{2}\/\d{2}\/\d{4}/); // one date style: day first, as Vietnamese writes it
  });

  test('the page shows the public link, the QR code with downloads, posters, the preview in both languages and the send link', async () => {
    const [{ id }] = await t.db.query(`SELECT id FROM surveys WHERE title = 'Checkout CSAT'`);
    const page = await editor.get(`/manage/surveys/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`value="http://touchpoint.test/s/${id}"`);
    expect(page.text).toContain(`<img src="/s/${id}/qr.svg"`);
    expect(page.text).toContain(`href="/s/${id}/qr.png" download`);
    expect(page.text).toContain(`href="/s/${id}/qr.svg" download`);
    expect(page.text).toContain(`/s/${id}/poster?size&#x3D;a4&amp;lang&#x3D;vi`);
    expect(page.text).toContain(`/s/${id}/poster?size&#x3D;a6&amp;lang&#x3D;en`);
    expect(page.text).toContain('How satisfied were you with Checkout?');
    expect(page.text).toContain('Bạn hài lòng thế nào với Thanh toán?');
    expect(page.text).toContain('1 – Very unsatisfied');
    expect(page.text).toContain('5 – Rất hài lòng');
    expect(page.text).toContain(`href="/manage/surveys/${id}/send"`);
    const qr = await request(t.app).get(`/s/${id}/qr.svg`);
    expect(qr.status).toBe(200);
    expect(qr.headers['content-type']).toContain('image/svg+xml');
    const viewerPage = await viewer.get(`/manage/surveys/${id}`);
    expect(viewerPage.text).not.toContain(`/manage/surveys/${id}/edit`);
    expect((await viewer.get('/manage/surveys/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await viewer.get('/manage/surveys/not-a-uuid')).status).toBe(404);
  });
});

describe('editing surveys', () => {
  test('the edit form shows stored wording (or the default), and saving changes status and wording', async () => {
    const [{ id }] = await t.db.query(`SELECT id FROM surveys WHERE title = 'Checkout CSAT'`);
    const form = await editor.get(`/manage/surveys/${id}/edit`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('How satisfied were you with {touchpoint}?');
    const res = await editor.post(`/manage/surveys/${id}`).type('form').send({
      _csrf: editor.csrf, title: 'Checkout CSAT', kind: 'csat', attach: `touchpoint:${checkoutId}`, status: 'closed', ask_comment: '1',
      question_vi: DEFAULT_QUESTIONS.csat.vi, question_en: 'Were you happy with {touchpoint} today?', comment_prompt_vi: '', comment_prompt_en: '',
      thank_you_vi: '', thank_you_en: '', recontact_days: '0',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/manage/surveys/${id}`);
    const [row] = await t.db.query(`SELECT status, question_vi, question_en, recontact_days FROM surveys WHERE id = $1`, [id]);
    expect(row).toEqual({ status: 'closed', question_vi: null, question_en: 'Were you happy with {touchpoint} today?', recontact_days: 0 });
    expect((await request(t.app).get(`/s/${id}`)).status).toBe(410);
  });

  test('the kind cannot change once the survey has responses', async () => {
    const [{ id }] = await t.db.query(`SELECT id FROM surveys WHERE title = 'Support CES'`);
    const before = await editor.get(`/manage/surveys/${id}/edit`);
    expect(before.text).toMatch(/<select id="kind"/);
    await answer(t, id, { score: 6 });
    const form = await editor.get(`/manage/surveys/${id}/edit`);
    expect(form.text).not.toMatch(/<select id="kind"/);
    expect(form.text).toContain('The survey has answers, so its kind is fixed.');
    const body = {
      _csrf: editor.csrf, title: 'Support CES', attach: '', status: 'active', ask_comment: '1',
      question_vi: DEFAULT_QUESTIONS.ces.vi, question_en: DEFAULT_QUESTIONS.ces.en, comment_prompt_vi: '', comment_prompt_en: '', thank_you_vi: '', thank_you_en: '', recontact_days: '',
    };
    const res = await editor.post(`/manage/surveys/${id}`).type('form').send({ ...body, kind: 'nps' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('The kind cannot change: the survey already has answers.');
    expect((await t.db.query(`SELECT kind FROM surveys WHERE id = $1`, [id]))[0].kind).toBe('ces');
    const ok = await editor.post(`/manage/surveys/${id}`).type('form').send({ ...body, kind: 'ces', title: 'Support CES (phone)' });
    expect(ok.status).toBe(303);
    const page = await editor.get(`/manage/surveys/${id}`);
    expect(page.text).toMatch(/Responses<\/dt><dd class="num">1</);
  });

  test('a viewer cannot edit', async () => {
    const [{ id }] = await t.db.query(`SELECT id FROM surveys WHERE title = 'Relationship NPS'`);
    expect((await viewer.get(`/manage/surveys/${id}/edit`)).status).toBe(403);
    expect((await viewer.post(`/manage/surveys/${id}`).type('form').send({ _csrf: viewer.csrf, title: 'Hacked', kind: 'nps', status: 'active' })).status).toBe(403);
    expect((await t.db.query(`SELECT title FROM surveys WHERE id = $1`, [id]))[0].title).toBe('Relationship NPS');
  });
});
