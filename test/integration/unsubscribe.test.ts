import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { eventually } from '../helpers/eventually';
import { makeInvitedContact, makeSurvey } from '../helpers/factories';
import { newInvitationToken } from '../../src/modules/invitations/invitation-token';

let t: TestApp;
let surveyId: string;
const api = () => ({ Authorization: `Bearer ${t.apiKey}` });

beforeAll(async () => {
  t = await startTestApp();
  surveyId = (await makeSurvey(t, { kind: 'nps', title: 'Unsubscribe' })).id;
});
afterAll(async () => { await t.close(); });

/** A contact of that language with an invitation to the survey, sent just now. */
const invitation = (locale: 'vi' | 'en' = 'en') => makeInvitedContact(t, surveyId, { locale });

const unsubscribedAt = async (contactId: string) =>
  (await t.db.query(`SELECT unsubscribed_at FROM contacts WHERE id = $1`, [contactId]))[0].unsubscribed_at as Date | null;

describe('/u/:token', () => {
  test('a GET only shows a confirmation page with a button, in the contact\'s language', async () => {
    const inv = await invitation('vi');
    for (let i = 0; i < 3; i++) {
      const res = await request(t.app).get(`/u/${inv.token}`).set('Accept-Language', 'en');
      expect(res.status).toBe(200);
      expect(res.text).toContain('<html lang="vi">');
      expect(res.text).toContain(`Bạn không muốn nhận thêm email khảo sát từ Touchpoint tại địa chỉ ${inv.email}?`);
      expect(res.text).toContain(`<form method="post" action="/u/${inv.token}?lang&#x3D;vi">`);
      expect(res.text).toContain('<button type="submit">Hủy nhận email</button>');
      expect(res.headers['cache-control']).toBe('no-store');
    }
    expect(await request(t.app).head(`/u/${inv.token}`).then((r) => r.status)).toBe(200);
    expect(await unsubscribedAt(inv.contactId)).toBeNull();
  });

  test('the one-click POST of a mail client unsubscribes without a session or a CSRF token (RFC 8058)', async () => {
    const urlencoded = await invitation();
    const res = await request(t.app).post(`/u/${urlencoded.token}`).type('form').send('List-Unsubscribe=One-Click');
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.text).toContain(`You are unsubscribed. Touchpoint will send no more survey emails to ${urlencoded.email}.`);
    expect(await unsubscribedAt(urlencoded.contactId)).not.toBeNull();

    // RFC 8058 prefers multipart/form-data.
    const multipart = await invitation();
    const form = await request(t.app).post(`/u/${multipart.token}`).field('List-Unsubscribe', 'One-Click');
    expect(form.status).toBe(200);
    expect(await unsubscribedAt(multipart.contactId)).not.toBeNull();

    // The button of the confirmation page posts an empty form.
    const button = await invitation();
    expect((await request(t.app).post(`/u/${button.token}?lang=en`).type('form').send('')).status).toBe(200);
    expect(await unsubscribedAt(button.contactId)).not.toBeNull();
  });

  test('unsubscribing twice keeps the first time, and the page then says so', async () => {
    const inv = await invitation('en');
    await request(t.app).post(`/u/${inv.token}`).type('form').send('List-Unsubscribe=One-Click');
    const first = await unsubscribedAt(inv.contactId);
    // The second request comes in a later millisecond of the database's clock (as precise as a Date compares).
    await eventually(async () => (await t.db.query(
      `SELECT date_trunc('milliseconds', clock_timestamp()) > date_trunc('milliseconds', unsubscribed_at) AS later FROM contacts WHERE id = $1`,
      [inv.contactId]))[0].later === true, { what: 'the database clock to pass the first unsubscription' });
    await request(t.app).post(`/u/${inv.token}`).type('form').send('List-Unsubscribe=One-Click');
    expect(await unsubscribedAt(inv.contactId)).toEqual(first);
    const page = await request(t.app).get(`/u/${inv.token}`);
    expect(page.text).toContain('You are unsubscribed.');
    expect(page.text).not.toContain('<form');
  });

  test('an unknown or malformed token is a clear 404 in the browser\'s language, and changes nothing', async () => {
    for (const token of [newInvitationToken(), 'short', 'x'.repeat(200), '%00']) {
      const vi = await request(t.app).get(`/u/${token}`).set('Accept-Language', 'vi-VN');
      expect(vi.status).toBe(404);
      expect(vi.text).toContain('Liên kết hủy nhận email này không hợp lệ.');
      const en = await request(t.app).post(`/u/${token}`).set('Accept-Language', 'en-US').type('form').send('List-Unsubscribe=One-Click');
      expect(en.status).toBe(404);
      expect(en.text).toContain('This unsubscribe link is not valid.');
    }
  });

  test('an oversized body is refused with 413, and the contact stays subscribed', async () => {
    const inv = await invitation();
    const res = await request(t.app).post(`/u/${inv.token}`).type('form').send(`List-Unsubscribe=One-Click&x=${'a'.repeat(20_000)}`);
    expect(res.status).toBe(413);
    expect(await unsubscribedAt(inv.contactId)).toBeNull();
  });

  test('after unsubscribing, a new send skips the contact', async () => {
    const inv = await invitation();
    await request(t.app).post(`/u/${inv.token}`).type('form').send('List-Unsubscribe=One-Click');
    const other = await makeSurvey(t, { kind: 'csat', title: 'Later' });
    await t.db.query(`UPDATE settings SET recontact_days = 0`);
    try {
      const res = await request(t.app).post(`/api/v1/surveys/${other.id}/invitations`).set(api()).send({ emails: [inv.email] });
      expect(res.body).toEqual({ queued: 0, skipped: [{ email: inv.email, reason: 'unsubscribed' }] });
    } finally {
      await t.db.query(`UPDATE settings SET recontact_days = 30`);
    }
  });
});
