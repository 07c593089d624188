import { startTestApp, type TestApp } from '../helpers/app';
import { loginAs, type Agent } from '../helpers/login';
import { LOW_SAMPLE_THRESHOLD, scoreFromHistogram, SCALES, type Histogram, type MetricKind } from '../../src/modules/metrics/scoring';
import { foldRollupDeltas, verifyRollups } from '../../src/modules/metrics/rollup';

/**
 * The journey map ranks a large stage's touchpoints in two places: in PostgreSQL (no filter: only the shown
 * touchpoints come back) and in the service (a channel or attribute filter). Both must give the ranking
 * scoring.ts defines. A stage of 40 touchpoints, each with an NPS, a CSAT and (for every third) a CES
 * survey, answers drawn from a seeded generator (some below the low-sample threshold, several tied),
 * targets at the journey, the stage and some touchpoints, and answers on either side of the period that must
 * not count. All answers come through the `link` channel, so
 * `?channel=link` is the same data ranked by the other implementation; both are also checked against the
 * ranking computed here from scoring.ts alone.
 */
let t: TestApp;
let viewer: Agent;
const PERIOD = 'period=custom&from=2026-03-01&to=2026-03-31';
const TOUCHPOINTS = 40;

const cellKeys = (html: string) => [...html.matchAll(/<li class="cell" data-touchpoint="([a-z0-9-]+)"/g)].map((m) => m[1]);
const listIn = (html: string, list: string) => {
  const at = html.indexOf(`data-list="${list}"`);
  return at < 0 ? [] : cellKeys(html.slice(at, html.indexOf('</ol>', at)));
};
const stageHead = (html: string) => html.slice(html.indexOf('data-stage="decision"'), html.indexOf('data-list="attention"'));

/** A small seeded generator (mulberry32): the same data at every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const answers: Array<{ key: string; kind: MetricKind; h: Histogram }> = [];
const targets: Array<{ kind: MetricKind; stage?: boolean; key?: string; target: number }> = [
  { kind: 'nps', target: 20 }, { kind: 'csat', target: 75 }, { kind: 'ces', stage: true, target: 5 },
  { kind: 'nps', stage: true, target: 10 }, { kind: 'csat', key: 'shop-7', target: 40 }, { kind: 'nps', key: 'shop-12', target: -50 },
];

beforeAll(async () => {
  t = await startTestApp();
  viewer = await loginAs(t, 'viewer', { locale: 'en', email: 'ranking.viewer@example.com' });
  await t.db.query(
    `INSERT INTO touchpoints (key, stage_id, name_vi, name_en, channel, position)
     SELECT 'shop-' || g, (SELECT id FROM stages WHERE key = 'decision'), 'Cửa hàng ' || g, 'Shop ' || g, 'store', g FROM generate_series(1, $1::int) g`, [TOUCHPOINTS]);
  const next = random(17);
  for (let i = 1; i <= TOUCHPOINTS; i++) {
    for (const kind of ['nps', 'csat', 'ces'] as MetricKind[]) {
      if (kind === 'ces' && i % 3 !== 0) continue;
      const { min, max } = SCALES[kind];
      // Shops 1–4 share one histogram per kind (ties, broken by id); a few have too few answers to rank.
      const r = i <= 4 ? random(99 + min) : next;
      const total = i % 11 === 0 ? LOW_SAMPLE_THRESHOLD - 1 : LOW_SAMPLE_THRESHOLD + Math.floor(r() * 40);
      const lean = r();
      const h: Histogram = {};
      for (let k = 0; k < total; k++) {
        const score = Math.min(max, min + Math.floor(Math.pow(r(), lean * 2) * (max - min + 1)));
        h[score] = (h[score] ?? 0) + 1;
      }
      answers.push({ key: `shop-${i}`, kind, h });
    }
  }
  const [{ id: stageId }] = await t.db.query(`SELECT id FROM stages WHERE key = 'decision'`);
  for (const a of answers) {
    const [{ id }] = await t.db.query(
      `INSERT INTO surveys (kind, title, touchpoint_id) SELECT $1, $1 || ' ' || key, id FROM touchpoints WHERE key = $2 RETURNING id`, [a.kind, a.key]);
    await t.db.query(
      `INSERT INTO responses (survey_id, score, channel, locale, created_at)
       SELECT $1, s.score, 'link', 'vi', timestamptz '2026-03-10 10:00+07' FROM unnest($2::int[], $3::int[]) s(score, n), generate_series(1, s.n)`,
      [id, Object.keys(a.h).map(Number), Object.values(a.h)]);
    // Answers before and after the period, which must not count: half of the surveys got their best score in
    // February, the others their worst in April. Counted, they would turn the ranking over.
    const early = answers.indexOf(a) % 2 === 0;
    const { min, max } = SCALES[a.kind];
    await t.db.query(
      `INSERT INTO responses (survey_id, score, channel, locale, created_at) SELECT $1, $2, 'link', 'vi', $3::timestamptz FROM generate_series(1, 45)`,
      [id, early ? max : min, early ? '2026-02-10 10:00+07' : '2026-04-10 10:00+07']);
  }
  for (const x of targets) {
    await t.db.query(
      `INSERT INTO kpi_targets (metric, stage_id, touchpoint_id, target) VALUES ($1, $2, (SELECT id FROM touchpoints WHERE key = $3), $4)`,
      [x.kind, x.stage ? stageId : null, x.key ?? null, x.target]);
  }
});

afterAll(async () => {
  await t?.close();
});

/** The ranking from scoring.ts alone: worst distance to the nearest target over metrics with enough answers. */
function expectedRanking(): { attention: string[]; best: string[]; ranked: number } {
  const nearest = (kind: MetricKind, key: string) =>
    targets.find((x) => x.kind === kind && x.key === key)?.target ?? targets.find((x) => x.kind === kind && x.stage)?.target
    ?? targets.find((x) => x.kind === kind && !x.stage && !x.key)?.target ?? null;
  const ranked: Array<{ i: number; at: number }> = [];
  for (let i = 1; i <= TOUCHPOINTS; i++) {
    let worst: number | null = null;
    for (const a of answers.filter((x) => x.key === `shop-${i}`)) {
      const result = scoreFromHistogram(a.kind, a.h);
      if (result.score === null || result.lowSample) continue;
      const [lo, hi] = a.kind === 'nps' ? [-100, 100] : a.kind === 'csat' ? [0, 100] : [1, 7];
      const gap = (result.score - (nearest(a.kind, a.key) ?? (lo + hi) / 2)) / (hi - lo);
      if (worst === null || gap < worst) worst = gap;
    }
    if (worst !== null) ranked.push({ i, at: worst });
  }
  // Touchpoint ids follow the insertion order, so the id tie-break is the shop number's.
  ranked.sort((a, b) => a.at - b.at || a.i - b.i);
  return {
    attention: ranked.slice(0, 5).map((r) => `shop-${r.i}`),
    best: ranked.slice(5).slice(-3).reverse().map((r) => `shop-${r.i}`),
    ranked: ranked.length,
  };
}

/** The map ranks the stage as scoring.ts does, unfiltered (PostgreSQL) and filtered (the service), with the same figures. */
async function expectRankedAsScoringDoes() {
  const expected = expectedRanking();
  expect(expected.ranked).toBeLessThan(TOUCHPOINTS);
  expect(expected.attention).toHaveLength(5);
  expect(expected.best).toHaveLength(3);
  const plain = (await viewer.get(`/journey-map?${PERIOD}`).expect(200)).text;
  const filtered = (await viewer.get(`/journey-map?${PERIOD}&channel=link`).expect(200)).text;
  expect(listIn(plain, 'attention')).toEqual(expected.attention);
  expect(listIn(plain, 'best')).toEqual(expected.best);
  expect(listIn(filtered, 'attention')).toEqual(expected.attention);
  expect(listIn(filtered, 'best')).toEqual(expected.best);
  // The stage header pools the same answers either way (the filter's link only differs in the query string).
  const strip = (html: string) => html.replace(/&amp;channel&#x3D;link/g, '');
  expect(strip(stageHead(filtered))).toEqual(stageHead(plain));
  // The shown cells' scores are the same too.
  const cells = (html: string) => html.slice(html.indexOf('data-list="attention"'), html.indexOf('data-stage="retention"'));
  expect(strip(cells(filtered))).toEqual(cells(plain));
  return { plain, expected };
}

const standingStale = async () => (await t.db.query(`SELECT stale FROM response_stage_state`))[0].stale as boolean;

test('PostgreSQL and the filtered path rank a large stage alike, and as scoring.ts does, counted per survey while the standing rollup is stale', async () => {
  // Nothing folded yet since the migrations: the unfiltered map counts per survey.
  expect(await standingStale()).toBe(true);
  await expectRankedAsScoringDoes();
});

test('the same from the per-touchpoint standing rollup once folded, and with answers not folded yet', async () => {
  await foldRollupDeltas(t.db);
  expect(await standingStale()).toBe(false);
  expect((await expectRankedAsScoringDoes()).expected.attention).not.toContain('shop-9');
  // Shop 9 gets a run of bad CSAT answers (deltas, not folded): it must rank among the worst at once.
  const bad: Histogram = { 1: 60 };
  const [{ id }] = await t.db.query(`SELECT s.id FROM surveys s JOIN touchpoints tp ON tp.id = s.touchpoint_id WHERE tp.key = 'shop-9' AND s.kind = 'csat'`);
  await t.db.query(
    `INSERT INTO responses (survey_id, score, channel, locale, created_at) SELECT $1, 1, 'link', 'vi', timestamptz '2026-03-20 10:00+07' FROM generate_series(1, 60)`, [id]);
  const csat = answers.find((a) => a.key === 'shop-9' && a.kind === 'csat') as { h: Histogram };
  csat.h[1] = (csat.h[1] ?? 0) + bad[1];
  expect((await t.db.query(`SELECT count(*)::int AS n FROM response_rollup_delta`))[0].n).toBeGreaterThan(0);
  const { expected } = await expectRankedAsScoringDoes();
  expect(expected.attention).toContain('shop-9');
  await foldRollupDeltas(t.db);
  await expectRankedAsScoringDoes();
  const report = await verifyRollups(t.db);
  expect(report.differences).toEqual([]);
});

test('the unfiltered map reads the standing rollup: a row changed by hand moves a shop, and metrics:verify names the row', async () => {
  await foldRollupDeltas(t.db);
  const before = listIn((await viewer.get(`/journey-map?${PERIOD}`).expect(200)).text, 'attention');
  expect(before).not.toContain('shop-20');
  // Shop 20's CSAT, as stored: every answer from March 10 on made unsatisfied.
  const [{ satisfied }] = await t.db.query(
    `SELECT c.csat_satisfied AS satisfied FROM response_standing_cum c JOIN touchpoints tp ON tp.id = c.touchpoint_id WHERE tp.key = 'shop-20' AND c.day = '2026-03-10'`);
  expect(satisfied).toBeGreaterThan(0);
  const change = (sign: string) => t.db.query(
    `UPDATE response_standing_cum SET csat_satisfied = csat_satisfied ${sign} $1::int
     WHERE touchpoint_id = (SELECT id FROM touchpoints WHERE key = 'shop-20') AND day >= '2026-03-10'`, [satisfied]);
  await change('-');
  expect(listIn((await viewer.get(`/journey-map?${PERIOD}`).expect(200)).text, 'attention')[0]).toBe('shop-20');
  const drift = await verifyRollups(t.db);
  expect(drift.differences).toContainEqual(expect.objectContaining({ table: 'response_standing_cum', key: expect.objectContaining({ day: '2026-03-10', score: 'csat_satisfied' }) }));
  await change('+');
  expect((await verifyRollups(t.db)).differences).toEqual([]);
  expect(listIn((await viewer.get(`/journey-map?${PERIOD}`).expect(200)).text, 'attention')).toEqual(before);
});
