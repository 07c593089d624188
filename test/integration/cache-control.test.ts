import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { answer, makeContact, makeSurvey } from '../helpers/factories';
import { loginAs, type Agent } from '../helpers/login';
import { ROUTE_RULES, type RouteRule } from '../../src/web/dashboard-router';

/**
 * Pages with personal data must not be kept by a browser or a proxy: every dashboard page and export
 * answers `Cache-Control: no-store` (whatever its status), while static assets keep their caching.
 */

let t: TestApp;
let admin: Agent & { csrf: string; email: string };
let viewer: Agent & { csrf: string; email: string };
/** Real values for `<resource>/:<param>`; anything else gets a dummy uuid (a 404 page, which must not be cached either). */
const real: Record<string, string> = {};
const DUMMY_UUID = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  t = await startTestApp();
  admin = await loginAs(t, 'admin', { locale: 'en' });
  viewer = await loginAs(t, 'viewer', { locale: 'en' });
  const survey = await makeSurvey(t, { kind: 'nps', title: 'Checkout NPS', touchpoint: { key: 'checkout', stageKey: 'decision', name: { vi: 'Thanh toán', en: 'Checkout' }, channel: 'website' } });
  await answer(t, survey.id, { score: 2, comment: 'Too slow', email: 'cached.person@example.test' });
  real['surveys/:id'] = survey.id;
  real['touchpoints/:key'] = 'checkout';
  real['touchpoints/:id'] = String((await t.db.query(`SELECT id FROM touchpoints WHERE key = 'checkout'`))[0].id);
  real['stages/:id'] = String((await t.db.query(`SELECT id FROM stages WHERE key = 'decision'`))[0].id);
  real['contacts/:id'] = await makeContact(t, 'listed.person@example.test', { name: 'Listed Person' });
  const followUps = await t.db.query(`SELECT id::text AS id FROM follow_ups LIMIT 1`);
  if (followUps[0]) real['follow-ups/:id'] = followUps[0].id;
});
afterAll(async () => { await t.close(); });

function concretePath(rule: RouteRule): string {
  return rule.path.replace(/\/([\w-]+)\/:(\w+)/g, (_whole, resource: string, param: string) => `/${resource}/${real[`${resource}/:${param}`] ?? DUMMY_UUID}`);
}

test('every dashboard GET route answers no-store to an admin, whatever its status', async () => {
  const gets = ROUTE_RULES.filter((r) => r.method === 'get');
  const missing: string[] = [];
  let ok = 0;
  for (const rule of gets) {
    const path = concretePath(rule);
    const res = await admin.get(path);
    if (res.status === 200) ok++;
    if (!/\bno-store\b/.test(String(res.headers['cache-control']))) missing.push(`${path}: ${res.status} ${res.headers['cache-control'] ?? '(none)'}`);
  }
  expect(missing).toEqual([]);
  expect(gets.length).toBeGreaterThan(30);
  expect(ok).toBeGreaterThan(25);
});

test.each(['/overview', '/journey-map', '/responses', '/follow-ups', '/manage/contacts', '/responses/export.csv'])('%s: 200 and no-store for a viewer', async (path) => {
  const res = await viewer.get(path);
  expect(res.status).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
});

test('the CSV exports are not cached', async () => {
  for (const path of ['/responses/export.csv', '/manage/contacts/export.csv']) {
    const res = await admin.get(path);
    expect({ path, status: res.status, type: res.headers['content-type'] }).toEqual({ path, status: 200, type: 'text/csv; charset=utf-8' });
    expect(res.headers['cache-control']).toBe('no-store');
  }
});

test('the login, setup and error pages of the dashboard side are not cached either', async () => {
  for (const path of ['/login', '/setup', '/manage/no-such-page']) {
    expect({ path, cache: (await request(t.app).get(path)).headers['cache-control'] }).toEqual({ path, cache: 'no-store' });
  }
});

test('static assets keep their caching', async () => {
  const css = await request(t.app).get('/static/css/app.css');
  expect(css.status).toBe(200);
  expect(css.headers['cache-control']).toBe('public, max-age=86400');
  const chart = await request(t.app).get('/static/vendor/chart.js/chart.umd.min.js');
  expect(chart.status).toBe(200);
  expect(chart.headers['cache-control']).toBe('public, max-age=604800');
});
