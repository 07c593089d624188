import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { makeContact, makeInvitation, makeResponses, makeSurvey } from '../helpers/factories';
import { loginAs, type Agent } from '../helpers/login';
import { seedDemoData } from '../../src/modules/metrics/demo-data';
import { DEFAULT_QUESTIONS } from '../../src/modules/surveys/wording';
import { suggestKey } from '../../src/web/params';
import { buildInvitationEmail } from '../../src/modules/invitations/invitation-email';
import { t as tr, type MessageKey } from '../../src/i18n';
import { TOUCHPOINT_CHANNELS } from '../../src/modules/journeys/touchpoint.entity';

/**
 * Issue 15, "a dashboard a CX lead trusts": one test (or a few) per defect Lan found, against the real
 * pages in both languages.
 */
let t: TestApp;
let vi: Agent;
let en: Agent;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  ids.web = (await makeSurvey(t, { kind: 'nps', title: 'Web NPS', touchpoint: { key: 'web', stageKey: 'decision', name: { vi: 'Mua trên web', en: 'Web purchase' }, channel: 'website' } })).id;
  await makeResponses(t, ids.web, { 10: 3, 0: 1 }, { via: 'service', kind: 'nps', answeredAt: '2026-01-15T10:00:00+07:00' });
  vi = await loginAs(t, 'viewer', { locale: 'vi' });
  en = await loginAs(t, 'viewer', { locale: 'en' });
});

afterAll(async () => {
  await t?.close();
});

describe('2. typed dates', () => {
  const PAGES = ['/overview', '/journey-map', '/touchpoints/web', '/responses'];

  test.each(PAGES)('%s: typed From/To with "last 30 days" still selected show those days', async (page) => {
    const html = (await vi.get(`${page}?period=30d&from=2026-01-01&to=2026-03-31`).expect(200)).text;
    expect(html).toContain('<option value="custom" selected>');
    expect(html).toContain('01/01/2026');
    expect(html).toContain('31/03/2026');
  });

  test('picking a preset without touching the shown days keeps the preset', async () => {
    const html = (await en.get('/overview?period=7d&from=2026-01-01&to=2026-03-31&shown=2026-01-01..2026-03-31').expect(200)).text;
    expect(html).toContain('<option value="7d" selected>');
  });

  test.each([['vi', 'Ngày bắt đầu đang sau ngày kết thúc'], ['en', 'The start date is after the end date']] as const)(
    'a reversed range shows the form again with the message (%s)', async (lang, message) => {
      const agent = lang === 'vi' ? vi : en;
      for (const page of PAGES) {
        const res = await agent.get(`${page}?period=custom&from=2026-03-31&to=2026-01-01&stage=&channel=email`).expect(400);
        expect(res.text).toContain(message);
        expect(res.text).toMatch(/<form method="get" action="[^"]+" class="filters"/);
        expect(res.text).toContain('name="from" value="2026-03-31"');
        expect(res.text).toContain('name="to" value="2026-01-01"');
        expect(res.text).toContain('<option value="email" selected>');
      }
    });
});

describe('5. words and formats', () => {
  const plain = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').toLowerCase();

  test('the legend\'s "below target" and "no target" differ by more than a diacritic', () => {
    for (const lang of ['vi', 'en'] as const) {
      expect(plain(tr(lang, 'metrics.targetMissed'))).not.toBe(plain(tr(lang, 'metrics.noTarget')));
    }
  });

  test('each touchpoint channel has one name, on the management pages and on the dashboard', () => {
    for (const channel of TOUCHPOINT_CHANNELS) {
      for (const lang of ['vi', 'en'] as const) {
        expect(tr(lang, `metrics.touchpointChannel.${channel}` as MessageKey)).toBe(tr(lang, `manage.channel.${channel}` as MessageKey));
      }
    }
    const names = TOUCHPOINT_CHANNELS.map((c) => tr('vi', `manage.channel.${c}` as MessageKey));
    expect(new Set(names).size).toBe(names.length);
  });

  test('the survey admin page formats its response count and links to the results', async () => {
    const { id } = await makeSurvey(t, { kind: 'csat', title: 'Big CSAT' });
    await t.db.query(
      `INSERT INTO responses (survey_id, score, channel, locale, hidden, created_at, updated_at)
       SELECT $1, 5, 'link', 'vi', '{}', now(), now() FROM generate_series(1, 11671)`, [id]);
    const viPage = (await vi.get(`/manage/surveys/${id}`).expect(200)).text;
    expect(viPage).toContain('<dd class="num">11.671</dd>');
    expect(viPage).toContain(`href="/surveys/${id}"`);
    expect((await en.get(`/manage/surveys/${id}`).expect(200)).text).toContain('<dd class="num">11,671</dd>');
  });

  test('the CSV group column names each metric\'s own groups', async () => {
    const { id } = await makeSurvey(t, { kind: 'csat', title: 'Groups CSAT' });
    await makeResponses(t, id, { 5: 1, 3: 1, 1: 1 }, { via: 'service', kind: 'csat', answeredAt: '2026-01-10T10:00:00+07:00' });
    const csv = (await en.get(`/responses/export.csv?from=2026-01-01&to=2026-01-31&survey=${id}`).expect(200)).text;
    const groups = csv.trim().split('\n').slice(1).map((line) => line.split(',')[8]).sort();
    expect(groups).toEqual(['neutral', 'satisfied', 'unsatisfied']);
    const nps = (await en.get(`/responses/export.csv?from=2026-01-01&to=2026-01-31&survey=${ids.web}`).expect(200)).text;
    expect(nps).toContain(',promoter,');
  });
});

describe('6. lists that lead somewhere', () => {
  let surveyId: string;
  beforeAll(async () => {
    surveyId = (await makeSurvey(t, { kind: 'nps', title: 'Store NPS', touchpoint: { key: 'store-q1', stageKey: 'retention', name: { vi: 'Cửa hàng Q1', en: 'Store Q1' }, channel: 'store' } })).id;
    // Answers through the public page with hidden fields in the link, as a chain's QR posters carry them.
    await request(t.app).post(`/s/${surveyId}?store=q1&staff=lan`).type('form').send({ score: '2', comment: 'Slow till' }).expect(303);
    await request(t.app).post(`/s/${surveyId}?store=q3&staff=minh`).type('form').send({ score: '9', comment: 'Lovely' }).expect(303);
    await request(t.app).post(`/s/${surveyId}?store=q1&staff=minh`).type('form').send({ score: '10' }).expect(303);
  });

  const text = async (agent: Agent, path: string) => (await agent.get(path).expect(200)).text.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
  const rowsOf = (html: string) => [...html.matchAll(/<tr data-id="(\d+)"/g)].map((m) => m[1]);

  test('the list says how many answers match, and filters by a hidden field', async () => {
    const all = (await en.get(`/responses?survey=${surveyId}`).expect(200)).text;
    expect(all).toContain('<p class="result-count" role="status">3 responses</p>');
    const q1 = await text(en, `/responses?survey=${surveyId}&field=store%3Dq1`);
    expect(rowsOf(q1)).toHaveLength(2);
    expect(q1).toContain('2 responses');
    expect(q1).toContain('name="field" value="store=q1"');
    expect((await vi.get(`/responses?survey=${surveyId}&field=staff%3Dlan`).expect(200)).text).toContain('1 câu trả lời');
    // The export keeps the hidden-field filter.
    expect(q1).toMatch(/href="\/responses\/export\.csv\?[^"]*field=store%3Dq1/);
  });

  test('hidden fields show on each row as links that filter by them, and in the CSV', async () => {
    const html = await text(en, `/responses?survey=${surveyId}`);
    expect(html).toContain('>store=q1</a>');
    expect(html).toContain('>staff=lan</a>');
    expect(html).toMatch(/href="\/responses\?[^"]*field=staff%3Dlan/);
    const editor = await loginAs(t, 'editor', { locale: 'en' });
    const csv = (await editor.get(`/responses/export.csv?survey=${surveyId}&field=staff%3Dlan`).expect(200)).text;
    expect(csv.trim().split('\n')).toHaveLength(2);
    expect(csv).toContain('""staff"":""lan""');
  });

  test('each row links to its answer and, for a detractor, to its follow-up', async () => {
    const html = (await en.get(`/responses?survey=${surveyId}&field=staff%3Dlan`).expect(200)).text;
    const [id] = rowsOf(html);
    const [f] = await t.db.query(`SELECT id::text FROM follow_ups WHERE response_id = $1`, [id]);
    expect(html).toContain(`href="/responses/${id}"`);
    expect(html).toContain(`href="/follow-ups/${f.id}"`);
    const answer = await text(en, `/responses/${id}`);
    expect(answer).toContain('Slow till');
    expect(answer).toContain('>staff=lan</a>');
    expect(answer).toContain(`href="/follow-ups/${f.id}"`);
    await en.get('/responses/99999999').expect(404);
    await en.get('/responses/abc').expect(404);
  });

  test('an email address wraps at its @ and dots, not mid-word', async () => {
    const { id } = await makeSurvey(t, { kind: 'csat', title: 'Mail CSAT' });
    await request(t.app).post(`/api/v1/surveys/${id}/responses`).set('Authorization', `Bearer ${t.apiKey}`)
      .send({ score: 5, email: 'nguyen.thi.lan@retail-chain.example.vn' }).expect(201);
    const html = (await en.get(`/responses?survey=${id}`).expect(200)).text;
    expect(html).toContain('<span class="email">nguyen.thi.lan<wbr>@retail-chain<wbr>.example<wbr>.vn</span>');
  });

  test('a bad hidden-field filter is a 400 with the form', async () => {
    const res = await en.get('/responses?field=novalue').expect(400);
    expect(res.text).toContain('class="filters"');
  });
});

describe('1. one response rate, labelled', () => {
  test('the demo seed makes no email answer without an invitation', async () => {
    await seedDemoData(t.db, { responses: 3000, contacts: 200 });
    const [{ orphans, email }] = await t.db.query(
      `SELECT count(*) FILTER (WHERE invitation_id IS NULL)::int AS orphans, count(*)::int AS email FROM responses WHERE channel = 'email'`);
    expect(email).toBeGreaterThan(0);
    expect(orphans).toBe(0);
  });

  test('the rate card says what it counts and how it relates to the channel table', async () => {
    const [{ id }] = await t.db.query(
      `SELECT s.id FROM surveys s JOIN invitations i ON i.survey_id = s.id GROUP BY s.id ORDER BY count(*) DESC LIMIT 1`);
    const html = (await en.get(`/surveys/${id}?period=90d`).expect(200)).text;
    const email = /<tr data-channel="email"><th scope="row">[^<]*<\/th><td class="num">([^<]+)<\/td>/.exec(html)?.[1];
    expect(email).toBeDefined();
    expect(html).toContain(`invitations sent in the period were answered`);
    expect(html).toContain(`The channel table counts answers received in the period: ${email} by email`);
  });

  test('a send\'s progress page shows the rate of that send in percent, and how many were opened', async () => {
    const { id: surveyId } = await makeSurvey(t, { kind: 'nps', title: 'Sent NPS' });
    const editor = await loginAs(t, 'editor', { locale: 'en' });
    const [{ id: batchId }] = await t.db.query(`INSERT INTO invitation_batches (survey_id, source, queued) VALUES ($1, 'dashboard', 4) RETURNING id`, [surveyId]);
    for (let i = 0; i < 4; i++) {
      await t.db.query(
        `INSERT INTO invitations (survey_id, contact_id, token, channel, status, sent_at, opened_at, responded_at, batch_id)
         VALUES ($1, (SELECT id FROM contacts ORDER BY id OFFSET $2 LIMIT 1), $3, 'email', 'sent', now(), CASE WHEN $2 < 3 THEN now() END, CASE WHEN $2 < 1 THEN now() END, $4)`,
        [surveyId, i, `tok-progress-${i}`, batchId]);
    }
    const html = (await editor.get(`/manage/surveys/${surveyId}/send/${batchId}`).expect(200)).text;
    expect(html).toContain('<p class="inv-rate">25.0%</p>');
    expect(html).toContain('1 of 4 invitations of this send were answered');
    expect(html).toMatch(/<div class="inv-count-opened inv-some"><dt>Opened<\/dt><dd>3<\/dd><\/div>/);
  });
});

describe('3. the new-survey form shows the chosen kind\'s question', () => {
  test.each(['csat', 'ces'] as const)('kind=%s: the kind is chosen first, its wording shown, its name marked current', async (kind) => {
    const editor = await loginAs(t, 'editor', { locale: 'en' });
    const html = (await editor.get(`/manage/surveys/new?kind=${kind}`).expect(200)).text;
    expect(html).toContain(`<input type="hidden" name="kind" value="${kind}">`);
    expect(html).not.toContain('<select id="kind"');
    expect(html).toContain(DEFAULT_QUESTIONS[kind].en);
    expect(html).not.toContain(DEFAULT_QUESTIONS.nps.en);
    expect(html).toContain(`<strong aria-current="true" class="current">${tr('en', `manage.kindLong.${kind}` as MessageKey)}</strong>`);
    expect(html).not.toContain('<script');
  });

  test('a form shown again after an error carries the wording of the kind that was posted', async () => {
    const editor = await loginAs(t, 'editor', { locale: 'en' });
    const page = (await editor.get('/manage/surveys/new?kind=nps').expect(200)).text;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
    const res = await editor.post('/manage/surveys').type('form').send({
      _csrf: csrf, title: '', kind: 'csat', attach: '', status: 'active', ask_comment: '1', recontact_days: '',
      question_vi: DEFAULT_QUESTIONS.nps.vi, question_en: DEFAULT_QUESTIONS.nps.en,
      comment_prompt_vi: '', comment_prompt_en: '', thank_you_vi: '', thank_you_en: '',
    }).expect(400);
    expect(res.text).toContain(DEFAULT_QUESTIONS.csat.en);
    expect(res.text).not.toContain(DEFAULT_QUESTIONS.nps.en);
  });
});

describe('4. no statistics at tiny n', () => {
  const chartsOf = (html: string) => [...html.matchAll(/data-chart="([^"]+)"/g)]
    .map((m) => JSON.parse(m[1].replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&#x27;/g, "'").replace(/&#x3D;/g, '=').replace(/&lt;/g, '<').replace(/&gt;/g, '>')));

  test.each([[1, { 1: 1 }], [2, { 5: 1, 1: 1 }]] as const)('n = %i: the count and "too few answers", no score and no margin', async (_n, histogram) => {
    const { id } = await makeSurvey(t, { kind: 'csat', title: `Tiny CSAT ${_n}` });
    await makeResponses(t, id, histogram, { via: 'service', kind: 'csat', answeredAt: '2026-02-10T10:00:00+07:00' });
    const html = (await en.get(`/surveys/${id}?from=2026-02-01&to=2026-02-28`).expect(200)).text;
    const tile = html.slice(html.indexOf('<article class="tile'), html.indexOf('</article>'));
    expect(tile).toContain('too few answers');
    expect(tile).toContain(`n = <data class="n" value="${_n}">${_n}</data>`);
    expect(tile).not.toMatch(/±/);
    expect(/<p class="tile-score">.*<\/p>/.exec(tile)?.[0]).not.toMatch(/\d/);
    expect(tile).not.toContain('tile-detail');
    // The weekly trend has no point and no band for that week, and its table says why.
    const trend = chartsOf(html).find((c) => c.type === 'line');
    expect(trend.series[0].data.every((v: number | null) => v === null)).toBe(true);
    expect(trend.series[0].band.lower.every((v: number | null) => v === null)).toBe(true);
    expect(html).toMatch(/<td class="num">too few answers<\/td>/);
    const vi = (await (await loginAs(t, 'viewer', { locale: 'vi' })).get(`/surveys/${id}?from=2026-02-01&to=2026-02-28`).expect(200)).text;
    expect(vi).toContain('quá ít câu trả lời');
  });

  test('the CSAT band stays inside 0–100 %, so the axis never cuts it', async () => {
    const { id } = await makeSurvey(t, { kind: 'csat', title: 'Low CSAT' });
    await makeResponses(t, id, { 1: 10, 4: 1 }, { via: 'service', kind: 'csat', answeredAt: '2026-02-10T10:00:00+07:00' });
    const html = (await en.get(`/surveys/${id}?from=2026-02-01&to=2026-02-28`).expect(200)).text;
    const trend = chartsOf(html).find((c) => c.type === 'line');
    const lower = trend.series[0].band.lower.filter((v: number | null) => v !== null);
    expect(lower).toHaveLength(1);
    expect(Math.min(...lower)).toBeGreaterThanOrEqual(trend.y.min);
    expect(Math.min(...lower)).toBe(0);
    // Trend axes stay on a grid of at most ten steps, so Chart.js keeps round ticks (no -10, 8, 27…).
    for (const c of chartsOf(html).filter((x) => x.type === 'line')) expect((c.y.max - c.y.min) / c.y.step).toBeLessThanOrEqual(10);
    // The distribution counts are whole numbers: its axis has no decimals.
    expect(chartsOf(html).find((c) => c.type === 'bar').y.decimals).toBe(0);
  });
});

describe('9. small things', () => {
  test('favicon.ico and the touch icon are served at the root, and every layout links the icon', async () => {
    const ico = await request(t.app).get('/favicon.ico').expect(200);
    expect(ico.headers['content-type']).toMatch(/image\/(x-icon|vnd\.microsoft\.icon)/);
    await request(t.app).get('/apple-touch-icon.png').expect(200).expect('Content-Type', 'image/png');
    expect((await en.get('/overview').expect(200)).text).toContain('<link rel="icon" href="/favicon.ico"');
    expect((await request(t.app).get(`/s/${ids.web}`).expect(200)).text).toContain('<link rel="icon" href="/favicon.ico"');
  });

  test('a respondent\'s 404 carries the brand, a title, an explanation, in the visitor\'s language', async () => {
    const [{ brand }] = await t.db.query(`SELECT brand FROM settings WHERE id = 1`);
    const res = await request(t.app).get('/s/00000000-0000-4000-8000-000000000000').set('Accept-Language', 'en').expect(404);
    expect(res.text).toContain(`<p class="brand">${brand}</p>`);
    expect(res.text).toContain('This survey could not be found.');
    expect(res.text).toContain('the link may have expired');
    expect(res.text).toContain('Error 404');
    const vi = await request(t.app).get('/s/nothing-here').set('Accept-Language', 'vi').expect(404);
    expect(vi.text).toContain('Không tìm thấy khảo sát này.');
    expect(vi.text).toContain('Mã lỗi 404');
  });

  test('the NPS email puts 0–5 and 6–10 on two labelled rows of six cells', async () => {
    const mail = buildInvitationEmail({
      invitationId: '00000000-0000-4000-8000-000000000001', locale: 'en', brand: 'Lan Retail', kind: 'nps', token: 'tok', email: 'a@example.com', name: '',
      touchpointVi: null, touchpointEn: null, questionVi: null, questionEn: null,
    }, { baseUrl: 'https://cx.example', reminder: false });
    const html = mail.html as string;
    const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => [...m[1].matchAll(/>(\d{1,2})<\/a>/g)].map((x) => Number(x[1]))).filter((r) => r.length > 0);
    expect(rows).toEqual([[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]);
    expect(html).toContain('0 – Not at all likely');
    expect(html).toContain('10 – Extremely likely');
    expect(html).toContain('width="16%"');
  });

  test('the time zone is picked from the IANA zones, grouped by region', async () => {
    const admin = await loginAs(t, 'admin', { locale: 'en' });
    const html = (await admin.get('/manage/settings').expect(200)).text;
    expect(html).toMatch(/<select id="time_zone" name="time_zone" required/);
    expect(html).toContain('<optgroup label="Asia">');
    expect(html).toContain('<option value="Asia/Ho_Chi_Minh" selected>Ho Chi Minh</option>');
    expect(html).toContain('<option value="Europe/Berlin">Berlin</option>');
  });

  test('a touchpoint key left empty is made from the name, server-side', async () => {
    expect(suggestKey('Cửa hàng Quận 1')).toBe('cua-hang-quan-1');
    expect(suggestKey('Đặt hàng & Giao hàng!')).toBe('dat-hang-giao-hang');
    expect(suggestKey('  Store Q1 ')).toBe('store-q1');
    expect(suggestKey('—')).toBe('');
    const editor = await loginAs(t, 'editor', { locale: 'en' });
    const page = (await editor.get('/manage/journey/touchpoints/new').expect(200)).text;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
    const [{ id: stageId }] = await t.db.query(`SELECT id FROM stages ORDER BY position LIMIT 1`);
    const base = { _csrf: csrf, key: '', stage_id: String(stageId), name_vi: 'Kiốt Quận 3', channel: 'store', owner_user_id: '' };
    await editor.post('/manage/journey/touchpoints').type('form').send({ ...base, name_en: 'Kiosk District 3' }).expect(303);
    expect(await t.db.query(`SELECT key FROM touchpoints WHERE name_en = 'Kiosk District 3'`)).toEqual([{ key: 'kiosk-district-3' }]);
    // Taken: the form comes back with the suggested key filled in and the reason.
    const again = await editor.post('/manage/journey/touchpoints').type('form').send({ ...base, name_en: 'Kiosk District 3' }).expect(400);
    expect(again.text).toContain('value="kiosk-district-3"');
  });
});

describe('8. sending: every step counted, one send may change the recontact window, known values offered', () => {
  const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

  test('the preview shows matched, unsubscribed, recently invited, eligible, the sample, and who will be invited', async () => {
    const { id: survey } = await makeSurvey(t, { kind: 'nps', title: 'Steps NPS' });
    const editor = await loginAs(t, 'editor', { locale: 'en' });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await makeContact(t, `steps${i}@page.test`, { attributes: { tier: 'steps' }, unsubscribed: i < 1 }));
    // Three of them were invited yesterday: inside the survey's 30-day window.
    for (const id of ids.slice(1, 4)) await makeInvitation(t, survey, id, { daysAgo: 1 });
    const preview = await editor.get(`/manage/surveys/${survey}/send`).query({ audience: 'segment', attribute: 'tier', value: 'steps', sample: '50', preview: '1' }).expect(200);
    const counts = text(preview.text);
    expect(counts).toContain('Matching contacts 10');
    expect(counts).toContain('Unsubscribed 1');
    expect(counts).toContain('Invited in the last 30 days 3');
    expect(counts).toContain('Eligible (before sampling) 6');
    expect(counts).toContain('Sample of 50 % 3');
    expect(counts).toContain('Will be invited 3');
    // Known attribute names and values are offered.
    expect(preview.text).toContain('<option value="steps">');
    expect(preview.text).toContain('<code>tier</code>: steps');

    // For this one send, a window of 0 days: those invited yesterday are eligible again; the survey keeps its own.
    const again = await editor.get(`/manage/surveys/${survey}/send`).query({ audience: 'segment', attribute: 'tier', value: 'steps', recontact_days: '0', preview: '1' }).expect(200);
    expect(text(again.text)).toContain('Eligible (before sampling) 9');
    expect(again.text).toContain('This send uses a recontact window of 0 days');
    const batch = /name="batch" value="([0-9a-f-]{36})"/.exec(again.text)?.[1];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(again.text)?.[1];
    await editor.post(`/manage/surveys/${survey}/send`).type('form')
      .send({ _csrf: csrf, audience: 'segment', attribute: 'tier', value: 'steps', sample: '', recontact_days: '0', batch }).expect(303);
    expect((await t.db.query(`SELECT queued FROM invitation_batches WHERE id = $1`, [batch]))[0].queued).toBe(9);
    expect((await t.db.query(`SELECT recontact_days FROM surveys WHERE id = $1`, [survey]))[0].recontact_days).toBeNull();
    const bad = await editor.get(`/manage/surveys/${survey}/send`).query({ audience: 'all', recontact_days: '-1', preview: '1' }).expect(400);
    expect(bad.text).toContain('Enter 0 to 365 days, or leave it empty.');
  });
});

describe('6. the surveys list shows score, n and response rate', () => {
  test('each survey with its score, answers and rate over the last 30 days, linking to its results', async () => {
    const { id } = await makeSurvey(t, { kind: 'nps', title: 'Listed NPS' });
    await makeResponses(t, id, { 10: 8, 9: 2, 0: 2 }, { via: 'service', kind: 'nps', answeredAt: new Date(Date.now() - 86_400_000).toISOString() });
    const contact = await makeContact(t, 'listed@page.test');
    await makeInvitation(t, id, contact, { daysAgo: 2 });
    const html = (await en.get('/manage/surveys').expect(200)).text;
    const row = html.slice(html.indexOf(`<a href="/manage/surveys/${id}">`), html.indexOf('</tr>', html.indexOf(`<a href="/manage/surveys/${id}">`)));
    expect(row).toContain(`<a href="/surveys/${id}"><data class="score" value="66.66666666666667">+67</data></a>`);
    expect(row).toContain('<data class="n" value="12">12</data>');
    expect(row).toContain('0.0%');
    expect(row).toContain('0 of 1 invitations sent in the period were answered');
  });
});
