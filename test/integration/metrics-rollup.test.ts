import crypto from 'node:crypto';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { answer, makeSurvey } from '../helpers/factories';
import { eventually } from '../helpers/eventually';
import { startJobs } from '../../src/jobs';
import { foldRollupDeltas, rebuildRollups, setRollupTrigger, verifyRollups } from '../../src/modules/metrics/rollup';
import { recordResponse } from '../../src/modules/responses';

/**
 * The rollups plus the deltas not folded yet must always equal a recomputation from raw responses,
 * whatever path wrote them: public form, API, invitation re-answers, bulk statements, anonymisation,
 * deletes; before a fold and after it. verifyRollups is the same check `npm run metrics:verify` prints.
 */
let t: TestApp;
const auth = () => ({ Authorization: `Bearer ${t.apiKey}` });
let npsId: string;
let csatId: string;

async function expectVerified() {
  const report = await verifyRollups(t.db);
  expect(report.disabledTriggers).toEqual([]);
  expect(report.differences).toEqual([]);
  expect(Object.values(report.differenceCounts).every((n) => n === 0)).toBe(true);
  return report;
}

/** Consistent with the deltas unfolded, and again once they are folded (then none is left). */
async function expectConsistent() {
  await expectVerified();
  await foldRollupDeltas(t.db);
  const report = await expectVerified();
  expect(report.unfolded).toBe(0);
  return report;
}

const deltaRows = async () => (await t.db.query(`SELECT count(*)::int AS n FROM response_rollup_delta`))[0].n as number;

/** The API's distribution for one survey on one day range, and the same counted straight from raw rows. */
async function apiAndRaw(surveyId: string, kind: string, from: string, to: string) {
  const res = await request(t.app).get(`/api/v1/metrics?kind=${kind}&by=survey&from=${from}&to=${to}`).set(auth()).expect(200);
  const group = res.body.groups.find((g: { key: string }) => g.key === surveyId);
  const rows: Array<{ score: number; n: number }> = await t.db.query(
    `SELECT score, count(*)::int AS n FROM responses
     WHERE survey_id = $1 AND (created_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date BETWEEN $2 AND $3 GROUP BY score`,
    [surveyId, from, to],
  );
  const raw: Record<string, number> = {};
  for (const key of Object.keys(group.distribution)) raw[key] = 0;
  for (const r of rows) raw[String(r.score)] = r.n;
  return { api: group.distribution as Record<string, number>, raw, n: group.n as number };
}

beforeAll(async () => {
  t = await startTestApp();
  npsId = (await makeSurvey(t, { kind: 'nps', title: 'Counter NPS', touchpoint: { key: 'counter', stageKey: 'decision', name: { vi: 'Quầy', en: 'Counter' }, channel: 'store' } })).id;
  csatId = (await makeSurvey(t, { kind: 'csat', stageKey: 'retention', title: 'Retention CSAT' })).id;
});

afterAll(async () => {
  await t?.close();
});

test('answers through the public form and the API are counted per org-day, channel and score', async () => {
  for (const score of [10, 9, 3]) {
    await request(t.app).post(`/s/${npsId}`).type('form').send({ score: String(score), k: crypto.randomBytes(16).toString('base64url') }).expect(303);
  }
  await request(t.app).post(`/s/${npsId}?via=qr`).type('form').send({ score: '7' }).expect(303);
  // 2026-03-01 23:30 in Ho Chi Minh City is 16:30 UTC: the org-day is the 1st, the UTC day too; 00:30 on the 2nd is still the 1st in UTC.
  await answer(t, npsId, { score: 8, answeredAt: '2026-03-01T23:30:00+07:00' });
  await answer(t, npsId, { score: 2, answeredAt: '2026-03-02T00:30:00+07:00' });
  await answer(t, csatId, { score: 5, answeredAt: '2026-03-02T00:30:00+07:00' });
  await expectConsistent();
  const march1 = await apiAndRaw(npsId, 'nps', '2026-03-01', '2026-03-01');
  expect(march1.api).toEqual(march1.raw);
  expect(march1.n).toBe(1);
  const march2 = await apiAndRaw(npsId, 'nps', '2026-03-02', '2026-03-02');
  expect(march2.api['2']).toBe(1);
  const channels: Array<{ channel: string; n: number }> = await t.db.query(
    `SELECT channel, sum(count)::int AS n FROM response_daily WHERE survey_id = $1 GROUP BY channel ORDER BY channel`, [npsId]);
  expect(channels).toEqual([{ channel: 'api', n: 2 }, { channel: 'link', n: 3 }, { channel: 'qr', n: 1 }]);
});

test('an invitation answered again moves its count from the old score to the new one', async () => {
  const [contact] = await t.db.query(`INSERT INTO contacts (email, attributes) VALUES ('lan@example.com', '{"segment":"sme"}') RETURNING id`);
  const token = crypto.randomBytes(16).toString('base64url');
  await t.db.query(`INSERT INTO invitations (survey_id, contact_id, token, channel, status, sent_at) VALUES ($1, $2, $3, 'email', 'sent', now())`, [npsId, contact.id, token]);
  await request(t.app).post(`/i/${token}`).type('form').send({ score: '2' }).expect(303);
  await expectConsistent();
  await request(t.app).post(`/i/${token}`).type('form').send({ score: '10', comment: 'Đã được gọi lại, cảm ơn!' }).expect(303);
  const report = await expectConsistent();
  const rows: Array<{ score: number; n: number }> = await t.db.query(
    `SELECT score, sum(count)::int AS n FROM response_daily WHERE survey_id = $1 AND channel = 'email' GROUP BY score HAVING sum(count) <> 0`, [npsId]);
  expect(rows).toEqual([{ score: 10, n: 1 }]);
  const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM responses`);
  expect(report.responses).toBe(n);
});

test('deleting a contact anonymises its answers and leaves every score as it was', async () => {
  const today = (await t.db.query(`SELECT touchpoint_org_day(now())::text AS d`))[0].d as string;
  const before = await apiAndRaw(npsId, 'nps', '2026-01-01', today);
  await t.db.query(`DELETE FROM contacts WHERE email = 'lan@example.com'`);
  const [{ anonymous }] = await t.db.query(`SELECT count(*)::int AS anonymous FROM responses WHERE channel = 'email' AND contact_id IS NULL`);
  expect(anonymous).toBe(1);
  const after = await apiAndRaw(npsId, 'nps', '2026-01-01', today);
  expect(after.api).toEqual(before.api);
  expect(after.api).toEqual(after.raw);
  await expectConsistent();
});

test('deleting answers, one or many in a statement, takes them out of every rollup', async () => {
  await t.db.query(`DELETE FROM responses WHERE id = (SELECT min(id) FROM responses WHERE survey_id = $1)`, [npsId]);
  await expectConsistent();
  for (let i = 0; i < 40; i++) await answer(t, csatId, { score: 1 + (i % 5), answeredAt: `2026-02-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00+07:00` });
  await t.db.query(`DELETE FROM responses WHERE survey_id = $1 AND score IN (1, 2)`, [csatId]);
  await expectConsistent();
  const feb = await apiAndRaw(csatId, 'csat', '2026-02-01', '2026-02-28');
  expect(feb.api).toEqual(feb.raw);
  expect(feb.api['1']).toBe(0);
  expect(feb.n).toBe(24);
});

test('bulk inserts and updates in one statement (an import, a correction) keep the rollups exact', async () => {
  await t.db.query(
    `INSERT INTO responses (survey_id, score, channel, locale, created_at)
     SELECT $1, g % 11, (ARRAY['email', 'link', 'qr', 'api'])[1 + g % 4], 'vi', timestamptz '2026-01-05 08:00+07' + g * interval '37 minutes'
     FROM generate_series(1, 500) g`,
    [npsId],
  );
  await expectConsistent();
  await t.db.query(`UPDATE responses SET score = 10 - score, channel = 'api' WHERE survey_id = $1 AND created_at < '2026-01-09'`, [npsId]);
  await expectConsistent();
  // Moving answers across days and weeks (a time correction) moves their counts too.
  await t.db.query(`UPDATE responses SET created_at = created_at + interval '9 days' WHERE survey_id = $1 AND created_at < '2026-01-07'`, [npsId]);
  await expectConsistent();
  // An update that changes nothing the rollups count (a comment) writes no rollup row.
  const rowsBefore = await t.db.query(`SELECT count(*)::int AS n FROM response_daily`);
  await t.db.query(`UPDATE responses SET comment = 'checked' WHERE survey_id = $1`, [npsId]);
  expect(await t.db.query(`SELECT count(*)::int AS n FROM response_daily`)).toEqual(rowsBefore);
  await expectConsistent();
});

test('concurrent answers only append deltas; a fold moves them into one row per key, and every reader counts them once', async () => {
  await foldRollupDeltas(t.db);
  const before = await apiAndRaw(csatId, 'csat', '2026-04-06', '2026-04-06');
  await Promise.all(Array.from({ length: 40 }, (_, i) => recordResponse(t.db.manager, { // one statement each, on concurrent connections
    surveyId: csatId, kind: 'csat', score: 4, comment: null, channel: 'link', locale: 'en', answeredAt: new Date('2026-04-06T03:00:00Z'),
    submissionKey: `concurrent-${i}`,
  })));
  // Nothing folded yet: the rollup rows are as before, the deltas hold the 40 answers, and the API counts them.
  expect(await deltaRows()).toBeGreaterThan(0);
  const unfolded = await apiAndRaw(csatId, 'csat', '2026-04-06', '2026-04-06');
  expect(unfolded.api).toEqual(unfolded.raw);
  expect(unfolded.api['4']).toBe((before.api['4'] ?? 0) + 40);
  await expectVerified();

  expect(await foldRollupDeltas(t.db)).toBeGreaterThan(0);
  expect(await deltaRows()).toBe(0);
  const [row] = await t.db.query(
    `SELECT sum(count)::int AS n, count(*)::int AS rows FROM response_daily WHERE survey_id = $1 AND day = '2026-04-06' AND score = 4`, [csatId]);
  expect(row).toEqual({ n: unfolded.api['4'], rows: 1 });
  // The cumulative rows: the day's count is the difference with the day before.
  const [cum] = await t.db.query(
    `SELECT (SELECT h4 FROM response_survey_cum WHERE survey_id = $1 AND day = '2026-04-06')
          - coalesce((SELECT h4 FROM response_survey_cum WHERE survey_id = $1 AND day = '2026-04-05'), 0) AS n`, [csatId]);
  expect(cum.n).toBe(unfolded.api['4']);
  expect(await apiAndRaw(csatId, 'csat', '2026-04-06', '2026-04-06')).toEqual(unfolded);
  // A second fold with nothing to do changes nothing.
  expect(await foldRollupDeltas(t.db)).toBe(0);
  await expectConsistent();
});

test('folds running while answers stream in never lose or double a count; one folder at a time', async () => {
  let writing = true;
  let folds = 0;
  let skipped = 0;
  const folder = (async () => {
    while (writing) {
      // Two folders at once: the advisory lock lets one fold, the other finds it taken.
      const results = await Promise.all([foldRollupDeltas(t.db), foldRollupDeltas(t.db)]);
      folds += results.filter((r) => r !== null).length;
      skipped += results.filter((r) => r === null).length;
    }
  })();
  for (let round = 0; round < 10; round++) {
    await Promise.all(Array.from({ length: 12 }, (_, i) => recordResponse(t.db, {
      surveyId: i % 2 ? csatId : npsId, kind: i % 2 ? 'csat' : 'nps', score: i % 2 ? 1 + (i % 5) : i % 11, comment: null,
      channel: i % 3 ? 'link' : 'qr', locale: 'vi', answeredAt: new Date(`2026-04-${String(7 + (round % 3)).padStart(2, '0')}T03:00:00Z`),
      submissionKey: `stream-${round}-${i}`,
    })));
    await expectVerified();
  }
  writing = false;
  await folder;
  expect(folds).toBeGreaterThan(0);
  expect(skipped).toBeGreaterThan(0);
  await expectConsistent();
});

test('an answer dated years back is folded into its own day and week', async () => {
  await answer(t, npsId, { score: 6, answeredAt: '2023-02-14T09:00:00+07:00' });
  const raw = await apiAndRaw(npsId, 'nps', '2023-02-13', '2023-02-19');
  expect(raw.api['6']).toBe(1);
  await expectConsistent();
  expect(await apiAndRaw(npsId, 'nps', '2023-02-13', '2023-02-19')).toEqual(raw);
});

test('when a new day starts, the fold carries every key forward to it', async () => {
  await expectConsistent();
  // As if the folder had last run three days ago: the horizon and the cumulative rows stop there, and the
  // answers of the days since are deltas still.
  await t.db.query(`UPDATE response_cum_horizon SET day = day - 3`);
  await t.db.query(`
    WITH moved AS (DELETE FROM response_daily WHERE day > (SELECT day FROM response_cum_horizon) RETURNING *)
    INSERT INTO response_rollup_delta (survey_id, kind, day, channel, score, n)
    SELECT m.survey_id, s.kind, m.day, m.channel, m.score, m.count FROM moved m JOIN surveys s ON s.id = m.survey_id`);
  await t.db.query(`DELETE FROM response_survey_cum WHERE day > (SELECT day FROM response_cum_horizon)`);
  await t.db.query(`DELETE FROM response_kind_cum WHERE day > (SELECT day FROM response_cum_horizon)`);
  await t.db.query(`DELETE FROM response_stage_cum WHERE day > (SELECT day FROM response_cum_horizon)`);
  await t.db.query(`DELETE FROM response_standing_cum WHERE day > (SELECT day FROM response_cum_horizon)`);
  await expectVerified();
  const [{ today }] = await t.db.query(`SELECT touchpoint_org_day(now())::text AS today`);
  const whole = async () => (await request(t.app).get(`/api/v1/metrics?kind=nps&by=survey&from=2024-01-01&to=${today}`).set(auth()).expect(200)).body;
  const before = await whole();
  await foldRollupDeltas(t.db);
  expect((await t.db.query(`SELECT day::text AS day FROM response_cum_horizon`))[0].day).toBe(today);
  const [{ keys, days }] = await t.db.query(
    `SELECT count(DISTINCT survey_id)::int AS keys, count(*)::int AS days FROM response_survey_cum WHERE day > touchpoint_org_day(now()) - 3`);
  expect(days).toBe(keys * 3);
  expect(await whole()).toEqual(before);
  await expectConsistent();
});

test('the job process folds the deltas on its own timer, and stops cleanly', async () => {
  await answer(t, npsId, { score: 9, answeredAt: '2026-04-08T09:00:00+07:00' });
  expect(await deltaRows()).toBeGreaterThan(0);
  const jobs = await startJobs({ ...t, logger: t.logger }, { rollupFoldIntervalMs: 50 });
  try {
    await eventually(async () => (await deltaRows()) === 0, { timeoutMs: 20_000, what: 'the folder to empty the delta table' });
    await answer(t, npsId, { score: 3, answeredAt: '2026-04-08T10:00:00+07:00' });
    await eventually(async () => (await deltaRows()) === 0, { timeoutMs: 20_000, what: 'the folder to fold a new answer' });
  } finally {
    await jobs.stop();
  }
  await expectVerified();
  // Stopped: nothing folds any more.
  await answer(t, npsId, { score: 4, answeredAt: '2026-04-08T11:00:00+07:00' });
  const queued = await deltaRows();
  expect(queued).toBeGreaterThan(0);
  await expectConsistent();
});

test('verify reports a bulk load that bypassed the triggers, and a rebuild repairs it', async () => {
  await setRollupTrigger(t.db, false);
  try {
    await t.db.query(`INSERT INTO responses (survey_id, score, channel, locale, created_at) VALUES ($1, 5, 'api', 'vi', '2026-05-05T10:00:00+07:00')`, [csatId]);
  } finally {
    await setRollupTrigger(t.db, true);
  }
  const broken = await verifyRollups(t.db);
  expect(broken.differenceCounts.response_daily).toBe(1);
  // Cumulative: every day from the 5th of May to the horizon is one short.
  expect(broken.differenceCounts.response_survey_cum).toBeGreaterThan(1);
  expect(broken.differenceCounts.response_kind_cum).toBe(broken.differenceCounts.response_survey_cum);
  expect(broken.differences).toContainEqual({ table: 'response_survey_cum', key: { survey_id: csatId, day: '2026-05-05', score: 5 }, raw: expect.any(Number), rollup: expect.any(Number) });
  await setRollupTrigger(t.db, false);
  expect((await verifyRollups(t.db)).disabledTriggers).toEqual([
    'responses_rollup_delete', 'responses_rollup_insert', 'responses_rollup_update', 'responses_segment_delete', 'responses_segment_insert', 'responses_segment_update',
  ]);
  await rebuildRollups(t.db, { enableTrigger: true });
  await expectConsistent();
});

test('deleting a survey removes its answers and its rollup rows together', async () => {
  const { id } = await makeSurvey(t, { kind: 'ces', title: 'Short-lived CES' });
  for (let i = 1; i <= 7; i++) await answer(t, id, { score: i, answeredAt: '2026-03-03T09:00:00+07:00' });
  await foldRollupDeltas(t.db);
  // Some folded, some still deltas when the survey goes.
  for (let i = 1; i <= 3; i++) await answer(t, id, { score: i, answeredAt: '2026-03-04T09:00:00+07:00' });
  // The whole journey's CES (the per-kind rollup) loses exactly the survey's ten answers, folded or not.
  const journeyCes = async () => (await request(t.app).get('/api/v1/metrics?kind=ces&by=overall&from=2026-03-01&to=2026-03-31').set(auth()).expect(200)).body.groups[0].n as number;
  const before = await journeyCes();
  expect(before).toBeGreaterThanOrEqual(10);
  await t.db.query(`DELETE FROM surveys WHERE id = $1`, [id]);
  expect(await journeyCes()).toBe(before - 10);
  await expectVerified();
  await foldRollupDeltas(t.db);
  expect(await journeyCes()).toBe(before - 10);
  const [{ left }] = await t.db.query(`SELECT count(*)::int AS left FROM response_survey_cum WHERE survey_id = $1`, [id]);
  expect(left).toBe(0);
  await expectConsistent();
});

test('the move to one row per survey and day keeps every count: its down and its up again leave the rollups equal to the answers', async () => {
  for (const score of [10, 9, 3]) await answer(t, npsId, { score, answeredAt: '2026-04-09T09:00:00+07:00' });
  await foldRollupDeltas(t.db);
  await answer(t, npsId, { score: 0, answeredAt: '2026-04-09T10:00:00+07:00' });
  const figures = await apiAndRaw(npsId, 'nps', '2026-04-01', '2026-04-30');
  // Back to before it (the migrations after it first), then forward again.
  for (;;) {
    const [{ name }] = await t.db.query(`SELECT name FROM migrations ORDER BY timestamp DESC LIMIT 1`);
    await t.db.undoLastMigration({ transaction: 'all' });
    if (name === 'WideSurveyCumulative1763803000000') break;
  }
  const [{ keys }] = await t.db.query(`SELECT count(DISTINCT (survey_id, score))::int AS keys FROM response_score_cum WHERE survey_id = $1`, [npsId]);
  expect(keys).toBeGreaterThanOrEqual(3);
  await t.db.runMigrations({ transaction: 'all' });
  await expectVerified();
  expect(await apiAndRaw(npsId, 'nps', '2026-04-01', '2026-04-30')).toEqual(figures);
  await expectConsistent();
});

/** by=stage from the API, and the same counted from raw answers with each survey where it is now. */
async function stagesApiAndRaw(from: string, to: string) {
  const res = await request(t.app).get(`/api/v1/metrics?kind=csat&by=stage&from=${from}&to=${to}`).set(auth()).expect(200);
  const api = Object.fromEntries(res.body.groups.map((g: { key: string; distribution: Record<string, number> }) => [g.key, g.distribution]));
  const rows: Array<{ key: string; score: number; n: number }> = await t.db.query(
    `SELECT st.key, r.score, count(*)::int AS n FROM responses r JOIN surveys s ON s.id = r.survey_id LEFT JOIN touchpoints tp ON tp.id = s.touchpoint_id
     JOIN stages st ON st.id = coalesce(s.stage_id, tp.stage_id)
     WHERE s.kind = 'csat' AND (r.created_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date BETWEEN $1 AND $2 GROUP BY 1, 2`, [from, to]);
  const raw: Record<string, Record<string, number>> = {};
  for (const key of Object.keys(api)) raw[key] = Object.fromEntries(Object.keys(api[key]).map((k) => [k, 0]));
  for (const r of rows) raw[r.key][String(r.score)] = r.n;
  return { api, raw };
}

const stageStale = async () => (await t.db.query(`SELECT stale FROM response_stage_state`))[0].stale as boolean;

test('by=stage reads the per-stage rollup; a touchpoint moved or a survey deleted makes it stale, and the fold recomputes it', async () => {
  const desk = (await makeSurvey(t, { kind: 'csat', title: 'Desk CSAT', touchpoint: { key: 'desk', stageKey: 'decision', name: { vi: 'Bàn', en: 'Desk' }, channel: 'store' } })).id;
  for (const score of [5, 4, 4, 2]) await answer(t, desk, { score, answeredAt: '2026-06-02T09:00:00+07:00' });
  await answer(t, csatId, { score: 1, answeredAt: '2026-06-02T10:00:00+07:00' });
  await expectConsistent();
  expect(await stageStale()).toBe(false);
  let figures = await stagesApiAndRaw('2026-06-01', '2026-06-30');
  expect(figures.api).toEqual(figures.raw);
  expect(figures.api.decision).toMatchObject({ 2: 1, 4: 2, 5: 1 });

  // The rollup is what by=stage reads: a row changed by hand shows (and metrics:verify names it).
  await t.db.query(`UPDATE response_stage_cum SET h5 = h5 + 1 WHERE kind = 'csat' AND stage_id = (SELECT id FROM stages WHERE key = 'decision') AND day >= '2026-06-02'`);
  expect((await stagesApiAndRaw('2026-06-01', '2026-06-30')).api.decision['5']).toBe(2);
  const drift = await verifyRollups(t.db);
  expect(drift.differenceCounts.response_stage_cum).toBeGreaterThan(0);
  expect(drift.differences).toContainEqual(expect.objectContaining({ table: 'response_stage_cum', key: expect.objectContaining({ day: '2026-06-02', score: 5 }) }));
  await t.db.query(`UPDATE response_stage_cum SET h5 = h5 - 1 WHERE kind = 'csat' AND stage_id = (SELECT id FROM stages WHERE key = 'decision') AND day >= '2026-06-02'`);
  await expectVerified();

  // The desk moves to retention: at once stale, and the figures already count it there (from the per-survey rows).
  await t.db.query(`UPDATE touchpoints SET stage_id = (SELECT id FROM stages WHERE key = 'retention') WHERE key = 'desk'`);
  expect(await stageStale()).toBe(true);
  figures = await stagesApiAndRaw('2026-06-01', '2026-06-30');
  expect(figures.api).toEqual(figures.raw);
  expect(Object.values(figures.api.decision ?? {}).reduce((a: number, b) => a + Number(b), 0)).toBe(0);
  expect(figures.api.retention).toMatchObject({ 1: 1, 2: 1, 4: 2, 5: 1 });
  await answer(t, desk, { score: 3, answeredAt: '2026-06-03T09:00:00+07:00' });
  await foldRollupDeltas(t.db);
  expect(await stageStale()).toBe(false);
  // The touchpoints' standing (what the journey map ranks by) was recomputed too: the desk's row is under retention.
  expect(await t.db.query(
    `SELECT st.key, c.csat_n, c.csat_satisfied, c.nps_n FROM response_standing_cum c JOIN stages st ON st.id = c.stage_id
     JOIN touchpoints tp ON tp.id = c.touchpoint_id WHERE tp.key = 'desk' AND c.day = '2026-06-03'`)).toEqual([{ key: 'retention', csat_n: 5, csat_satisfied: 3, nps_n: 0 }]);
  figures = await stagesApiAndRaw('2026-06-01', '2026-06-30');
  expect(figures.api).toEqual(figures.raw);
  expect(figures.api.retention['3']).toBe(1);
  await expectConsistent();

  // A survey attached elsewhere, then deleted: stale each time, right throughout.
  await t.db.query(`UPDATE surveys SET touchpoint_id = NULL, stage_id = (SELECT id FROM stages WHERE key = 'advocacy') WHERE id = $1`, [desk]);
  expect(await stageStale()).toBe(true);
  figures = await stagesApiAndRaw('2026-06-01', '2026-06-30');
  expect(figures.api).toEqual(figures.raw);
  expect(figures.api.advocacy).toMatchObject({ 2: 1, 3: 1, 4: 2, 5: 1 });
  await expectConsistent();
  expect(await stageStale()).toBe(false);
  await t.db.query(`DELETE FROM surveys WHERE id = $1`, [desk]);
  expect(await stageStale()).toBe(true);
  figures = await stagesApiAndRaw('2026-06-01', '2026-06-30');
  expect(figures.api).toEqual(figures.raw);
  expect(Object.values(figures.api.advocacy ?? {}).reduce((a: number, b) => a + Number(b), 0)).toBe(0);
  await expectConsistent();
  expect(await stageStale()).toBe(false);
});

test('emptying the responses table with TRUNCATE empties the rollups too', async () => {
  await answer(t, npsId, { score: 9, answeredAt: '2026-04-08T09:00:00+07:00' });
  await t.db.query(`TRUNCATE responses CASCADE`);
  for (const table of ['response_daily', 'response_survey_cum', 'response_kind_cum', 'response_stage_cum', 'response_standing_cum', 'response_rollup_delta']) {
    expect(await t.db.query(`SELECT count(*)::int AS n FROM ${table}`)).toEqual([{ n: 0 }]);
  }
  await expectConsistent();
});
