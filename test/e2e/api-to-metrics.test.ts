import request from 'supertest';
import { startTestApp, TEST_BASE_URL, type TestApp } from '../helpers/app';
import { makeSurvey } from '../helpers/factories';

// The whole loop of the foundation: a team creates a touchpoint and a survey through the API, customers
// answer through its link and its QR code, and the answers show up in GET /api/v1/metrics exactly.
let t: TestApp;
beforeAll(async () => { t = await startTestApp({ PUBLIC_RATE_LIMIT_PER_MINUTE: '1000' }); });
afterAll(async () => { await t.close(); });

const auth = () => ({ Authorization: `Bearer ${t.apiKey}` });
const path = (url: string) => url.replace(TEST_BASE_URL, '');

async function answer(url: string, score: number) {
  await request(t.app).post(path(url)).type('form').send({ score: String(score) }).expect(303);
}

test('NPS answered by link and QR: score, n, MoE, distribution and channels match SPEC §3', async () => {
  const survey = await makeSurvey(t, { kind: 'nps', title: 'Store NPS', touchpoint: { key: 'store-q1', stageKey: 'retention', name: { vi: 'Cửa hàng Quận 1', en: 'District 1 store' }, channel: 'store' } });
  expect(survey.publicUrl).toBe(`${TEST_BASE_URL}/s/${survey.id}`);

  // The QR code encodes the link marked as QR; the page behind it is the same form.
  const qrTarget = `${survey.publicUrl}?via=qr`;
  // 12 answers: link 10,10,9,9,8,7 and QR 6,5,3,0,10,9 → promoters 6, passives 2, detractors 4, n = 12.
  for (const s of [10, 10, 9, 9, 8, 7]) await answer(survey.publicUrl, s);
  for (const s of [6, 5, 3, 0, 10, 9]) await answer(qrTarget, s);

  const channels = await t.db.query(`SELECT channel, count(*)::int AS n FROM responses GROUP BY 1 ORDER BY 1`);
  expect(channels).toEqual([{ channel: 'link', n: 6 }, { channel: 'qr', n: 6 }]);

  const p = 6 / 12;
  const d = 4 / 12;
  const nps = 100 * (p - d); // 16.666…
  const moe = 100 * 1.96 * Math.sqrt((p + d - (p - d) ** 2) / 12); // 100·1.96·√((0.83333 − 0.02778)/12) = 196·√0.067130 = 50.7824
  expect(nps).toBeCloseTo(16.6667, 3);
  expect(moe).toBeCloseTo(50.7824, 3);

  for (const by of ['overall', 'stage', 'touchpoint', 'survey']) {
    const res = await request(t.app).get(`/api/v1/metrics?kind=nps&by=${by}`).set(auth());
    expect(res.status).toBe(200);
    const key = { overall: 'overall', stage: 'retention', touchpoint: 'store-q1', survey: survey.id }[by];
    const group = res.body.groups.find((g: { key: string }) => g.key === key);
    expect(group).toMatchObject({ n: 12, lowSample: true });
    expect(group.score).toBeCloseTo(nps, 9);
    expect(group.moe).toBeCloseTo(moe, 9);
    expect(group.distribution).toEqual({ 0: 1, 1: 0, 2: 0, 3: 1, 4: 0, 5: 1, 6: 1, 7: 1, 8: 1, 9: 3, 10: 3 });
  }
});
