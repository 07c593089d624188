import { parse } from 'csv-parse/sync';
import { startTestApp, type TestApp } from '../helpers/app';
import { makeContact, makeSurvey } from '../helpers/factories';
import { loginAs, type Agent } from '../helpers/login';
import { recordResponse } from '../../src/modules/responses';
import { scoreGroup, SCALES, type MetricKind } from '../../src/modules/metrics/scoring';

/**
 * /responses: every filter of SPEC §5, keyset pagination (stable while answers arrive), the streamed CSV
 * export that neutralises formulas, and bad filter input answered with a 400 page. Expected sets are
 * worked out here from the generated answers, not by asking the database.
 */
let t: TestApp;
let viewer: Agent;
const PERIOD = 'period=custom&from=2026-03-01&to=2026-03-31';
const CHANNELS = ['email', 'link', 'qr', 'api'] as const;

interface Made { id: string; kind: MetricKind; surveyId: string; score: number; channel: string; segment: string | null; comment: string | null; at: Date }
const made: Made[] = [];
const surveys: Record<string, { id: string; kind: MetricKind }> = {};

const idsOf = (html: string) => [...html.matchAll(/<tr data-id="(\d+)"/g)].map((m) => m[1]);
const nextLink = (html: string) => /<a href="([^"]+)" rel="next">/.exec(html)?.[1].replace(/&amp;/g, '&').replace(/&#x3D;/g, '=') ?? null;
const newestFirst = (xs: Made[]) => [...xs].sort((a, b) => b.at.getTime() - a.at.getTime() || Number(b.id) - Number(a.id)).map((m) => m.id);
const inMarch = () => made.filter((m) => m.at >= new Date('2026-03-01T00:00:00+07:00') && m.at < new Date('2026-04-01T00:00:00+07:00'));

/** Every page of a listing, following the "older" links. */
async function allPages(path: string): Promise<string[][]> {
  const pages: string[][] = [];
  let next: string | null = path;
  while (next) {
    const html = (await viewer.get(next).expect(200)).text;
    pages.push(idsOf(html));
    next = nextLink(html);
  }
  return pages;
}

beforeAll(async () => {
  t = await startTestApp();
  surveys.nps = { id: (await makeSurvey(t, { kind: 'nps', title: 'App NPS', touchpoint: { key: 'app', stageKey: 'consideration', name: { vi: 'Ứng dụng', en: 'App' }, channel: 'website' } })).id, kind: 'nps' };
  surveys.csat = { id: (await makeSurvey(t, { kind: 'csat', title: 'Shop CSAT', touchpoint: { key: 'shop', stageKey: 'decision', name: { vi: 'Cửa hàng', en: 'Shop' }, channel: 'store' } })).id, kind: 'csat' };
  surveys.ces = { id: (await makeSurvey(t, { kind: 'ces', stageKey: 'retention', title: 'Retention CES' })).id, kind: 'ces' };
  const contacts: Record<string, string> = {};
  for (const segment of ['sme', 'retail']) {
    contacts[segment] = await makeContact(t, `${segment}@example.com`, { attributes: { segment } });
  }
  const start = new Date('2026-03-01T00:00:00+07:00').getTime();
  for (let i = 0; i < 140; i++) {
    const { id: surveyId, kind } = [surveys.nps, surveys.csat, surveys.ces][i % 3];
    const { min, max } = SCALES[kind];
    const score = min + ((i * 7) % (max - min + 1));
    const channel = CHANNELS[i % 4];
    const segment = i % 5 === 0 ? 'sme' : i % 5 === 1 ? 'retail' : null;
    const comment = i % 2 ? `Góp ý số ${i}` : null;
    // 130 answers five hours apart through March, then 10 in February (outside the period).
    const at = i < 130 ? new Date(start + i * 5 * 3600_000) : new Date(start - (i - 129) * 86_400_000);
    const r = await recordResponse(t.db, {
      surveyId, kind, score, comment, channel, locale: 'vi', answeredAt: at, contactId: segment ? contacts[segment] : null,
    });
    made.push({ id: r.id, kind, surveyId, score, channel, segment, comment, at });
  }
  viewer = await loginAs(t, 'viewer', { locale: 'vi' });
});

afterAll(async () => {
  await t?.close();
});

describe('keyset pagination', () => {
  test('pages of 50, newest first, cover the period exactly once', async () => {
    const pages = await allPages(`/responses?${PERIOD}`);
    expect(pages.map((p) => p.length)).toEqual([50, 50, 30]);
    expect(pages.flat()).toEqual(newestFirst(inMarch()));
  });

  test('an answer arriving between two pages neither repeats nor skips a row (no OFFSET)', async () => {
    const first = (await viewer.get(`/responses?${PERIOD}`).expect(200)).text;
    const late = await recordResponse(t.db, { surveyId: surveys.nps.id, kind: 'nps', score: 10, comment: null, channel: 'link', locale: 'vi', answeredAt: new Date('2026-03-31T20:00:00+07:00') });
    try {
      const second = (await viewer.get(nextLink(first) as string).expect(200)).text;
      expect(idsOf(second)).toEqual(newestFirst(inMarch()).slice(50, 100));
    } finally {
      await t.db.query(`DELETE FROM responses WHERE id = $1`, [late.id]);
    }
  });

  test('a forged cursor is a 400 page', async () => {
    const res = await viewer.get(`/responses?${PERIOD}&cursor=${Buffer.from('2026-01-01|1').toString('base64url')}`).expect(400);
    expect(res.text).toContain('<html lang="vi">');
  });
});

describe('filters', () => {
  const cases: Array<[string, (m: Made) => boolean]> = [
    ['stage=decision', (m) => m.surveyId === surveys.csat.id],
    ['touchpoint=app', (m) => m.surveyId === surveys.nps.id],
    ['metric=ces', (m) => m.kind === 'ces'],
    ['group=detractor', (m) => scoreGroup(m.kind, m.score) === 'detractor'],
    ['group=promoter&metric=nps', (m) => m.kind === 'nps' && scoreGroup(m.kind, m.score) === 'promoter'],
    ['channel=qr', (m) => m.channel === 'qr'],
    ['attr=segment%3Dsme', (m) => m.segment === 'sme'],
    ['stage=retention&group=passive&channel=api', (m) => m.kind === 'ces' && scoreGroup(m.kind, m.score) === 'passive' && m.channel === 'api'],
  ];

  test.each(cases)('%s shows exactly the matching answers of the period', async (filter, match) => {
    const pages = await allPages(`/responses?${PERIOD}&${filter}`);
    expect(pages.flat()).toEqual(newestFirst(inMarch().filter(match)));
  });

  test('survey=<id> keeps one survey; the filter form shows the choice', async () => {
    const html = (await viewer.get(`/responses?${PERIOD}&survey=${surveys.ces.id}`).expect(200)).text;
    expect(idsOf(html)).toEqual(newestFirst(inMarch().filter((m) => m.surveyId === surveys.ces.id)));
    expect(html).toContain(`<option value="${surveys.ces.id}" selected>`);
  });

  test('a 7-day preset ending today shows none of these March answers', async () => {
    const html = (await viewer.get('/responses?period=7d').expect(200)).text;
    expect(idsOf(html)).toEqual([]);
    expect(html).toContain('Không có câu trả lời nào khớp với bộ lọc.');
  });

  test('empty form fields mean no filter', async () => {
    const html = (await viewer.get(`/responses?${PERIOD}&stage=&touchpoint=&survey=&metric=&group=&channel=&attr=`).expect(200)).text;
    expect(idsOf(html)).toHaveLength(50);
  });
});

describe('CSV export', () => {
  test('streams every matching answer, UTF-8 with a BOM, formulas neutralised', async () => {
    const risky = ['=HYPERLINK("http://evil.example","x")', '+SUM(A1:A2)', '-2+3', '@cmd', '\tTAB', '\r=CR', '\uFF1DSUM(A1)', 'Tiếng Việt, có dấu "ngoặc"', 'fine -dash'];
    const riskyIds: string[] = [];
    for (const comment of risky) {
      riskyIds.push((await recordResponse(t.db, { surveyId: surveys.csat.id, kind: 'csat', score: 1, comment, channel: 'api', locale: 'vi', answeredAt: new Date('2026-03-20T12:00:00+07:00') })).id);
    }
    try {
      const res = await viewer.get(`/responses/export.csv?${PERIOD}&stage=decision`).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      }).expect(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe('attachment; filename="responses-2026-03-01-2026-03-31.csv"');
      expect(res.headers['transfer-encoding']).toBe('chunked');
      const body = res.body as Buffer;
      expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const rows: Array<Record<string, string>> = parse(body.toString('utf8').slice(1), { columns: true });
      const expected = newestFirst(inMarch().filter((m) => m.surveyId === surveys.csat.id));
      expect(rows.map((r) => r.id).filter((id) => !riskyIds.includes(id))).toEqual(expected);
      const byId = new Map(rows.map((r) => [r.id, r]));
      expect(riskyIds.map((id) => byId.get(id)?.comment)).toEqual([
        `'=HYPERLINK("http://evil.example","x")`, `'+SUM(A1:A2)`, `'-2+3`, `'@cmd`, `'\tTAB`, `'\r=CR`, `'\uFF1DSUM(A1)`, 'Tiếng Việt, có dấu "ngoặc"', 'fine -dash',
      ]);
      const sample = byId.get(expected[0]) as Record<string, string>;
      expect(sample).toMatchObject({ metric: 'csat', stage: 'decision', touchpoint: 'shop', survey_title: 'Shop CSAT', survey_id: surveys.csat.id });
      expect(sample.created_at).toMatch(/^2026-03-\d\dT\d\d:\d\d:\d\d\.\d{3}\+07:00$/);
    } finally {
      await t.db.query(`DELETE FROM responses WHERE id = ANY($1)`, [riskyIds]);
    }
  });

  test('an export larger than one batch comes out whole, in order', async () => {
    await t.db.query(
      `INSERT INTO responses (survey_id, score, channel, locale, comment, created_at)
       SELECT $1, 1 + g % 5, 'link', 'en', 'bulk ' || g, timestamptz '2026-03-15 00:00+07' + g * interval '1 second' FROM generate_series(1, 2300) g`,
      [surveys.csat.id],
    );
    const res = await viewer.get(`/responses/export.csv?${PERIOD}&touchpoint=shop&channel=link`).expect(200);
    const rows: Array<Record<string, string>> = parse(res.text.replace(/^\uFEFF/, ''), { columns: true });
    const expected = 2300 + inMarch().filter((m) => m.surveyId === surveys.csat.id && m.channel === 'link').length;
    expect(rows).toHaveLength(expected);
    expect(new Set(rows.map((r) => r.id)).size).toBe(expected);
    const bulk = rows.filter((r) => r.comment.startsWith('bulk '));
    expect(bulk.map((r) => r.comment)).toEqual(Array.from({ length: 2300 }, (_, i) => `bulk ${2300 - i}`));
  });
});

describe('bad filter input is a 400 page in the user\'s language, never a 500', () => {
  test.each([
    '/overview?period=1y',
    '/overview?period=custom&from=2026-02-30&to=2026-03-01',
    '/overview?period=custom&from=2026-03-10',
    '/overview?period=custom&from=2026-03-10&to=2026-03-01',
    '/overview?period=custom&from=2020-01-01&to=2026-03-01',
    '/overview?channel=fax',
    '/overview?attr=novalue',
    '/overview?stage=decision',
    '/overview?unknown=1',
    '/overview?period=7d&period=30d',
    '/journey-map?from=yesterday',
    '/responses?stage=nope',
    '/responses?touchpoint=Bad%20Key',
    '/responses?survey=123',
    '/responses?survey=00000000-0000-4000-8000-000000000000',
    '/responses?metric=csi',
    '/responses?group=fans',
    '/responses?cursor=%3Cscript%3E',
    '/responses/export.csv?channel=sms',
    '/touchpoints/app?group=everyone',
    '/follow-ups?status=lost',
    '/follow-ups?assignee=bob',
  ])('%s', async (path) => {
    const res = await viewer.get(path).expect(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    // A period that cannot be read says what is wrong with it (and the filter form is shown again).
    expect(res.text).toMatch(/Bộ lọc không hợp lệ|Ngày bắt đầu đang sau ngày kết thúc|cần cả ngày bắt đầu và ngày kết thúc|dài nhất là 3 năm/);
  });
});
