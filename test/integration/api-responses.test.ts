import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { apiClient, expectApiError, detailPaths } from '../helpers/api';
import { answer, makeSurvey, type TouchpointOptions } from '../helpers/factories';

/** POST /api/v1/surveys/:id/responses and GET /api/v1/responses (SPEC §2 responses, §7, §12 times). */

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

const { get, post } = apiClient(() => t);


async function count(sql: string, params: unknown[] = []): Promise<number> {
  const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return n;
}

type Kind = 'nps' | 'csat' | 'ces';

/** Every survey here is on a touchpoint of its own. */
const DESK: TouchpointOptions = { stageKey: 'retention', channel: 'office' };

const ISO_VN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+07:00$/;

describe('POST /surveys/:id/responses', () => {
  test('stores an answer with channel api and returns it with +07:00 timestamps', async () => {
    const id = (await makeSurvey(t, { kind: 'nps', touchpoint: DESK })).id;
    const res = await post(`/surveys/${id}/responses`, { score: 9, comment: 'Nhân viên rất nhiệt tình' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String), surveyId: id, score: 9, comment: 'Nhân viên rất nhiệt tình', channel: 'api', locale: 'vi',
      invitationId: null, contactId: null, email: null, hidden: {}, createdAt: expect.stringMatching(ISO_VN), updatedAt: expect.stringMatching(ISO_VN),
    });
    // The offset shown is the organisation's, and the instant is the stored one.
    const [row] = await t.db.query(`SELECT score, channel, comment, created_at FROM responses WHERE id = $1`, [res.body.id]);
    expect(row).toMatchObject({ score: 9, channel: 'api', comment: 'Nhân viên rất nhiệt tình' });
    expect(Date.parse(res.body.createdAt)).toBe(row.created_at.getTime());
  });

  test.each([
    ['nps', [0, 10], [-1, 11]],
    ['csat', [1, 5], [0, 6]],
    ['ces', [1, 7], [0, 8]],
  ] as Array<[Kind, number[], number[]]>)('%s accepts the ends of its scale and refuses just outside', async (kind, valid, invalid) => {
    const id = (await makeSurvey(t, { kind, touchpoint: DESK })).id;
    for (const score of valid) expect((await answer(t, id, { score })).score).toBe(score);
    for (const score of invalid) {
      const res = await post(`/surveys/${id}/responses`, { score });
      expectApiError(res, 400, 'validation_failed');
      expect(detailPaths(res)).toEqual(['score']);
    }
    expect(await count(`responses WHERE survey_id = $1`, [id])).toBe(valid.length);
  });

  test.each([
    ['a fraction', 7.5],
    ['a numeric string', '7'],
    ['an empty string', ''],
    ['null', null],
    ['a boolean', true],
    ['an array', [7]],
    ['a huge number', 1e30],
  ])('a score that is %s → 400, nothing stored', async (_label, score) => {
    const id = (await makeSurvey(t, { kind: 'nps', touchpoint: DESK })).id;
    const res = await post(`/surveys/${id}/responses`, { score });
    expectApiError(res, 400, 'validation_failed');
    expect(detailPaths(res)).toContain('score');
    expect(await count(`responses WHERE survey_id = $1`, [id])).toBe(0);
  });

  test('a missing score → 400, nothing stored', async () => {
    const id = (await makeSurvey(t, { kind: 'csat', touchpoint: DESK })).id;
    const res = await post(`/surveys/${id}/responses`, { comment: 'no score' });
    expectApiError(res, 400, 'validation_failed');
    expect(detailPaths(res)).toEqual(['score']);
    expect(await count(`responses WHERE survey_id = $1`, [id])).toBe(0);
  });

  test('an email links the answer to the existing contact, whatever its case', async () => {
    const id = (await makeSurvey(t, { kind: 'csat', touchpoint: DESK })).id;
    await post('/contacts', { email: 'Thu.Ha@Example.vn', name: 'Thu Hà', locale: 'en' });
    const [c] = await t.db.query(`SELECT id FROM contacts WHERE email = 'Thu.Ha@Example.vn'`);
    const before = await count('contacts');
    const r = await answer(t, id, { score: 4, email: 'thu.ha@example.VN' });
    expect(r.contactId).toBe(c.id);
    expect(r.email).toBe('Thu.Ha@Example.vn');
    // The contact's language is the answer's language when none is given.
    expect(r.locale).toBe('en');
    expect(await count('contacts')).toBe(before);
  });

  test('an unknown email creates the contact', async () => {
    const id = (await makeSurvey(t, { kind: 'ces', touchpoint: DESK })).id;
    const r = await answer(t, id, { score: 6, email: 'new.customer@example.vn' });
    const [c] = await t.db.query(`SELECT id, locale FROM contacts WHERE email = 'new.customer@example.vn'`);
    expect(r.contactId).toBe(c.id);
    expect(c.locale).toBe('vi');
  });

  test('a malformed email → 400; neither the answer nor a contact is stored', async () => {
    const id = (await makeSurvey(t, { kind: 'nps', touchpoint: DESK })).id;
    const contacts = await count('contacts');
    const res = await post(`/surveys/${id}/responses`, { score: 5, email: 'not an email' });
    expectApiError(res, 400, 'validation_failed');
    expect(detailPaths(res)).toEqual(['email']);
    expect(await count(`responses WHERE survey_id = $1`, [id])).toBe(0);
    expect(await count('contacts')).toBe(contacts);
  });

  test('hidden fields are stored and returned', async () => {
    const id = (await makeSurvey(t, { kind: 'nps', touchpoint: DESK })).id;
    const hidden = { store: 'q1', staff: 'lan', 'order.id': 'A-1001' };
    const r = await answer(t, id, { score: 10, hidden });
    expect(r.hidden).toEqual(hidden);
    const [row] = await t.db.query(`SELECT hidden FROM responses WHERE id = $1`, [r.id]);
    expect(row.hidden).toEqual(hidden);
  });

  test.each([
    ['a nested value', { store: { id: 1 } }],
    ['a number value', { store: 1 }],
    ['a key with spaces', { 'store id': 'q1' }],
    ['a value that is too long', { note: 'x'.repeat(201) }],
    ['an array', ['q1']],
  ])('hidden with %s → 400, nothing stored', async (_label, hidden) => {
    const id = (await makeSurvey(t, { kind: 'nps', touchpoint: DESK })).id;
    expectApiError(await post(`/surveys/${id}/responses`, { score: 8, hidden }), 400, 'validation_failed');
    expect(await count(`responses WHERE survey_id = $1`, [id])).toBe(0);
  });

  test('a blank comment is stored as no comment; a comment over 2000 characters → 400', async () => {
    const id = (await makeSurvey(t, { kind: 'nps', touchpoint: DESK })).id;
    expect((await answer(t, id, { score: 8, comment: '   ' })).comment).toBeNull();
    expectApiError(await post(`/surveys/${id}/responses`, { score: 8, comment: 'x'.repeat(2001) }), 400, 'validation_failed');
    expect(await count(`responses WHERE survey_id = $1`, [id])).toBe(1);
  });

  test('SQL-looking and Vietnamese comments are stored verbatim', async () => {
    const id = (await makeSurvey(t, { kind: 'csat', touchpoint: DESK })).id;
    const comment = "Giao hàng chậm'); DELETE FROM responses; -- =HYPERLINK(\"x\")";
    const r = await answer(t, id, { score: 2, comment });
    const [row] = await t.db.query(`SELECT comment FROM responses WHERE id = $1`, [r.id]);
    expect(row.comment).toBe(comment);
  });

  test('answeredAt in the past is kept as the answer time, in the organisation offset', async () => {
    const id = (await makeSurvey(t, { kind: 'nps', touchpoint: DESK })).id;
    const r = await answer(t, id, { score: 7, answeredAt: '2026-03-01T16:30:00Z' });
    expect(r.createdAt).toBe('2026-03-01T23:30:00.000+07:00');
    const [row] = await t.db.query(`SELECT created_at FROM responses WHERE id = $1`, [r.id]);
    expect(row.created_at.toISOString()).toBe('2026-03-01T16:30:00.000Z');
  });

  test('answeredAt with another offset is the same instant', async () => {
    const id = (await makeSurvey(t, { kind: 'nps', touchpoint: DESK })).id;
    // 12:30 at UTC−5 is 17:30Z, which is 00:30 the next day at UTC+7.
    const r = await answer(t, id, { score: 7, answeredAt: '2026-03-01T12:30:00-05:00' });
    expect(r.createdAt).toBe('2026-03-02T00:30:00.000+07:00');
  });

  test('answeredAt may be written without colon in the offset and with microseconds', async () => {
    const id = (await makeSurvey(t, { kind: 'nps', touchpoint: DESK })).id;
    const r = await answer(t, id, { score: 7, answeredAt: '2026-03-01T23:30:00.123456+0700' });
    expect(r.createdAt).toBe('2026-03-01T23:30:00.123+07:00');
  });

  test('answeredAt as a calendar day is the start of that day in the organisation time zone', async () => {
    const id = (await makeSurvey(t, { kind: 'nps', touchpoint: DESK })).id;
    const r = await answer(t, id, { score: 7, answeredAt: '2026-03-02' });
    expect(r.createdAt).toBe('2026-03-02T00:00:00.000+07:00');
    const [row] = await t.db.query(`SELECT created_at FROM responses WHERE id = $1`, [r.id]);
    expect(row.created_at.toISOString()).toBe('2026-03-01T17:00:00.000Z');
  });

  test('answeredAt in the future → 400, nothing stored', async () => {
    const id = (await makeSurvey(t, { kind: 'nps', touchpoint: DESK })).id;
    const future = new Date(Date.now() + 3600_000).toISOString();
    const res = await post(`/surveys/${id}/responses`, { score: 9, answeredAt: future });
    expectApiError(res, 400, 'validation_failed');
    expect(detailPaths(res)).toEqual(['answeredAt']);
    expect(await count(`responses WHERE survey_id = $1`, [id])).toBe(0);
  });

  test.each([
    ['without an offset (ambiguous)', '2026-03-01T10:00:00'],
    ['an impossible date', '2026-02-30T10:00:00+07:00'],
    ['an impossible time', '2026-03-01T25:00:00+07:00'],
    ['not a date', 'yesterday'],
    ['a number', 1772382600000],
    ['year zero', '0000-01-01T00:00:00Z'],
    ['an expanded year', '-000001-01-01T00:00:00Z'],
    ['a bare year', '2026'],
    ['an offset beyond ±14:00', '2026-03-01T10:00:00+15:00'],
    ['a day in the future', '2999-01-01'],
    ['a day before 1970', '1969-12-31'],
  ])('answeredAt %s → 400, nothing stored', async (_label, answeredAt) => {
    const id = (await makeSurvey(t, { kind: 'nps', touchpoint: DESK })).id;
    const res = await post(`/surveys/${id}/responses`, { score: 9, answeredAt });
    expectApiError(res, 400, 'validation_failed');
    expect(detailPaths(res)).toEqual(['answeredAt']);
    expect(await count(`responses WHERE survey_id = $1`, [id])).toBe(0);
  });

  test('a detractor answer opens a follow-up; a promoter does not', async () => {
    const id = (await makeSurvey(t, { kind: 'nps', touchpoint: DESK })).id;
    const detractor = await answer(t, id, { score: 6 });
    const promoter = await answer(t, id, { score: 9 });
    expect(await count(`follow_ups WHERE response_id = $1`, [detractor.id])).toBe(1);
    expect(await count(`follow_ups WHERE response_id = $1`, [promoter.id])).toBe(0);
  });

  test('a closed survey → 409, nothing stored', async () => {
    const id = (await makeSurvey(t, { kind: 'nps', touchpoint: DESK, status: 'closed' })).id;
    const res = await post(`/surveys/${id}/responses`, { score: 9 });
    expectApiError(res, 409, 'survey_closed');
    expect(await count(`responses WHERE survey_id = $1`, [id])).toBe(0);
  });

  test('a draft survey → 409, nothing stored', async () => {
    const id = (await makeSurvey(t, { kind: 'csat', touchpoint: DESK, status: 'draft' })).id;
    expectApiError(await post(`/surveys/${id}/responses`, { score: 5 }), 409, 'survey_draft');
    expect(await count(`responses WHERE survey_id = $1`, [id])).toBe(0);
  });

  test('an unknown survey → 404; a malformed id → 404', async () => {
    expectApiError(await post('/surveys/00000000-0000-4000-8000-000000000000/responses', { score: 9 }), 404, 'not_found');
    expectApiError(await post('/surveys/nope/responses', { score: 9 }), 404, 'not_found');
    expectApiError(await post('/surveys/a0eebc99:9c0b:4ef8:bb6d:6bb9bd380a11/responses', { score: 9 }), 404, 'not_found');
  });

  test('unknown fields (e.g. channel) are rejected', async () => {
    const id = (await makeSurvey(t, { kind: 'nps', touchpoint: DESK })).id;
    const res = await post(`/surveys/${id}/responses`, { score: 9, channel: 'email' });
    expectApiError(res, 400, 'validation_failed');
    expect(detailPaths(res)).toEqual(['channel']);
  });
});

describe('GET /responses', () => {
  let a: string;
  let b: string;
  const aIds: string[] = [];
  beforeAll(async () => {
    a = (await makeSurvey(t, { kind: 'nps', touchpoint: DESK })).id;
    b = (await makeSurvey(t, { kind: 'csat', touchpoint: DESK })).id;
    // Survey A: two answers at the same instant (ties are broken by id), and some answered now.
    for (const [score, answeredAt] of [[3, '2026-03-01T23:30:00+07:00'], [4, '2026-03-01T23:30:00+07:00'], [5, '2026-03-02T00:30:00+07:00'], [6, '2026-03-05T12:00:00+07:00']] as const) {
      aIds.push((await answer(t, a, { score, answeredAt })).id);
    }
    for (const score of [7, 8, 9, 10, 0, 1, 2]) aIds.push((await answer(t, a, { score })).id);
    await answer(t, b, { score: 5, answeredAt: '2026-03-03T09:00:00+07:00' });
    await answer(t, b, { score: 1 });
  });

  async function pages(query: string, limit: number, startCursor: string | null = null) {
    const seen: Array<{ id: string; createdAt: string }> = [];
    let cursor: string | null = startCursor;
    for (let page = 0; page < 50; page++) {
      const res: request.Response = await get(`/responses?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(limit);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
      if (!cursor) return { seen, pages: page + 1 };
    }
    throw new Error('pagination did not end');
  }

  test('filters by survey, oldest first', async () => {
    const res = await get(`/responses?surveyId=${a}`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((r: { id: string }) => r.id)).toEqual(aIds);
    expect(res.body.nextCursor).toBeNull();
    for (const r of res.body.items) {
      expect(r.surveyId).toBe(a);
      expect(r.createdAt).toMatch(ISO_VN);
    }
  });

  test('walks every page with a cursor: no duplicates, no gaps', async () => {
    for (const limit of [1, 2, 3, 4]) {
      const { seen, pages: n } = await pages(`surveyId=${a}`, limit);
      expect(seen.map((r) => r.id)).toEqual(aIds);
      expect(n).toBe(Math.ceil(aIds.length / limit));
    }
  });

  test('the cursor is stable when answers arrive while paging', async () => {
    const first = await get(`/responses?surveyId=${a}&limit=5`);
    const late = await answer(t, a, { score: 10 });
    const rest = await pages(`surveyId=${a}`, 5, first.body.nextCursor);
    const all = [...first.body.items, ...rest.seen].map((r: { id: string }) => r.id);
    expect(all).toEqual([...aIds, late.id]);
    aIds.push(late.id);
  });

  test('without a survey filter it lists every survey', async () => {
    const { seen } = await pages('', 3);
    expect(seen.length).toBe(await count('responses'));
    expect(new Set(seen.map((r) => r.id)).size).toBe(seen.length);
  });

  test('since is inclusive, until exclusive, as instants', async () => {
    const res = await get(`/responses?surveyId=${a}&since=${encodeURIComponent('2026-03-01T23:30:00+07:00')}&until=${encodeURIComponent('2026-03-05T12:00:00+07:00')}`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((r: { score: number }) => r.score)).toEqual([3, 4, 5]);
  });

  test('since and until as calendar days are days in the organisation time zone (until inclusive)', async () => {
    // 2026-03-01T23:30+07:00 is 16:30Z: it is on 1 March in Ho Chi Minh City although 2 March has begun nowhere.
    const day1 = await get(`/responses?surveyId=${a}&since=2026-03-01&until=2026-03-01`);
    expect(day1.status).toBe(200);
    expect(day1.body.items.map((r: { score: number }) => r.score)).toEqual([3, 4]);
    // 2026-03-02T00:30+07:00 is 2026-03-01T17:30Z, yet it is on 2 March.
    const day2 = await get(`/responses?surveyId=${a}&since=2026-03-02&until=2026-03-02`);
    expect(day2.body.items.map((r: { score: number }) => r.score)).toEqual([5]);
  });

  test('filters combine with pagination', async () => {
    const { seen } = await pages(`surveyId=${a}&since=${encodeURIComponent('2026-03-01T00:00:00+07:00')}&until=${encodeURIComponent('2026-03-06T00:00:00+07:00')}`, 1);
    expect(seen.map((r) => r.id)).toEqual(aIds.slice(0, 4));
  });

  test('default limit is 50; 500 is allowed', async () => {
    const id = (await makeSurvey(t, { kind: 'ces', touchpoint: DESK })).id;
    await t.db.query(`INSERT INTO responses (survey_id, score, channel, locale) SELECT $1, 1 + g % 7, 'api', 'vi' FROM generate_series(1, 60) g`, [id]);
    const first = await get(`/responses?surveyId=${id}`);
    expect(first.body.items).toHaveLength(50);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const big = await get(`/responses?surveyId=${id}&limit=500`);
    expect(big.body.items).toHaveLength(60);
    expect(big.body.nextCursor).toBeNull();
  });

  test.each(['0', '-1', '501', '1.5', 'abc', ''])('limit=%s → 400', async (limit) => {
    const res = await get(`/responses?limit=${limit}`);
    expectApiError(res, 400, 'validation_failed');
    expect(detailPaths(res)).toEqual(['limit']);
  });

  const forged = (text: string) => Buffer.from(text).toString('base64url');
  test.each([
    ['garbage', 'not-a-cursor'],
    ['an empty-looking cursor', forged('|')],
    ['a cursor with a bad date', forged('yesterday|5')],
    ['a cursor with a loose date', forged('1|5')],
    ['a cursor with year zero', forged('0000-01-01T00:00:00.000000Z|5')],
    ['a cursor with 30 February', forged('2026-02-30T00:00:00.000000Z|5')],
    ['a cursor with hour 99', forged('2026-03-01T99:00:00.000000Z|5')],
    ['a cursor with an id past bigint', forged('2026-03-01T00:00:00.000000Z|9999999999999999999')],
    ['a cursor with a negative id', forged('2026-03-01T00:00:00.000000Z|-5')],
    ['a cursor with SQL', forged("2026-03-01T00:00:00.000000Z|1' OR '1'='1")],
  ])('an invalid cursor (%s) → 400', async (_label, cursor) => {
    const res = await get(`/responses?cursor=${encodeURIComponent(cursor)}`);
    expectApiError(res, 400, 'invalid_cursor');
  });

  test.each([
    ['surveyId', 'not-a-uuid'],
    ['surveyId', 'a0eebc99:9c0b:4ef8:bb6d:6bb9bd380a11'],
    ['since', 'yesterday'],
    ['since', '2026-02-30'],
    ['until', '2026-03-01T10:00:00'],
    ['until', '0000-01-01T00:00:00Z'],
  ])('%s=%s → 400', async (param, value) => {
    const res = await get(`/responses?${param}=${encodeURIComponent(value)}`);
    expectApiError(res, 400, 'validation_failed');
    expect(detailPaths(res)).toEqual([param]);
  });

  test('a repeated parameter → 400, not 500', async () => {
    expectApiError(await get(`/responses?surveyId=${a}&surveyId=${b}`), 400, 'validation_failed');
  });

  test('an unknown survey id gives an empty page', async () => {
    const res = await get('/responses?surveyId=00000000-0000-4000-8000-000000000000');
    expect(res.body).toEqual({ items: [], nextCursor: null });
  });

  test('timestamps follow the organisation time zone setting', async () => {
    const id = (await makeSurvey(t, { kind: 'nps', touchpoint: DESK })).id;
    await answer(t, id, { score: 9, answeredAt: '2026-01-15T12:00:00Z' });
    await t.db.query(`UPDATE settings SET time_zone = 'America/New_York'`);
    try {
      const res = await get(`/responses?surveyId=${id}`);
      expect(res.body.items[0].createdAt).toBe('2026-01-15T07:00:00.000-05:00');
    } finally {
      await t.db.query(`UPDATE settings SET time_zone = 'Asia/Ho_Chi_Minh'`);
    }
  });
});
