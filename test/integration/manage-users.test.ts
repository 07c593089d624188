import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { makeTouchpoint } from '../helpers/factories';
import { csrfFrom, loginAs, type Agent } from '../helpers/login';

let t: TestApp;
let admin: Agent & { csrf: string; email: string };

beforeAll(async () => {
  t = await startTestApp();
  admin = await loginAs(t, 'admin', { locale: 'en' });
});
afterAll(async () => { await t.close(); });

const userId = async (email: string): Promise<string> => (await t.db.query(`SELECT id FROM users WHERE lower(email) = lower($1)`, [email]))[0].id;
const roleOf = async (email: string): Promise<string> => (await t.db.query(`SELECT role FROM users WHERE lower(email) = lower($1)`, [email]))[0].role;
const userCount = async (): Promise<number> => (await t.db.query(`SELECT count(*)::int AS n FROM users`))[0].n;

/** Logs in through the real form with a password, as a colleague given it would. */
async function logIn(email: string, password: string): Promise<number> {
  const agent = request.agent(t.app);
  const page = await agent.get('/login');
  return (await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), email, password })).status;
}

describe('users', () => {
  test('the list shows every user with their role; only admins reach it', async () => {
    const page = await admin.get('/manage/users');
    expect(page.status).toBe(200);
    expect(page.text).toContain(admin.email);
    expect(page.text).toMatch(/<option value="admin" selected>Admin<\/option>/);
    const editor = await loginAs(t, 'editor');
    expect((await editor.get('/manage/users')).status).toBe(403);
    expect((await editor.get('/manage/users/new')).status).toBe(403);
    const before = await userCount();
    expect((await editor.post('/manage/users').type('form').send({ _csrf: editor.csrf, email: 'x@example.com', role: 'admin', password: '' })).status).toBe(403);
    expect(await userCount()).toBe(before);
  });

  test('invite with a generated password: shown once, never cached, and it works for logging in', async () => {
    const form = await admin.get('/manage/users/new');
    expect(form.status).toBe(200);
    const res = await admin.post('/manage/users').type('form').send({ _csrf: admin.csrf, email: 'Lan@Example.vn', name: 'Lan', role: 'editor', password: '' });
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const password = /id="new-password"[^>]*value="([^"]+)"/.exec(res.text)?.[1];
    expect(password).toBeDefined();
    expect(password!.length).toBeGreaterThanOrEqual(10);
    expect(await roleOf('lan@example.vn')).toBe('editor');
    expect(await logIn('lan@example.vn', password!)).toBe(303);
    const list = await admin.get('/manage/users');
    expect(list.text).toContain('Lan@Example.vn');
    expect(list.text).not.toContain(password!);
  });

  test('invite with a typed password: it is not shown back', async () => {
    const res = await admin.post('/manage/users').type('form').send({ _csrf: admin.csrf, email: 'minh@example.vn', name: '', role: 'viewer', password: 'một mật khẩu dài' });
    expect(res.status).toBe(201);
    expect(res.text).not.toContain('một mật khẩu dài');
    expect(res.text).toContain('Pass the password you typed on');
    expect(await logIn('minh@example.vn', 'một mật khẩu dài')).toBe(303);
  });

  test('bad input: 400 with field messages, nothing stored, the password never echoed', async () => {
    const before = await userCount();
    const res = await admin.post('/manage/users').type('form').send({ _csrf: admin.csrf, email: 'not-an-email', name: 'x'.repeat(201), role: 'owner', password: 'short' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('This is not a valid email address.');
    expect(res.text).toContain('At most 200 characters.');
    expect(res.text).toContain('At least 10 characters.');
    expect(res.text).toContain('Please choose one of the options.');
    expect(res.text).toContain('value="not-an-email"');
    expect(res.text).not.toContain('value="short"');
    const dup = await admin.post('/manage/users').type('form').send({ _csrf: admin.csrf, email: 'LAN@example.vn', role: 'viewer', password: '' });
    expect(dup.status).toBe(400);
    expect(dup.text).toContain('A user with this email already exists.');
    expect(await userCount()).toBe(before);
  });

  test('names and emails are escaped', async () => {
    await admin.post('/manage/users').type('form').send({ _csrf: admin.csrf, email: 'xss@example.com', name: '<script>alert(1)</script>', role: 'viewer', password: '' }).expect(201);
    const list = await admin.get('/manage/users');
    expect(list.text).not.toContain('<script>alert(1)</script>');
    expect(list.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  test('change a role; the new role applies at once', async () => {
    const res = await admin.post(`/manage/users/${await userId('minh@example.vn')}/role`).type('form').send({ _csrf: admin.csrf, role: 'editor' });
    expect(res.status).toBe(303);
    expect(await roleOf('minh@example.vn')).toBe('editor');
    const bad = await admin.post(`/manage/users/${await userId('minh@example.vn')}/role`).type('form').send({ _csrf: admin.csrf, role: 'owner' });
    expect(bad.status).toBe(400);
    expect(await roleOf('minh@example.vn')).toBe('editor');
    expect((await admin.post('/manage/users/00000000-0000-4000-8000-000000000000/role').type('form').send({ _csrf: admin.csrf, role: 'viewer' })).status).toBe(404);
    expect((await admin.post('/manage/users/nope/role').type('form').send({ _csrf: admin.csrf, role: 'viewer' })).status).toBe(404);
  });

  test('the last admin cannot be demoted; with a second admin, an admin can step down', async () => {
    const me = await userId(admin.email);
    const refused = await admin.post(`/manage/users/${me}/role`).type('form').send({ _csrf: admin.csrf, role: 'viewer' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('There must always be at least one admin.');
    expect(await roleOf(admin.email)).toBe('admin');

    const second = await loginAs(t, 'admin');
    const stepDown = await second.post(`/manage/users/${await userId(second.email)}/role`).type('form').send({ _csrf: second.csrf, role: 'editor' });
    expect(stepDown.status).toBe(303);
    expect(stepDown.headers.location).toBe('/overview');
    expect(await roleOf(second.email)).toBe('editor');
    expect((await second.get('/manage/users')).status).toBe(403);
    expect(await t.db.query(`SELECT email FROM users WHERE role = 'admin'`)).toEqual([{ email: admin.email }]);
  });

  test('delete a colleague (their touchpoints lose the owner); never yourself', async () => {
    const lan = await userId('lan@example.vn');
    await makeTouchpoint(t, { key: 'store-q1', stageKey: 'decision', name: { vi: 'Cửa hàng Q1', en: 'Store Q1' }, channel: 'store', ownerEmail: 'lan@example.vn' });
    const res = await admin.post(`/manage/users/${lan}/delete`).type('form').send({ _csrf: admin.csrf });
    expect(res.status).toBe(303);
    expect(await t.db.query(`SELECT id FROM users WHERE id = $1`, [lan])).toEqual([]);
    expect((await t.db.query(`SELECT owner_user_id FROM touchpoints WHERE key = 'store-q1'`))[0].owner_user_id).toBeNull();
    expect(await logIn('lan@example.vn', 'anything at all')).toBe(401);

    const me = await userId(admin.email);
    const self = await admin.post(`/manage/users/${me}/delete`).type('form').send({ _csrf: admin.csrf });
    expect(self.status).toBe(409);
    expect(self.text).toContain('You cannot delete your own account.');
    expect(await userId(admin.email)).toBe(me);
    expect((await admin.post(`/manage/users/${lan}/delete`).type('form').send({ _csrf: admin.csrf })).status).toBe(404);
  });

  test('a deleted colleague is logged out at once', async () => {
    const other = await loginAs(t, 'admin');
    expect((await other.get('/manage/users')).status).toBe(200);
    await admin.post(`/manage/users/${await userId(other.email)}/delete`).type('form').send({ _csrf: admin.csrf }).expect(303);
    const after = await other.get('/manage/users');
    expect(after.status).toBe(303);
    expect(after.headers.location).toMatch(/^\/login/);
    expect(await t.db.query(`SELECT email FROM users WHERE role = 'admin'`)).toEqual([{ email: admin.email }]);
  });
});

describe('API keys', () => {
  test('create: the key is shown once, works for the API, and is never shown again', async () => {
    const page = await admin.get('/manage/api-keys');
    expect(page.status).toBe(200);
    const res = await admin.post('/manage/api-keys').type('form').send({ _csrf: admin.csrf, name: 'Online shop' });
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const key = /id="new-key"[^>]*value="(tp_[^"]+)"/.exec(res.text)?.[1];
    expect(key).toBeDefined();
    expect((await request(t.app).get('/api/v1/stages').set('Authorization', `Bearer ${key}`)).status).toBe(200);

    const list = await admin.get('/manage/api-keys');
    expect(list.text).toContain('Online shop');
    expect(list.text).toContain(key!.slice(0, 10));
    expect(list.text).not.toContain(key!);
    expect(list.text).not.toContain(key!.slice(0, 16));
    const [row] = await t.db.query(`SELECT key_hash FROM api_keys WHERE name = 'Online shop'`);
    expect(row.key_hash).not.toContain(key!.slice(3));
  });

  test('the list shows when a key was last used', async () => {
    const list = await admin.get('/manage/api-keys');
    const row = /<tr>\s*<td>Online shop[\s\S]*?<\/tr>/.exec(list.text)?.[0] ?? '';
    expect(row).not.toContain('Never');
    expect(row).toMatch(/\d{4}, \d{2}:\d{2}/);
  });

  test('revoke: the API refuses the key at once; the list marks it revoked', async () => {
    const res = await admin.post('/manage/api-keys').type('form').send({ _csrf: admin.csrf, name: 'CRM' });
    const key = /id="new-key"[^>]*value="(tp_[^"]+)"/.exec(res.text)![1];
    const [{ id }] = await t.db.query(`SELECT id FROM api_keys WHERE name = 'CRM'`);
    const revoke = await admin.post(`/manage/api-keys/${id}/revoke`).type('form').send({ _csrf: admin.csrf });
    expect(revoke.status).toBe(303);
    expect((await request(t.app).get('/api/v1/stages').set('Authorization', `Bearer ${key}`)).status).toBe(401);
    const list = await admin.get('/manage/api-keys');
    expect(list.text).toContain('The key “CRM” was revoked.');
    expect(list.text).toMatch(/Revoked \d/);
    expect((await admin.post('/manage/api-keys/00000000-0000-4000-8000-000000000000/revoke').type('form').send({ _csrf: admin.csrf })).status).toBe(404);
  });

  test('bad names are refused, names are escaped, and only admins manage keys', async () => {
    const before = (await t.db.query(`SELECT count(*)::int AS n FROM api_keys`))[0].n;
    const empty = await admin.post('/manage/api-keys').type('form').send({ _csrf: admin.csrf, name: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('This field is required.');
    const long = await admin.post('/manage/api-keys').type('form').send({ _csrf: admin.csrf, name: 'k'.repeat(101) });
    expect(long.status).toBe(400);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM api_keys`))[0].n).toBe(before);
    await admin.post('/manage/api-keys').type('form').send({ _csrf: admin.csrf, name: '<img src=x onerror=alert(1)>' }).expect(201);
    expect((await admin.get('/manage/api-keys')).text).not.toContain('<img src=x');
    const editor = await loginAs(t, 'editor');
    expect((await editor.get('/manage/api-keys')).status).toBe(403);
    expect((await editor.post('/manage/api-keys').type('form').send({ _csrf: editor.csrf, name: 'sneaky' })).status).toBe(403);
    expect(await t.db.query(`SELECT id FROM api_keys WHERE name = 'sneaky'`)).toEqual([]);
  });
});
