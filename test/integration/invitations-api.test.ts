import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { makeContact, makeInvitation, makeSurvey } from '../helpers/factories';

let t: TestApp;
const api = () => ({ Authorization: `Bearer ${t.apiKey}` });

beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

const send = (surveyId: string, body: unknown) => request(t.app).post(`/api/v1/surveys/${surveyId}/invitations`).set(api()).send(body as object);
const queuedFor = (surveyId: string) => t.db.query(
  `SELECT lower(c.email) AS email, i.status, i.channel FROM invitations i JOIN contacts c ON c.id = i.contact_id WHERE i.survey_id = $1 ORDER BY 1`, [surveyId]);
const count = async (sql: string, params: unknown[] = []) => Number((await t.db.query(sql, params))[0].n);

describe('POST /api/v1/surveys/:id/invitations', () => {
  test('reports each skipped address with the first reason that applies, in the order of the request', async () => {
    const other = (await makeSurvey(t)).id;
    const survey = (await makeSurvey(t)).id;
    await makeContact(t, 'unsub@example.com', { unsubscribed: true });
    await makeInvitation(t, other, await makeContact(t, 'recent@example.com'), { daysAgo: 5 });
    await makeInvitation(t, other, await makeContact(t, 'old@example.com'), { daysAgo: 40 });
    await makeInvitation(t, other, await makeContact(t, 'bounced@example.com'), { daysAgo: 2, status: 'failed' });

    const res = await send(survey, { emails: [
      'new@example.com', 'not-an-email', 'UNSUB@example.com', 'recent@example.com', ' New@Example.com ',
      'unsub@example.com', 'recent@example.com', 'not-an-email', 'old@example.com', 'bounced@example.com', '',
    ] });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      queued: 3,
      skipped: [
        { email: 'not-an-email', reason: 'invalid' },
        { email: 'UNSUB@example.com', reason: 'unsubscribed' },
        { email: 'recent@example.com', reason: 'throttled' },
        { email: 'New@Example.com', reason: 'duplicate' },
        { email: 'unsub@example.com', reason: 'unsubscribed' },
        { email: 'recent@example.com', reason: 'duplicate' },
        { email: 'not-an-email', reason: 'invalid' },
        { email: '', reason: 'invalid' },
      ],
    });
    expect(await queuedFor(survey)).toEqual([
      { email: 'bounced@example.com', status: 'queued', channel: 'email' },
      { email: 'new@example.com', status: 'queued', channel: 'email' },
      { email: 'old@example.com', status: 'queued', channel: 'email' },
    ]);
    // An unknown address becomes a contact; an invalid one does not.
    expect(await count(`SELECT count(*) AS n FROM contacts WHERE lower(email) = 'new@example.com'`)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM contacts WHERE email = 'not-an-email'`)).toBe(0);
    // Each invitation has its own unguessable token and a job waiting in the queue.
    const tokens = await t.db.query(`SELECT token FROM invitations WHERE survey_id = $1`, [survey]);
    for (const { token } of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await count(`SELECT count(*) AS n FROM pgboss.job j JOIN invitations i ON i.id::text = j.data->>'invitationId' WHERE i.survey_id = $1`, [survey])).toBe(3);
  });

  test('the recontact window is the survey\'s override, else the settings\'; it counts invitations to any survey', async () => {
    const first = (await makeSurvey(t)).id;
    const id = await makeContact(t, 'window@example.com');
    await makeInvitation(t, first, id, { daysAgo: 5 });
    const strict = (await makeSurvey(t)).id;
    expect((await send(strict, { emails: ['window@example.com'] })).body).toEqual({ queued: 0, skipped: [{ email: 'window@example.com', reason: 'throttled' }] });
    const lenient = (await makeSurvey(t, { recontactDays: 3 })).id;
    expect((await send(lenient, { emails: ['window@example.com'] })).body).toEqual({ queued: 1, skipped: [] });
    // Just invited (to `lenient`): now throttled everywhere, even for the 3-day survey.
    expect((await send(lenient, { emails: ['window@example.com'] })).body.skipped).toEqual([{ email: 'window@example.com', reason: 'throttled' }]);

    await t.db.query(`UPDATE settings SET recontact_days = 0`);
    try {
      const anytime = (await makeSurvey(t)).id;
      expect((await send(anytime, { emails: ['window@example.com'] })).body).toEqual({ queued: 1, skipped: [] });
    } finally {
      await t.db.query(`UPDATE settings SET recontact_days = 30`);
    }
  });

  test('contacts are created or updated on the fly, as from a shop\'s "order delivered" hook', async () => {
    const survey = (await makeSurvey(t)).id;
    await makeContact(t, 'known@example.com', { attributes: { plan: 'basic' }, locale: 'vi' });
    await makeContact(t, 'gone@example.com', { unsubscribed: true });
    const res = await send(survey, { contacts: [
      { email: 'Hook@Example.com', name: 'Trần Thị B', locale: 'en', attributes: { order: 'A-17', vip: true } },
      { email: 'known@example.com', name: 'Known', locale: 'en', attributes: { region: 'south' } },
      { email: 'gone@example.com', name: 'Gone' },
      { email: 'broken@', name: 'Nobody' },
    ] });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ queued: 2, skipped: [{ email: 'gone@example.com', reason: 'unsubscribed' }, { email: 'broken@', reason: 'invalid' }] });
    const rows = await t.db.query(`SELECT email, name, locale, attributes, unsubscribed_at IS NOT NULL AS unsub FROM contacts WHERE email IN ('Hook@Example.com', 'known@example.com', 'gone@example.com') ORDER BY email`);
    expect(rows).toEqual([
      { email: 'Hook@Example.com', name: 'Trần Thị B', locale: 'en', attributes: { order: 'A-17', vip: true }, unsub: false },
      { email: 'gone@example.com', name: 'Gone', locale: 'vi', attributes: {}, unsub: true },
      { email: 'known@example.com', name: 'Known', locale: 'en', attributes: { plan: 'basic', region: 'south' }, unsub: false },
    ]);
  });

  test('a segment with a random sample: the sample is drawn from those who can be invited now', async () => {
    await t.db.query(`UPDATE settings SET recontact_days = 30`);
    const other = (await makeSurvey(t)).id;
    for (let i = 0; i < 20; i++) await makeContact(t, `gold${String(i).padStart(2, '0')}@seg.test`, { attributes: { plan: 'gold', tier: 2 } });
    for (let i = 0; i < 10; i++) await makeContact(t, `silver${i}@seg.test`, { attributes: { plan: 'silver' } });
    await makeContact(t, 'gold-unsub@seg.test', { attributes: { plan: 'gold' }, unsubscribed: true });
    await makeInvitation(t, other, await makeContact(t, 'gold-recent@seg.test', { attributes: { plan: 'gold' } }), { daysAgo: 1 });

    const all = (await makeSurvey(t)).id;
    const res = await send(all, { segment: { plan: 'gold' } });
    expect(res.body).toEqual({ queued: 20, skipped: [
      { email: 'gold-recent@seg.test', reason: 'throttled' },
      { email: 'gold-unsub@seg.test', reason: 'unsubscribed' },
    ] });
    expect((await queuedFor(all)).every((r: { email: string }) => /^gold\d\d@seg\.test$/.test(r.email))).toBe(true);

    const sampled = (await makeSurvey(t)).id;
    const half = await send(sampled, { segment: { plan: 'silver' }, sample: 0.5 });
    expect(half.body.queued).toBe(5);
    expect(new Set((await queuedFor(sampled)).map((r: { email: string }) => r.email)).size).toBe(5);

    // Values match the attribute's text form: the number 2 matches "2".
    await t.db.query(`UPDATE settings SET recontact_days = 0`);
    try {
      expect((await send((await makeSurvey(t)).id, { segment: { tier: '2' } })).body.queued).toBe(20);
      expect((await send((await makeSurvey(t)).id, { segment: { tier: 2, plan: 'gold' } })).body.queued).toBe(20);
      expect((await send((await makeSurvey(t)).id, { segment: { plan: 'gold' }, sample: 0 })).body.queued).toBe(0);
    } finally {
      await t.db.query(`UPDATE settings SET recontact_days = 30`);
    }
  });

  test('concurrent requests for one contact create one invitation', async () => {
    const survey = (await makeSurvey(t)).id;
    const results = await Promise.all(Array.from({ length: 6 }, () => send(survey, { emails: ['race@example.com'] })));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(202));
    expect(results.reduce((sum, r) => sum + r.body.queued, 0)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM invitations i JOIN contacts c ON c.id = i.contact_id WHERE c.email = 'race@example.com'`)).toBe(1);
  });

  test('only an active survey can be sent: draft and closed get 409, an unknown survey 404, and nothing is stored', async () => {
    const draft = (await makeSurvey(t, { status: 'draft' })).id;
    const closed = (await makeSurvey(t, { status: 'closed' })).id;
    for (const id of [draft, closed]) {
      const res = await send(id, { emails: ['never-created@example.com'] });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('survey_not_active');
    }
    expect((await send('00000000-0000-4000-8000-000000000000', { emails: ['a@example.com'] })).status).toBe(404);
    expect((await send('not-a-uuid', { emails: ['a@example.com'] })).status).toBe(404);
    expect(await count(`SELECT count(*) AS n FROM contacts WHERE email = 'never-created@example.com'`)).toBe(0);
  });

  test('a malformed body is a 400 naming the problem, and nothing is stored', async () => {
    const survey = (await makeSurvey(t)).id;
    const before = await count(`SELECT count(*) AS n FROM contacts`);
    const bodies: unknown[] = [
      {},
      { emails: [] },
      { emails: ['a@example.com'], segment: {} },
      { emails: ['a@example.com'], sample: 0.5 },
      { segment: {}, sample: 1.5 },
      { emails: [123] },
      { emails: 'a@example.com' },
      { contacts: [{ email: 'a@example.com', locale: 'fr' }] },
      { contacts: [{ email: 'a@example.com', attributes: { 'bad key': 1 } }] },
      { emails: ['a@example.com'], unknown: true },
      { emails: Array.from({ length: 1001 }, (_, i) => `bulk${i}@example.com`) },
      { segment: { 'a b': 'x' } },
      [],
    ];
    for (const body of bodies) {
      const res = await send(survey, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.length).toBeGreaterThan(0);
    }
    expect(await count(`SELECT count(*) AS n FROM contacts`)).toBe(before);
    expect(await count(`SELECT count(*) AS n FROM invitations WHERE survey_id = $1`, [survey])).toBe(0);
  });

  test('needs an API key', async () => {
    const survey = (await makeSurvey(t)).id;
    const res = await request(t.app).post(`/api/v1/surveys/${survey}/invitations`).send({ emails: ['a@example.com'] });
    expect(res.status).toBe(401);
  });
});
