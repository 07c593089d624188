import { HttpError } from '../../src/web/errors';
import { previousRange, resolvePeriod } from '../../src/web/params';
import { filterQuery, parseDashboardFilters } from '../../src/modules/metrics/filters';

/** The one parser of dashboard periods and filters (pure: no database needed). */
const HCM = 'Asia/Ho_Chi_Minh';
// 2026-03-31 18:30 UTC is already 1 April (01:30) in Ho Chi Minh City.
const LATE_MARCH_UTC = new Date('2026-03-31T18:30:00Z');

function expect400(fn: () => unknown, path: string) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(400);
    expect((err as HttpError).details.map((d) => d.path)).toContain(path);
    expect((err as HttpError).messageKey).toMatch(/^metrics\.err\.(filters|period\w+)$/);
    return;
  }
  throw new Error('expected a 400');
}

describe('presets end today in the organisation time zone', () => {
  test.each([
    ['7d', '2026-03-26', '2026-04-01'],
    ['30d', '2026-03-03', '2026-04-01'],
    ['90d', '2026-01-02', '2026-04-01'],
    ['quarter', '2026-04-01', '2026-04-01'],
  ] as const)('%s', (preset, from, to) => {
    expect(resolvePeriod({ period: preset }, HCM, LATE_MARCH_UTC)).toEqual({ preset, from, to });
  });

  test('the same instant in UTC is still 31 March: the quarter is Q1', () => {
    expect(resolvePeriod({ period: 'quarter' }, 'UTC', LATE_MARCH_UTC)).toEqual({ preset: 'quarter', from: '2026-01-01', to: '2026-03-31' });
    expect(resolvePeriod({ period: 'quarter' }, HCM, new Date('2026-11-22T03:00:00Z'))).toEqual({ preset: 'quarter', from: '2026-10-01', to: '2026-11-22' });
  });

  test('no preset and no days: the last 30 days; days alone mean custom', () => {
    expect(resolvePeriod({}, HCM, LATE_MARCH_UTC)).toEqual({ preset: '30d', from: '2026-03-03', to: '2026-04-01' });
    expect(resolvePeriod({ from: '2026-02-01', to: '2026-02-28' }, HCM, LATE_MARCH_UTC)).toEqual({ preset: 'custom', from: '2026-02-01', to: '2026-02-28' });
  });

  test('typed days win over a preset; the days the form showed, untouched, do not', () => {
    // Lan typed From/To and left "last 30 days" selected: she meant those days.
    expect(resolvePeriod({ period: '30d', from: '2026-01-01', to: '2026-03-31' }, HCM, LATE_MARCH_UTC)).toEqual({ preset: 'custom', from: '2026-01-01', to: '2026-03-31' });
    expect(resolvePeriod({ period: '30d', from: '2026-01-01', to: '2026-03-31', shown: '2026-03-03..2026-04-01' }, HCM, LATE_MARCH_UTC).preset).toBe('custom');
    // One typed end is enough to mean custom (and the other must then be given).
    expect(resolvePeriod({ period: '7d', from: '2026-03-10', to: '2026-04-01', shown: '2026-03-03..2026-04-01' }, HCM, LATE_MARCH_UTC)).toEqual({ preset: 'custom', from: '2026-03-10', to: '2026-04-01' });
    // She picked "last 7 days" and did not touch the days the form showed: the preset decides.
    expect(resolvePeriod({ period: '7d', from: '2026-02-01', to: '2026-02-28', shown: '2026-02-01..2026-02-28' }, HCM, LATE_MARCH_UTC)).toEqual({ preset: '7d', from: '2026-03-26', to: '2026-04-01' });
  });

  test('custom needs both ends, in order, within the maximum span', () => {
    expect400(() => resolvePeriod({ period: 'custom', from: '2026-02-01' }, HCM), 'to');
    expect400(() => resolvePeriod({ period: 'custom', to: '2026-02-01' }, HCM), 'from');
    expect400(() => resolvePeriod({ period: 'custom', from: '2026-02-02', to: '2026-02-01' }, HCM), 'from');
    expect400(() => resolvePeriod({ period: 'custom', from: '2020-01-01', to: '2026-02-01' }, HCM), 'from');
    expect(resolvePeriod({ period: 'custom', from: '2026-02-01', to: '2026-02-01' }, HCM)).toEqual({ preset: 'custom', from: '2026-02-01', to: '2026-02-01' });
  });

  test('the previous period has the same length and ends the day before', () => {
    expect(previousRange({ from: '2026-03-01', to: '2026-03-31' })).toEqual({ from: '2026-01-29', to: '2026-02-28' });
    expect(previousRange({ from: '2026-04-01', to: '2026-04-01' })).toEqual({ from: '2026-03-31', to: '2026-03-31' });
  });
});

describe('parseDashboardFilters', () => {
  const all = ['period', 'from', 'to', 'stage', 'touchpoint', 'survey', 'metric', 'group', 'channel', 'attr', 'cursor'] as const;

  test('reads every filter, the previous period and a key=value attribute (the value may hold "=")', () => {
    const f = parseDashboardFilters(
      { period: 'custom', from: '2026-03-01', to: '2026-03-14', stage: 'decision', touchpoint: 'web-shop', survey: '0b5f2a58-3c1e-4d2a-9d9f-1c2b3a4d5e6f', metric: 'nps', group: 'detractor', channel: 'qr', attr: ' plan=a=b ' },
      { timeZone: HCM, allow: all },
    );
    expect(f).toMatchObject({
      period: { preset: 'custom', from: '2026-03-01', to: '2026-03-14' },
      previous: { from: '2026-02-15', to: '2026-02-28' },
      stage: 'decision', touchpoint: 'web-shop', metric: 'nps', group: 'detractor', channel: 'qr',
      attribute: { key: 'plan', value: 'a=b' },
    });
    expect(filterQuery(f)).toBe('?from=2026-03-01&to=2026-03-14&stage=decision&touchpoint=web-shop&survey=0b5f2a58-3c1e-4d2a-9d9f-1c2b3a4d5e6f&metric=nps&group=detractor&channel=qr&attr=plan%3Da%3Db');
    expect(filterQuery(f, { group: undefined, cursor: 'abc' })).toContain('&channel=qr&attr=plan%3Da%3Db&cursor=abc');
  });

  test.each([
    [{ period: 'year' }, 'period'],
    [{ from: '2026-02-30', to: '2026-03-01' }, 'from'],
    [{ from: '26-03-01', to: '2026-03-01' }, 'from'],
    [{ channel: 'sms' }, 'channel'],
    [{ metric: 'CSAT' }, 'metric'],
    [{ group: 'fans' }, 'group'],
    [{ stage: 'Decision!' }, 'stage'],
    [{ survey: 'abc' }, 'survey'],
    [{ attr: 'segment' }, 'attr'],
    [{ attr: '=sme' }, 'attr'],
    [{ cursor: 'a b' }, 'cursor'],
    [{ channel: ['qr', 'api'] }, 'channel'],
  ])('%j is a 400 naming %s', (query, path) => {
    expect400(() => parseDashboardFilters(query, { timeZone: HCM, allow: all }), path);
  });

  test('a filter the page does not take is a 400, not silently ignored', () => {
    expect400(() => parseDashboardFilters({ stage: 'decision' }, { timeZone: HCM, allow: ['period', 'from', 'to', 'channel', 'attr'] }), 'stage');
  });
});
