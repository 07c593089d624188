import { parse } from 'csv-parse/sync';
import { startTestApp, type TestApp } from '../helpers/app';
import { apiClient } from '../helpers/api';
import { answer, makeSurvey } from '../helpers/factories';
import { loginAs, type Agent } from '../helpers/login';
import { listResponses } from '../../src/modules/dashboard/queries/listResponses';
import { countResponses } from '../../src/modules/dashboard/queries/countResponses';
import { analyseAllPending, countNewTopic, getPainPoints, rebuildCommentThemes } from '../../src/modules/themes';

/**
 * Team topics where the team reads answers: the responses page and its CSV filtered by a topic, the
 * touchpoint page's topic counts, the journey map's pain point per cell. Hand-made answers, week of
 * Monday 2026-11-02 (Asia/Ho_Chi_Minh), CSAT (detractors score 1–2):
 *
 * hotline (retention):  score 1 "Chờ lâu quá" ×2 NFC, ×1 NFD, "cho lau qua" ×1 (no diacritics)
 *                       score 2 "Chờ lâu, nhân viên thô lỗ" ×1 (both topics)
 *                       score 1 "Nhân viên thô lỗ" ×1
 *                       score 5 "Nhanh, tốt" ×3, "chờ lâu một chút nhưng ổn" ×1
 * store (decision):     score 1 "nhan vien tho lo" ×3; score 5 "ok" ×2
 *
 * Topic "Waiting time" (keywords "chờ lâu", "long wait") matches 6 hotline answers, 5 of them among its
 * 6 detractors; "Rude staff" ("thô lỗ", "rude") 2 at the hotline and 3 (all) at the store.
 */

let t: TestApp;
let viewerEn: Agent;
let viewerVi: Agent;
const { post } = apiClient(() => t);
const AT = '2026-11-04T10:00:00+07:00';
const PERIOD = 'period=custom&from=2026-11-02&to=2026-11-08';
const ids: Record<string, string[]> = { waiting: [], rude: [], other: [] };
let waiting: number;
let rude: number;
let hotlineTp: number;
let storeTp: number;

async function say(surveyId: string, score: number, comment: string, times: number, topics: Array<'waiting' | 'rude'>) {
  for (let i = 0; i < times; i++) {
    const { id } = await answer(t, surveyId, { score, comment, answeredAt: AT });
    if (topics.length === 0) ids.other.push(String(id));
    for (const topic of topics) ids[topic].push(String(id));
  }
}

const idsOf = (html: string) => [...html.matchAll(/<tr data-id="(\d+)"/g)].map((m) => m[1]).sort();
const sorted = (xs: string[]) => [...xs].sort();

beforeAll(async () => {
  t = await startTestApp();
  const hotline = await makeSurvey(t, { kind: 'csat', touchpoint: { key: 'hotline', stageKey: 'retention', name: { vi: 'Tổng đài', en: 'Hotline' } } });
  const store = await makeSurvey(t, { kind: 'csat', touchpoint: { key: 'store', stageKey: 'decision', name: { vi: 'Cửa hàng', en: 'Store' } } });
  await say(hotline.id, 1, 'Chờ lâu quá', 2, ['waiting']);
  await say(hotline.id, 1, 'Chờ lâu quá'.normalize('NFD'), 1, ['waiting']);
  await say(hotline.id, 1, 'cho lau qua', 1, ['waiting']);
  await say(hotline.id, 2, 'Chờ lâu, nhân viên thô lỗ', 1, ['waiting', 'rude']);
  await say(hotline.id, 1, 'Nhân viên thô lỗ', 1, ['rude']);
  await say(hotline.id, 5, 'Nhanh, tốt', 3, []);
  await say(hotline.id, 5, 'chờ lâu một chút nhưng ổn', 1, ['waiting']);
  await say(store.id, 1, 'nhan vien tho lo', 3, ['rude']);
  await say(store.id, 5, 'ok', 2, []);
  const w = await post('/topics', { name: { vi: 'Thời gian chờ', en: 'Waiting time' }, keywords: ['chờ lâu', 'long wait'] });
  const r = await post('/topics', { name: { vi: 'Nhân viên thô lỗ', en: 'Rude staff' }, keywords: ['thô lỗ', 'rude'] });
  expect([w.status, r.status]).toEqual([201, 201]);
  waiting = w.body.id;
  rude = r.body.id;
  await countNewTopic(t.db, waiting);
  await analyseAllPending(t.db);
  await countNewTopic(t.db, rude);
  const tps: Array<{ id: number; key: string }> = await t.db.query(`SELECT id, key FROM touchpoints WHERE key IN ('hotline', 'store')`);
  hotlineTp = tps.find((x) => x.key === 'hotline')!.id;
  storeTp = tps.find((x) => x.key === 'store')!.id;
  viewerEn = await loginAs(t, 'viewer', { locale: 'en' });
  viewerVi = await loginAs(t, 'viewer', { locale: 'vi' });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('responses filtered by a topic', () => {
  it('lists exactly the answers that mention it, with and without diacritics, and keeps the topic in its links', async () => {
    const page = await viewerEn.get(`/responses?${PERIOD}&topic=${waiting}`).expect(200);
    expect(idsOf(page.text)).toEqual(sorted(ids.waiting));
    expect(idsOf((await viewerEn.get(`/responses?${PERIOD}&topic=${rude}`).expect(200)).text)).toEqual(sorted(ids.rude));
    // With the other filters: the store has no waiting-time answer.
    expect(idsOf((await viewerEn.get(`/responses?${PERIOD}&touchpoint=store&topic=${waiting}`).expect(200)).text)).toEqual([]);
    expect(idsOf((await viewerEn.get(`/responses?${PERIOD}&touchpoint=hotline&group=detractor&topic=${rude}`).expect(200)).text)).toEqual(sorted(ids.rude.slice(0, 2)));
    // The picker is a plain GET form field (works without script), the topic selected; the export link keeps it.
    expect(page.text).toMatch(/<select id="f-topic" name="topic">/);
    expect(page.text).toContain(`<option value="${waiting}" selected>Waiting time</option>`);
    expect(page.text).toMatch(new RegExp(`href="/responses/export\\.csv\\?[^"]*topic(=|&#x3D;)${waiting}`));
    const vi = await viewerVi.get(`/responses?${PERIOD}&topic=${rude}`).expect(200);
    expect(vi.text).toContain(`<option value="${waiting}">Thời gian chờ</option>`);
  });

  it('pages through a topic’s answers by keyset, newest first, each once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listResponses(t.db, { period: { from: '2026-11-02', to: '2026-11-08' }, timeZone: 'Asia/Ho_Chi_Minh', surveyIds: null, topicId: waiting, limit: 2, cursor });
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...ids.waiting].sort((a, b) => Number(b) - Number(a)));
    expect(await countResponses(t.db, { period: { from: '2026-11-02', to: '2026-11-08' }, timeZone: 'Asia/Ho_Chi_Minh', surveyIds: null, topicId: waiting, limit: 50 })).toBe(ids.waiting.length);
  });

  it('follows the answers as they change: a new answer that mentions it appears, an edited one leaves', async () => {
    const survey = (await t.db.query(`SELECT id FROM surveys ORDER BY created_at LIMIT 1`))[0].id;
    const added = await answer(t, survey, { score: 2, comment: 'Long wait, again.', answeredAt: AT });
    const [edited] = ids.waiting;
    await t.db.query(`UPDATE responses SET comment = 'Đã ổn' WHERE id = $1`, [edited]);
    await analyseAllPending(t.db);
    const now = idsOf((await viewerEn.get(`/responses?${PERIOD}&topic=${waiting}`).expect(200)).text);
    expect(now).toEqual(sorted([...ids.waiting.filter((id) => id !== edited), String(added.id)]));
    // Put things back for the other tests.
    await t.db.query(`DELETE FROM responses WHERE id = $1`, [added.id]);
    await t.db.query(`UPDATE responses SET comment = 'Chờ lâu quá' WHERE id = $1`, [edited]);
    await analyseAllPending(t.db);
    expect(idsOf((await viewerEn.get(`/responses?${PERIOD}&topic=${waiting}`).expect(200)).text)).toEqual(sorted(ids.waiting));
  });

  it('is the same after a bulk rebuild of themes and topics (seed:demo, imports)', async () => {
    await t.db.query(`DELETE FROM topic_responses`);
    await rebuildCommentThemes(t.db);
    expect(idsOf((await viewerEn.get(`/responses?${PERIOD}&topic=${waiting}`).expect(200)).text)).toEqual(sorted(ids.waiting));
    expect(idsOf((await viewerEn.get(`/responses?${PERIOD}&topic=${rude}`).expect(200)).text)).toEqual(sorted(ids.rude));
  });

  it('exports a topics column with the names of the topics each answer mentions, in the reader’s language', async () => {
    const res = await viewerEn.get(`/responses/export.csv?${PERIOD}&topic=${waiting}`).expect(200);
    const rows: Array<Record<string, string>> = parse(res.text.replace(/^\uFEFF/, ''), { columns: true });
    expect(sorted(rows.map((r) => r.id))).toEqual(sorted(ids.waiting));
    const both = rows.find((r) => r.comment === 'Chờ lâu, nhân viên thô lỗ');
    expect(both?.topics).toBe('Waiting time; Rude staff');
    expect(rows.filter((r) => r.topics === 'Waiting time')).toHaveLength(ids.waiting.length - 1);
    const all = await viewerVi.get(`/responses/export.csv?${PERIOD}`).expect(200);
    const allRows: Array<Record<string, string>> = parse(all.text.replace(/^\uFEFF/, ''), { columns: true });
    expect(allRows).toHaveLength(ids.waiting.length + ids.rude.length - 1 + ids.other.length);
    for (const row of allRows) {
      const expected = [ids.waiting.includes(row.id) ? 'Thời gian chờ' : null, ids.rude.includes(row.id) ? 'Nhân viên thô lỗ' : null].filter(Boolean).join('; ');
      expect({ id: row.id, topics: row.topics }).toEqual({ id: row.id, topics: expected });
    }
  });

  it('answers an unknown or malformed topic with a 400 filter page in the reader’s language', async () => {
    const gone = await viewerVi.get(`/responses?${PERIOD}&topic=987654`);
    expect(gone.status).toBe(400);
    expect(gone.text).toContain('Không tìm thấy chủ đề.');
    expect(gone.text).toMatch(/<select id="f-topic" name="topic">/);
    const en = await viewerEn.get(`/responses?${PERIOD}&topic=987654`);
    expect(en.status).toBe(400);
    expect(en.text).toContain('Topic not found.');
    expect((await viewerEn.get(`/responses?${PERIOD}&topic=abc`)).status).toBe(400);
    expect((await viewerEn.get(`/responses?${PERIOD}&topic=0`)).status).toBe(400);
    expect((await viewerEn.get(`/responses/export.csv?${PERIOD}&topic=987654`)).status).toBe(400);
  });
});

describe('topics on the touchpoint page', () => {
  it('shows each topic mentioned there with its count, share and the score with and without it', async () => {
    const html = (await viewerEn.get(`/touchpoints/hotline?${PERIOD}`).expect(200)).text;
    const section = html.slice(html.indexOf('class="themes-topics"'));
    const item = (name: string) => {
      const at = section.indexOf(`<strong>${name}</strong>`);
      expect(at).toBeGreaterThan(-1);
      return section.slice(at, section.indexOf('</li>', at)).replaceAll('&#x3D;', '=');
    };
    // Waiting time: 6 of the 10 comments; CSAT (share of 4–5) 1/6 with it against 3/4 without.
    const w = item('Waiting time');
    expect(w).toContain('6 · 60.0%');
    expect(w).toContain('16.7% when mentioned (n = 6) vs 75.0% when not (n = 4)');
    expect(section.replaceAll('&#x3D;', '=')).toContain(`href="/responses?touchpoint=hotline&amp;topic=${waiting}"`);
    // Rude staff: 2 of 10, both detractors: 0/2 against 4/8.
    expect(item('Rude staff')).toContain('0.0% when mentioned (n = 2) vs 50.0% when not (n = 8)');
    const vi = (await viewerVi.get(`/touchpoints/hotline?${PERIOD}`).expect(200)).text;
    expect(vi).toContain('<strong>Thời gian chờ</strong>');
  });
});

describe('topics on the Themes page', () => {
  it('link to their answers on the responses page, with the same scope and period', async () => {
    const html = (await viewerEn.get(`/themes?${PERIOD}&touchpoint=hotline`).expect(200)).text;
    const href = new RegExp(`<a href="(/responses\\?[^"]*topic(?:=|&#x3D;)${rude}[^"]*)">Rude staff</a>`).exec(html)?.[1];
    expect(href).toBeDefined();
    const link = href!.replaceAll('&amp;', '&').replaceAll('&#x3D;', '=');
    expect(new URL(link, 'http://x').searchParams.get('touchpoint')).toBe('hotline');
    expect(idsOf((await viewerEn.get(link).expect(200)).text)).toEqual(sorted(ids.rude.slice(0, 2)));
  });
});

describe('the journey map’s pain point', () => {
  it('is the topic most mentioned by each shown touchpoint’s detractors, read once for all cells', async () => {
    const pains = await getPainPoints(t.db, [hotlineTp, storeTp], { from: '2026-11-02', to: '2026-11-08' });
    expect(pains.get(hotlineTp)).toEqual({ topic: { id: waiting, name: { vi: 'Thời gian chờ', en: 'Waiting time' } }, count: 5, detractors: 6, share: 5 / 6 });
    expect(pains.get(storeTp)).toMatchObject({ topic: { id: rude }, count: 3, detractors: 3, share: 1 });
    // Only the touchpoints asked for; another week has none.
    expect([...(await getPainPoints(t.db, [storeTp], { from: '2026-11-02', to: '2026-11-08' })).keys()]).toEqual([storeTp]);
    expect((await getPainPoints(t.db, [hotlineTp, storeTp], { from: '2026-10-19', to: '2026-10-25' })).size).toBe(0);
    const cellOf = (html: string, key: string) => {
      const at = html.indexOf(`data-touchpoint="${key}"`);
      expect(at).toBeGreaterThan(-1);
      const end = html.indexOf('<li class="cell"', at);
      return html.slice(at, end < 0 ? undefined : end);
    };
    const en = (await viewerEn.get(`/journey-map?${PERIOD}`).expect(200)).text;
    expect(cellOf(en, 'hotline')).toMatch(/Top pain point:<\/span> <strong>Waiting time<\/strong> <span class="muted">· 5 detractors mention it \(83%\)/);
    expect(cellOf(en, 'store')).toContain('<strong>Rude staff</strong>');
    const vi = (await viewerVi.get(`/journey-map?${PERIOD}`).expect(200)).text;
    expect(cellOf(vi, 'hotline')).toContain('<strong>Thời gian chờ</strong>');
  });
});
