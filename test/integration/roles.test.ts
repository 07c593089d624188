import express, { Router } from 'express';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { makeSurvey } from '../helpers/factories';
import { loginAs, type Agent } from '../helpers/login';
import { registeredRoutes } from '../helpers/routes';
import { ROUTE_RULES, type RouteRule } from '../../src/web/dashboard-router';
import type { Role } from '../../src/modules/auth';

/**
 * THE ROLE TABLE. Every dashboard route declares the least role that may use it (ROUTE_RULES, filled as
 * the app's routers register). Each rule is requested as anonymous, viewer, editor and admin, and a route
 * under a dashboard prefix that has no rule fails the suite.
 */

const ROLES: Role[] = ['viewer', 'editor', 'admin'];
const RANK: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 };
const DASHBOARD_PREFIXES = ['/manage', '/overview', '/journey-map', '/responses', '/follow-ups'];
const DUMMY_UUID = '00000000-0000-4000-8000-000000000000';

type LoggedIn = Agent & { csrf: string; email: string };

let t: TestApp;
const agents = {} as Record<Role, LoggedIn>;
/** Real ids for the resources a path names just before a parameter; anything else gets a dummy uuid. */
const realIds: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  for (const role of ROLES) agents[role] = await loginAs(t, role, { locale: 'en' });
  const survey = await makeSurvey(t, { kind: 'csat', title: 'Checkout CSAT', touchpoint: { key: 'checkout', stageKey: 'decision', name: { vi: 'Thanh toán', en: 'Checkout' }, channel: 'website' } });
  // The stage and touchpoint are in use, so a delete sent by the table is refused instead of changing the data.
  realIds.surveys = survey.id;
  realIds.stages = String((await t.db.query(`SELECT id FROM stages WHERE key = 'decision'`))[0].id);
  realIds.touchpoints = String((await t.db.query(`SELECT id FROM touchpoints WHERE key = 'checkout'`))[0].id);
});
afterAll(async () => { await t.close(); });

/** The rule's path with every `:param` filled. */
function concretePath(rule: RouteRule): string {
  return rule.path.replace(/(\/([\w-]+))?\/:(\w+)/g, (_whole, before: string | undefined, resource: string | undefined) =>
    `${before ?? ''}/${(resource && realIds[resource]) || DUMMY_UUID}`);
}

function label(rule: RouteRule): string {
  return `${rule.method.toUpperCase()} ${rule.path} (${rule.role})`;
}

function send(client: ReturnType<typeof request> | Agent, rule: RouteRule, csrf: string | null) {
  const path = concretePath(rule);
  if (rule.method === 'get') return client.get(path);
  return client.post(path).type('form').send(csrf ? { _csrf: csrf } : {});
}

test('the table covers the dashboard: every engineer’s routes are registered with a rule', () => {
  const paths = ROUTE_RULES.map((r) => `${r.method} ${r.path}`);
  for (const expected of ['get /manage/journey', 'get /manage/surveys', 'post /manage/surveys', 'get /manage/surveys/:id', 'get /manage/settings', 'get /manage/users', 'get /manage/api-keys']) {
    expect(paths).toContain(expected);
  }
});

test('anonymous: a page sends them to /login, a form post is refused', async () => {
  const failures: string[] = [];
  for (const rule of ROUTE_RULES) {
    const res = await send(request(t.app), rule, null);
    if (rule.method === 'get') {
      if (res.status !== 303 || !String(res.headers.location).startsWith('/login')) failures.push(`${label(rule)}: ${res.status} ${res.headers.location ?? ''}`);
    } else if (res.status !== 401 && res.status !== 403) {
      failures.push(`${label(rule)}: ${res.status}`);
    }
  }
  expect(failures).toEqual([]);
});

test('a role below the rule gets a 403', async () => {
  const failures: string[] = [];
  for (const rule of ROUTE_RULES) {
    for (const role of ROLES.filter((r) => RANK[r] < RANK[rule.role])) {
      const res = await send(agents[role], rule, agents[role].csrf);
      if (res.status !== 403) failures.push(`${label(rule)} as ${role}: ${res.status}`);
    }
  }
  expect(failures).toEqual([]);
});

test('the rule’s role and those above it get through (a 404 for a dummy id is fine; never a 500)', async () => {
  const failures: string[] = [];
  for (const rule of ROUTE_RULES) {
    for (const role of ROLES.filter((r) => RANK[r] >= RANK[rule.role])) {
      const res = await send(agents[role], rule, agents[role].csrf);
      if (res.status === 401 || res.status === 403 || res.status >= 500) failures.push(`${label(rule)} as ${role}: ${res.status}`);
    }
  }
  expect(failures).toEqual([]);
});


test('the scan sees routes of nested routers under their mount path', () => {
  const app = express();
  const inner = Router();
  inner.post('/rogue/:id', (_req, res) => { res.end(); });
  const outer = Router();
  outer.use('/manage', inner);
  app.use(outer);
  app.get('/overview', (_req, res) => { res.end(); });
  expect(registeredRoutes(app)).toEqual([{ method: 'post', path: '/manage/rogue/:id' }, { method: 'get', path: '/overview' }]);
});

test('no dashboard route exists without a rule', () => {
  const routes = registeredRoutes(t.app);
  expect(routes.some((r) => r.path === '/manage/journey')).toBe(true);
  const unruled = routes
    .filter((r) => DASHBOARD_PREFIXES.some((p) => r.path === p || r.path.startsWith(`${p}/`)))
    .filter((r) => !ROUTE_RULES.some((rule) => rule.method === r.method && rule.path === r.path))
    .map((r) => `${r.method.toUpperCase()} ${r.path}`);
  expect(unruled).toEqual([]);
});

describe('CSRF', () => {
  const stageCount = async (): Promise<number> => (await t.db.query(`SELECT count(*)::int AS n FROM stages`))[0].n;
  const body = { key: 'loyalty', name_vi: 'Trung thành', name_en: 'Loyalty' };

  test('a form post without a token, or with a wrong one, is refused with a 403 and changes nothing', async () => {
    const before = await stageCount();
    const without = await agents.editor.post('/manage/journey/stages').type('form').send(body);
    expect(without.status).toBe(403);
    expect(without.text).toContain('Your session expired or the form is not valid.');
    const wrong = await agents.editor.post('/manage/journey/stages').type('form').send({ ...body, _csrf: 'x'.repeat(64) });
    expect(wrong.status).toBe(403);
    // A valid token of another session is still the wrong one.
    const foreign = await agents.editor.post('/manage/journey/stages').type('form').send({ ...body, _csrf: agents.admin.csrf });
    expect(foreign.status).toBe(403);
    expect(await stageCount()).toBe(before);

    const brand = (await t.db.query(`SELECT brand FROM settings`))[0].brand;
    const settings = await agents.admin.post('/manage/settings').type('form').send({
      brand: 'Forged', time_zone: 'UTC', default_locale: 'en', recontact_days: '1', reminder_days: '1', digest_weekday: '1', digest_hour: '1',
    });
    expect(settings.status).toBe(403);
    expect((await t.db.query(`SELECT brand, time_zone FROM settings`))[0]).toEqual({ brand, time_zone: 'Asia/Ho_Chi_Minh' });

    const ok = await agents.editor.post('/manage/journey/stages').type('form').send({ ...body, _csrf: agents.editor.csrf });
    expect(ok.status).toBe(303);
    expect(await stageCount()).toBe(before + 1);
  });
});
