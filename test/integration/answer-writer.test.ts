import crypto from 'node:crypto';
import { DomainError } from '../../src/domain-error';
import { answerWriter, recordResponse, type RecordResponseInput } from '../../src/modules/responses';
import { startTestApp, type TestApp } from '../helpers/app';
import { makeContact, makeInvitedContact, makeSurvey } from '../helpers/factories';
import { verifyRollups } from '../../src/modules/metrics';

let t: TestApp;
let npsId: string;
let otherId: string;

beforeAll(async () => {
  t = await startTestApp();
  npsId = (await makeSurvey(t, { kind: 'nps' })).id;
  otherId = (await makeSurvey(t, { kind: 'csat' })).id;
});
afterAll(() => t.close());

const key = () => crypto.randomBytes(16).toString('base64url');
const link = (score: number, extra: Partial<RecordResponseInput> = {}): RecordResponseInput => ({
  surveyId: npsId, kind: 'nps', score, comment: `c${score}`, channel: 'link', locale: 'vi', submissionKey: key(), ...extra,
});
const count = async (sql: string, params: unknown[] = []) => Number((await t.db.query(sql, params))[0].n);

test('concurrent answers go in a few statements, each request gets its own row', async () => {
  const writer = answerWriter(t.db);
  const before = { ...writer.stats };
  const inputs = Array.from({ length: 300 }, (_, i) => link(i % 11));
  const results = await Promise.all(inputs.map((x) => recordResponse(t.db, x)));
  expect(new Set(results.map((r) => r.id)).size).toBe(300);
  expect(results.every((r) => r.created)).toBe(true);
  const batches = writer.stats.batches - before.batches;
  expect(batches).toBeLessThan(30);
  expect(writer.stats.largestBatch).toBeGreaterThan(10);
  // Each id is the row of that request's own answer.
  const rows: Array<{ id: string; submission_key: string; score: number }> = await t.db.query(
    `SELECT id::text, submission_key, score FROM responses WHERE id = ANY($1::bigint[])`, [results.map((r) => r.id)]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  inputs.forEach((x, i) => {
    expect(byId.get(results[i].id)).toEqual({ id: results[i].id, submission_key: x.submissionKey, score: x.score });
  });
  // Every detractor answer opened one follow-up, and no other did.
  expect(await count(`SELECT count(*) AS n FROM follow_ups WHERE response_id = ANY($1::bigint[])`, [results.map((r) => r.id)]))
    .toBe(inputs.filter((x) => x.score <= 6).length);
  const report = await verifyRollups(t.db);
  expect(Object.values(report.differenceCounts).reduce((a, b) => a + b, 0)).toBe(0);
});

test('the same one-time key twice at once: one answer, updated by the second post, as one after the other', async () => {
  const k = key();
  const [first, second] = await Promise.all([recordResponse(t.db, link(9, { submissionKey: k })), recordResponse(t.db, link(3, { submissionKey: k }))]);
  expect(first.id).toBe(second.id);
  expect([first.created, second.created]).toEqual([true, false]);
  expect(await t.db.query(`SELECT score FROM responses WHERE submission_key = $1`, [k])).toEqual([{ score: 3 }]);
  // The detractor update opened the follow-up.
  expect(await count(`SELECT count(*) AS n FROM follow_ups WHERE response_id = $1`, [first.id])).toBe(1);
});

test('a bad answer fails alone: a deleted survey, a key of another survey, a contact gone', async () => {
  const taken = key();
  await recordResponse(t.db, { ...link(8), surveyId: otherId, kind: 'csat', score: 4, submissionKey: taken });
  const goneContact = await makeContact(t, `gone-${key()}@example.com`);
  await t.db.query(`DELETE FROM contacts WHERE id = $1`, [goneContact]);
  const good = Array.from({ length: 20 }, (_, i) => link(i % 11));
  const settled = await Promise.allSettled([
    ...good.map((x) => recordResponse(t.db, x)),
    recordResponse(t.db, link(5, { surveyId: crypto.randomUUID() })),
    recordResponse(t.db, link(5, { submissionKey: taken })),
    recordResponse(t.db, { ...link(5), channel: 'api', submissionKey: null, contactId: goneContact }),
  ]);
  expect(settled.slice(0, 20).every((s) => s.status === 'fulfilled')).toBe(true);
  const reasons = settled.slice(20).map((s) => (s.status === 'rejected' ? (s.reason as DomainError).kind : 'stored'));
  expect(reasons).toEqual(['not_found', 'conflict', 'not_found']);
  expect(await count(`SELECT count(*) AS n FROM responses WHERE submission_key = ANY($1)`, [good.map((x) => x.submissionKey)])).toBe(20);
  // The other survey's answer is unchanged.
  expect(await t.db.query(`SELECT score, survey_id FROM responses WHERE submission_key = $1`, [taken])).toEqual([{ score: 4, survey_id: otherId }]);
});

test('invitation answers: responded_at set, a second answer updates the same row, a detractor opens one follow-up', async () => {
  const invited = await Promise.all(Array.from({ length: 10 }, () => makeInvitedContact(t, npsId)));
  const answers = await Promise.all(invited.map((inv, i) => recordResponse(t.db, {
    surveyId: npsId, kind: 'nps', score: i, comment: null, channel: 'email', locale: 'en', contactId: inv.contactId, invitationId: inv.id,
    submissionKey: key(),
  })));
  expect(answers.every((a) => a.created)).toBe(true);
  const again = await Promise.all(invited.map((inv) => recordResponse(t.db, {
    surveyId: npsId, kind: 'nps', score: 2, comment: 'again', channel: 'email', locale: 'en', contactId: inv.contactId, invitationId: inv.id,
  })));
  expect(again.map((a) => a.id)).toEqual(answers.map((a) => a.id));
  expect(again.every((a) => !a.created)).toBe(true);
  const rows: Array<{ score: number; responded: boolean; key: string | null }> = await t.db.query(
    `SELECT r.score, i.responded_at IS NOT NULL AS responded, r.submission_key AS key FROM invitations i JOIN responses r ON r.invitation_id = i.id WHERE i.id = ANY($1::uuid[])`,
    [invited.map((i) => i.id)]);
  expect(rows).toHaveLength(10);
  expect(rows.every((r) => r.score === 2 && r.responded && r.key === null)).toBe(true);
  expect(await count(`SELECT count(*) AS n FROM follow_ups WHERE response_id = ANY($1::bigint[])`, [answers.map((a) => a.id)])).toBe(10);
});

test('inside a transaction an answer is written at once, as part of it', async () => {
  const k = key();
  await t.db.transaction(async (tx) => {
    await recordResponse(tx, link(10, { submissionKey: k }));
    throw new DomainError('invalid', 'roll back');
  }).catch(() => undefined);
  expect(await count(`SELECT count(*) AS n FROM responses WHERE submission_key = $1`, [k])).toBe(0);
});
