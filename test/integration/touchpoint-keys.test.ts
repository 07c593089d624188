import { startTestApp, type TestApp } from '../helpers/app';
import { apiClient } from '../helpers/api';
import { loginAs, type Agent } from '../helpers/login';

/**
 * A touchpoint key is one pattern everywhere: a key the API accepts (here with an underscore, which the
 * dashboard used to refuse with a 404 and a 400) opens on the dashboard and filters its responses.
 */
let t: TestApp;
let viewer: Agent;
const { post } = apiClient(() => t);
const responseIds: Record<string, string> = {};

const idsOf = (html: string) => [...html.matchAll(/<tr data-id="(\d+)"/g)].map((m) => m[1]);

beforeAll(async () => {
  t = await startTestApp();
  for (const [key, en] of [['store_q1', 'District 1 store'], ['store-q3', 'District 3 store']]) {
    const created = await post('/touchpoints', { key, stageKey: 'decision', name: { vi: `Cửa hàng ${key}`, en }, channel: 'store' });
    expect(created.status).toBe(201);
    const survey = await post('/surveys', { kind: 'csat', touchpointKey: key, title: `${en} CSAT` });
    expect(survey.status).toBe(201);
    const response = await post(`/surveys/${survey.body.id}/responses`, { score: 4, comment: `Nice ${key}` });
    expect(response.status).toBe(201);
    responseIds[key] = String(response.body.id);
  }
  viewer = await loginAs(t, 'viewer', { locale: 'en' });
});
afterAll(async () => { await t?.close(); });

test('a touchpoint key with an underscore opens its dashboard page', async () => {
  const page = await viewer.get('/touchpoints/store_q1');
  expect(page.status).toBe(200);
  expect(page.text).toContain('District 1 store');
  expect(page.text).toContain('District 1 store CSAT');
  expect(page.text).not.toContain('District 3 store');
});

test('?touchpoint= with an underscore filters the responses to that touchpoint', async () => {
  const all = await viewer.get('/responses');
  expect(all.status).toBe(200);
  expect(idsOf(all.text).sort()).toEqual([responseIds.store_q1, responseIds['store-q3']].sort());
  const filtered = await viewer.get('/responses?touchpoint=store_q1');
  expect(filtered.status).toBe(200);
  expect(idsOf(filtered.text)).toEqual([responseIds.store_q1]);
  expect(filtered.text).toContain('Nice store_q1');
  expect(filtered.text).not.toContain('Nice store-q3');
});
