import { startTestApp, type TestApp } from '../helpers/app';
import { apiClient, detailPaths, expectApiError } from '../helpers/api';
import { makeResponses, makeSurvey, makeTouchpoint } from '../helpers/factories';

/**
 * GET /api/v1/metrics?by=touchpoint|survey pages in journey order (limit, cursor → nextCursor), so that a
 * chain's 1,000 touchpoints come a page at a time. The journey: seven touchpoints with a CSAT survey spread
 * over three stages (added out of stage order), one with two CSAT surveys, one with an NPS survey only, a
 * stage survey and a journey-wide survey; answers on 2026-03-10.
 */
let t: TestApp;
const { get } = apiClient(() => t);
const PERIOD = 'from=2026-03-01&to=2026-03-31';

interface Group { key: string; name: string; n: number; score: number | null; distribution: Record<string, number> }
interface Page { groups: Group[]; nextCursor: string | null }

async function page(query: string): Promise<Page> {
  const res = await get(`/metrics?kind=csat&${PERIOD}&${query}`);
  expect(res.status).toBe(200);
  return res.body;
}

/** Every group of a list, a page of `limit` at a time; each page's size checked. */
async function walk(by: string, limit: number): Promise<{ keys: string[]; groups: Group[]; pages: number }> {
  const groups: Group[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const p: Page = await page(`by=${by}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    pages++;
    expect(p.groups.length).toBeLessThanOrEqual(limit);
    if (p.nextCursor) expect(p.groups).toHaveLength(limit);
    groups.push(...p.groups);
    cursor = p.nextCursor;
  } while (cursor && pages < 50);
  return { keys: groups.map((g) => g.key), groups, pages };
}

beforeAll(async () => {
  t = await startTestApp();
  const at = (day: number) => ({ answeredAt: `2026-03-${String(day).padStart(2, '0')}T10:00:00+07:00` });
  const places: Array<[string, string]> = [
    ['store-c', 'retention'], ['web-a', 'awareness'], ['store-a', 'decision'], ['store-b', 'decision'],
    ['web-b', 'awareness'], ['store-d', 'retention'], ['store-e', 'decision'],
  ];
  for (const [i, [key, stageKey]] of places.entries()) {
    await makeTouchpoint(t, { key, stageKey, name: { vi: key, en: key } });
    const s = await makeSurvey(t, { kind: 'csat', title: `CSAT ${key}`, touchpointKey: key });
    await makeResponses(t, s.id, { 5: i + 1, 2: 1 }, at(10));
  }
  // A second CSAT survey on store-a: its touchpoint pools both.
  const second = await makeSurvey(t, { kind: 'csat', title: 'CSAT store-a again', touchpointKey: 'store-a' });
  await makeResponses(t, second.id, { 1: 4 }, at(10));
  await makeTouchpoint(t, { key: 'nps-only', stageKey: 'decision', name: { vi: 'NPS', en: 'NPS' } });
  await makeSurvey(t, { kind: 'nps', title: 'NPS only', touchpointKey: 'nps-only' });
  const stage = await makeSurvey(t, { kind: 'csat', title: 'CSAT decision stage', stageKey: 'decision' });
  await makeResponses(t, stage.id, { 4: 3 }, at(10));
  await makeSurvey(t, { kind: 'csat', title: 'CSAT whole journey' });
});

afterAll(async () => {
  await t?.close();
});

describe('by=touchpoint', () => {
  test('one page by default holds every group of a small journey, and says there is no next page', async () => {
    const p = await page('by=touchpoint');
    expect(p.nextCursor).toBeNull();
    expect(p.groups.map((g) => g.key)).toEqual(['web-a', 'web-b', 'store-a', 'store-b', 'store-e', 'store-c', 'store-d']);
    expect(p.groups.find((g) => g.key === 'store-a')).toMatchObject({ n: 3 + 1 + 4, distribution: { 1: 4, 2: 1, 3: 0, 4: 0, 5: 3 } });
  });

  test.each([1, 2, 3, 7])('the cursor walks every touchpoint exactly once in journey order, %i at a time, with the same figures', async (limit) => {
    const all = (await page('by=touchpoint&limit=500')).groups;
    const walked = await walk('touchpoint', limit);
    expect(walked.keys).toEqual(all.map((g) => g.key));
    expect(walked.groups).toEqual(all);
    // A full last page knows it is the last (one more row is read to tell): no empty page at the end.
    expect(walked.pages).toBe(Math.ceil(all.length / limit));
  });
});

describe('by=survey', () => {
  test.each([1, 2, 3, 4])('the cursor walks every CSAT survey once in journey order, %i at a time, with the same figures', async (limit) => {
    const all = (await page('by=survey&limit=500')).groups;
    // Journey order: the journey's own survey, then stage by stage the stage's own survey before its touchpoints'
    // (by position, then by creation).
    expect(all.map((g) => g.name)).toEqual([
      'CSAT whole journey', 'CSAT web-a', 'CSAT web-b',
      'CSAT decision stage', 'CSAT store-a', 'CSAT store-a again', 'CSAT store-b', 'CSAT store-e',
      'CSAT store-c', 'CSAT store-d',
    ]);
    const walked = await walk('survey', limit);
    expect(walked.keys).toEqual(all.map((g) => g.key));
    expect(walked.groups).toEqual(all);
    expect(walked.pages).toBe(Math.ceil(all.length / limit));
  });
});

describe('bad paging', () => {
  test.each([
    ['a limit of 0', 'by=touchpoint&limit=0', 'limit'],
    ['a limit above 500', 'by=touchpoint&limit=501', 'limit'],
    ['a limit that is not a number', 'by=survey&limit=ten', 'limit'],
    ['a cursor that is not one', 'by=touchpoint&cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ['a cursor with characters a cursor never has', 'by=touchpoint&cursor=a%2Bb', 'cursor'],
    ['paging a grouping that does not page', 'by=stage&limit=2', 'limit'],
    ['a cursor on by=week', 'by=week&cursor=abc', 'cursor'],
  ])('%s is a 400 validation_failed naming the field', async (_, query, field) => {
    const res = await get(`/metrics?kind=csat&${PERIOD}&${query}`);
    expectApiError(res, 400, 'validation_failed');
    expect(detailPaths(res)).toContain(field);
  });

  test("a survey list's cursor is refused by the touchpoint list, and the other way round", async () => {
    const surveys = await page('by=survey&limit=1');
    const touchpoints = await page('by=touchpoint&limit=1');
    expectApiError(await get(`/metrics?kind=csat&${PERIOD}&by=touchpoint&cursor=${surveys.nextCursor}`), 400, 'validation_failed');
    expectApiError(await get(`/metrics?kind=csat&${PERIOD}&by=survey&cursor=${touchpoints.nextCursor}`), 400, 'validation_failed');
  });

  test('the other groupings are unchanged: every group, nextCursor null', async () => {
    const stages = await page('by=stage');
    expect(stages.groups).toHaveLength(5);
    expect(stages.nextCursor).toBeNull();
  });
});
