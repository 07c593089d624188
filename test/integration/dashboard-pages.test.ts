import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { makeResponses, makeSurvey } from '../helpers/factories';
import { loginAs, type Agent } from '../helpers/login';
import type { MetricKind } from '../../src/modules/metrics/scoring';

/**
 * The numbers the dashboard shows must be the API's (GET /api/v1/metrics) for the same period: parsed
 * from the HTML (<data value> carries the exact figure, its text the formatted one). Also: the
 * significance arrow, the low-sample badge, target colours, pooled stage scores.
 *
 * The data (custom period 2026-03-02 … 2026-03-15; previous period 2026-02-16 … 2026-03-01):
 *   NPS  web   (decision)   current 10×10                                    n = 10 (low sample)
 *   NPS  store (decision)   current 0×90; previous 0×100                     → stage decision pooled −80
 *   CSAT support (retention) current 5×20 4×10 2×10 (75 %); previous 5×5 4×5 3×10 1×20 (25 %)
 *   CES  whole journey       current 5×6 6×6; previous 5×6 6×6               n = 12 (low sample, no change)
 * Targets: journey NPS 0, CSAT 70, CES 5; stage decision NPS −90; touchpoint web NPS 50.
 */
let t: TestApp;
let viewer: Agent;
const ids: Record<string, string> = {};
const PERIOD = 'period=custom&from=2026-03-02&to=2026-03-15';
const api = (path: string) => request(t.app).get(`/api/v1${path}`).set('Authorization', `Bearer ${t.apiKey}`);

/** The markup of the element carrying data-metric="kind" inside a block, up to the next metric. */
function metricBlock(html: string, kind: MetricKind): string {
  const at = html.indexOf(`data-metric="${kind}"`);
  if (at < 0) throw new Error(`no ${kind} figure in the block`);
  const start = html.lastIndexOf('<', at);
  const next = html.indexOf('data-metric="', at + 10);
  return html.slice(start, next < 0 ? undefined : html.lastIndexOf('<', next));
}

/** A block from attr="value" to the next element with the same attribute. */
function block(html: string, attr: string, value: string): string {
  const at = html.indexOf(`${attr}="${value}"`);
  if (at < 0) throw new Error(`no ${attr}="${value}" on the page`);
  const next = html.indexOf(`${attr}="`, at + attr.length + value.length + 3);
  return html.slice(html.lastIndexOf('<', at), next < 0 ? undefined : next);
}

interface Shown { score: number | null; text: string; n: number; status: string; lowSample: boolean; arrow: string | null; moe: number | null }

function figure(html: string, kind: MetricKind): Shown {
  const b = metricBlock(html, kind);
  const score = /<data class="score" value="([^"]*)">([^<]*)<\/data>/.exec(b);
  const moe = /<data class="moe-value" value="([^"]*)">/.exec(b);
  return {
    score: score ? Number(score[1]) : null,
    text: score ? score[2] : '',
    n: Number(/<data class="n" value="(\d+)">/.exec(b)?.[1]),
    status: /class="(?:tile|chip) status-(\w+)"/.exec(b)?.[1] ?? '',
    lowSample: b.includes('class="badge low-sample"'),
    arrow: /class="arrow (up|down)"/.exec(b)?.[1] ?? null,
    moe: moe ? Number(moe[1]) : null,
  };
}

interface ApiGroup { key: string; n: number; score: number | null; moe: number | null; lowSample: boolean; distribution: Record<string, number> }

async function apiGroup(kind: MetricKind, by: string, key: string, from = '2026-03-02', to = '2026-03-15'): Promise<ApiGroup> {
  const res = await api(`/metrics?kind=${kind}&by=${by}&from=${from}&to=${to}`).expect(200);
  const g = res.body.groups.find((x: ApiGroup) => x.key === key);
  if (!g) throw new Error(`no ${key} in the API's ${kind} by ${by}`);
  return g;
}

function expectSame(shown: Shown, g: ApiGroup) {
  expect(shown.n).toBe(g.n);
  if (g.score === null) expect(shown.score).toBeNull(); else expect(shown.score).toBeCloseTo(g.score, 9);
  expect(shown.lowSample).toBe(g.lowSample);
}

beforeAll(async () => {
  t = await startTestApp();
  ids.web = (await makeSurvey(t, { kind: 'nps', title: 'Web NPS', touchpoint: { key: 'web', stageKey: 'decision', name: { vi: 'Mua trên web', en: 'Web purchase' }, channel: 'website' } })).id;
  ids.store = (await makeSurvey(t, { kind: 'nps', title: 'Store NPS', touchpoint: { key: 'store', stageKey: 'decision', name: { vi: 'Cửa hàng', en: 'Store' }, channel: 'store' } })).id;
  ids.support = (await makeSurvey(t, { kind: 'csat', title: 'Support CSAT', touchpoint: { key: 'support', stageKey: 'retention', name: { vi: 'Hỗ trợ', en: 'Support' }, channel: 'phone' } })).id;
  ids.journey = (await makeSurvey(t, { kind: 'ces', title: 'Journey CES' })).id;
  await makeResponses(t, ids.web, { 10: 10 }, { via: 'service', kind: 'nps', answeredAt: '2026-03-05T10:00:00+07:00' });
  await makeResponses(t, ids.store, { 0: 90 }, { via: 'service', kind: 'nps', answeredAt: '2026-03-10T10:00:00+07:00' });
  await makeResponses(t, ids.store, { 0: 100 }, { via: 'service', kind: 'nps', answeredAt: '2026-02-20T10:00:00+07:00' });
  await makeResponses(t, ids.support, { 5: 20, 4: 10, 2: 10 }, { via: 'service', kind: 'csat', answeredAt: '2026-03-03T10:00:00+07:00' });
  await makeResponses(t, ids.support, { 5: 5, 4: 5, 3: 10, 1: 20 }, { via: 'service', kind: 'csat', answeredAt: '2026-02-25T10:00:00+07:00' });
  await makeResponses(t, ids.journey, { 5: 6, 6: 6 }, { via: 'service', kind: 'ces', answeredAt: '2026-03-12T10:00:00+07:00' });
  await makeResponses(t, ids.journey, { 5: 6, 6: 6 }, { via: 'service', kind: 'ces', answeredAt: '2026-02-18T10:00:00+07:00' });
  await t.db.query(
    `INSERT INTO kpi_targets (metric, stage_id, touchpoint_id, target) VALUES
       ('nps', NULL, NULL, 0), ('csat', NULL, NULL, 70), ('ces', NULL, NULL, 5),
       ('nps', (SELECT id FROM stages WHERE key = 'decision'), NULL, -90),
       ('nps', NULL, (SELECT id FROM touchpoints WHERE key = 'web'), 50)`);
  viewer = await loginAs(t, 'viewer', { locale: 'vi' });
});

afterAll(async () => {
  await t?.close();
});

describe('overview', () => {
  let html: string;
  beforeAll(async () => {
    html = (await viewer.get(`/overview?${PERIOD}`).expect(200)).text;
  });

  test.each(['nps', 'csat', 'ces'] as const)('the %s tile shows the API figures for the period', async (kind) => {
    const g = await apiGroup(kind, 'overall', 'overall');
    const shown = figure(html, kind);
    expectSame(shown, g);
    expect(shown.moe).toBeCloseTo(g.moe as number, 9);
  });

  test('scores read in the page language: vi-VN numbers', () => {
    expect(figure(html, 'nps').text).toBe('-80');
    expect(figure(html, 'csat').text).toMatch(/^75,0\s?%$/);
    expect(figure(html, 'ces').text).toBe('5,50');
    expect(html).toContain('<html lang="vi">');
  });

  test('an arrow only for significant changes: NPS and CSAT went up, CES did not move', () => {
    expect(figure(html, 'nps').arrow).toBe('up');
    expect(figure(html, 'csat').arrow).toBe('up');
    expect(figure(html, 'ces').arrow).toBeNull();
    expect(metricBlock(html, 'ces')).toContain('không có ý nghĩa thống kê');
  });

  test('targets colour the tiles; a low sample is flagged and never coloured good or bad', () => {
    expect(figure(html, 'nps').status).toBe('bad');
    expect(figure(html, 'csat').status).toBe('good');
    const ces = figure(html, 'ces');
    expect(ces.lowSample).toBe(true);
    expect(ces.status).toBe('low');
    expect(metricBlock(html, 'ces')).not.toMatch(/badge (good|bad)/);
    expect(figure(html, 'csat').lowSample).toBe(false);
  });

  test('weekly trend charts carry their data for charts.js and a table equivalent', () => {
    const charts = [...html.matchAll(/<canvas data-chart="([^"]+)"/g)].map((m) => JSON.parse(m[1].replace(/&quot;/g, '"').replace(/&#x3D;/g, '=').replace(/&amp;/g, '&')));
    expect(charts).toHaveLength(3);
    expect(charts[0].labels.length).toBeGreaterThanOrEqual(12);
    expect(charts[0].series[0].band).toBeDefined();
    expect((html.match(/<details class="chart-table" open>/g) ?? []).length).toBe(3);
    expect(html).toContain('<script src="/static/js/charts.js" defer></script>');
    expect(html).not.toMatch(/<script>(?!<\/script>)/);
  });

  test('the same figures in English, in en-US format', async () => {
    const en = await loginAs(t, 'viewer', { locale: 'en' });
    const page = (await en.get(`/overview?${PERIOD}`).expect(200)).text;
    expect(figure(page, 'csat').text).toBe('75.0%');
    expect(figure(page, 'ces').text).toBe('5.50');
    expect(page).toContain('not significant');
    expect(page).toContain('Low sample');
  });

  test('a channel or a segment filter narrows the figures (nothing was answered by email, by sme contacts)', async () => {
    const byEmail = (await viewer.get(`/overview?${PERIOD}&channel=email`).expect(200)).text;
    expect(figure(byEmail, 'nps').n).toBe(0);
    const byApi = (await viewer.get(`/overview?${PERIOD}&channel=api`).expect(200)).text;
    expect(figure(byApi, 'nps').n).toBe(100);
    const bySegment = (await viewer.get(`/overview?${PERIOD}&attr=segment%3Dsme`).expect(200)).text;
    expect(figure(bySegment, 'csat').n).toBe(0);
  });
});

describe('journey map', () => {
  let html: string;
  beforeAll(async () => {
    html = (await viewer.get(`/journey-map?${PERIOD}`).expect(200)).text;
  });

  test('stages are columns in journey order', () => {
    const order = [...html.matchAll(/data-stage="([a-z-]+)"/g)].map((m) => m[1]);
    expect(order).toEqual(['awareness', 'consideration', 'decision', 'retention', 'advocacy']);
  });

  test('a stage header shows the POOLED score of all its answers, equal to the API by stage', async () => {
    const g = await apiGroup('nps', 'stage', 'decision');
    const head = block(html, 'data-stage', 'decision').split('data-touchpoint=')[0];
    const shown = figure(head, 'nps');
    expectSame(shown, g);
    // Pooled: (10 promoters − 90 detractors) / 100 = −80; the average of +100 and −100 would be 0.
    expect(shown.score).toBeCloseTo(-80, 9);
    expect(shown.status).toBe('good');
  });

  test.each([['web', 'nps'], ['store', 'nps'], ['support', 'csat']] as const)('the %s cell shows the API figures by touchpoint', async (key, kind) => {
    const g = await apiGroup(kind, 'touchpoint', key);
    expectSame(figure(block(html, 'data-touchpoint', key), kind), g);
  });

  test('cells are coloured against the nearest target, except with a low sample', () => {
    const web = figure(block(html, 'data-touchpoint', 'web'), 'nps');
    expect(web).toMatchObject({ lowSample: true, status: 'low', text: '+100' });
    // store: no touchpoint target, so the stage's (−90): −100 misses it.
    expect(figure(block(html, 'data-touchpoint', 'store'), 'nps').status).toBe('bad');
    // support: no touchpoint or stage target, so the journey's (70 %): 75 % meets it.
    expect(figure(block(html, 'data-touchpoint', 'support'), 'csat').status).toBe('good');
  });

  test('framework notes are one click away, and the curve chart has a table', () => {
    const decision = block(html, 'data-stage', 'decision');
    expect(decision).toContain('<details class="framework">');
    expect(decision).toContain('Thủ tục rườm rà, phí phát sinh');
    expect(html).toContain('Đường cong trải nghiệm');
  });
});

describe('survey and touchpoint detail', () => {
  test('a survey page shows the API figures and distribution, with the response rate of its invitations', async () => {
    await t.db.query(
      `INSERT INTO invitations (survey_id, token, channel, status, sent_at, responded_at)
       SELECT $1, 'tok' || g || repeat('x', 20), 'email', 'sent', '2026-03-04T09:00:00+07:00', CASE WHEN g <= 3 THEN now() END
       FROM generate_series(1, 8) g`,
      [ids.support],
    );
    const html = (await viewer.get(`/surveys/${ids.support}?${PERIOD}`).expect(200)).text;
    const g = await apiGroup('csat', 'survey', ids.support);
    const shown = figure(html, 'csat');
    expectSame(shown, g);
    expect(shown.arrow).toBe('up');
    const counts = Object.fromEntries([...html.matchAll(/<tr data-score="(\d+)">[\s\S]*?<td class="num"><data value="(\d+)">/g)].map((m) => [m[1], Number(m[2])]));
    expect(counts).toEqual(g.distribution);
    // 3 of 8 invitations sent in the period were answered.
    expect(html).toMatch(/<data class="response-rate">37,5\s?%<\/data>/);
    expect(html).toMatch(/<tr data-channel="api"><th scope="row">API<\/th><td class="num">40<\/td>/);
  });

  test('a touchpoint page shows each metric of its surveys as the API by touchpoint', async () => {
    const html = (await viewer.get(`/touchpoints/store?${PERIOD}`).expect(200)).text;
    expectSame(figure(html, 'nps'), await apiGroup('nps', 'touchpoint', 'store'));
    expect(html).toContain('Store NPS');
    expect(html).not.toContain('data-metric="csat"');
    // Links back to the journey map keep the period.
    expect(html).toContain('<a href="/journey-map?from&#x3D;2026-03-02&amp;to&#x3D;2026-03-15">');
  });

  test('unknown surveys and touchpoints are a 404 page', async () => {
    await viewer.get('/surveys/00000000-0000-4000-8000-000000000000').expect(404);
    await viewer.get('/surveys/not-a-uuid').expect(404);
    await viewer.get('/touchpoints/nowhere').expect(404);
    await viewer.get('/touchpoints/NOT..A..KEY').expect(404);
  });
});

test('the dashboard pages need a login', async () => {
  for (const path of ['/overview', '/journey-map', `/surveys/${ids.web}`, '/touchpoints/web', '/responses', '/follow-ups']) {
    const res = await request(t.app).get(path).set('Accept', 'text/html').expect(303);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(path)}`);
  }
});
