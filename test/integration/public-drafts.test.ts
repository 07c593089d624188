import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { makeInvitedContact, makeSurvey } from '../helpers/factories';
import { loginAs } from '../helpers/login';

/**
 * A draft survey is not out yet: every public URL of it (page, thanks page, poster, QR codes, and an
 * invitation's pages) answers 404 and shows none of its wording. Closed surveys keep what they had:
 * their page is a 410, their thanks page, poster and QR codes still answer (posters hang on walls).
 */

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

const QUESTION = 'Secret launch question about the new loyalty card?';
const THANKS = 'Secret thank-you for the loyalty launch';

async function surveyWithWording(status: 'draft' | 'active' | 'closed') {
  const survey = await makeSurvey(t, { kind: 'nps', status, title: `${status} loyalty`, question: { en: QUESTION, vi: QUESTION } });
  await t.db.query(`UPDATE surveys SET thank_you_vi = $2, thank_you_en = $2 WHERE id = $1`, [survey.id, THANKS]);
  return survey;
}

const publicPaths = (id: string) => [`/s/${id}`, `/s/${id}/thanks`, `/s/${id}/poster`, `/s/${id}/poster?size=a6&lang=en`, `/s/${id}/qr.svg`, `/s/${id}/qr.png`];

test('every public URL of a draft answers 404 and shows none of its wording', async () => {
  const draft = await surveyWithWording('draft');
  for (const path of publicPaths(draft.id)) {
    const res = await request(t.app).get(path);
    expect({ path, status: res.status }).toEqual({ path, status: 404 });
    expect(res.text ?? '').not.toContain(QUESTION);
    expect(res.text ?? '').not.toContain(THANKS);
    expect(res.headers['content-type']).toContain('text/html');
  }
});

test('an invitation to a survey put back to draft answers 404 on its page and its thanks page', async () => {
  const survey = await surveyWithWording('active');
  const { token } = await makeInvitedContact(t, survey.id);
  expect((await request(t.app).get(`/i/${token}/thanks`)).status).toBe(200);
  await t.db.query(`UPDATE surveys SET status = 'draft' WHERE id = $1`, [survey.id]);
  for (const path of [`/i/${token}`, `/i/${token}/thanks`]) {
    const res = await request(t.app).get(path);
    expect({ path, status: res.status }).toEqual({ path, status: 404 });
    expect(res.text).not.toContain(THANKS);
  }
});

test('a closed survey keeps its thanks page, poster and QR codes; its page is a 410', async () => {
  const closed = await surveyWithWording('closed');
  const statuses = await Promise.all(publicPaths(closed.id).map(async (path) => [path, (await request(t.app).get(path)).status]));
  expect(statuses).toEqual([
    [`/s/${closed.id}`, 410], [`/s/${closed.id}/thanks`, 200], [`/s/${closed.id}/poster`, 200],
    [`/s/${closed.id}/poster?size=a6&lang=en`, 200], [`/s/${closed.id}/qr.svg`, 200], [`/s/${closed.id}/qr.png`, 200],
  ]);
});

test('an active survey answers on every public URL', async () => {
  const active = await surveyWithWording('active');
  for (const path of publicPaths(active.id)) expect({ path, status: (await request(t.app).get(path)).status }).toEqual({ path, status: 200 });
});

test('the dashboard page of a draft offers no QR code or poster (they would not load) and says why', async () => {
  const draft = await surveyWithWording('draft');
  const active = await surveyWithWording('active');
  const viewer = await loginAs(t, 'viewer', { locale: 'en' });
  const draftPage = (await viewer.get(`/manage/surveys/${draft.id}`).expect(200)).text;
  expect(draftPage).not.toContain(`/s/${draft.id}/qr.`);
  expect(draftPage).not.toContain(`/s/${draft.id}/poster`);
  expect(draftPage.match(/This survey is a draft/g)).toHaveLength(2);
  const activePage = (await viewer.get(`/manage/surveys/${active.id}`).expect(200)).text;
  expect(activePage).toContain(`<img src="/s/${active.id}/qr.svg"`);
  expect(activePage).toContain(`/s/${active.id}/poster?size&#x3D;a4`);
});
