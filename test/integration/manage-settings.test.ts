import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { answer, makeSurvey } from '../helpers/factories';
import { loginAs, type Agent } from '../helpers/login';
import { verifyRollups } from '../../src/modules/metrics/rollup';

let t: TestApp;
let admin: Agent & { csrf: string; email: string };

beforeAll(async () => {
  t = await startTestApp();
  admin = await loginAs(t, 'admin', { locale: 'en' });
});
afterAll(async () => { await t.close(); });

const VALID = {
  brand: 'Cà phê Sáng', time_zone: 'Asia/Ho_Chi_Minh', default_locale: 'vi', recontact_days: '30', reminder_days: '3',
  digest_weekday: '1', digest_hour: '8', digest_recipients: '',
};

async function settingsRow() {
  const [row] = await t.db.query(`SELECT brand, time_zone, default_locale, recontact_days, reminder_days, digest_weekday, digest_hour, digest_recipients FROM settings`);
  return row;
}

describe('settings', () => {
  test('only admins reach the page', async () => {
    const editor = await loginAs(t, 'editor');
    const viewer = await loginAs(t, 'viewer');
    expect((await editor.get('/manage/settings')).status).toBe(403);
    expect((await viewer.get('/manage/settings')).status).toBe(403);
    expect((await editor.post('/manage/settings').type('form').send({ ...VALID, _csrf: editor.csrf, brand: 'Hijacked' })).status).toBe(403);
    expect((await settingsRow()).brand).toBe('Touchpoint');
    const page = await admin.get('/manage/settings');
    expect(page.status).toBe(200);
    expect(page.text).toContain('value="Asia/Ho_Chi_Minh"');
    expect(page.text).toContain('<option value="Europe/Paris">');
  });

  test('saves every field; recipients are trimmed and deduplicated; the page shows them back', async () => {
    const res = await admin.post('/manage/settings').type('form').send({
      ...VALID, _csrf: admin.csrf, brand: '  Cà phê Sáng  ', default_locale: 'en', recontact_days: '45', reminder_days: '0',
      digest_weekday: '5', digest_hour: '17', digest_recipients: 'ceo@example.vn\r\n  cx@example.com \r\n\r\nCEO@example.vn',
    });
    expect(res.status).toBe(303);
    expect(await settingsRow()).toEqual({
      brand: 'Cà phê Sáng', time_zone: 'Asia/Ho_Chi_Minh', default_locale: 'en', recontact_days: 45, reminder_days: 0,
      digest_weekday: 5, digest_hour: 17, digest_recipients: ['ceo@example.vn', 'cx@example.com'],
    });
    const page = await admin.get('/manage/settings');
    expect(page.text).toContain('Saved.');
    expect(page.text).toContain('ceo@example.vn\ncx@example.com</textarea>');
    expect(page.text).toMatch(/<option value="5" selected>Friday<\/option>/);
    expect(page.text).toMatch(/<option value="17" selected>17:00<\/option>/);
  });

  test('bad input is refused with a 400 and a message per field; nothing changes', async () => {
    const before = await settingsRow();
    const res = await admin.post('/manage/settings').type('form').send({
      _csrf: admin.csrf, brand: '', time_zone: 'Asia/Ho_Chi_Minh', default_locale: 'fr', recontact_days: '366', reminder_days: '61',
      digest_weekday: '8', digest_hour: '24', digest_recipients: 'ok@example.com\nnot-an-email',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('This field is required.');
    expect(res.text).toContain('Enter a whole number from 0 to 365.');
    expect(res.text).toContain('Enter a whole number from 0 to 60.');
    expect(res.text).toContain('Enter a whole number from 0 to 23.');
    expect(res.text).toContain('These addresses are not valid: not-an-email');
    expect(res.text).toContain('value="366"');
    for (const zone of ['Mars/Olympus', '+07:00', 'Asia/Ho_Chi_Minh; DROP TABLE settings', '']) {
      const bad = await admin.post('/manage/settings').type('form').send({ ...VALID, _csrf: admin.csrf, time_zone: zone });
      expect(bad.status).toBe(400);
      expect(bad.text).toMatch(/Unknown time zone|This field is required/);
    }
    const many = Array.from({ length: 51 }, (_, i) => `r${i}@example.com`).join('\n');
    const tooMany = await admin.post('/manage/settings').type('form').send({ ...VALID, _csrf: admin.csrf, digest_recipients: many });
    expect(tooMany.status).toBe(400);
    expect(tooMany.text).toContain('At most 50 addresses.');
    expect(await settingsRow()).toEqual(before);
  });

  test('the brand is escaped on the page', async () => {
    await admin.post('/manage/settings').type('form').send({ ...VALID, _csrf: admin.csrf, brand: '<script>alert(1)</script>' }).expect(303);
    const page = await admin.get('/manage/settings');
    expect(page.text).not.toContain('<script>alert(1)</script>');
    expect(page.text).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
    await admin.post('/manage/settings').type('form').send({ ...VALID, _csrf: admin.csrf }).expect(303);
  });

  test('a time zone is stored under its canonical name', async () => {
    await admin.post('/manage/settings').type('form').send({ ...VALID, _csrf: admin.csrf, time_zone: 'europe/paris' }).expect(303);
    expect((await settingsRow()).time_zone).toBe('Europe/Paris');
    await admin.post('/manage/settings').type('form').send({ ...VALID, _csrf: admin.csrf }).expect(303);
  });
});

describe('changing the time zone rebuilds the daily rollup', () => {
  const auth = () => ({ Authorization: `Bearer ${t.apiKey}` });
  const dayCount = async (day: string): Promise<number> => {
    const res = await request(t.app).get(`/api/v1/metrics?kind=nps&by=overall&from=${day}&to=${day}`).set(auth()).expect(200);
    return res.body.groups[0].n;
  };

  test('metrics by day follow the new zone, for old answers and new ones', async () => {
    const survey = await makeSurvey(t, { kind: 'nps', title: 'Zone NPS' });
    // 20:00 UTC on 1 March is 03:00 on 2 March in Ho Chi Minh City, but noon on 1 March in Los Angeles.
    await answer(t, survey.id, { score: 9, answeredAt: '2025-03-01T20:00:00Z' });
    await answer(t, survey.id, { score: 3, answeredAt: '2025-03-01T10:00:00Z' });
    expect([await dayCount('2025-03-01'), await dayCount('2025-03-02')]).toEqual([1, 1]);

    const res = await admin.post('/manage/settings').type('form').send({ ...VALID, _csrf: admin.csrf, time_zone: 'America/Los_Angeles' });
    expect(res.status).toBe(303);
    expect((await admin.get('/manage/settings')).text).toContain('Daily figures were recomputed for the time zone America/Los_Angeles.');
    expect([await dayCount('2025-03-01'), await dayCount('2025-03-02')]).toEqual([2, 0]);
    // Every rollup (daily, and the coarser ones the dashboard reads) matches a recount of the raw answers.
    expect(Object.values((await verifyRollups(t.db)).differenceCounts).every((n) => n === 0)).toBe(true);
    const rollup = await t.db.query(`SELECT day::text, score, count FROM response_daily ORDER BY score`);
    expect(rollup).toEqual([{ day: '2025-03-01', score: 3, count: 1 }, { day: '2025-03-01', score: 9, count: 1 }]);
    expect(await t.db.query(`SELECT count(*)::int AS n FROM response_rollup_delta`)).toEqual([{ n: 0 }]);

    // An answer after the switch lands on its day in the new zone (07:00 UTC on 2 March = 23:00 on 1 March there).
    await answer(t, survey.id, { score: 10, answeredAt: '2025-03-02T07:00:00Z' });
    expect([await dayCount('2025-03-01'), await dayCount('2025-03-02')]).toEqual([3, 0]);

    await admin.post('/manage/settings').type('form').send({ ...VALID, _csrf: admin.csrf, time_zone: 'Asia/Ho_Chi_Minh' }).expect(303);
    expect([await dayCount('2025-03-01'), await dayCount('2025-03-02')]).toEqual([1, 2]);
    expect(Object.values((await verifyRollups(t.db)).differenceCounts).every((n) => n === 0)).toBe(true);
    const [{ total }] = await t.db.query(
      `SELECT ((SELECT coalesce(sum(count), 0) FROM response_daily) + (SELECT coalesce(sum(n), 0) FROM response_rollup_delta))::int AS total`);
    expect(total).toBe(3);
  });

  test('saving other settings leaves the rollup alone', async () => {
    // A marker row that only a rebuild would remove.
    const [{ id }] = await t.db.query(`SELECT id FROM surveys LIMIT 1`);
    await t.db.query(`INSERT INTO response_daily (survey_id, day, channel, score, count) VALUES ($1, '2000-01-01', 'api', 5, 0)`, [id]);
    const before = await t.db.query(`SELECT * FROM response_daily ORDER BY day, score`);
    await admin.post('/manage/settings').type('form').send({ ...VALID, _csrf: admin.csrf, brand: 'Another brand' }).expect(303);
    expect(await t.db.query(`SELECT * FROM response_daily ORDER BY day, score`)).toEqual(before);
  });
});
