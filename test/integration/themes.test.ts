import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { apiClient, detailPaths, expectApiError } from '../helpers/api';
import { answer, makeSurvey } from '../helpers/factories';
import { analyseAllPending, countNewTopic, getTopicSummaries, rebuildCommentThemes } from '../../src/modules/themes';
import { rankPhrases } from '../../src/modules/themes/rank';

/**
 * Themes and topics on a hand-made comment set whose answers are known:
 *
 * Touchpoint "hotline", one CSAT survey. Week of Monday 2026-11-02 (the current period, 02–08 Nov):
 *   score 1  "Chờ lâu quá, không ai nghe máy."   ×3 NFC, ×2 NFD (decomposed, as phones send it)
 *   score 1  "cho lau qua, khong ai nghe may"    ×2 (no diacritics)
 *   score 1  "Phải chờ lâu mới gặp được nhân viên" ×2
 *   score 1  "Waited too long on hold." ×2, "Long wait at the hotline" ×1, "I waited 20 minutes" ×1
 *   score 2  "Nhân viên trả lời qua loa."         ×3
 *   score 3  "Bình thường"                         ×2
 *   score 4  "Nhân viên thân thiện"                ×2
 *   score 5  "Nhân viên thân thiện, nhiệt tình."  ×6, "Friendly staff, quick answer." ×4
 *   score 4  "Very friendly staff" ×2
 * Previous week (26 Oct – 1 Nov): score 2 "Nhân viên trả lời qua loa." ×6.
 *
 * So "chờ lâu" is said 9 times (NFC, NFD and without accents alike), all by detractors (score 1).
 */

let t: TestApp;
const { get, post } = apiClient(() => t);
let hotline: string;
const FROM = '2026-11-02';
const TO = '2026-11-08';
const AT = '2026-11-04T10:00:00+07:00';
const BEFORE = '2026-10-28T10:00:00+07:00';

async function comments(surveyId: string, score: number, comment: string, times: number, at = AT) {
  for (let i = 0; i < times; i++) await answer(t, surveyId, { score, comment, answeredAt: at });
}

beforeAll(async () => {
  t = await startTestApp();
  const survey = await makeSurvey(t, { kind: 'csat', touchpoint: { key: 'hotline', stageKey: 'retention' } });
  hotline = survey.id;
  await comments(hotline, 1, 'Chờ lâu quá, không ai nghe máy.', 3);
  await comments(hotline, 1, 'Chờ lâu quá, không ai nghe máy.'.normalize('NFD'), 2);
  await comments(hotline, 1, 'cho lau qua, khong ai nghe may', 2);
  await comments(hotline, 1, 'Phải chờ lâu mới gặp được nhân viên', 2);
  await comments(hotline, 1, 'Waited too long on hold.', 2);
  await comments(hotline, 1, 'Long wait at the hotline', 1);
  await comments(hotline, 1, 'I waited 20 minutes', 1);
  await comments(hotline, 2, 'Nhân viên trả lời qua loa.', 3);
  await comments(hotline, 3, 'Bình thường', 2);
  await comments(hotline, 4, 'Nhân viên thân thiện', 2);
  await comments(hotline, 5, 'Nhân viên thân thiện, nhiệt tình.', 6);
  await comments(hotline, 5, 'Friendly staff, quick answer.', 4);
  await comments(hotline, 4, 'Very friendly staff', 2);
  await comments(hotline, 2, 'Nhân viên trả lời qua loa.', 6, BEFORE);
  await analyseAllPending(t.db);
}, 120_000);

afterAll(async () => {
  await t?.close();
});

interface ApiTheme { phrase: string; language: string; count: number; share: number; examples: string[]; impact: { kind: string; with: number; without: number; nWith: number; nWithout: number; significant: boolean } | null; emerging: boolean }

async function themes(query: string): Promise<ApiTheme[]> {
  const res = await get(`/themes?${query}`);
  expect(res.status).toBe(200);
  return res.body.items;
}

describe('GET /api/v1/themes', () => {
  it('finds the waiting-time theme first among detractors, with and without diacritics, NFC and NFD alike', async () => {
    const items = await themes(`touchpoint=hotline&group=detractor&from=${FROM}&to=${TO}`);
    expect(items[0].phrase).toBe('chờ lâu');
    expect(items[0].language).toBe('vi');
    expect(items[0].count).toBe(9);
    // 16 detractor comments in the week (9 + 4 English + 3 "qua loa").
    expect(items[0].share).toBeCloseTo(9 / 16, 12);
    expect(items[0].examples.length).toBeGreaterThan(0);
    for (const e of items[0].examples) expect(e.normalize('NFC').toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '')).toContain('cho lau');
  });

  it('finds the English theme with lang=en', async () => {
    const items = await themes(`touchpoint=hotline&group=detractor&from=${FROM}&to=${TO}&lang=en`);
    expect(items[0].language).toBe('en');
    expect(items[0].phrase).toMatch(/^wait/);
    expect(items[0].count).toBe(4);
  });

  it('finds the friendly-staff theme first among promoters', async () => {
    const items = await themes(`touchpoint=hotline&group=promoter&from=${FROM}&to=${TO}`);
    expect(items[0].phrase).toBe('nhân viên thân thiện');
    expect(items[0].count).toBe(8);
    const en = await themes(`touchpoint=hotline&group=promoter&from=${FROM}&to=${TO}&lang=en`);
    expect(en[0].phrase).toBe('friendly staff');
  });

  it('never makes a theme of stop words', async () => {
    const stop = ['không', 'được', 'và', 'của', 'là', 'có', 'rất', 'the', 'at', 'on', 'i', 'a', 'to'];
    for (const group of ['detractor', 'promoter', 'all']) {
      for (const item of await themes(`touchpoint=hotline&group=${group}&from=${FROM}&to=${TO}&limit=50`)) {
        const words = item.phrase.split(' ');
        expect(stop).not.toContain(words[0]);
        expect(stop).not.toContain(words[words.length - 1]);
      }
    }
  });

  it('gives the impact against hand-computed figures (CSAT, two-proportion test)', async () => {
    const [top] = await themes(`touchpoint=hotline&group=detractor&from=${FROM}&to=${TO}`);
    // With "chờ lâu": 9 answers, all score 1 -> CSAT 0 %. Without: the other 23 comments of the week:
    // scores 1×4, 2×3, 3×2, 4×4, 5×10 -> 14 satisfied of 23 = 60.869565… %.
    expect(top.impact).toMatchObject({ kind: 'csat', nWith: 9, nWithout: 23, significant: true });
    expect(top.impact!.with).toBeCloseTo(0, 9);
    expect(top.impact!.without).toBeCloseTo((100 * 14) / 23, 9);
    // z = (0 − 14/23) / √(p(1−p)(1/23 + 1/9)), p = 14/32 -> −3.07: significant at 95 %.
    const p = 14 / 32;
    expect(Math.abs((0 - 14 / 23) / Math.sqrt(p * (1 - p) * (1 / 23 + 1 / 9)))).toBeGreaterThan(1.96);
    // "nhân viên trả lời" (3 answers of score 2, CSAT 0 %) against 29 others with 14 satisfied: z = −1.43, not significant.
    const other = (await themes(`touchpoint=hotline&group=detractor&from=${FROM}&to=${TO}&limit=50`)).find((i) => i.phrase.includes('trả lời'));
    expect(other?.impact).toMatchObject({ nWith: 3, nWithout: 29, significant: false });
    const q = 14 / 32;
    expect(Math.abs((0 - 14 / 29) / Math.sqrt(q * (1 - q) * (1 / 29 + 1 / 3)))).toBeLessThan(1.96);
  });

  it('marks a theme that grew significantly against the previous weeks as emerging, not one that shrank', async () => {
    const items = await themes(`touchpoint=hotline&group=detractor&from=${FROM}&to=${TO}&limit=50`);
    // Previous week: 6 detractor comments, none about waiting; now 9 of 16: z ≈ 2.39.
    expect(items.find((i) => i.phrase === 'chờ lâu')?.emerging).toBe(true);
    // "trả lời qua loa": 6 of 6 before, 3 of 16 now.
    expect(items.find((i) => i.phrase.includes('trả lời'))?.emerging).toBe(false);
  });

  it('keeps the counts exact when a comment is edited or an answer deleted', async () => {
    const extra = await answer(t, hotline, { score: 1, comment: 'Chờ lâu kinh khủng', answeredAt: AT });
    await analyseAllPending(t.db);
    expect((await themes(`touchpoint=hotline&group=detractor&from=${FROM}&to=${TO}`))[0].count).toBe(10);
    await t.db.query(`UPDATE responses SET comment = 'Nhân viên trả lời qua loa' WHERE id = $1`, [extra.id]);
    await analyseAllPending(t.db);
    expect((await themes(`touchpoint=hotline&group=detractor&from=${FROM}&to=${TO}`))[0].count).toBe(9);
    await t.db.query(`DELETE FROM responses WHERE id = $1`, [extra.id]);
    await analyseAllPending(t.db);
    const after = await themes(`touchpoint=hotline&group=detractor&from=${FROM}&to=${TO}&limit=50`);
    expect(after[0].count).toBe(9);
    expect(after.find((i) => i.phrase.includes('trả lời'))?.count).toBe(3);
  });

  it('gives the same counts after a bulk rebuild as the job gave', async () => {
    // Examples may differ (the job keeps the latest answers, the rebuild the latest of each distinct text).
    const withoutExamples = (items: ApiTheme[]) => items.map(({ examples: _e, ...rest }) => rest);
    const before = await themes(`touchpoint=hotline&group=all&from=${FROM}&to=${TO}&limit=50`);
    await rebuildCommentThemes(t.db);
    expect(withoutExamples(await themes(`touchpoint=hotline&group=all&from=${FROM}&to=${TO}&limit=50`))).toEqual(withoutExamples(before));
  });

  it('reads the whole journey from its own sums, and forgets a deleted survey there too', async () => {
    const other = await makeSurvey(t, { kind: 'nps', touchpoint: { key: 'store', stageKey: 'decision' } });
    await comments(other.id, 2, 'Chờ lâu ở quầy', 4);
    await analyseAllPending(t.db);
    const journey = await themes(`group=detractor&from=${FROM}&to=${TO}`);
    expect(journey[0]).toMatchObject({ phrase: 'chờ lâu', count: 13 });
    await t.db.query(`DELETE FROM surveys WHERE id = $1`, [other.id]);
    await analyseAllPending(t.db);
    expect((await themes(`group=detractor&from=${FROM}&to=${TO}`))[0]).toMatchObject({ phrase: 'chờ lâu', count: 9 });
  });

  it('answers bad queries with the error contract', async () => {
    expectApiError(await get('/themes?group=happy'), 400, 'validation_failed');
    const both = await get('/themes?touchpoint=hotline&stage=retention');
    expectApiError(both, 400, 'validation_failed');
    expectApiError(await get('/themes?from=2026-02-30'), 400, 'validation_failed');
    expectApiError(await get('/themes?touchpoint=nowhere'), 404);
    expectApiError(await get('/themes?survey=not-a-uuid'), 400, 'validation_failed');
    expectApiError(await get('/themes?limit=0'), 400, 'validation_failed');
    expectApiError(await request(t.app).get('/api/v1/themes'), 401);
  });
});

describe('ranking in the database', () => {
  it('weighs and orders the themes as the c-TF-IDF of rank.ts does on the same counts', async () => {
    const counts: Array<{ phraseId: number; grp: 'promoter' | 'passive' | 'detractor'; n: number }> = await t.db.query(
      `SELECT phrase_id AS "phraseId", grp, sum(n)::int AS n FROM comment_theme_counts WHERE survey_id = $1 AND week = $2 GROUP BY 1, 2 HAVING sum(n) > 0`,
      [hotline, FROM]);
    const phrases: Array<{ id: number; k: string; label: string }> = await t.db.query(`SELECT id, language || ':' || key AS k, label FROM comment_phrases`);
    const keys = new Map(phrases.map((p) => [p.id, p.k]));
    const labels = new Map(phrases.map((p) => [p.id, p.label]));
    for (const group of ['detractor', 'promoter', 'passive', 'all'] as const) {
      const expected = rankPhrases(counts, keys, group, 10).map((r) => labels.get(r.phraseId));
      const items = await themes(`touchpoint=hotline&group=${group}&from=${FROM}&to=${TO}&limit=10`);
      expect({ group, phrases: items.map((i) => i.phrase) }).toEqual({ group, phrases: expected });
    }
  });
});

describe('topics', () => {
  it('matches keywords with and without diacritics, and counts them per touchpoint', async () => {
    const res = await post('/topics', { name: { vi: 'Thời gian chờ', en: 'Waiting time' }, keywords: ['cho lau', 'waited', 'long wait'] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: { vi: 'Thời gian chờ', en: 'Waiting time' }, keywords: ['cho lau', 'waited', 'long wait'] });
    await countNewTopic(t.db, res.body.id);
    const [summary] = await getTopicSummaries(t.db, { touchpoint: 'hotline' }, { from: FROM, to: TO });
    // 9 "chờ lâu" (accented, NFD, unaccented) + 2 "Waited too long" + 1 "Long wait" + 1 "I waited".
    expect(summary.count).toBe(13);
    expect(summary.detractors).toBe(13);
    // Accented keywords match unaccented text too, and whole words only.
    const [row] = await t.db.query(
      `SELECT touchpoint_fold($1) ~ p AS a, touchpoint_fold($2) ~ p AS b, touchpoint_fold($3) ~ p AS c
       FROM (SELECT pattern AS p FROM topics WHERE id = $4) x`,
      ['CHỜ LÂU quá'.normalize('NFD'), 'chờ lâu', 'cho laura', res.body.id],
    );
    expect(row).toEqual({ a: true, b: true, c: false });
    const accented = await post('/topics', { name: { vi: 'Nhân viên thân thiện', en: 'Friendly staff' }, keywords: ['thân thiện'] });
    await countNewTopic(t.db, accented.body.id);
    const [m] = await t.db.query(`SELECT touchpoint_fold('nhan vien than thien') ~ pattern AS hit FROM topics WHERE id = $1`, [accented.body.id]);
    expect(m.hit).toBe(true);
  });

  it('keeps topic counts exact for answers that arrive after the topic', async () => {
    const [before] = await getTopicSummaries(t.db, { touchpoint: 'hotline' }, { from: FROM, to: TO });
    await answer(t, hotline, { score: 2, comment: 'cho lau', answeredAt: AT });
    await analyseAllPending(t.db);
    const after = (await getTopicSummaries(t.db, { touchpoint: 'hotline' }, { from: FROM, to: TO })).find((s) => s.topic.id === before.topic.id);
    expect(after?.count).toBe(before.count + 1);
  });

  it('lists and deletes topics, with the error contract', async () => {
    const list = await get('/topics');
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThanOrEqual(1);
    const id = list.body.items[0].id;
    expectApiError(await post('/topics', { name: { vi: 'Thời gian chờ', en: 'Other' }, keywords: ['x y'] }), 409);
    const bad = await post('/topics', { name: { vi: '', en: 'x' }, keywords: [] });
    expectApiError(bad, 400, 'validation_failed');
    expect(detailPaths(bad)).toEqual(expect.arrayContaining(['name.vi', 'keywords']));
    expectApiError(await post('/topics', { name: { vi: 'a', en: 'b' }, keywords: ['<script>'] }), 400, 'validation_failed');
    expectApiError(await post('/topics', { name: { vi: 'a', en: 'b' }, keywords: ['ok'], extra: 1 }), 400, 'validation_failed');
    const del = await request(t.app).delete(`/api/v1/topics/${id}`).set('Authorization', `Bearer ${t.apiKey}`);
    expect(del.status).toBe(204);
    expectApiError(await request(t.app).delete(`/api/v1/topics/${id}`).set('Authorization', `Bearer ${t.apiKey}`), 404);
    expectApiError(await request(t.app).delete('/api/v1/topics/abc').set('Authorization', `Bearer ${t.apiKey}`), 404);
  });
});
