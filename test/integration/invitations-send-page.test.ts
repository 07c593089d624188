import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { eventually } from '../helpers/eventually';
import { makeContact, makeSurvey } from '../helpers/factories';
import { csrfFrom, loginAs, type Agent } from '../helpers/login';
import { startJobs, type Jobs } from '../../src/jobs';
import { createLogger } from '../../src/logger';
import { ROUTE_RULES } from '../../src/web/dashboard-router';

let t: TestApp;
let editor: Agent & { csrf: string };
const api = () => ({ Authorization: `Bearer ${t.apiKey}` });

beforeAll(async () => {
  t = await startTestApp();
  editor = await loginAs(t, 'editor', { locale: 'en' });
});
afterAll(async () => { await t.close(); });

/** `n` contacts <prefix><i>@page.test with these attributes; the first `unsubscribed` of them unsubscribed. */
async function contacts(prefix: string, n: number, attributes: Record<string, unknown>, unsubscribed = 0) {
  for (let i = 0; i < n; i++) await makeContact(t, `${prefix}${i}@page.test`, { attributes, unsubscribed: i < unsubscribed });
}

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('/manage/surveys/:id/send', () => {
  test('choose a segment and a sample, preview the count, send, and follow the progress until it is delivered', async () => {
    const survey = (await makeSurvey(t)).id;
    await contacts('gold', 6, { plan: 'gold' }, 2);
    await contacts('silver', 3, { plan: 'silver' });

    const empty = await editor.get(`/manage/surveys/${survey}/send`);
    expect(empty.status).toBe(200);
    expect(empty.text).toContain('Send email invitations');
    expect(empty.text).toContain('No invitations sent yet.');
    expect(empty.text).not.toContain('name="batch"');

    const preview = await editor.get(`/manage/surveys/${survey}/send`).query({ audience: 'segment', attribute: 'plan', value: 'gold', sample: '50', preview: '1' });
    expect(preview.status).toBe(200);
    const counts = text(preview.text);
    expect(counts).toContain('Matching contacts 6');
    expect(counts).toContain('Unsubscribed 2');
    expect(counts).toContain('Invited in the last 30 days 0');
    expect(counts).toContain('Will be invited 2');
    expect(preview.text).toContain('Send 2 invitations');
    const batch = /name="batch" value="([0-9a-f-]{36})"/.exec(preview.text)![1];

    const form = { _csrf: csrfFrom(preview.text), audience: 'segment', attribute: 'plan', value: 'gold', sample: '50', batch };
    const sent = await editor.post(`/manage/surveys/${survey}/send`).type('form').send(form);
    expect(sent.status).toBe(303);
    expect(sent.headers.location).toBe(`/manage/surveys/${survey}/send/${batch}`);
    const waiting = await editor.get(sent.headers.location);
    expect(waiting.status).toBe(200);
    expect(waiting.text).toContain('2 invitations are queued for sending.');
    expect(waiting.text).toContain('<meta http-equiv="refresh" content="3">');
    expect(waiting.text).toContain('<progress class="inv-progress" max="2" value="0"');
    expect(text(waiting.text)).toContain('Queued 2');
    expect(waiting.text).toContain('plan &#x3D; gold · 50% sample');

    // The same form posted again (a double click, the back button) sends nothing more.
    const again = await editor.post(`/manage/surveys/${survey}/send`).type('form').send(form);
    expect(again.headers.location).toBe(`/manage/surveys/${survey}/send/${batch}`);
    const rows = await t.db.query(`SELECT c.email, i.status FROM invitations i JOIN contacts c ON c.id = i.contact_id WHERE i.survey_id = $1`, [survey]);
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r.email).toMatch(/^gold[2-5]@page\.test$/);

    const jobs: Jobs = await startJobs({ ...t, logger: createLogger('silent') }, { delivery: { pollIntervalMs: 100 } });
    try {
      await eventually(async () => text((await editor.get(sent.headers.location)).text).includes('Sent 2'), { what: 'the page to show both sent', timeoutMs: 20_000 });
    } finally {
      await jobs.stop();
    }
    const done = await editor.get(sent.headers.location);
    expect(done.text).not.toContain('http-equiv="refresh"');
    expect(done.text).toContain('Sending is complete.');
    expect(done.text).toContain('<progress class="inv-progress" max="2" value="2"');
    expect(text(done.text)).toContain('Skipped: 2 unsubscribed, 0 invited recently.');
  });

  test('shows the response rate and every permanent failure with its reason', async () => {
    const survey = (await makeSurvey(t)).id;
    await contacts('rate', 4, { cohort: 'rate' });
    await request(t.app).post(`/api/v1/surveys/${survey}/invitations`).set(api()).send({ segment: { cohort: 'rate' } });
    const invitations = await t.db.query(`SELECT i.id, i.token, i.batch_id FROM invitations i WHERE survey_id = $1 ORDER BY i.id`, [survey]);
    // Three delivered (one answered), one refused by the server for good.
    await t.db.query(`UPDATE invitations SET status = 'sent', sent_at = now() WHERE id = ANY($1)`, [invitations.slice(0, 3).map((i: { id: string }) => i.id)]);
    await t.db.query(`UPDATE invitations SET status = 'failed', error = '550 5.1.1 <rate3@page.test>: Recipient address rejected' WHERE id = $1`, [invitations[3].id]);
    expect((await request(t.app).post(`/i/${invitations[0].token}`).type('form').send({ score: '8' })).status).toBe(303);

    const page = await editor.get(`/manage/surveys/${survey}/send`);
    const visible = text(page.text);
    expect(visible).toContain('Response rate 33.3%');
    expect(visible).toContain('1 of 3 invitations ever sent for this survey were answered');
    expect(page.text).toContain('550 5.1.1 &lt;rate3@page.test&gt;: Recipient address rejected');
    expect(page.text).toMatch(/rate\d@page\.test/);

    const progress = await editor.get(`/manage/surveys/${survey}/send/${invitations[0].batch_id}`);
    expect(text(progress.text)).toContain('Failed 1');
    expect(progress.text).toContain('550 5.1.1 &lt;rate3@page.test&gt;: Recipient address rejected');
    expect(progress.text).toContain('Sending is complete.');
  });

  test('an invalid choice is shown again with messages and a 400; nothing is sent', async () => {
    const survey = (await makeSurvey(t)).id;
    const bad = await editor.get(`/manage/surveys/${survey}/send`).query({ audience: 'segment', attribute: 'bad key', value: '', sample: '500', preview: '1' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('An attribute name is letters, digits, dots, underscores or hyphens');
    expect(bad.text).toContain('Enter a value (at most 500 characters).');
    expect(bad.text).toContain('Enter a number from 1 to 100.');
    expect(bad.text).toContain('value="bad key"');
    const posted = await editor.post(`/manage/surveys/${survey}/send`).type('form')
      .send({ _csrf: editor.csrf, audience: 'everyone', sample: 'x' });
    expect(posted.status).toBe(400);
    // Sending needs the one-time id of a preview: a bare post sends nothing.
    const bare = await editor.post(`/manage/surveys/${survey}/send`).type('form').send({ _csrf: editor.csrf, audience: 'all' });
    expect(bare.status).toBe(400);
    expect(bare.text).toContain('Please fix the problems below.');
    expect(Number((await t.db.query(`SELECT count(*) AS n FROM invitation_batches WHERE survey_id = $1`, [survey]))[0].n)).toBe(0);
  });

  test('a closed survey cannot be sent (409), an unknown one is a 404, a missing CSRF token a 403', async () => {
    const closed = (await makeSurvey(t, { status: 'closed' })).id;
    const page = await editor.get(`/manage/surveys/${closed}/send`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Only an active survey can be sent.');
    expect(page.text).not.toContain('name="preview"');
    const post = await editor.post(`/manage/surveys/${closed}/send`).type('form')
      .send({ _csrf: editor.csrf, audience: 'all', batch: '11111111-1111-4111-8111-111111111111' });
    expect(post.status).toBe(409);
    expect(post.text).toContain('Only an active survey can be sent.');
    expect((await editor.get('/manage/surveys/00000000-0000-4000-8000-000000000000/send')).status).toBe(404);
    expect((await editor.get('/manage/surveys/nope/send')).status).toBe(404);
    const active = (await makeSurvey(t)).id;
    expect((await editor.post(`/manage/surveys/${active}/send`).type('form').send({ audience: 'all' })).status).toBe(403);
    expect((await editor.get(`/manage/surveys/${active}/send/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });

  test('sending needs the editor role', async () => {
    const survey = (await makeSurvey(t)).id;
    const viewer = await loginAs(t, 'viewer');
    expect((await viewer.get(`/manage/surveys/${survey}/send`)).status).toBe(403);
    expect((await viewer.post(`/manage/surveys/${survey}/send`).type('form').send({ _csrf: viewer.csrf, audience: 'all' })).status).toBe(403);
    const rules = ROUTE_RULES.filter((r) => r.path.startsWith('/manage/surveys/:id/send') || r.path.startsWith('/manage/mailbox'));
    expect(rules).toEqual(expect.arrayContaining([
      { method: 'get', path: '/manage/surveys/:id/send', role: 'editor' },
      { method: 'post', path: '/manage/surveys/:id/send', role: 'editor' },
      { method: 'get', path: '/manage/surveys/:id/send/:batchId', role: 'editor' },
      { method: 'get', path: '/manage/mailbox', role: 'admin' },
    ]));
  });
});
