import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { loginAs, type Agent } from '../helpers/login';

/**
 * A chain: the decision stage holds 32 stores, one CSAT survey each (answers on 2026-03-05, Asia/Ho_Chi_Minh).
 *   store 1..30   40 answers each, of which `i` satisfied (score 5), the rest score 1: CSAT = i / 40 (2.5 % .. 75 %);
 *   store 31, 32  10 answers, all score 1: 0 %, but a low sample (n < 30): never ranked worst or best.
 * Targets: journey CSAT 70; store 5 has its own target 0 (so it meets it, and is not in need of attention).
 * The awareness stage keeps two touchpoints: small stages list every touchpoint as before.
 * The retention stage holds 60 branches without surveys (the management list pages through them).
 */
let t: TestApp;
let viewer: Agent;
const PERIOD = 'period=custom&from=2026-03-01&to=2026-03-31';

const cellKeys = (html: string) => [...html.matchAll(/<li class="cell" data-touchpoint="([a-z0-9-]+)"/g)].map((m) => m[1]);
const listIn = (html: string, list: string) => {
  const at = html.indexOf(`data-list="${list}"`);
  return at < 0 ? [] : cellKeys(html.slice(at, html.indexOf('</ol>', at)));
};

beforeAll(async () => {
  t = await startTestApp();
  viewer = await loginAs(t, 'viewer', { locale: 'vi', email: 'vi.viewer@example.com' });
  await t.db.query(
    `INSERT INTO touchpoints (key, stage_id, name_vi, name_en, channel, position)
     SELECT 'store-' || g, (SELECT id FROM stages WHERE key = 'decision'), 'Cửa hàng ' || g, 'Store ' || g, 'store', g FROM generate_series(1, 32) g`);
  await t.db.query(
    `INSERT INTO touchpoints (key, stage_id, name_vi, name_en, channel, position)
     SELECT 'ad-' || g, (SELECT id FROM stages WHERE key = 'awareness'), 'Quảng cáo ' || g, 'Ad ' || g, 'ads', g FROM generate_series(1, 2) g`);
  await t.db.query(
    `INSERT INTO touchpoints (key, stage_id, name_vi, name_en, channel, position)
     SELECT 'branch-' || g, (SELECT id FROM stages WHERE key = 'retention'), 'Chi nhánh ' || g, 'Branch ' || g, 'office', g FROM generate_series(1, 60) g`);
  await t.db.query(`INSERT INTO surveys (kind, title, touchpoint_id) SELECT 'csat', 'CSAT ' || key, id FROM touchpoints WHERE key LIKE 'store-%'`);
  // One statement for all answers: the statement trigger appends their deltas; nothing is folded (readers add them).
  await t.db.query(
    `INSERT INTO responses (survey_id, score, channel, locale, created_at)
     SELECT s.id, CASE WHEN a <= n.i THEN 5 ELSE 1 END, 'link', 'vi', timestamptz '2026-03-05 10:00+07'
     FROM surveys s JOIN touchpoints tp ON tp.id = s.touchpoint_id
     CROSS JOIN LATERAL (SELECT substr(tp.key, 7)::int AS i) n
     CROSS JOIN LATERAL generate_series(1, CASE WHEN n.i <= 30 THEN 40 ELSE 10 END) a`);
  await t.db.query(`UPDATE responses SET score = 1 WHERE survey_id IN (SELECT s.id FROM surveys s JOIN touchpoints tp ON tp.id = s.touchpoint_id WHERE tp.key IN ('store-31', 'store-32'))`);
  await t.db.query(`INSERT INTO kpi_targets (metric, target) VALUES ('csat', 70)`);
  await t.db.query(`INSERT INTO kpi_targets (metric, touchpoint_id, target) SELECT 'csat', id, 0 FROM touchpoints WHERE key = 'store-5'`);
});

afterAll(async () => {
  await t?.close();
});

describe('the journey map with a large stage', () => {
  let html: string;
  beforeAll(async () => {
    html = (await viewer.get(`/journey-map?${PERIOD}`).expect(200)).text;
  });

  test('shows the touchpoints most in need of attention, worst first, against their nearest target', () => {
    // store 5 meets its own target of 0; stores 31 and 32 have too few answers to be ranked.
    expect(listIn(html, 'attention')).toEqual(['store-1', 'store-2', 'store-3', 'store-4', 'store-6']);
  });

  test('and the best against their targets, best first (store 5 is 12.5 points above its own target of 0)', () => {
    expect(listIn(html, 'best')).toEqual(['store-5', 'store-30', 'store-29']);
  });

  test('no other store of the stage is on the map, and "Show all" links to the full list with the filters kept', () => {
    const decision = html.slice(html.indexOf('data-stage="decision"'), html.indexOf('data-stage="retention"'));
    expect(cellKeys(decision)).toHaveLength(8);
    expect(decision).toContain('<a href="/journey-map/stages/decision?from&#x3D;2026-03-01&amp;to&#x3D;2026-03-31">Xem tất cả 32 điểm chạm</a>');
    expect(decision).toContain('Cần chú ý nhất');
  });

  test('a small stage still lists every touchpoint in journey order', () => {
    const awareness = html.slice(html.indexOf('data-stage="awareness"'), html.indexOf('data-stage="consideration"'));
    expect(cellKeys(awareness)).toEqual(['ad-1', 'ad-2']);
    expect(awareness).not.toContain('data-list=');
  });

  test('the stage header pools every answer of its stores', () => {
    const head = html.slice(html.indexOf('data-stage="decision"'), html.indexOf('data-list="attention"'));
    // (1 + … + 30) satisfied of 30 × 40 + 2 × 10 answers.
    expect(head).toContain('<data class="n" value="1220">');
  });

  test('in English too', async () => {
    const en = await loginAs(t, 'viewer', { locale: 'en', email: 'en.viewer@example.com' });
    const page = (await en.get(`/journey-map?${PERIOD}`).expect(200)).text;
    expect(page).toContain('Most in need of attention');
    expect(page).toContain('Show all 32 touchpoints');
    expect(listIn(page, 'attention')[0]).toBe('store-1');
  });
});

describe('a stage\'s full list', () => {
  test('pages through every store ranked, those without enough answers last', async () => {
    const first = (await viewer.get(`/journey-map/stages/decision?${PERIOD}`).expect(200)).text;
    const keys = cellKeys(first);
    expect(keys).toHaveLength(25);
    expect(keys.slice(0, 5)).toEqual(['store-1', 'store-2', 'store-3', 'store-4', 'store-6']);
    expect(first).toContain('32 điểm chạm · trang 1/2');
    const next = /<a href="([^"]+)" rel="next">/.exec(first)?.[1].replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
    expect(next).toBe('/journey-map/stages/decision?from=2026-03-01&to=2026-03-31&page=2');
    const second = (await viewer.get(next as string).expect(200)).text;
    // Store 5 ranks best: furthest above its own target.
    expect(cellKeys(second)).toEqual(['store-27', 'store-28', 'store-29', 'store-30', 'store-5', 'store-31', 'store-32']);
    expect(second).toContain('data-rank="32"');
    expect(second).toContain('Chưa đủ câu trả lời để xếp hạng');
    expect(second).not.toContain('rel="next"');
    expect(second).toContain('rel="prev"');
  });

  test('searches names in both languages and keeps the search while paging', async () => {
    const page = (await viewer.get(`/journey-map/stages/decision?${PERIOD}&q=${encodeURIComponent('store 3')}`).expect(200)).text;
    expect(cellKeys(page)).toEqual(['store-3', 'store-30', 'store-31', 'store-32']);
    expect(page).toContain('value="store 3"');
    // The search form keeps the period as hidden fields: it works without script.
    expect(page).toMatch(/<input type="hidden" name="from" value="2026-03-01">/);
    const vi = (await viewer.get(`/journey-map/stages/decision?${PERIOD}&q=${encodeURIComponent('Cửa hàng 2')}`).expect(200)).text;
    expect(cellKeys(vi).slice(0, 2)).toEqual(['store-2', 'store-20']);
    const none = (await viewer.get(`/journey-map/stages/decision?${PERIOD}&q=${encodeURIComponent('<b>nowhere</b>')}`).expect(200)).text;
    expect(none).toContain('Không có điểm chạm nào khớp.');
    expect(none).not.toContain('<b>nowhere</b>');
  });

  test('bad input is a 400 page, an unknown stage a 404', async () => {
    await viewer.get(`/journey-map/stages/decision?page=0`).expect(400);
    await viewer.get(`/journey-map/stages/decision?page=abc`).expect(400);
    await viewer.get(`/journey-map/stages/decision?q=${'x'.repeat(101)}`).expect(400);
    await viewer.get(`/journey-map/stages/nowhere`).expect(404);
    await viewer.get(`/journey-map/stages/NOT..A..KEY`).expect(404);
    // A page past the end shows the last one.
    expect(cellKeys((await viewer.get(`/journey-map/stages/decision?${PERIOD}&page=9`).expect(200)).text)).toHaveLength(7);
  });

  test('needs a login', async () => {
    const res = await request(t.app).get('/journey-map/stages/decision');
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/login/);
  });
});

describe('the management touchpoint list', () => {
  const rowKeys = (html: string) => [...html.matchAll(/<td><code>([a-z0-9-]+)<\/code><\/td>/g)].map((m) => m[1]);
  const stageId = async (key: string) => (await t.db.query(`SELECT id FROM stages WHERE key = $1`, [key]))[0].id as number;

  test('lists at most 20 touchpoints per stage, with a link to the stage\'s full list', async () => {
    const html = (await viewer.get('/manage/journey').expect(200)).text;
    const retention = html.slice(html.indexOf(`id="stage-${await stageId('retention')}"`));
    expect(rowKeys(retention.slice(0, retention.indexOf('</table>')))).toEqual(Array.from({ length: 20 }, (_, i) => `branch-${i + 1}`));
    expect(retention).toContain('Điểm chạm 1–20 trong 60');
    const id = await stageId('retention');
    expect(retention).toContain(`<a href="/manage/journey?stage&#x3D;${id}#stage-${id}">Xem tất cả 60 điểm chạm của giai đoạn</a>`);
    // A small stage lists everything, without a count line.
    const awareness = html.slice(html.indexOf(`id="stage-${await stageId('awareness')}"`), html.indexOf(`id="stage-${await stageId('consideration')}"`));
    expect(rowKeys(awareness)).toEqual(['ad-1', 'ad-2']);
    expect(awareness).not.toContain('touchpoints-listed');
  });

  test('one stage pages by 50', async () => {
    const id = await stageId('retention');
    const first = (await viewer.get(`/manage/journey?stage=${id}`).expect(200)).text;
    expect(rowKeys(first)).toHaveLength(50);
    expect(first).not.toContain('id="stage-' + (await stageId('decision')) + '"');
    const next = /<a href="([^"]+)" rel="next">/.exec(first)?.[1].replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
    expect(next).toBe(`/manage/journey?stage=${id}&page=2#stage-${id}`);
    const second = (await viewer.get(next as string).expect(200)).text;
    expect(rowKeys(second)).toEqual(Array.from({ length: 10 }, (_, i) => `branch-${51 + i}`));
    expect(second).toContain('Điểm chạm 51–60 trong 60');
    expect(second).toContain('rel="prev"');
  });

  test('searches names and keys across stages, escaped', async () => {
    const html = (await viewer.get(`/manage/journey?q=${encodeURIComponent('Chi nhánh 5')}`).expect(200)).text;
    expect(rowKeys(html)).toEqual(['branch-5', ...Array.from({ length: 10 }, (_, i) => `branch-${50 + i}`)]);
    expect(html).toContain('11 điểm chạm khớp “Chi nhánh 5” · 1–11');
    expect(html).toContain('value="Chi nhánh 5"');
    const byKey = (await viewer.get('/manage/journey?q=store-3').expect(200)).text;
    expect(rowKeys(byKey)).toEqual(['store-3', 'store-30', 'store-31', 'store-32']);
    const none = (await viewer.get(`/manage/journey?q=${encodeURIComponent('<i>x</i>')}`).expect(200)).text;
    expect(none).toContain('Không có điểm chạm nào khớp.');
    expect(none).not.toContain('<i>x</i>');
  });

  test('bad input is a 400 page in the user\'s language; an unknown stage a 404', async () => {
    const bad = await viewer.get('/manage/journey?page=0').expect(400);
    expect(bad.text).toContain('Tìm kiếm không hợp lệ');
    await viewer.get(`/manage/journey?q=${'x'.repeat(101)}`).expect(400);
    await viewer.get('/manage/journey?stage=abc').expect(400);
    await viewer.get('/manage/journey?stage=999999').expect(404);
  });
});

describe('the survey form\'s touchpoint picker', () => {
  const touchpointOptions = (html: string) => [...html.matchAll(/<option value="touchpoint:(\d+)"( selected)?>([^<]*)<\/option>/g)].map((m) => ({ id: Number(m[1]), selected: !!m[2], name: m[3] }));
  const idOf = async (key: string) => (await t.db.query(`SELECT id FROM touchpoints WHERE key = $1`, [key]))[0].id as number;
  let editor: Agent & { csrf: string };

  beforeAll(async () => {
    editor = await loginAs(t, 'editor', { locale: 'vi', email: 'picker.editor@example.com' });
  });

  test('lists at most 50 of the 94 touchpoints, and says how to find the others', async () => {
    const html = (await editor.get('/manage/surveys/new?kind=csat').expect(200)).text;
    expect(touchpointOptions(html)).toHaveLength(50);
    expect(html).toContain('Hành trình có 94 điểm chạm: danh sách chỉ hiện 50 điểm chạm đầu.');
    expect(html).toContain('<button type="submit" name="_find" value="1" formnovalidate');
  });

  test('Find shows the matches and keeps what was typed; nothing is saved', async () => {
    const before = (await t.db.query(`SELECT count(*)::int AS n FROM surveys`))[0].n;
    const res = await editor.post('/manage/surveys').type('form').send({
      _csrf: editor.csrf, title: 'Khảo sát cửa hàng 31', kind: 'csat', status: 'active', attach: '', attach_q: 'store-3', _find: '1',
      question_vi: 'Câu hỏi', question_en: 'Question',
    });
    expect(res.status).toBe(200);
    expect(touchpointOptions(res.text).map((o) => o.name)).toEqual(['Cửa hàng 3', 'Cửa hàng 30', 'Cửa hàng 31', 'Cửa hàng 32']);
    expect(res.text).toContain('value="Khảo sát cửa hàng 31"');
    expect(res.text).toContain('4 điểm chạm khớp “store-3”');
    expect((await t.db.query(`SELECT count(*)::int AS n FROM surveys`))[0].n).toBe(before);
  });

  test('a touchpoint beyond the first 50 can be chosen, and stays selected in the edit form', async () => {
    const id = await idOf('branch-60');
    const res = await editor.post('/manage/surveys').type('form').send({
      _csrf: editor.csrf, title: 'CSAT chi nhánh 60', kind: 'csat', status: 'active', attach: `touchpoint:${id}`, attach_q: '',
      question_vi: 'Câu hỏi', question_en: 'Question',
    }).expect(303);
    const edit = (await editor.get(`${res.headers.location}/edit`).expect(200)).text;
    const options = touchpointOptions(edit);
    expect(options).toHaveLength(50);
    expect(options.filter((o) => o.selected)).toEqual([{ id, selected: true, name: 'Chi nhánh 60' }]);
  });

  test('a bad search is a 400 with the form as typed', async () => {
    const res = await editor.post('/manage/surveys').type('form').send({
      _csrf: editor.csrf, title: 'X', kind: 'csat', status: 'active', attach: '', attach_q: 'x'.repeat(101), _find: '1', question_vi: 'Q', question_en: 'Q',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Tìm kiếm tối đa 100 ký tự trên một dòng.');
  });
});
