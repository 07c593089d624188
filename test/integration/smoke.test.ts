import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

test('healthz', async () => {
  const res = await request(t.app).get('/healthz');
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ status: 'ok' });
});

test('stages', async () => {
  const res = await request(t.app).get('/api/v1/stages').set('Authorization', `Bearer ${t.apiKey}`);
  expect(res.status).toBe(200);
  expect(res.body.items.map((s: { key: string }) => s.key)).toEqual(['awareness', 'consideration', 'decision', 'retention', 'advocacy']);
});
