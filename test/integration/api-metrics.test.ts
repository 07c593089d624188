import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { apiClient, expectApiError } from '../helpers/api';
import { makeResponses, makeSurvey, makeTouchpoint } from '../helpers/factories';

/**
 * GET /api/v1/metrics against figures worked out by hand from SPEC §3. Every expected score and margin of
 * error below is written as the spec's formula with the dataset's counts, and the arithmetic in a comment.
 *
 * The journey (stage "decision" holds two touchpoints; surveys answered through the API with answeredAt):
 *   NPS  A  touchpoint web-checkout    2026-03-10  10×4 9×2 8×1 7×1 6×1 3×1          n=10
 *   NPS  B  touchpoint store-checkout  2026-03-11  9×3 8×9 5×12 0×6                  n=30
 *   NPS  S  stage decision             2026-03-15 23:59  10×5 7×5                    n=10
 *   NPS  J  whole journey              2026-03-04  10×10                             n=10
 *   CSAT A  web-checkout               2026-03-10  5×12 4×9 3×3 2×3 1×3              n=30
 *   CSAT B  store-checkout             2026-03-10  5×10 4×10 3×9                     n=29
 *   CES  R  stage retention            2026-03-01 23:30 → 2; 2026-03-02 00:30 → 5; 2026-03-03: 7 6 5 3 4
 * 2026-03-02 is a Monday; every time is Asia/Ho_Chi_Minh (+07:00).
 */

let t: TestApp;
const { get } = apiClient(() => t);

type Kind = 'nps' | 'csat' | 'ces';
interface Group { key: string; name: string; n: number; score: number | null; moe: number | null; lowSample: boolean; distribution: Record<string, number>; [extra: string]: unknown }

async function metrics(query: string): Promise<{ kind: Kind; from: string; to: string; groups: Group[] }> {
  const res = await get(`/metrics?${query}`);
  expect(res.status).toBe(200);
  return res.body;
}

function group(groups: Group[], key: string): Group {
  const g = groups.find((x) => x.key === key);
  if (!g) throw new Error(`no group ${key} in ${groups.map((x) => x.key).join(', ')}`);
  return g;
}

/** Score values are floats: compare to 9 decimals (the spec fixes the formula, not the rounding). */
function expectFigures(g: Group, n: number, score: number | null, moe: number | null, lowSample: boolean) {
  expect(g.n).toBe(n);
  if (score === null) expect(g.score).toBeNull(); else expect(g.score).toBeCloseTo(score, 9);
  if (moe === null) expect(g.moe).toBeNull(); else expect(g.moe).toBeCloseTo(moe, 9);
  expect(g.lowSample).toBe(lowSample);
}

const scale = (min: number, max: number, counts: Record<number, number>) =>
  Object.fromEntries(Array.from({ length: max - min + 1 }, (_, i) => [String(min + i), counts[min + i] ?? 0]));

const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  await makeTouchpoint(t, { key: 'web-checkout', stageKey: 'decision', name: { vi: 'Thanh toán trên web', en: 'Web checkout' } });
  await makeTouchpoint(t, { key: 'store-checkout', stageKey: 'decision', name: { vi: 'Thanh toán tại cửa hàng', en: 'Store checkout' } });

  ids.npsA = (await makeSurvey(t, { kind: 'nps', title: 'NPS web', touchpointKey: 'web-checkout' })).id;
  ids.npsB = (await makeSurvey(t, { kind: 'nps', title: 'NPS store', touchpointKey: 'store-checkout' })).id;
  ids.npsS = (await makeSurvey(t, { kind: 'nps', title: 'NPS decision stage', stageKey: 'decision' })).id;
  ids.npsJ = (await makeSurvey(t, { kind: 'nps', title: 'NPS whole journey' })).id;
  ids.csatA = (await makeSurvey(t, { kind: 'csat', title: 'CSAT web', touchpointKey: 'web-checkout' })).id;
  ids.csatB = (await makeSurvey(t, { kind: 'csat', title: 'CSAT store', touchpointKey: 'store-checkout' })).id;
  ids.cesR = (await makeSurvey(t, { kind: 'ces', title: 'CES retention', stageKey: 'retention' })).id;

  await makeResponses(t, ids.npsA, { 10: 4, 9: 2, 8: 1, 7: 1, 6: 1, 3: 1 }, { answeredAt: '2026-03-10T10:00:00+07:00' });
  await makeResponses(t, ids.npsB, { 9: 3, 8: 9, 5: 12, 0: 6 }, { answeredAt: '2026-03-11T15:00:00+07:00' });
  await makeResponses(t, ids.npsS, { 10: 5, 7: 5 }, { answeredAt: '2026-03-15T23:59:00+07:00' });
  await makeResponses(t, ids.npsJ, { 10: 10 }, { answeredAt: '2026-03-04T09:00:00+07:00' });

  await makeResponses(t, ids.csatA, { 5: 12, 4: 9, 3: 3, 2: 3, 1: 3 }, { answeredAt: '2026-03-10T08:00:00+07:00' });
  await makeResponses(t, ids.csatB, { 5: 10, 4: 10, 3: 9 }, { answeredAt: '2026-03-10T20:00:00+07:00' });

  // 23:30 on Sunday 1 March in Ho Chi Minh City is 16:30Z; 00:30 on Monday 2 March is still 1 March (17:30Z) in UTC.
  await makeResponses(t, ids.cesR, { 2: 1 }, { answeredAt: '2026-03-01T23:30:00+07:00' });
  await makeResponses(t, ids.cesR, { 5: 1 }, { answeredAt: '2026-03-02T00:30:00+07:00' });
  await makeResponses(t, ids.cesR, { 7: 1, 6: 1, 5: 1, 3: 1, 4: 1 }, { answeredAt: '2026-03-03T12:00:00+07:00' });
}, 120_000);
afterAll(async () => { await t.close(); });

describe('NPS', () => {
  const week = 'kind=nps&from=2026-03-09&to=2026-03-15';

  test('overall pools every NPS survey in the period (the journey-wide survey answered on 03-04 is outside it)', async () => {
    const body = await metrics(`${week}&by=overall`);
    expect(body).toMatchObject({ kind: 'nps', from: '2026-03-09', to: '2026-03-15' });
    expect(body.groups).toHaveLength(1);
    const g = body.groups[0];
    expect(g.key).toBe('overall');
    // n = 10 + 30 + 10 = 50; promoters 6 + 3 + 5 = 14, detractors 2 + 18 + 0 = 20
    // p = 14/50 = 0.28, d = 20/50 = 0.4 → NPS = 100·(0.28 − 0.4) = −12
    // MoE = 100·1.96·√((0.28 + 0.4 − (−0.12)²)/50) = 196·√(0.6656/50) = 196·√0.013312 ≈ 22.614
    expectFigures(g, 50, -12, 196 * Math.sqrt(0.013312), false);
    expect(g).toMatchObject({ promoters: 14, passives: 16, detractors: 20 });
  });

  test('a stage score pools all its responses; it is not the average of its touchpoints', async () => {
    const body = await metrics(`${week}&by=stage`);
    expect(body.groups.map((g) => g.key)).toEqual(['awareness', 'consideration', 'decision', 'retention', 'advocacy']);
    const decision = group(body.groups, 'decision');
    // Pooled: the same 50 responses as overall → −12 (see above).
    expectFigures(decision, 50, -12, 196 * Math.sqrt(0.013312), false);
    // Averages would be (40 + (−50))/2 = −5 over the touchpoints, or (40 − 50 + 50)/3 ≈ 13.33 with the stage survey.
    expect(decision.score).not.toBeCloseTo(-5, 3);
    expect(decision.score).not.toBeCloseTo(40 / 3, 3);
    expect(decision.name).toBe('Quyết định');
    // Every point of the 0–10 scale, counted across A, B and S.
    expect(decision.distribution).toEqual(scale(0, 10, { 0: 6, 3: 1, 5: 12, 6: 1, 7: 1 + 5, 8: 1 + 9, 9: 2 + 3, 10: 4 + 5 }));
    for (const key of ['awareness', 'consideration', 'retention', 'advocacy']) {
      const empty = group(body.groups, key);
      expectFigures(empty, 0, null, null, true);
      expect(empty.distribution).toEqual(scale(0, 10, {}));
    }
  });

  test('by touchpoint: each touchpoint from its own surveys; lowSample below 30, not at 30', async () => {
    const body = await metrics(`${week}&by=touchpoint`);
    expect(body.groups.map((g) => g.key)).toEqual(['web-checkout', 'store-checkout']);
    // A: n = 10, p = 6/10, d = 2/10 → NPS = 100·(0.6 − 0.2) = 40
    //    MoE = 100·1.96·√((0.6 + 0.2 − 0.4²)/10) = 196·√(0.64/10) = 196·√0.064 ≈ 49.585
    expectFigures(group(body.groups, 'web-checkout'), 10, 40, 196 * Math.sqrt(0.064), true);
    // B: n = 30, p = 3/30 = 0.1, d = 18/30 = 0.6 → NPS = 100·(0.1 − 0.6) = −50
    //    MoE = 196·√((0.1 + 0.6 − 0.5²)/30) = 196·√(0.45/30) = 196·√0.015 ≈ 24.005
    const b = group(body.groups, 'store-checkout');
    expectFigures(b, 30, -50, 196 * Math.sqrt(0.015), false);
    expect(b.distribution).toEqual(scale(0, 10, { 0: 6, 5: 12, 8: 9, 9: 3 }));
    expect(b.name).toBe('Thanh toán tại cửa hàng');
  });

  test('by survey: every NPS survey, including the one with no answers in the period', async () => {
    const body = await metrics(`${week}&by=survey`);
    expect(body.groups.map((g) => g.key).sort()).toEqual([ids.npsA, ids.npsB, ids.npsS, ids.npsJ].sort());
    // S: n = 10, p = 5/10, d = 0 → NPS = 50; MoE = 196·√((0.5 − 0.25)/10) = 196·√0.025 ≈ 30.990
    const s = group(body.groups, ids.npsS);
    expectFigures(s, 10, 50, 196 * Math.sqrt(0.025), true);
    expect(s.name).toBe('NPS decision stage');
    expectFigures(group(body.groups, ids.npsJ), 0, null, null, true);
    expectFigures(group(body.groups, ids.npsA), 10, 40, 196 * Math.sqrt(0.064), true);
  });

  test('a wider period takes in the journey-wide survey', async () => {
    const g = (await metrics('kind=nps&from=2026-03-02&to=2026-03-15')).groups[0];
    // n = 60; promoters 14 + 10 = 24, detractors 20 → p = 0.4, d = 1/3 → NPS = 100·(0.4 − 1/3) = 20/3 ≈ 6.667
    // MoE = 196·√((0.4 + 1/3 − (1/15)²)/60) = 196·√((11/15 − 1/225)/60) = 196·√(164/13500) ≈ 21.603
    expectFigures(g, 60, 20 / 3, 196 * Math.sqrt(164 / 13500), false);
  });

  test('by week: weeks start on Monday and are keyed by that Monday', async () => {
    const body = await metrics('kind=nps&by=week&from=2026-03-02&to=2026-03-15&lang=en');
    expect(body.groups.map((g) => g.key)).toEqual(['2026-03-02', '2026-03-09']);
    // Week of 2 March: J alone, all promoters → NPS 100; MoE = 196·√((1 + 0 − 1²)/10) = 0
    expectFigures(group(body.groups, '2026-03-02'), 10, 100, 0, true);
    // Week of 9 March, Monday 9 to Sunday 15 (S at 23:59 on the Sunday included): the 50 responses → −12
    expectFigures(group(body.groups, '2026-03-09'), 50, -12, 196 * Math.sqrt(0.013312), false);
    expect(group(body.groups, '2026-03-02').name).toBe('Week 2026-W10');
  });

  test('from and to are inclusive calendar days', async () => {
    // Only 10 March: survey A's 10 answers.
    expectFigures((await metrics('kind=nps&from=2026-03-10&to=2026-03-10')).groups[0], 10, 40, 196 * Math.sqrt(0.064), true);
    // 15 March at 23:59 (+07:00) is on the 15th, and not on the 16th.
    expect((await metrics('kind=nps&from=2026-03-15&to=2026-03-15')).groups[0].n).toBe(10);
    expect((await metrics('kind=nps&from=2026-03-16&to=2026-03-16')).groups[0].n).toBe(0);
  });
});

describe('CSAT', () => {
  const day = 'kind=csat&from=2026-03-10&to=2026-03-10';

  test('by touchpoint: top-2-box percent, MoE, mean; lowSample at 29 but not at 30', async () => {
    const body = await metrics(`${day}&by=touchpoint`);
    // A: n = 30, 4–5 = 12 + 9 = 21 → c = 0.7 → CSAT = 70; MoE = 100·1.96·√(0.7·0.3/30) = 196·√0.007 ≈ 16.398
    //    mean = (5·12 + 4·9 + 3·3 + 2·3 + 1·3)/30 = 114/30 = 3.8
    const a = group(body.groups, 'web-checkout');
    expectFigures(a, 30, 70, 196 * Math.sqrt(0.007), false);
    expect(a.mean).toBeCloseTo(3.8, 9);
    expect(a.distribution).toEqual({ 1: 3, 2: 3, 3: 3, 4: 9, 5: 12 });
    // B: n = 29, 4–5 = 20 → c = 20/29 → CSAT = 2000/29 ≈ 68.966; MoE = 196·√((20/29)(9/29)/29) ≈ 16.838
    //    mean = (5·10 + 4·10 + 3·9)/29 = 117/29 ≈ 4.034
    const b = group(body.groups, 'store-checkout');
    expectFigures(b, 29, 2000 / 29, 196 * Math.sqrt(((20 / 29) * (9 / 29)) / 29), true);
    expect(b.mean).toBeCloseTo(117 / 29, 9);
    expect(b.distribution).toEqual({ 1: 0, 2: 0, 3: 9, 4: 10, 5: 10 });
  });

  test('by stage pools both touchpoints', async () => {
    const decision = group((await metrics(`${day}&by=stage`)).groups, 'decision');
    // n = 59, 4–5 = 21 + 20 = 41 → CSAT = 4100/59 ≈ 69.492; MoE = 196·√((41/59)(18/59)/59) ≈ 11.749
    // mean = (114 + 117)/59 = 231/59 ≈ 3.915
    expectFigures(decision, 59, 4100 / 59, 196 * Math.sqrt(((41 / 59) * (18 / 59)) / 59), false);
    expect(decision.mean).toBeCloseTo(231 / 59, 9);
    expect(decision.distribution).toEqual({ 1: 3, 2: 3, 3: 12, 4: 19, 5: 22 });
  });

  test('NPS surveys on the same touchpoints never leak into CSAT', async () => {
    const overall = (await metrics('kind=csat&from=2026-03-01&to=2026-03-31')).groups[0];
    expect(overall.n).toBe(59);
  });
});

describe('CES and the organisation time zone', () => {
  test('a response at 23:30 (+07:00) counts on that day; one at 00:30 the next day counts on the next', async () => {
    // 2026-03-01T23:30+07:00 (16:30Z) → 1 March: n = 1, mean 2, no MoE (a sample sd needs two answers)
    const first = (await metrics('kind=ces&from=2026-03-01&to=2026-03-01')).groups[0];
    expectFigures(first, 1, 2, null, true);
    expect(first.distribution).toEqual({ 1: 0, 2: 1, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0 });
    // 2026-03-02T00:30+07:00 (2026-03-01T17:30Z) → 2 March: n = 1, mean 5
    const second = (await metrics('kind=ces&from=2026-03-02&to=2026-03-02')).groups[0];
    expectFigures(second, 1, 5, null, true);
  });

  test('mean, MoE from the sample standard deviation (n − 1), easy share', async () => {
    const g = (await metrics('kind=ces&from=2026-03-03&to=2026-03-03')).groups[0];
    // 7 6 5 3 4: mean = 25/5 = 5; squared deviations 4 + 1 + 0 + 4 + 1 = 10; s² = 10/(5 − 1) = 2.5
    // MoE = 1.96·s/√n = 1.96·√2.5/√5 = 1.96·√0.5 ≈ 1.386; easy (5–7) = 3/5 = 60 %
    expectFigures(g, 5, 5, 1.96 * Math.sqrt(0.5), true);
    expect(g.sd).toBeCloseTo(Math.sqrt(2.5), 9);
    expect(g.easyShare).toBeCloseTo(60, 9);
    expect(g.distribution).toEqual({ 1: 0, 2: 0, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1 });
  });

  test('by week: the Sunday-night answer is in the week of 23 February, the Monday 00:30 one in the week of 2 March', async () => {
    const body = await metrics('kind=ces&by=week&from=2026-02-25&to=2026-03-08');
    expect(body.groups.map((g) => g.key)).toEqual(['2026-02-23', '2026-03-02']);
    expectFigures(group(body.groups, '2026-02-23'), 1, 2, null, true);
    // Week of 2 March: 5, 7, 6, 5, 3, 4 → mean 30/6 = 5; squared deviations 0 + 4 + 1 + 0 + 4 + 1 = 10
    // s² = 10/5 = 2 → MoE = 1.96·√2/√6 = 1.96·√(1/3) ≈ 1.132; easy = 4/6
    const w = group(body.groups, '2026-03-02');
    expectFigures(w, 6, 5, 1.96 * Math.sqrt(1 / 3), true);
    expect(w.easyShare).toBeCloseTo(400 / 6, 9);
    expect(w.name).toBe('Tuần 2026-W10');
  });

  test('a period of Sunday and Monday spans two weeks', async () => {
    const body = await metrics('kind=ces&by=week&from=2026-03-01&to=2026-03-02');
    expect(body.groups.map((g) => [g.key, g.n])).toEqual([['2026-02-23', 1], ['2026-03-02', 1]]);
  });

  test('by stage: the relationship survey counts for its stage only', async () => {
    const body = await metrics('kind=ces&by=stage&from=2026-02-01&to=2026-03-31');
    // All seven answers: 2 5 7 6 5 3 4 → mean 32/7
    expect(group(body.groups, 'retention').n).toBe(7);
    expect(group(body.groups, 'retention').score).toBeCloseTo(32 / 7, 9);
    expect(body.groups.filter((g) => g.key !== 'retention').every((g) => g.n === 0)).toBe(true);
  });

  test('the day boundary moves with the organisation time zone setting', async () => {
    const id = (await makeSurvey(t, { kind: 'ces', title: 'CES zone check' })).id;
    await t.db.query(`UPDATE settings SET time_zone = 'UTC'`);
    try {
      // With the zone set to UTC, 2026-04-01T00:30+07:00 (= 2026-03-31T17:30Z) is on 31 March.
      await makeResponses(t, id, { 6: 1 }, { answeredAt: '2026-04-01T00:30:00+07:00' });
      const body = await metrics('kind=ces&by=survey&from=2026-03-31&to=2026-03-31');
      expect(group(body.groups, id).n).toBe(1);
    } finally {
      await t.db.query(`UPDATE settings SET time_zone = 'Asia/Ho_Chi_Minh'`);
    }
  });
});

describe('defaults and answers from the public page', () => {
  test('without from/to the period is the last 30 days up to today, and public-page answers count', async () => {
    const id = (await makeSurvey(t, { kind: 'csat', title: 'CSAT kiosk' })).id;
    const before = (await metrics('kind=csat&by=survey')).groups;
    expect(group(before, id).n).toBe(0);
    const link = await request(t.app).post(`/s/${id}`).type('form').send({ score: '5', comment: 'Tuyệt vời' });
    expect(link.status).toBe(303);
    const qr = await request(t.app).post(`/s/${id}?via=qr`).type('form').send({ score: '2' });
    expect(qr.status).toBe(303);
    const body = await metrics('kind=csat&by=survey');
    const g = group(body.groups, id);
    // 5 and 2: one of two in 4–5 → 50 %; MoE = 196·√(0.5·0.5/2) = 196·√0.125 ≈ 69.296
    expectFigures(g, 2, 50, 196 * Math.sqrt(0.125), true);
    const [{ channels }] = await t.db.query(`SELECT array_agg(channel ORDER BY channel) AS channels FROM responses WHERE survey_id = $1`, [id]);
    expect(channels).toEqual(['link', 'qr']);
    expect(body.to).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const span = (Date.parse(body.to) - Date.parse(body.from)) / 86_400_000;
    expect(span).toBe(29);
  });

  test('only from: the 30 days from it', async () => {
    const body = await metrics('kind=nps&from=2026-03-01');
    expect(body).toMatchObject({ from: '2026-03-01', to: '2026-03-30' });
    expect(body.groups[0].n).toBe(60);
  });

  test('only to: the 30 days up to it', async () => {
    const body = await metrics('kind=nps&to=2026-03-10');
    expect(body).toMatchObject({ from: '2026-02-09', to: '2026-03-10' });
    // J (03-04) and A (03-10): n = 20, promoters 10 + 6, detractors 2 → NPS = 100·(16 − 2)/20 = 70
    expect(body.groups[0].n).toBe(20);
    expect(body.groups[0].score).toBeCloseTo(70, 9);
  });
});

describe('bad parameters → 400', () => {
  test.each([
    ['no kind', 'by=overall', 'kind'],
    ['an unknown kind', 'kind=cx', 'kind'],
    ['an upper-case kind', 'kind=NPS', 'kind'],
    ['an unknown by', 'kind=nps&by=month', 'by'],
    ['an impossible day', 'kind=nps&from=2026-02-30&to=2026-03-01', 'from'],
    ['an unpadded day', 'kind=nps&from=2026-3-1&to=2026-03-02', 'from'],
    ['a compact day', 'kind=nps&from=2026-03-01&to=20260302', 'to'],
    ['a timestamp for a day', 'kind=nps&from=2026-03-01T00:00:00Z', 'from'],
    ['from after to', 'kind=nps&from=2026-03-02&to=2026-03-01', 'from'],
    ['a period of more than three years', 'kind=nps&from=2020-01-01&to=2026-01-01', 'from'],
    ['year zero', 'kind=nps&from=0000-01-01&to=0000-01-02', 'from'],
    ['the end of the calendar', 'kind=nps&by=week&from=9999-12-27&to=9999-12-31', 'from'],
    ['an unknown language', 'kind=nps&lang=fr', 'lang'],
    ['an unknown parameter', 'kind=nps&stage=decision', 'stage'],
    ['a repeated kind', 'kind=nps&kind=csat', 'kind'],
  ])('%s', async (_label, query, path) => {
    const res = await get(`/metrics?${query}`);
    expectApiError(res, 400, 'validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });
});
