import request from 'supertest';
import { createApiKey } from '../../src/modules/auth';
import { startTestApp, type TestApp } from '../helpers/app';

/** Authentication and the error contract shared by every /api/v1 route (SPEC §7). */

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

const bearer = (key: string) => `Bearer ${key}`;

function expectApiError(res: request.Response, status: number, code?: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual({ error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) } });
  expect(res.body.error.message.length).toBeGreaterThan(0);
  if (code) expect(res.body.error.code).toBe(code);
}

async function count(table: string): Promise<number> {
  const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM ${table}`);
  return n;
}

describe('authentication', () => {
  test('no Authorization header → 401 with a WWW-Authenticate challenge', async () => {
    const res = await request(t.app).get('/api/v1/stages');
    expectApiError(res, 401, 'unauthorized');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  test.each([
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['the scheme alone', 'Bearer'],
    ['the scheme and a blank', 'Bearer    '],
    ['two tokens', 'Bearer tp_abc tp_def'],
    ['the key without a scheme', 'tp_abcdefghijklmnopqrstuvwxyz'],
  ])('malformed header (%s) → 401', async (_label, header) => {
    expectApiError(await request(t.app).get('/api/v1/stages').set('Authorization', header), 401, 'unauthorized');
  });

  test('a well-formed but unknown key → 401', async () => {
    const res = await request(t.app).get('/api/v1/stages').set('Authorization', bearer(`tp_${'x'.repeat(43)}`));
    expectApiError(res, 401, 'unauthorized');
  });

  test('a key with a wrong prefix or absurd length → 401, never 500', async () => {
    expectApiError(await request(t.app).get('/api/v1/stages').set('Authorization', bearer(t.apiKey.slice(3))), 401);
    expectApiError(await request(t.app).get('/api/v1/stages').set('Authorization', bearer(`tp_${'a'.repeat(5000)}`)), 401);
    expectApiError(await request(t.app).get('/api/v1/stages').set('Authorization', bearer(`${t.apiKey}x`)), 401);
  });

  test('a revoked key → 401, while it worked before revocation', async () => {
    const { key, apiKey } = await createApiKey(t.db, 'to revoke');
    expect((await request(t.app).get('/api/v1/stages').set('Authorization', bearer(key))).status).toBe(200);
    await t.db.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [apiKey.id]);
    expectApiError(await request(t.app).get('/api/v1/stages').set('Authorization', bearer(key)), 401, 'unauthorized');
  });

  test('a valid key works and its use is recorded', async () => {
    const { key, apiKey } = await createApiKey(t.db, 'fresh');
    const res = await request(t.app).get('/api/v1/stages').set('Authorization', bearer(key));
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(5);
    const [row] = await t.db.query(`SELECT last_used_at FROM api_keys WHERE id = $1`, [apiKey.id]);
    expect(row.last_used_at).not.toBeNull();
  });

  test('the scheme is case-insensitive', async () => {
    expect((await request(t.app).get('/api/v1/stages').set('Authorization', `bearer ${t.apiKey}`)).status).toBe(200);
  });

  test('authentication comes before everything else: unknown routes and broken bodies still get 401', async () => {
    expectApiError(await request(t.app).get('/api/v1/no-such-thing'), 401);
    const res = await request(t.app).post('/api/v1/stages').set('Content-Type', 'application/json').send('{not json');
    expectApiError(res, 401);
  });

  test('a write without a key stores nothing', async () => {
    const before = await count('stages');
    const res = await request(t.app).post('/api/v1/stages').send({ key: 'sneaky', name: { vi: 'X', en: 'X' } });
    expectApiError(res, 401);
    expect(await count('stages')).toBe(before);
  });
});

describe('error contract', () => {
  const authed = () => ({ Authorization: bearer(t.apiKey) });

  test('an unknown API route → 404 JSON', async () => {
    const res = await request(t.app).get('/api/v1/nope').set(authed());
    expectApiError(res, 404, 'not_found');
  });

  test('an unknown method on a known path → 404 JSON, not a page', async () => {
    expectApiError(await request(t.app).delete('/api/v1/stages').set(authed()), 404);
  });

  test('an unknown API version → 404 JSON', async () => {
    expectApiError(await request(t.app).get('/api/v2/stages').set(authed()), 404);
  });

  test('invalid JSON → 400 invalid_json', async () => {
    const res = await request(t.app).post('/api/v1/stages').set(authed()).set('Content-Type', 'application/json').send('{"key": "x",');
    expectApiError(res, 400, 'invalid_json');
  });

  test('a JSON scalar as the body → 400', async () => {
    const res = await request(t.app).post('/api/v1/stages').set(authed()).set('Content-Type', 'application/json').send('"awareness"');
    expectApiError(res, 400);
  });

  test('JSON null as the body → 400', async () => {
    const res = await request(t.app).post('/api/v1/stages').set(authed()).set('Content-Type', 'application/json').send('null');
    expectApiError(res, 400);
  });

  test.each([
    ['text/plain', 'key=x'],
    ['application/x-www-form-urlencoded', 'key=x&name=y'],
    ['multipart/form-data; boundary=x', '--x--'],
  ])('a %s body → 415', async (type, body) => {
    const before = await count('stages');
    const res = await request(t.app).post('/api/v1/stages').set(authed()).set('Content-Type', type).send(body);
    expectApiError(res, 415, 'unsupported_media_type');
    expect(await count('stages')).toBe(before);
  });

  test('a POST without any body → 400 (not 500), nothing stored', async () => {
    const before = await count('stages');
    expectApiError(await request(t.app).post('/api/v1/stages').set(authed()), 400);
    expectApiError(await request(t.app).post('/api/v1/stages').set(authed()).set('Content-Type', 'application/json'), 400);
    expect(await count('stages')).toBe(before);
  });

  test('JSON with a charset parameter is accepted', async () => {
    const res = await request(t.app).post('/api/v1/stages').set(authed()).set('Content-Type', 'application/json; charset=utf-8')
      .send(JSON.stringify({ key: 'charset-ok', name: { vi: 'Được', en: 'OK' } }));
    expect(res.status).toBe(201);
  });

  test('a body over the size limit → 413 JSON, nothing stored', async () => {
    const before = await count('stages');
    const huge = { key: 'huge', name: { vi: 'x'.repeat(2 * 1024 * 1024), en: 'x' } };
    const res = await request(t.app).post('/api/v1/stages').set(authed()).send(huge);
    expectApiError(res, 413, 'payload_too_large');
    expect(await count('stages')).toBe(before);
  });

  test('deeply nested JSON → 400, never 500', async () => {
    const deep = `{"key":"deep","name":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    const res = await request(t.app).post('/api/v1/stages').set(authed()).set('Content-Type', 'application/json').send(deep);
    expectApiError(res, 400);
  });

  test('unknown body fields are rejected and named in details', async () => {
    const res = await request(t.app).post('/api/v1/stages').set(authed())
      .send({ key: 'extra-field', name: { vi: 'A', en: 'A' }, color: 'red', name2: 1 });
    expectApiError(res, 400, 'validation_failed');
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['color', 'name2']));
    for (const d of res.body.error.details) expect(d).toEqual({ path: expect.any(String), message: expect.any(String) });
  });

  test('every problem is reported at once', async () => {
    const res = await request(t.app).post('/api/v1/touchpoints').set(authed()).send({ key: 'Bad Key', channel: 'fax' });
    expectApiError(res, 400, 'validation_failed');
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['key', 'stageKey', 'name', 'channel']));
  });

  test('unknown query parameters are rejected', async () => {
    const res = await request(t.app).get('/api/v1/metrics?kind=nps&colour=red').set(authed());
    expectApiError(res, 400, 'validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain('colour');
  });

  test('an array where an object is expected → 400', async () => {
    const res = await request(t.app).post('/api/v1/stages').set(authed()).send([{ key: 'in-array', name: { vi: 'A', en: 'A' } }]);
    expectApiError(res, 400, 'validation_failed');
    expect(await t.db.query(`SELECT 1 FROM stages WHERE key = 'in-array'`)).toHaveLength(0);
  });

  test('a NUL character in a text field → 400, never a database error', async () => {
    const res = await request(t.app).post('/api/v1/stages').set(authed()).send({ key: 'nul-char', name: { vi: 'a\u0000b', en: 'ab' } });
    expectApiError(res, 400, 'validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain('name.vi');
    expect(await t.db.query(`SELECT 1 FROM stages WHERE key = 'nul-char'`)).toHaveLength(0);
  });

  test('responses carry a request id', async () => {
    const res = await request(t.app).get('/api/v1/stages').set(authed()).set('X-Request-Id', 'abc-123');
    expect(res.headers['x-request-id']).toBe('abc-123');
  });
});
