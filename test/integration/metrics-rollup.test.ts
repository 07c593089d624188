import crypto from 'node:crypto';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { answer, makeSurvey } from '../helpers/factories';
import { eventually } from '../helpers/eventually';
import { COMPACTION_SCHEDULE, QUEUES, startJobs } from '../../src/jobs';
import { compactRollups, rebuildRollups, setRollupTrigger, verifyRollups } from '../../src/modules/metrics/rollup';
import { recordResponse } from '../../src/modules/responses';

/**
 * The rollups (response_daily, response_day_score, response_week_score) must always equal a recomputation
 * from raw responses, whatever path wrote them: public form, API, invitation re-answers, bulk statements,
 * anonymisation, deletes. verifyRollups is the same check `npm run metrics:verify` prints.
 */
let t: TestApp;
const auth = () => ({ Authorization: `Bearer ${t.apiKey}` });
let npsId: string;
let csatId: string;

async function expectConsistent() {
  const report = await verifyRollups(t.db);
  expect(report.disabledTriggers).toEqual([]);
  expect(report.differences).toEqual([]);
  expect(report.differenceCounts).toEqual({ response_daily: 0, response_day_score: 0, response_week_score: 0 });
  return report;
}

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

test('concurrent answers land on different shards and the totals stay exact', async () => {
  await Promise.all(Array.from({ length: 40 }, (_, i) => recordResponse(t.db.manager, { // one statement each, on concurrent connections
    surveyId: csatId, kind: 'csat', score: 4, comment: null, channel: 'link', locale: 'en', answeredAt: new Date('2026-04-06T03:00:00Z'),
    submissionKey: `concurrent-${i}`,
  })));
  const [{ n, shards }] = await t.db.query(
    `SELECT sum(count)::int AS n, count(DISTINCT shard)::int AS shards FROM response_day_score WHERE survey_id = $1 AND day = '2026-04-06' AND score = 4`, [csatId]);
  expect(n).toBe(40);
  expect(shards).toBeGreaterThan(1);
  await expectConsistent();
  await compactRollups(t.db);
  const [after] = await t.db.query(
    `SELECT sum(count)::int AS n, count(*)::int AS rows FROM response_day_score WHERE survey_id = $1 AND day = '2026-04-06' AND score = 4`, [csatId]);
  expect(after).toEqual({ n: 40, rows: 1 });
  await expectConsistent();
});

test('the scheduled compaction job folds the shards of past days into one row per key, and no score changes', async () => {
  await Promise.all(Array.from({ length: 40 }, (_, i) => recordResponse(t.db, {
    surveyId: npsId, kind: 'nps', score: i % 11, comment: null, channel: i % 2 ? 'link' : 'qr', locale: 'vi',
    answeredAt: new Date(`2026-04-${String(7 + (i % 3)).padStart(2, '0')}T03:00:00Z`), submissionKey: `compaction-${i}`,
  })));
  // Rows of those April days (today's shards are still being written to, and stay).
  const shardedRows = async () => (await t.db.query(
    `SELECT (SELECT count(*) FROM response_daily WHERE shard <> 0 AND day BETWEEN '2026-04-06' AND '2026-04-12')
       + (SELECT count(*) FROM response_day_score WHERE shard <> 0 AND day BETWEEN '2026-04-06' AND '2026-04-12')
       + (SELECT count(*) FROM response_week_score WHERE shard <> 0 AND week = '2026-04-06') AS n`))[0].n as string;
  expect(Number(await shardedRows())).toBeGreaterThan(0);
  const before = await apiAndRaw(npsId, 'nps', '2026-04-01', '2026-04-30');
  expect(before.api).toEqual(before.raw);

  const jobs = await startJobs({ ...t, logger: t.logger });
  try {
    const schedule = (await jobs.boss.getSchedules()).find((s) => s.name === QUEUES.rollupCompaction);
    expect(schedule?.cron).toBe(COMPACTION_SCHEDULE);
    // What the schedule sends at each tick, sent now.
    const id = await jobs.boss.send(QUEUES.rollupCompaction, {});
    await eventually(async () => (await jobs.boss.getJobById(QUEUES.rollupCompaction, id as string))?.state === 'completed',
      { timeoutMs: 20_000, what: 'the compaction job to complete' });
  } finally {
    await jobs.stop();
  }

  expect(await shardedRows()).toBe('0');
  const after = await apiAndRaw(npsId, 'nps', '2026-04-01', '2026-04-30');
  expect(after).toEqual(before);
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
  expect(broken.differenceCounts).toEqual({ response_daily: 1, response_day_score: 1, response_week_score: 1 });
  expect(broken.differences).toContainEqual({ table: 'response_day_score', key: { survey_id: csatId, day: '2026-05-05', score: 5 }, raw: 1, rollup: 0 });
  await setRollupTrigger(t.db, false);
  expect((await verifyRollups(t.db)).disabledTriggers).toEqual(['responses_rollup_delete', 'responses_rollup_insert', 'responses_rollup_update']);
  await rebuildRollups(t.db, { enableTrigger: true });
  await expectConsistent();
});

test('deleting a survey removes its answers and its rollup rows together', async () => {
  const { id } = await makeSurvey(t, { kind: 'ces', title: 'Short-lived CES' });
  for (let i = 1; i <= 7; i++) await answer(t, id, { score: i, answeredAt: '2026-03-03T09:00:00+07:00' });
  await t.db.query(`DELETE FROM surveys WHERE id = $1`, [id]);
  const [{ left }] = await t.db.query(`SELECT count(*)::int AS left FROM response_week_score WHERE survey_id = $1`, [id]);
  expect(left).toBe(0);
  await expectConsistent();
});

test('emptying the responses table with TRUNCATE empties the rollups too', async () => {
  await t.db.query(`TRUNCATE responses CASCADE`);
  for (const table of ['response_daily', 'response_day_score', 'response_week_score']) {
    expect(await t.db.query(`SELECT count(*)::int AS n FROM ${table}`)).toEqual([{ n: 0 }]);
  }
  await expectConsistent();
});
