import { startTestApp, type TestApp } from '../helpers/app';
import { apiClient, expectApiError } from '../helpers/api';
import { makeContact, makeSurvey } from '../helpers/factories';
import { loginAs } from '../helpers/login';
import { defaultDriverScopes, getDriverBadges, getDrivers, refreshDrivers, startAnalyticsJobs } from '../../src/modules/analytics';
import { eventually } from '../helpers/eventually';

/**
 * Key drivers on a hand-made journey whose figures are worked out here, independently of the module:
 * 60 contacts in 12 blocks of 5 sharing one relationship NPS. Touchpoint "strong" follows the NPS,
 * "flat" gives every block the scores 1..5 (ρ exactly 0: no evidence), "effort" (CES) a mix; "thin" has
 * 10 contacts only. Decoys that must not count: an NPS before the answer, one after the 90-day window,
 * and an NPS on a touchpoint (not a relationship survey).
 */
let t: TestApp;
const { get } = apiClient(() => t);

const BLOCK_NPS = [0, 1, 3, 4, 5, 6, 7, 8, 8, 9, 10, 10];
const strongScore = (y: number, j: number) => Math.min(5, Math.max(1, Math.round(1 + y * 0.4 + (j - 2) * 0.5)));
const effortScore = (y: number, j: number) => 1 + ((y + 3 * j) % 7);

interface Person { id: string; y: number; strong: number; flat: number; effort: number }
const people: Person[] = [];

async function insert(surveyId: string, contactId: string, score: number, at: string): Promise<void> {
  await t.db.query(
    `INSERT INTO responses (survey_id, score, channel, locale, contact_id, hidden, created_at, updated_at) VALUES ($1, $2, 'api', 'vi', $3, '{}', $4, $4)`,
    [surveyId, score, contactId, at]);
}

/** Mid-ranks and Pearson, written out again here so the expected ρ does not come from the code under test. */
function expectedSpearman(x: number[], y: number[]): number {
  const rank = (v: number[]) => v.map((a) => v.filter((b) => b < a).length + (v.filter((b) => b === a).length + 1) / 2);
  const rx = rank(x);
  const ry = rank(y);
  const m = (x.length + 1) / 2;
  const sxy = rx.reduce((s, r, i) => s + (r - m) * (ry[i] - m), 0);
  const sxx = rx.reduce((s, r) => s + (r - m) ** 2, 0);
  const syy = ry.reduce((s, r) => s + (r - m) ** 2, 0);
  return sxy / Math.sqrt(sxx * syy);
}
const npsOf = (ys: number[]) => (100 * (ys.filter((y) => y >= 9).length - ys.filter((y) => y <= 6).length)) / ys.length;
const npsVar = (ys: number[]) => {
  const p = ys.filter((y) => y >= 9).length / ys.length;
  const d = ys.filter((y) => y <= 6).length / ys.length;
  return (100 * 100 * (p + d - (p - d) ** 2)) / ys.length;
};

let strongId: string;
beforeAll(async () => {
  t = await startTestApp();
  const strong = await makeSurvey(t, { kind: 'csat', touchpoint: { key: 'strong', stageKey: 'retention' } });
  const flat = await makeSurvey(t, { kind: 'csat', touchpoint: { key: 'flat', stageKey: 'consideration' } });
  const effort = await makeSurvey(t, { kind: 'ces', touchpoint: { key: 'effort', stageKey: 'retention' } });
  const thin = await makeSurvey(t, { kind: 'csat', touchpoint: { key: 'thin', stageKey: 'decision' } });
  const journeyNps = await makeSurvey(t, { kind: 'nps' });
  const stageNps = await makeSurvey(t, { kind: 'nps', stageKey: 'advocacy' });
  const touchpointNps = await makeSurvey(t, { kind: 'nps', touchpointKey: 'thin' });
  await t.db.query(`INSERT INTO kpi_targets (metric, stage_id, touchpoint_id, target) VALUES ('csat', NULL, NULL, 80), ('ces', NULL, NULL, 5)`);
  const [{ id }] = await t.db.query(`SELECT id FROM touchpoints WHERE key = 'strong'`);
  strongId = id;
  for (let b = 0; b < 12; b++) {
    for (let j = 0; j < 5; j++) {
      const i = b * 5 + j;
      const contact = await makeContact(t, `c${i}@example.com`);
      const p: Person = { id: contact, y: BLOCK_NPS[b], strong: strongScore(BLOCK_NPS[b], j), flat: j + 1, effort: effortScore(BLOCK_NPS[b], j) };
      people.push(p);
      // An earlier NPS (before the answers) must not be the outcome: a 10 for everyone.
      await insert(journeyNps.id, contact, 10, '2026-09-20T09:00:00+07:00');
      await insert(strong.id, contact, p.strong, '2026-10-01T10:00:00+07:00');
      await insert(flat.id, contact, p.flat, '2026-10-02T10:00:00+07:00');
      await insert(effort.id, contact, p.effort, '2026-10-03T10:00:00+07:00');
      // A touchpoint NPS right after: not a relationship survey, so not the outcome.
      await insert(touchpointNps.id, contact, 10 - p.y, '2026-10-04T10:00:00+07:00');
      // The outcome: half on the journey survey, half on the advocacy stage's.
      await insert(i % 2 ? journeyNps.id : stageNps.id, contact, p.y, '2026-10-11T10:00:00+07:00');
      if (i < 10) {
        await insert(thin.id, contact, 5, '2026-10-05T10:00:00+07:00');
      }
    }
  }
  // A contact whose only NPS comes 120 days after its answer: outside the window, not counted.
  const late = await makeContact(t, 'late@example.com');
  await insert(strong.id, late, 1, '2026-10-01T10:00:00+07:00');
  await insert(journeyNps.id, late, 0, '2027-01-29T10:00:00+07:00');
});

afterAll(async () => {
  await t?.close();
});

const PERIOD = 'from=2026-09-25&to=2026-10-31';

it('computes n, Spearman ρ with its Fisher interval, and the top-box NPS gap as worked out by hand', async () => {
  const res = await get(`/drivers?outcome=nps&${PERIOD}`);
  expect(res.status).toBe(200);
  expect(res.body.minOverlap).toBe(30);
  const byKey = Object.fromEntries(res.body.items.map((i: { touchpointKey: string }) => [i.touchpointKey, i]));
  const ys = people.map((p) => p.y);

  const strong = byKey.strong;
  expect(strong).toMatchObject({ kind: 'csat', n: 60, significant: true });
  const rho = expectedSpearman(people.map((p) => p.strong), ys);
  expect(strong.rho).toBeCloseTo(rho, 10);
  const z = Math.atanh(rho);
  expect(strong.ci[0]).toBeCloseTo(Math.tanh(z - 1.96 / Math.sqrt(57)), 10);
  expect(strong.ci[1]).toBeCloseTo(Math.tanh(z + 1.96 / Math.sqrt(57)), 10);
  const top = people.filter((p) => p.strong >= 4).map((p) => p.y);
  const rest = people.filter((p) => p.strong < 4).map((p) => p.y);
  expect(strong.topBox).toEqual({ nps: expect.closeTo(npsOf(top), 10), n: top.length });
  expect(strong.rest).toEqual({ nps: expect.closeTo(npsOf(rest), 10), n: rest.length });
  const gapZ = (npsOf(top) - npsOf(rest)) / Math.sqrt(npsVar(top) + npsVar(rest));
  expect(strong.gapSignificant).toBe(Math.abs(gapZ) > 1.96);
  expect(strong.gapSignificant).toBe(true);
  expect(strong.rank).toBe(1);

  // Every block holds the scores 1..5: no association at all.
  expect(byKey.flat).toMatchObject({ n: 60, significant: false, gapSignificant: false, rank: null });
  expect(byKey.flat.rho).toBeCloseTo(0, 12);

  expect(byKey.effort.rho).toBeCloseTo(expectedSpearman(people.map((p) => p.effort), ys), 10);
  // 10 contacts: 20 more answers needed, no verdict.
  expect(byKey.thin).toMatchObject({ n: 10, needed: 20, significant: false, rank: null });
});

it('weighs three touchpoints answered by the same 60 contacts with Johnson relative weights', async () => {
  const res = await get(`/drivers?${PERIOD}`);
  const byKey = Object.fromEntries(res.body.items.map((i: { touchpointKey: string }) => [i.touchpointKey, i]));
  expect(byKey.thin.weight).toBeUndefined();
  const w = [byKey.strong.weight, byKey.flat.weight, byKey.effort.weight];
  w.forEach((x) => expect(typeof x).toBe('number'));
  // Independent route: with predictors x and outcome y standardised, R² of OLS = rxyᵀ R⁻¹ rxy; the weights
  // must add up to it. The flat touchpoint is uncorrelated with y and with "strong"... but not with "effort",
  // so only its share is checked to be small.
  const cols = [people.map((p) => p.strong), people.map((p) => p.flat), people.map((p) => p.effort)];
  const ys = people.map((p) => p.y);
  const r = (a: number[], b: number[]) => {
    const ma = a.reduce((s, v) => s + v, 0) / a.length;
    const mb = b.reduce((s, v) => s + v, 0) / b.length;
    const sab = a.reduce((s, v, i) => s + (v - ma) * (b[i] - mb), 0);
    return sab / Math.sqrt(a.reduce((s, v) => s + (v - ma) ** 2, 0) * b.reduce((s, v) => s + (v - mb) ** 2, 0));
  };
  const R = cols.map((a) => cols.map((b) => r(a, b)));
  const rxy = cols.map((a) => r(a, ys));
  // 3×3 inverse by cofactors.
  const [[a, b, c], [d, e, f], [g, h, k]] = R;
  const det = a * (e * k - f * h) - b * (d * k - f * g) + c * (d * h - e * g);
  const inv = [[e * k - f * h, c * h - b * k, b * f - c * e], [f * g - d * k, a * k - c * g, c * d - a * f], [d * h - e * g, b * g - a * h, a * e - b * d]].map((row) => row.map((v) => v / det));
  const r2 = rxy.reduce((s, ri, i) => s + ri * inv[i].reduce((t2, v, j) => t2 + v * rxy[j], 0), 0);
  expect(w[0] + w[1] + w[2]).toBeCloseTo(r2, 10);
  expect(res.body.model).toMatchObject({ n: 60, touchpoints: 3 });
  expect(w[0]).toBeGreaterThan(w[1]);
});

it('stores the result: the API and the page read it, and the journey map badges the top driver', async () => {
  const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM key_driver_results WHERE from_day = '2026-09-25' AND stage_key IS NULL`);
  expect(n).toBe(1);
  const badges = await getDriverBadges(t.db, { from: '2026-09-25', to: '2026-10-31' });
  expect([...badges.entries()]).toEqual([[strongId, { rank: 1 }]]);

  for (const locale of ['en', 'vi'] as const) {
    const agent = await loginAs(t, 'viewer', { locale });
    const page = await agent.get(`/analytics/drivers?${PERIOD}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(locale === 'en' ? 'Association, not causation' : 'Đây là mối liên hệ, không phải quan hệ nhân quả');
    expect(page.text).toMatch(/data-touchpoint="flat" data-verdict="no-evidence"/);
    expect(page.text).toMatch(/data-touchpoint="strong" data-verdict="driver"/);
    expect(page.text).toMatch(/data-touchpoint="thin" data-verdict="need-more"/);
    expect(page.text).toContain(locale === 'en' ? '20 more answers needed' : 'Cần thêm 20 câu trả lời');
    expect(page.text).toContain(locale === 'en' ? 'No evidence' : 'Không có bằng chứng');
    expect(page.text).toContain('data-chart=');
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)/);
  }
});

it('badges the top driver’s cell on the journey map (from the stored result of the last 90 days)', async () => {
  const [scope] = await defaultDriverScopes(t.db);
  await refreshDrivers(t.db, { from: '2026-09-25', to: '2026-10-31' });
  // The map reads the default period's stored result: give it this one's figures under that period.
  await t.db.query(`DELETE FROM key_driver_results WHERE scope LIKE $1`, [`${scope.from}..${scope.to}|*|%`]);
  await t.db.query(
    `INSERT INTO key_driver_results (scope, from_day, to_day, stage_key, window_days, result)
     SELECT $1 || '|*|90', $2, $3, NULL, 90, result FROM key_driver_results WHERE scope = '2026-09-25..2026-10-31|*|90'`,
    [`${scope.from}..${scope.to}`, scope.from, scope.to]);
  for (const locale of ['en', 'vi'] as const) {
    const agent = await loginAs(t, 'viewer', { locale });
    const map = await agent.get('/journey-map');
    expect(map.status).toBe(200);
    const strongCell = /<li class="cell" data-touchpoint="strong"[\s\S]*?<\/li>/.exec(map.text)?.[0] ?? '';
    expect(strongCell).toContain(locale === 'en' ? 'Key driver #1' : 'Yếu tố dẫn dắt #1');
    const flatCell = /<li class="cell" data-touchpoint="flat"[\s\S]*?<\/li>/.exec(map.text)?.[0] ?? '';
    expect(flatCell).not.toBe('');
    expect(flatCell).not.toContain('driver-badge');
  }
});

it('a stored result is served until it is recomputed', async () => {
  await t.db.query(`UPDATE key_driver_results SET result = jsonb_set(result, '{minOverlap}', '31') WHERE from_day = '2026-09-25' AND stage_key IS NULL`);
  expect((await get(`/drivers?${PERIOD}`)).body.minOverlap).toBe(31);
  await refreshDrivers(t.db, { from: '2026-09-25', to: '2026-10-31' });
  expect((await get(`/drivers?${PERIOD}`)).body.minOverlap).toBe(30);
});

it('hands a big period nobody asked for yet to the drivers job instead of computing it in the request', async () => {
  const queued: unknown[] = [];
  const q = { from: '2026-09-26', to: '2026-10-30' };
  const stored = await getDrivers(t.db, q, { enqueue: async (scope) => { queued.push(scope); }, inlineMax: 100 });
  expect(stored).toEqual({ result: null, stale: false, pending: true });
  expect(queued).toEqual([q]);
  expect((await t.db.query(`SELECT count(*)::int AS n FROM key_driver_results WHERE from_day = '2026-09-26'`))[0].n).toBe(0);
  // Small enough: computed at once, and stored.
  const inline = await getDrivers(t.db, q, { enqueue: async (scope) => { queued.push(scope); } });
  expect(inline.pending).toBe(false);
  expect(queued).toHaveLength(1);
  // An editor's "recompute now" is a job on the queue.
  const editor = await loginAs(t, 'editor');
  const refresh = await editor.post('/analytics/drivers/refresh').type('form').send({ _csrf: editor.csrf, from: '2026-09-26', to: '2026-10-30', stage: '' });
  expect(refresh.status).toBe(303);
  const jobs = await t.db.query(`SELECT data FROM pgboss.job WHERE name = 'key-drivers'`);
  expect(jobs.map((j: { data: unknown }) => j.data)).toEqual([{ from: '2026-09-26', to: '2026-10-30' }]);
  expect((await (await loginAs(t, 'viewer')).post('/analytics/drivers/refresh').type('form').send({ from: '2026-09-26', to: '2026-10-30' })).status).toBe(403);
  // A custom period's page keeps its days in the filter form.
  const viewer = await loginAs(t, 'viewer');
  const page = await viewer.get('/analytics/drivers?from=2026-09-26&to=2026-10-30');
  expect(page.text).toContain('name="shown" value="2026-09-26..2026-10-30"');
});

it('the drivers job on the queue computes and stores the queued period', async () => {
  const [{ at: before }] = await t.db.query(`SELECT computed_at AS at FROM key_driver_results WHERE scope LIKE '2026-09-26..2026-10-30|*|%'`);
  const jobs = await startAnalyticsJobs({ db: t.db, logger: t.logger, boss: await t.queue.start() });
  try {
    await eventually(async () => {
      const [{ at }] = await t.db.query(`SELECT computed_at AS at FROM key_driver_results WHERE scope LIKE '2026-09-26..2026-10-30|*|%'`);
      return at.getTime() > before.getTime();
    }, { timeoutMs: 60_000 });
  } finally {
    await jobs.stop();
  }
}, 90_000);

it('restricts to one stage’s touchpoints', async () => {
  const res = await get(`/drivers?${PERIOD}&stage=retention`);
  expect(res.status).toBe(200);
  expect(res.body.items.map((i: { touchpointKey: string }) => i.touchpointKey).sort()).toEqual(['effort', 'strong']);
});

it('answers bad input in the API error contract, storing nothing', async () => {
  const before = (await t.db.query(`SELECT count(*)::int AS n FROM key_driver_results`))[0].n;
  expectApiError(await get('/drivers?outcome=csat'), 400, 'validation_failed');
  expectApiError(await get('/drivers?from=2026-13-01'), 400, 'validation_failed');
  expectApiError(await get('/drivers?from=2026-10-31&to=2026-10-01'), 400);
  expectApiError(await get('/drivers?stage=Not%20a%20key'), 400, 'validation_failed');
  expectApiError(await get('/drivers?stage=no-such-stage'), 404, 'not_found');
  expectApiError(await get('/drivers?sort=rho'), 400, 'validation_failed');
  expect((await t.db.query(`SELECT count(*)::int AS n FROM key_driver_results`))[0].n).toBe(before);
});

it('takes the outcome window from Settings: an admin sets 5 days and the NPS given 10 days later no longer counts', async () => {
  const admin = await loginAs(t, 'admin');
  const page = await admin.get('/manage/settings');
  expect(page.text).toContain('name="driver_window_days"');
  expect(page.text).toContain('value="90"');
  const form = {
    _csrf: admin.csrf, brand: 'Touchpoint', time_zone: 'Asia/Ho_Chi_Minh', default_locale: 'vi', recontact_days: '30', reminder_days: '3',
    digest_weekday: '1', digest_hour: '8', digest_recipients: '',
  };
  const bad = await admin.post('/manage/settings').type('form').send({ ...form, driver_window_days: '0', at_risk_follow_up_days: '400' });
  expect(bad.status).toBe(400);
  expect(bad.text).toContain('Enter a whole number from 1 to 365.');
  const [before] = await t.db.query(`SELECT driver_window_days AS w, at_risk_follow_up_days AS d FROM settings`);
  expect(before).toEqual({ w: 90, d: 7 });
  expect((await admin.post('/manage/settings').type('form').send({ ...form, driver_window_days: '5', at_risk_follow_up_days: '14' })).status).toBe(303);
  const [after] = await t.db.query(`SELECT driver_window_days AS w, at_risk_follow_up_days AS d FROM settings`);
  expect(after).toEqual({ w: 5, d: 14 });
  // Posting the form without the fields (an older page) leaves them as they are.
  expect((await admin.post('/manage/settings').type('form').send(form)).status).toBe(303);
  expect((await t.db.query(`SELECT driver_window_days AS w FROM settings`))[0].w).toBe(5);

  const res = await get(`/drivers?${PERIOD}`);
  expect(res.body.windowDays).toBe(5);
  const strong = res.body.items.find((i: { touchpointKey: string }) => i.touchpointKey === 'strong');
  expect(strong).toMatchObject({ n: 0, rho: null, significant: false, needed: 30 });
});
