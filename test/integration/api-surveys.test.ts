import request from 'supertest';
import { DEFAULT_QUESTIONS } from '../../src/modules/surveys';
import { startTestApp, TEST_BASE_URL, type TestApp } from '../helpers/app';
import { apiClient, expectApiError, detailPaths } from '../helpers/api';
import { eventually } from '../helpers/eventually';
import { makeSurvey, makeTouchpoint } from '../helpers/factories';

/** GET, POST /api/v1/surveys and GET /api/v1/surveys/:id (SPEC §2 surveys, §7). */

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

const { get, post } = apiClient(() => t);


async function surveyCount(): Promise<number> {
  const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM surveys`);
  return n;
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+07:00$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('POST /surveys', () => {
  test.each(['nps', 'csat', 'ces'] as const)('creates a %s survey attached to a touchpoint', async (kind) => {
    const touchpointKey = (await makeTouchpoint(t)).key;
    const res = await post('/surveys', { kind, touchpointKey, title: `Thanh toán ${kind}` });
    expect(res.status).toBe(201);
    const s = res.body;
    expect(s.id).toMatch(UUID);
    expect(s).toMatchObject({ kind, touchpointKey, stageKey: null, title: `Thanh toán ${kind}`, status: 'active', askComment: true, recontactDays: null });
    expect(s.publicUrl).toBe(`${TEST_BASE_URL}/s/${s.id}`);
    expect(s.qrUrl).toBe(`${TEST_BASE_URL}/s/${s.id}/qr.png`);
    expect(s.createdAt).toMatch(ISO_WITH_OFFSET);
    expect(s.updatedAt).toMatch(ISO_WITH_OFFSET);
    const [row] = await t.db.query(`SELECT s.kind, s.status, t.key FROM surveys s JOIN touchpoints t ON t.id = s.touchpoint_id WHERE s.id = $1`, [s.id]);
    expect(row).toEqual({ kind, status: 'active', key: touchpointKey });
  });

  test('creates a relationship survey attached to a stage', async () => {
    const s = await makeSurvey(t, { kind: 'nps', stageKey: 'retention' });
    expect(s).toMatchObject({ touchpointKey: null, stageKey: 'retention' });
    const [row] = await t.db.query(`SELECT st.key, s.touchpoint_id FROM surveys s JOIN stages st ON st.id = s.stage_id WHERE s.id = $1`, [s.id]);
    expect(row).toEqual({ key: 'retention', touchpoint_id: null });
  });

  test('creates a whole-journey survey attached to neither', async () => {
    const s = await makeSurvey(t, { kind: 'nps' });
    expect(s).toMatchObject({ touchpointKey: null, stageKey: null });
    const [row] = await t.db.query(`SELECT touchpoint_id, stage_id FROM surveys WHERE id = $1`, [s.id]);
    expect(row).toEqual({ touchpoint_id: null, stage_id: null });
  });

  test('keeps the optional fields: question, askComment, recontactDays, status', async () => {
    const question = { vi: 'Bạn thấy {touchpoint} thế nào?', en: 'How was {touchpoint}?' };
    const s = await makeSurvey(t, { kind: 'csat', question, askComment: false, recontactDays: 90, status: 'draft' });
    expect(s).toMatchObject({ question, askComment: false, recontactDays: 90, status: 'draft' });
    expect((await get(`/surveys/${s.id}`)).body).toMatchObject({ question, askComment: false, recontactDays: 90, status: 'draft' });
  });

  test('without a question the default wording applies (question is null in both languages)', async () => {
    const s = await makeSurvey(t, { kind: 'ces' });
    expect(s.question).toEqual({ vi: null, en: null });
  });

  test('the QR and public URLs it returns actually work', async () => {
    const s = await makeSurvey(t, { kind: 'nps' });
    const qr = await request(t.app).get(new URL(s.qrUrl).pathname);
    expect(qr.status).toBe(200);
    expect(qr.headers['content-type']).toBe('image/png');
    const page = await request(t.app).get(new URL(s.publicUrl).pathname);
    expect(page.status).toBe(200);
  });

  test('both touchpointKey and stageKey → 400, nothing stored', async () => {
    const touchpointKey = (await makeTouchpoint(t)).key;
    const before = await surveyCount();
    const res = await post('/surveys', { kind: 'nps', touchpointKey, stageKey: 'decision', title: 'Both' });
    expectApiError(res, 400, 'validation_failed');
    expect(res.body.error.details[0].message).toMatch(/touchpointKey/);
    expect(await surveyCount()).toBe(before);
  });

  test('an unknown touchpointKey → 422, nothing stored', async () => {
    const before = await surveyCount();
    const res = await post('/surveys', { kind: 'nps', touchpointKey: 'no-such-touchpoint', title: 'X' });
    expectApiError(res, 422, 'unknown_reference');
    expect(detailPaths(res)).toEqual(['touchpointKey']);
    expect(await surveyCount()).toBe(before);
  });

  test('an unknown stageKey → 422, nothing stored', async () => {
    const before = await surveyCount();
    const res = await post('/surveys', { kind: 'csat', stageKey: 'no-such-stage', title: 'X' });
    expectApiError(res, 422, 'unknown_reference');
    expect(detailPaths(res)).toEqual(['stageKey']);
    expect(await surveyCount()).toBe(before);
  });

  test.each([
    ['a bad kind', { kind: 'ces7' }, 'kind'],
    ['an upper-case kind', { kind: 'NPS' }, 'kind'],
    ['a missing kind', { kind: undefined }, 'kind'],
    ['a missing title', { title: undefined }, 'title'],
    ['a blank title', { title: '   ' }, 'title'],
    ['a title that is too long', { title: 'x'.repeat(201) }, 'title'],
    ['a bad status', { status: 'archived' }, 'status'],
    ['a negative recontactDays', { recontactDays: -1 }, 'recontactDays'],
    ['a recontactDays over a year', { recontactDays: 366 }, 'recontactDays'],
    ['a question in an unknown language', { question: { fr: 'Bonjour?' } }, 'question.fr'],
    ['an empty question object', { question: {} }, 'question'],
    ['askComment as a word', { askComment: 'maybe' }, 'askComment'],
    ['an unknown field', { thankYou: 'Cảm ơn' }, 'thankYou'],
    ['a touchpointKey that is not a slug', { touchpointKey: 'Drop Table' }, 'touchpointKey'],
  ])('%s → 400 naming the field, nothing stored', async (_label, over, path) => {
    const before = await surveyCount();
    const body: Record<string, unknown> = { kind: 'nps', title: 'Valid title', ...over };
    for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
    const res = await post('/surveys', body);
    expectApiError(res, 400, 'validation_failed');
    expect(detailPaths(res)).toContain(path);
    expect(await surveyCount()).toBe(before);
  });

  test('an array body → 400', async () => {
    expectApiError(await post('/surveys', [{ kind: 'nps', title: 'In an array' }]), 400, 'validation_failed');
  });

  test('a Vietnamese title and SQL-looking text are stored verbatim', async () => {
    const title = "Khảo sát sau giao hàng'); DELETE FROM surveys; --";
    const s = await makeSurvey(t, { kind: 'nps', title });
    expect(s.title).toBe(title);
    const [row] = await t.db.query(`SELECT title FROM surveys WHERE id = $1`, [s.id]);
    expect(row.title).toBe(title);
    expect(await surveyCount()).toBeGreaterThan(1);
  });
});

describe('GET /surveys and /surveys/:id', () => {
  test('GET /surveys lists every survey, in creation order', async () => {
    const a = await makeSurvey(t, { kind: 'nps', title: 'Listed A' });
    const b = await makeSurvey(t, { kind: 'ces', stageKey: 'awareness', title: 'Listed B' });
    const res = await get('/surveys');
    expect(res.status).toBe(200);
    const ids = res.body.items.map((s: { id: string }) => s.id);
    expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(ids.indexOf(a.id)).toBeLessThan(ids.indexOf(b.id));
    expect(res.body.items.length).toBe(await surveyCount());
    expect(res.body.items.find((s: { id: string }) => s.id === b.id)).toEqual(b);
  });

  test('GET /surveys/:id returns the same survey as POST did', async () => {
    const touchpointKey = (await makeTouchpoint(t, { stageKey: 'consideration' })).key;
    const s = await makeSurvey(t, { kind: 'csat', touchpointKey, title: 'Tư vấn qua chat' });
    const res = await get(`/surveys/${s.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(s);
  });

  test('an upper-case id finds the same survey', async () => {
    const s = await makeSurvey(t, { kind: 'nps' });
    const res = await get(`/surveys/${s.id.toUpperCase()}`);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(s.id);
  });

  test.each([
    ['an unknown uuid', '00000000-0000-4000-8000-000000000000'],
    ['a non-uuid', 'not-a-uuid'],
    ['a number', '42'],
    ['a uuid with colons', 'a0eebc99:9c0b:4ef8:bb6d:6bb9bd380a11'],
    ['a uuid in brackets', '[a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11]'],
    ['a uuid in parentheses', '(a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11)'],
    ['SQL', "1' OR '1'='1"],
  ])('%s → 404 JSON', async (_label, id) => {
    const res = await get(`/surveys/${encodeURIComponent(id)}`);
    expectApiError(res, 404, 'not_found');
  });
});

/** The API and the dashboard create surveys through one service: the rules they used to apply differently. */
describe('the same rules as the dashboard', () => {
  test('a question left at the default wording of its kind is stored as null, so the default keeps applying', async () => {
    const s = await makeSurvey(t, { kind: 'csat', question: { vi: DEFAULT_QUESTIONS.csat.vi, en: 'How was {touchpoint} today?' } });
    expect(s.question).toEqual({ vi: null, en: 'How was {touchpoint} today?' });
    const [row] = await t.db.query(`SELECT question_vi, question_en FROM surveys WHERE id = $1`, [s.id]);
    expect(row).toEqual({ question_vi: null, question_en: 'How was {touchpoint} today?' });
  });

  test("another kind's default wording is the team's own choice and is kept", async () => {
    const s = await makeSurvey(t, { kind: 'csat', question: { en: DEFAULT_QUESTIONS.nps.en } });
    expect(s.question).toEqual({ vi: null, en: DEFAULT_QUESTIONS.nps.en });
  });

  test('a touchpoint deleted while the survey is being created → 422 and nothing stored (the touchpoint is held, as the dashboard held it)', async () => {
    const touchpointKey = (await makeTouchpoint(t)).key;
    const before = await surveyCount();
    const deleting = t.db.createQueryRunner();
    await deleting.connect();
    try {
      await deleting.startTransaction();
      await deleting.query(`DELETE FROM touchpoints WHERE key = $1`, [touchpointKey]);
      const creating = post('/surveys', { kind: 'csat', touchpointKey, title: 'Racing a delete' }).then((res) => res);
      // The creation waits for the uncommitted delete before it decides.
      await eventually(async () => (await t.db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`))[0].n > 0,
      { what: 'the creation to wait for the delete' });
      await deleting.commitTransaction();
      const res = await creating;
      expectApiError(res, 422, 'unknown_reference');
      expect(detailPaths(res)).toEqual(['touchpointKey']);
    } finally {
      await deleting.release();
    }
    expect(await surveyCount()).toBe(before);
  });
});
