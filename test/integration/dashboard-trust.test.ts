import { startTestApp, type TestApp } from '../helpers/app';
import { makeResponses, makeSurvey } from '../helpers/factories';
import { loginAs, type Agent } from '../helpers/login';
import { t as tr, type MessageKey } from '../../src/i18n';
import { TOUCHPOINT_CHANNELS } from '../../src/modules/journeys/touchpoint.entity';

/**
 * Issue 15, "a dashboard a CX lead trusts": one test (or a few) per defect Lan found, against the real
 * pages in both languages.
 */
let t: TestApp;
let vi: Agent;
let en: Agent;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  ids.web = (await makeSurvey(t, { kind: 'nps', title: 'Web NPS', touchpoint: { key: 'web', stageKey: 'decision', name: { vi: 'Mua trên web', en: 'Web purchase' }, channel: 'website' } })).id;
  await makeResponses(t, ids.web, { 10: 3, 0: 1 }, { via: 'service', kind: 'nps', answeredAt: '2026-01-15T10:00:00+07:00' });
  vi = await loginAs(t, 'viewer', { locale: 'vi' });
  en = await loginAs(t, 'viewer', { locale: 'en' });
});

afterAll(async () => {
  await t?.close();
});

describe('2. typed dates', () => {
  const PAGES = ['/overview', '/journey-map', '/touchpoints/web', '/responses'];

  test.each(PAGES)('%s: typed From/To with "last 30 days" still selected show those days', async (page) => {
    const html = (await vi.get(`${page}?period=30d&from=2026-01-01&to=2026-03-31`).expect(200)).text;
    expect(html).toContain('<option value="custom" selected>');
    expect(html).toContain('01/01/2026');
    expect(html).toContain('31/03/2026');
  });

  test('picking a preset without touching the shown days keeps the preset', async () => {
    const html = (await en.get('/overview?period=7d&from=2026-01-01&to=2026-03-31&shown=2026-01-01..2026-03-31').expect(200)).text;
    expect(html).toContain('<option value="7d" selected>');
  });

  test.each([['vi', 'Ngày bắt đầu đang sau ngày kết thúc'], ['en', 'The start date is after the end date']] as const)(
    'a reversed range shows the form again with the message (%s)', async (lang, message) => {
      const agent = lang === 'vi' ? vi : en;
      for (const page of PAGES) {
        const res = await agent.get(`${page}?period=custom&from=2026-03-31&to=2026-01-01&stage=&channel=email`).expect(400);
        expect(res.text).toContain(message);
        expect(res.text).toMatch(/<form method="get" action="[^"]+" class="filters"/);
        expect(res.text).toContain('name="from" value="2026-03-31"');
        expect(res.text).toContain('name="to" value="2026-01-01"');
        expect(res.text).toContain('<option value="email" selected>');
      }
    });
});

describe('5. words and formats', () => {
  const plain = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').toLowerCase();

  test('the legend\'s "below target" and "no target" differ by more than a diacritic', () => {
    for (const lang of ['vi', 'en'] as const) {
      expect(plain(tr(lang, 'metrics.targetMissed'))).not.toBe(plain(tr(lang, 'metrics.noTarget')));
    }
  });

  test('each touchpoint channel has one name, on the management pages and on the dashboard', () => {
    for (const channel of TOUCHPOINT_CHANNELS) {
      for (const lang of ['vi', 'en'] as const) {
        expect(tr(lang, `metrics.touchpointChannel.${channel}` as MessageKey)).toBe(tr(lang, `manage.channel.${channel}` as MessageKey));
      }
    }
    const names = TOUCHPOINT_CHANNELS.map((c) => tr('vi', `manage.channel.${c}` as MessageKey));
    expect(new Set(names).size).toBe(names.length);
  });

  test('the survey admin page formats its response count and links to the results', async () => {
    const { id } = await makeSurvey(t, { kind: 'csat', title: 'Big CSAT' });
    await t.db.query(
      `INSERT INTO responses (survey_id, score, channel, locale, hidden, created_at, updated_at)
       SELECT $1, 5, 'link', 'vi', '{}', now(), now() FROM generate_series(1, 11671)`, [id]);
    const viPage = (await vi.get(`/manage/surveys/${id}`).expect(200)).text;
    expect(viPage).toContain('<dd class="num">11.671</dd>');
    expect(viPage).toContain(`href="/surveys/${id}"`);
    expect((await en.get(`/manage/surveys/${id}`).expect(200)).text).toContain('<dd class="num">11,671</dd>');
  });

  test('the CSV group column names each metric\'s own groups', async () => {
    const { id } = await makeSurvey(t, { kind: 'csat', title: 'Groups CSAT' });
    await makeResponses(t, id, { 5: 1, 3: 1, 1: 1 }, { via: 'service', kind: 'csat', answeredAt: '2026-01-10T10:00:00+07:00' });
    const csv = (await en.get(`/responses/export.csv?from=2026-01-01&to=2026-01-31&survey=${id}`).expect(200)).text;
    const groups = csv.trim().split('\n').slice(1).map((line) => line.split(',')[8]).sort();
    expect(groups).toEqual(['neutral', 'satisfied', 'unsatisfied']);
    const nps = (await en.get(`/responses/export.csv?from=2026-01-01&to=2026-01-31&survey=${ids.web}`).expect(200)).text;
    expect(nps).toContain(',promoter,');
  });
});
