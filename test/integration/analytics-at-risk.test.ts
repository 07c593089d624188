import { startTestApp, type TestApp } from '../helpers/app';
import { apiClient, expectApiError } from '../helpers/api';
import { makeContact, makeSurvey } from '../helpers/factories';
import { loginAs } from '../helpers/login';
import { rebuildAtRisk, refreshAtRiskContacts, setAtRiskTriggers } from '../../src/modules/analytics';
import { previewDigest, weekPeriod } from '../../src/modules/digest';

/**
 * At-risk contacts: one contact per reason, one that meets none (an old detractor, a closed follow-up, a
 * passive drop of 2 points), then the incremental refresh after new answers, a closed follow-up and the
 * clock moving on.
 */
let t: TestApp;
const { get } = apiClient(() => t);
const NOW = new Date('2026-12-01T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();

const ids: Record<string, string> = {};
let retentionCsat: string;
let decisionCsat: string;
let journeyNps: string;

async function insert(surveyId: string, contact: string, score: number, at: string): Promise<string> {
  const [{ id }] = await t.db.query(
    `INSERT INTO responses (survey_id, score, channel, locale, contact_id, hidden, created_at, updated_at) VALUES ($1, $2, 'api', 'vi', $3, '{}', $4, $4) RETURNING id`,
    [surveyId, score, ids[contact], at]);
  return id;
}
async function followUp(responseId: string, status: 'open' | 'in_progress' | 'closed', at: string): Promise<string> {
  const [{ id }] = await t.db.query(
    `INSERT INTO follow_ups (response_id, status, notes, created_at, updated_at, closed_at) VALUES ($1, $2, '', $3, $3, CASE WHEN $2 = 'closed' THEN $3::timestamptz END) RETURNING id`,
    [responseId, status, at]);
  return id;
}
const atRisk = async (): Promise<Record<string, string[]>> => {
  const rows: Array<{ email: string; reasons: string[] }> = await t.db.query(
    `SELECT c.email, a.reasons FROM at_risk_contacts a JOIN contacts c ON c.id = a.contact_id ORDER BY c.email`);
  return Object.fromEntries(rows.map((r) => [r.email.split('@')[0], r.reasons]));
};

let openFollowUp: string;
beforeAll(async () => {
  t = await startTestApp();
  retentionCsat = (await makeSurvey(t, { kind: 'csat', touchpoint: { key: 'delivery', stageKey: 'retention' } })).id;
  decisionCsat = (await makeSurvey(t, { kind: 'csat', touchpoint: { key: 'checkout', stageKey: 'decision' } })).id;
  journeyNps = (await makeSurvey(t, { kind: 'nps' })).id;
  for (const name of ['late', 'drop', 'repeat', 'waiting', 'calm']) {
    ids[name] = await makeContact(t, `${name}@example.com`, { name: name.toUpperCase(), attributes: { persona: name === 'drop' ? 'Sinh viên' : 'Người đi làm' } });
  }
  // late: its latest retention answer is a detractor (CSAT 2); one detractor only, its follow-up closed.
  await insert(retentionCsat, 'late', 5, daysAgo(40));
  await followUp(await insert(retentionCsat, 'late', 2, daysAgo(10)), 'closed', daysAgo(10));
  // drop: NPS 10 then 7 (a passive, 3 points lower).
  await insert(journeyNps, 'drop', 10, daysAgo(60));
  await insert(journeyNps, 'drop', 7, daysAgo(5));
  // repeat: two detractors in the decision stage within 90 days, both follow-ups closed.
  await followUp(await insert(decisionCsat, 'repeat', 1, daysAgo(80)), 'closed', daysAgo(80));
  await followUp(await insert(decisionCsat, 'repeat', 2, daysAgo(20)), 'closed', daysAgo(20));
  // waiting: one detractor, its follow-up still in progress after 30 days (limit: 7).
  openFollowUp = await followUp(await insert(decisionCsat, 'waiting', 1, daysAgo(30)), 'in_progress', daysAgo(30));
  // calm: a detractor 200 days ago (followed up), then a promoter in retention; NPS 9 -> 7 (2 points); a
  // detractor in the decision stage 100 days ago: two detractors, but not within 90 days of now.
  await followUp(await insert(retentionCsat, 'calm', 1, daysAgo(200)), 'closed', daysAgo(200));
  await followUp(await insert(decisionCsat, 'calm', 2, daysAgo(100)), 'closed', daysAgo(100));
  await insert(retentionCsat, 'calm', 5, daysAgo(50));
  await insert(journeyNps, 'calm', 9, daysAgo(40));
  await insert(journeyNps, 'calm', 7, daysAgo(3));
});

afterAll(async () => {
  await t?.close();
});

it('finds each reason, and leaves out the contact that meets none', async () => {
  await rebuildAtRisk(t.db, NOW);
  expect(await atRisk()).toEqual({
    late: ['retention_detractor'],
    drop: ['nps_drop'],
    repeat: ['repeat_detractor'],
    waiting: ['open_follow_up'],
  });
  const [row] = await t.db.query(`SELECT follow_up_id::text AS id FROM at_risk_contacts WHERE contact_id = $1`, [ids.waiting]);
  expect(row.id).toBe(openFollowUp);
});

it('revisits only the contacts that changed, and those the clock moved', async () => {
  await rebuildAtRisk(t.db, NOW);
  // calm answers NPS 3 after its 7 (a fall of 4); waiting's follow-up is closed.
  await insert(journeyNps, 'calm', 3, daysAgo(1));
  await t.db.query(`UPDATE follow_ups SET status = 'closed', closed_at = now() WHERE id = $1`, [openFollowUp]);
  const [{ n: dirty }] = await t.db.query(`SELECT count(*)::int AS n FROM at_risk_dirty`);
  expect(dirty).toBe(2);
  const r = await refreshAtRiskContacts(t.db, NOW);
  expect(r).toEqual({ contacts: 2, rebuilt: false });
  expect(await atRisk()).toEqual({
    late: ['retention_detractor'],
    drop: ['nps_drop'],
    repeat: ['repeat_detractor'],
    calm: ['nps_drop'],
  });
  // 15 days later, repeat's older detractor (80 days ago) has left the 90-day window: no new answer needed.
  const later = new Date(NOW.getTime() + 15 * 86_400_000);
  await refreshAtRiskContacts(t.db, later);
  expect(Object.keys(await atRisk())).not.toContain('repeat');
  expect(Object.keys(await atRisk())).toContain('calm');
});

it('lists them through the API, filtered and paged, in the error contract for bad input', async () => {
  await rebuildAtRisk(t.db, NOW);
  const all = await get('/contacts/at-risk');
  expect(all.status).toBe(200);
  expect(all.body.items.map((i: { email: string }) => i.email).sort()).toEqual(['calm@example.com', 'drop@example.com', 'late@example.com', 'repeat@example.com']);
  const drop = await get('/contacts/at-risk?reason=nps_drop');
  expect(drop.body.items.map((i: { email: string }) => i.email)).toEqual(['calm@example.com', 'drop@example.com']);
  const persona = await get(`/contacts/at-risk?reason=nps_drop&attr=${encodeURIComponent('persona=Sinh viên')}`);
  expect(persona.body.items).toEqual([expect.objectContaining({ email: 'drop@example.com', reasons: ['nps_drop'], stages: [] })]);
  const late = await get('/contacts/at-risk?stage=retention');
  expect(late.body.items.map((i: { email: string }) => i.email)).toEqual(['late@example.com']);
  // Pages of one: every contact once, in order, then no cursor.
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { items: Array<{ email: string }>; nextCursor: string | null } } = await get(`/contacts/at-risk?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
    seen.push(...page.body.items.map((i) => i.email));
    cursor = page.body.nextCursor;
  } while (cursor);
  expect(seen).toEqual(all.body.items.map((i: { email: string }) => i.email));

  expectApiError(await get('/contacts/at-risk?reason=angry'), 400, 'validation_failed');
  expectApiError(await get('/contacts/at-risk?cursor=bm90LWEtY3Vyc29y'), 400, 'invalid_cursor');
  expectApiError(await get('/contacts/at-risk?stage=nope'), 404, 'not_found');
  expectApiError(await get('/contacts/at-risk?limit=0'), 400, 'validation_failed');
});

it('shows the list to viewers with links, filters by attribute, and exports CSV for editors only', async () => {
  await rebuildAtRisk(t.db, NOW);
  for (const locale of ['en', 'vi'] as const) {
    const viewer = await loginAs(t, 'viewer', { locale });
    const page = await viewer.get('/analytics/at-risk');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`href="/manage/contacts/${ids.drop}"`);
    expect(page.text).toContain(locale === 'en' ? 'NPS fell by 3 points or more' : 'NPS giảm từ 3 điểm trở lên');
    expect(page.text).not.toContain('/analytics/at-risk.csv');
    const filtered = await viewer.get(`/analytics/at-risk?attr=${encodeURIComponent('persona=Sinh viên')}`);
    expect(filtered.text).toContain('drop@example.com');
    expect(filtered.text).not.toContain('late@example.com');
    expect((await viewer.get('/analytics/at-risk?reason=angry')).status).toBe(400);
    expect((await viewer.get('/analytics/at-risk.csv')).status).toBe(403);
  }
  const editor = await loginAs(t, 'editor');
  const page = await editor.get('/analytics/at-risk');
  expect(page.text).toContain('/analytics/at-risk.csv');
  const csv = await editor.get(`/analytics/at-risk.csv?reason=nps_drop&attr=${encodeURIComponent('persona=Sinh viên')}`);
  expect(csv.status).toBe(200);
  expect(csv.headers['content-type']).toMatch(/text\/csv/);
  const lines = csv.text.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
  expect(lines[0]).toBe('email,name,reasons,stages,last_answer_at,open_follow_up');
  expect(lines.slice(1)).toEqual([expect.stringMatching(/^drop@example\.com,DROP,nps_drop,,2026-11-26T/)]);
});

it('puts the count on the overview and in the digest, HTML and text, in both languages', async () => {
  await rebuildAtRisk(t.db, NOW);
  const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM at_risk_contacts`);
  expect(n).toBe(4);
  for (const locale of ['en', 'vi'] as const) {
    const viewer = await loginAs(t, 'viewer', { locale });
    const overview = await viewer.get('/overview');
    expect(overview.status).toBe(200);
    expect(overview.text).toContain(locale === 'en' ? '4 contacts at risk' : '4 khách hàng có nguy cơ');
    expect(overview.text).toContain('href="/analytics/at-risk"');
    const digest = await previewDigest(t.db, t.config, { period: weekPeriod('2026-11-23'), locale, now: NOW });
    for (const body of [digest.html.user, digest.text.user, digest.html.extra, digest.text.extra]) {
      expect(body).toContain(locale === 'en' ? '4 contacts at risk' : '4 khách hàng có nguy cơ');
      expect(body).toContain('/analytics/at-risk');
    }
  }
});

it('a bulk load switches the triggers off, and the next refresh rebuilds the whole list', async () => {
  await rebuildAtRisk(t.db, NOW);
  await setAtRiskTriggers(t.db, false);
  try {
    await insert(decisionCsat, 'drop', 1, daysAgo(2));
    await insert(decisionCsat, 'drop', 1, daysAgo(1));
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM at_risk_dirty`);
    expect(n).toBe(0);
  } finally {
    await setAtRiskTriggers(t.db, true);
  }
  expect(await refreshAtRiskContacts(t.db, NOW)).toMatchObject({ rebuilt: true });
  expect((await atRisk()).drop).toEqual(['nps_drop', 'repeat_detractor']);
});
