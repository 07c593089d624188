import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { answer, makeContact, makeSurvey } from '../helpers/factories';
import { eraseContact } from '../../src/modules/contacts/contacts.service';
import {
  foldSegmentDeltas, foldSegmentRollups, getHistogramRows, getSegmentDimensions, getSegmentHistogramRows, npsFromHistogram, rebuildRollups, verifySegmentRollups,
  type HistogramRow,
} from '../../src/modules/metrics';
import { saveSegmentDimensions } from '../../src/modules/segments';
import { getSettings } from '../../src/modules/settings';
import { updateSettings } from '../../src/modules/settings/settings.service';

/**
 * The segment rollups (per chosen contact attribute and hidden field) plus their unfolded deltas always equal
 * a recount from raw answers — verifySegmentRollups, the check `npm run metrics:verify` prints — across
 * inserts, score updates, a contact's attribute change (edit and import upsert), erasure, a survey's deletion,
 * a time-zone change and choosing or removing a dimension; the rollup and raw reads give the same figures.
 */
let t: TestApp;
const auth = () => ({ Authorization: `Bearer ${t.apiKey}` });
let npsId: string;
let csatId: string;
const DAY = '2026-03-10';
const at = (hour: number) => `${DAY}T${String(hour).padStart(2, '0')}:00:00+07:00`;

/** The comparison's read (per value, from the per-kind rollup and its deltas) against a recount of raw answers. */
async function expectComparisonMatchesRaw() {
  const buckets = [{ key: 'p', from: '2026-03-01', to: '2026-03-31' }, { key: 'd', from: DAY, to: DAY }];
  for (const { source, key } of await getSegmentDimensions(t.db)) {
    for (const kind of [undefined, 'nps', 'csat'] as const) {
      const scope = { source, key, buckets, per: 'value' as const, kind };
      expect(sorted(await getSegmentHistogramRows(t.db, { ...scope, counts: 'rollup' }))).toEqual(sorted(await getSegmentHistogramRows(t.db, { ...scope, counts: 'raw' })));
    }
  }
}

async function expectConsistent() {
  const before = await verifySegmentRollups(t.db);
  expect(before.stale).toEqual([]);
  expect(before.differences).toEqual([]);
  await expectComparisonMatchesRaw();
  await foldSegmentDeltas(t.db);
  const after = await verifySegmentRollups(t.db);
  expect(after.differences).toEqual([]);
  await expectComparisonMatchesRaw();
  const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM segment_rollup_delta`);
  expect(n).toBe(0);
}

/** NPS per persona value over one day, read from the API. */
async function apiGroups(by: string, from = DAY, to = DAY, kind = 'nps') {
  const res = await request(t.app).get(`/api/v1/metrics?kind=${kind}&by=${by}&from=${from}&to=${to}`).set(auth()).expect(200);
  return Object.fromEntries(res.body.groups.map((g: { key: string; n: number; score: number; moe: number }) => [g.key, { n: g.n, score: g.score, moe: g.moe }]));
}

const sorted = (rows: HistogramRow[]) => [...rows].sort((a, b) => `${a.bucket}|${a.group}|${a.score}`.localeCompare(`${b.bucket}|${b.group}|${b.score}`));

beforeAll(async () => {
  t = await startTestApp();
  npsId = (await makeSurvey(t, { kind: 'nps', title: 'Store NPS', touchpoint: { key: 'store', stageKey: 'decision', name: { vi: 'Cửa hàng', en: 'Store' }, channel: 'store' } })).id;
  csatId = (await makeSurvey(t, { kind: 'csat', stageKey: 'retention', title: 'Retention CSAT' })).id;
  // Persona "Gia đình trẻ": 6 promoters, 2 passives, 2 detractors; "Sinh viên": 1 promoter, 3 detractors.
  const family = await Promise.all(Array.from({ length: 10 }, (_, i) => makeContact(t, `family${i}@example.com`, { attributes: { persona: 'Gia đình trẻ', plan: 'gold' } })));
  const students = await Promise.all(Array.from({ length: 4 }, (_, i) => makeContact(t, `student${i}@example.com`, { attributes: { persona: 'Sinh viên' } })));
  expect(family.length + students.length).toBe(14);
  const familyScores = [10, 10, 9, 9, 9, 10, 8, 7, 3, 5];
  for (let i = 0; i < 10; i++) await answer(t, npsId, { score: familyScores[i], email: `family${i}@example.com`, hidden: { store: i < 5 ? 'q1' : 'q3' }, answeredAt: at(9) });
  const studentScores = [9, 2, 4, 6];
  for (let i = 0; i < 4; i++) await answer(t, npsId, { score: studentScores[i], email: `student${i}@example.com`, hidden: { store: 'q1' }, answeredAt: at(10) });
  // An answer without a contact nor a hidden field counts in no value.
  await answer(t, npsId, { score: 0, answeredAt: at(11) });
  await answer(t, csatId, { score: 5, email: 'family0@example.com', answeredAt: at(12) });
});

afterAll(async () => {
  await t?.close();
});

test('choosing dimensions: limits and unknown keys are refused, a new dimension is counted by the folder', async () => {
  await expect(saveSegmentDimensions(t.db, { attributes: ['persona', 'nope'], hidden: [] })).rejects.toMatchObject({ kind: 'invalid', options: { messageKey: 'dimensions.err.unknownAttribute' } });
  await expect(saveSegmentDimensions(t.db, { attributes: ['a', 'b', 'c', 'd', 'e', 'f'], hidden: [] })).rejects.toMatchObject({ options: { messageKey: 'dimensions.err.tooManyAttributes' } });
  await expect(saveSegmentDimensions(t.db, { attributes: [], hidden: ['store', 'x', 'y', 'z'] })).rejects.toMatchObject({ options: { messageKey: 'dimensions.err.tooManyHidden' } });
  await expect(saveSegmentDimensions(t.db, { attributes: ['bad key'], hidden: [] })).rejects.toMatchObject({ options: { messageKey: 'dimensions.err.badKey' } });
  expect(await getSegmentDimensions(t.db)).toEqual([]);

  await saveSegmentDimensions(t.db, { attributes: ['persona', 'plan'], hidden: ['store'] });
  const dims = await getSegmentDimensions(t.db);
  expect(dims.map((d) => [d.id, d.built])).toEqual([['attribute:persona', false], ['attribute:plan', false], ['hidden:store', false]]);
  // Stale: the API counts raw answers meanwhile, with the same figures.
  const raw = await apiGroups('attribute:persona');
  expect((await verifySegmentRollups(t.db)).stale).toEqual(['attribute:persona', 'attribute:plan', 'hidden:store']);
  await foldSegmentRollups(t.db);
  expect((await getSegmentDimensions(t.db)).every((d) => d.built)).toBe(true);
  await expectConsistent();
  expect(await apiGroups('attribute:persona')).toEqual(raw);
});

test('a segment comparison matches hand-computed NPS, n and margin per value', async () => {
  const groups = await apiGroups('attribute:persona');
  // Family: p = 6/10, d = 2/10 -> NPS 40, MoE 100·1.96·√((0.8 − 0.16)/10) = 49.58…
  expect(groups['Gia đình trẻ'].n).toBe(10);
  expect(groups['Gia đình trẻ'].score).toBeCloseTo(40, 6);
  expect(groups['Gia đình trẻ'].moe).toBeCloseTo(100 * 1.96 * Math.sqrt((0.8 - 0.16) / 10), 6);
  // Students: p = 1/4, d = 3/4 -> NPS −50.
  expect(groups['Sinh viên']).toEqual({ n: 4, score: -50, moe: expect.any(Number) });
  expect(Object.keys(groups)).toEqual(['Gia đình trẻ', 'Sinh viên']);
  const stores = await apiGroups('hidden:store');
  expect(stores.q1.n).toBe(9);
  expect(stores.q3.n).toBe(5);
  expect(stores.q3.score).toBe(npsFromHistogram({ 10: 1, 8: 1, 7: 1, 3: 1, 5: 1 }).score);
  // Not a chosen dimension: a clear 400 naming the chosen ones.
  const bad = await request(t.app).get(`/api/v1/metrics?kind=nps&by=attribute:region`).set(auth()).expect(400);
  expect(bad.body.error.message).toContain('attribute:persona');
  await request(t.app).get(`/api/v1/metrics?kind=nps&by=attribute:`).set(auth()).expect(400);
});

test('the rollup and raw reads agree, and the responses filter gives the same counts on both paths', async () => {
  const buckets = [{ key: 'p', from: '2026-03-01', to: '2026-03-31' }, { key: 'd', from: DAY, to: DAY }];
  for (const per of ['value', 'kind', 'survey', 'place', 'stage', 'touchpoint'] as const) {
    const scope = { source: 'attribute' as const, key: 'persona', buckets, per };
    expect(sorted(await getSegmentHistogramRows(t.db, { ...scope, counts: 'rollup' }))).toEqual(sorted(await getSegmentHistogramRows(t.db, { ...scope, counts: 'raw' })));
  }
  const { timeZone } = await getSettings(t.db);
  const filter = { buckets, attribute: { key: 'persona', value: 'Gia đình trẻ' }, timeZone };
  const viaRollup = await getHistogramRows(t.db, { ...filter, per: 'place' });
  // The same filter with a channel split takes the raw path: without the split its counts are the same.
  const viaRaw = await getHistogramRows(t.db, { ...filter, per: 'place', byChannel: true });
  const merged = new Map<string, HistogramRow>();
  for (const r of viaRaw) {
    const k = `${r.bucket}|${r.group}|${r.score}`;
    const m = merged.get(k);
    merged.set(k, { ...r, channel: null, n: (m?.n ?? 0) + r.n });
  }
  expect(sorted(viaRollup)).toEqual(sorted([...merged.values()]));
  expect(viaRollup.reduce((a, r) => a + (r.bucket === 'd' ? r.n : 0), 0)).toBe(11);
});

test('upkeep across score updates, attribute changes (edit and import), erasure and a survey deletion', async () => {
  await t.db.query(`UPDATE responses SET score = 0 WHERE score = 10 AND survey_id = $1`, [npsId]);
  await expectConsistent();

  // An import's upsert (the API's contacts endpoint) moves a contact to another persona: its answers follow.
  await request(t.app).post('/api/v1/contacts').set(auth()).send([{ email: 'student0@example.com', attributes: { persona: 'Doanh nghiệp nhỏ' } }]).expect(200);
  await expectConsistent();
  expect((await apiGroups('attribute:persona'))['Doanh nghiệp nhỏ'].n).toBe(1);
  // An edit that removes the attribute takes the answers out of every value.
  await t.db.query(`UPDATE contacts SET attributes = attributes - 'persona' WHERE email = 'student1@example.com'`);
  await expectConsistent();
  expect((await apiGroups('attribute:persona'))['Sinh viên'].n).toBe(2);

  // Erasure: the contact's answers leave its attribute values and lose their hidden fields.
  const [{ id }] = await t.db.query(`SELECT id FROM contacts WHERE email = 'family9@example.com'`);
  await eraseContact(t.db, id);
  await expectConsistent();
  expect((await apiGroups('attribute:persona'))['Gia đình trẻ'].n).toBe(9);
  expect((await apiGroups('hidden:store')).q3.n).toBe(4);

  await t.db.query(`DELETE FROM responses WHERE id = (SELECT max(id) FROM responses WHERE survey_id = $1)`, [npsId]);
  await expectConsistent();
  const doomed = (await makeSurvey(t, { kind: 'nps', title: 'Doomed', stageKey: 'advocacy' })).id;
  await answer(t, doomed, { score: 9, email: 'family1@example.com', hidden: { store: 'q1' }, answeredAt: at(13) });
  await foldSegmentDeltas(t.db);
  await answer(t, doomed, { score: 2, email: 'family2@example.com', answeredAt: at(14) });
  const withDoomed = (await apiGroups('attribute:persona'))['Gia đình trẻ'].n;
  await t.db.query(`DELETE FROM surveys WHERE id = $1`, [doomed]);
  // Its answers leave the per-kind rollup too: one folded, one still a delta when the survey went.
  expect((await apiGroups('attribute:persona'))['Gia đình trẻ'].n).toBe(withDoomed - 2);
  await expectConsistent();
  expect((await apiGroups('attribute:persona'))['Gia đình trẻ'].n).toBe(withDoomed - 2);
});

test('a time-zone change and a bulk rebuild make the dimensions stale; the folder recounts them in the new days', async () => {
  const s = await getSettings(t.db);
  // 09:00 in Ho Chi Minh City on the 10th is 02:00 UTC; in Honolulu (UTC−10) it is the 9th.
  await updateSettings(t.db, {
    brand: s.brand, timeZone: 'Pacific/Honolulu', defaultLocale: s.defaultLocale, recontactDays: s.recontactDays, reminderDays: s.reminderDays,
    digestWeekday: s.digestWeekday, digestHour: s.digestHour, digestRecipients: s.digestRecipients, digestSkipEmpty: s.digestSkipEmpty,
  });
  expect((await verifySegmentRollups(t.db)).stale).toHaveLength(3);
  const staleFigures = await apiGroups('attribute:persona', '2026-03-09', '2026-03-09');
  await foldSegmentRollups(t.db);
  await expectConsistent();
  expect(await apiGroups('attribute:persona', '2026-03-09', '2026-03-09')).toEqual(staleFigures);
  expect(staleFigures['Gia đình trẻ'].n).toBeGreaterThan(0);
  expect(await apiGroups('attribute:persona', DAY, DAY)).toEqual({});

  await rebuildRollups(t.db);
  expect((await verifySegmentRollups(t.db)).stale).toHaveLength(3);
  await foldSegmentRollups(t.db);
  await expectConsistent();
});

test('removing a dimension drops its rollups; its deltas are no longer kept', async () => {
  await saveSegmentDimensions(t.db, { attributes: ['persona'], hidden: [] });
  const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM segment_score_cum WHERE dimension <> 'attribute:persona'`);
  expect(n).toBe(0);
  const [{ k }] = await t.db.query(`SELECT count(*)::int AS k FROM segment_kind_cum WHERE dimension <> 'attribute:persona'`);
  expect(k).toBe(0);
  await answer(t, npsId, { score: 9, email: 'family3@example.com', hidden: { store: 'q1' }, answeredAt: at(15) });
  const [{ d }] = await t.db.query(`SELECT count(*)::int AS d FROM segment_rollup_delta WHERE dimension <> 'attribute:persona'`);
  expect(d).toBe(0);
  await expectConsistent();
  await request(t.app).get(`/api/v1/metrics?kind=nps&by=hidden:store`).set(auth()).expect(400);
});

test('metrics:verify names a per-kind segment rollup row that drifted from the answers', async () => {
  await foldSegmentDeltas(t.db);
  await t.db.query(`UPDATE segment_kind_cum SET cum = cum + 1 WHERE dimension = 'attribute:persona' AND day = $1::date AND kind = 'nps' AND score = 9 AND value = 'Gia đình trẻ'`, [DAY]);
  const report = await verifySegmentRollups(t.db);
  expect(report.differences).toEqual([expect.objectContaining({ table: 'segment_kind_cum', dimension: 'attribute:persona', value: 'Gia đình trẻ', key: 'nps', day: DAY, score: 9 })]);
  await t.db.query(`UPDATE segment_kind_cum SET cum = cum - 1 WHERE dimension = 'attribute:persona' AND day = $1::date AND kind = 'nps' AND score = 9 AND value = 'Gia đình trẻ'`, [DAY]);
  expect((await verifySegmentRollups(t.db)).differences).toEqual([]);
});
