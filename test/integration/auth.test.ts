import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { createUser } from '../../src/modules/auth';
import { csrfFrom, loginAs } from '../helpers/login';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });


describe('first-run setup', () => {
  test('with no user, / leads to /setup, which creates the first admin once and logs them in', async () => {
    const agent = request.agent(t.app);
    const home = await agent.get('/');
    expect(home.status).toBe(303);
    expect(home.headers.location).toBe('/setup');
    const page = await agent.get('/setup').set('Accept-Language', 'en');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Create the first admin account');
    const bad = await agent.post('/setup').type('form').send({ _csrf: csrfFrom(page.text), email: 'nope', password: 'short', brand: '' });
    expect(bad.status).toBe(400);
    expect(await t.db.query('SELECT * FROM users')).toHaveLength(0);
    const res = await agent.post('/setup').type('form').send({ _csrf: csrfFrom(page.text), email: 'Mai@Example.vn', password: 'correct horse battery', brand: 'Cà phê Sáng', name: 'Mai' });
    expect(res.status).toBe(303);
    const users = await t.db.query('SELECT email, role FROM users');
    expect(users).toEqual([{ email: 'Mai@Example.vn', role: 'admin' }]);
    expect((await t.db.query('SELECT brand FROM settings'))[0].brand).toBe('Cà phê Sáng');
  });

  test('cannot be replayed once a user exists', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get('/setup');
    expect(page.status).toBe(403);
    const login = await agent.get('/login');
    const replay = await agent.post('/setup').type('form').send({ _csrf: csrfFrom(login.text), email: 'evil@example.com', password: 'correct horse battery', brand: 'x' });
    expect(replay.status).toBe(403);
    expect(await t.db.query(`SELECT * FROM users WHERE email = 'evil@example.com'`)).toHaveLength(0);
  });
});

describe('login', () => {
  beforeAll(async () => { await createUser(t.db, { email: 'viewer@example.com', password: 'viewer password 1', role: 'viewer' }); });

  test('a wrong password is refused with a message, the right one opens a session', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get('/login').set('Accept-Language', 'en');
    const wrong = await agent.post('/login').type('form').set('Accept-Language', 'en').send({ _csrf: csrfFrom(page.text), email: 'viewer@example.com', password: 'nope nope nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('The email or password is not correct.');
    const ok = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), email: 'VIEWER@example.com', password: 'viewer password 1', next: '/manage/surveys' });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/manage/surveys');
    const rows = await t.db.query(`SELECT count(*)::int AS n FROM session`);
    expect(rows[0].n).toBeGreaterThan(0);
  });

  test('a login form without the CSRF token is refused', async () => {
    const res = await request(t.app).post('/login').type('form').send({ email: 'viewer@example.com', password: 'viewer password 1' });
    expect(res.status).toBe(403);
  });

  test('next never redirects to another site', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get('/login');
    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), email: 'viewer@example.com', password: 'viewer password 1', next: '//evil.example/' });
    expect(res.headers.location).toBe('/overview');
  });

  test('repeated failures are rate-limited', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get('/login');
    const token = csrfFrom(page.text);
    let last = 0;
    for (let i = 0; i < 11; i++) {
      last = (await agent.post('/login').type('form').send({ _csrf: token, email: 'limited@example.com', password: `guess ${i}` })).status;
    }
    expect(last).toBe(429);
  });
});

describe('loginAs helper and language switch', () => {
  test('a logged-in agent carries a token valid for its session; switching language is remembered', async () => {
    const agent = await loginAs(t, 'editor', { locale: 'en' });
    const res = await agent.post('/locale').type('form').send({ _csrf: agent.csrf, locale: 'vi', returnTo: '/setup' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/setup');
    const rows = await t.db.query(`SELECT locale FROM users WHERE email = $1`, [agent.email]);
    expect(rows[0].locale).toBe('vi');
    const page = await agent.get('/setup');
    expect(page.text).toContain('<html lang="vi">');
  });
});

test('a forbidden page keeps a logged-in viewer inside the dashboard, in their language', async () => {
  const viewer = await loginAs(t, 'viewer', { locale: 'vi' });
  await viewer.post('/locale').type('form').send({ _csrf: viewer.csrf, locale: 'vi', returnTo: '/' });
  const res = await viewer.get('/manage/settings');
  expect(res.status).toBe(403);
  expect(res.text).toContain('Bạn không có quyền thực hiện việc này.');
  expect(res.text).toContain('href="/overview"');
  expect(res.text).toContain('href="/manage/surveys"');
});
