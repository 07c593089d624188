import { currentDigests, dayPeriod, dueDigests, lastCompleteWeek, weekPeriod } from '../../src/modules/digest';
import { nextWeeklyAt, zonedHour } from '../../src/modules/digest/digest.period';

const HCM = 'Asia/Ho_Chi_Minh';
const monday8 = { timeZone: HCM, weekday: 1, hour: 8 };
const keys = (now: string, s = monday8) => dueDigests(new Date(now), s).map((d) => d.period.key);

describe('digest periods', () => {
  test('a week runs Monday to Sunday and is compared with the week before', () => {
    expect(weekPeriod('2026-03-09')).toEqual({
      frequency: 'weekly', key: 'week:2026-03-09', from: '2026-03-09', to: '2026-03-15', previous: { from: '2026-03-02', to: '2026-03-08' },
    });
    expect(() => weekPeriod('2026-03-10')).toThrow(RangeError);
    expect(dayPeriod('2026-03-01')).toEqual({ frequency: 'daily', key: 'day:2026-03-01', from: '2026-03-01', to: '2026-03-01', previous: { from: '2026-02-28', to: '2026-02-28' } });
  });

  test('the last complete week is the one before the day’s own week, whatever the weekday', () => {
    for (const day of ['2026-03-09', '2026-03-11', '2026-03-15']) expect(lastCompleteWeek(day).key).toBe('week:2026-03-02');
    expect(lastCompleteWeek('2026-01-01').key).toBe('week:2025-12-22');
  });

  test('an hour of the organisation’s day is the right instant, across daylight-saving changes', () => {
    expect(zonedHour('2026-03-09', 8, HCM).toISOString()).toBe('2026-03-09T01:00:00.000Z');
    expect(zonedHour('2026-03-29', 8, 'Europe/Berlin').toISOString()).toBe('2026-03-29T06:00:00.000Z');
    expect(zonedHour('2026-10-25', 8, 'Europe/Berlin').toISOString()).toBe('2026-10-25T07:00:00.000Z');
    expect(zonedHour('2026-03-09', 8, 'Asia/Kathmandu').toISOString()).toBe('2026-03-09T02:15:00.000Z');
  });
});

describe('when a digest is due', () => {
  test('Monday 08:00 in Ho Chi Minh City: last week’s digest and yesterday’s', () => {
    expect(keys('2026-03-09T01:00:30Z')).toEqual(['day:2026-03-08', 'week:2026-03-02']);
  });

  test('a minute before eight, only Sunday’s daily digest (Saturday’s day) is due; last Monday’s weekly one is long past', () => {
    expect(keys('2026-03-09T00:59:00Z')).toEqual(['day:2026-03-07']);
  });

  test('an app that was down catches up within a day, not later', () => {
    expect(keys('2026-03-10T00:30:00Z')).toEqual(['day:2026-03-08', 'week:2026-03-02']);
    expect(keys('2026-03-10T01:00:30Z')).toEqual(['day:2026-03-09']);
  });

  test('another weekday and hour: Friday 17:00 sends the last complete week', () => {
    const friday = { timeZone: HCM, weekday: 5, hour: 17 };
    expect(keys('2026-03-13T10:05:00Z', friday)).toEqual(['day:2026-03-12', 'week:2026-03-02']);
    expect(keys('2026-03-13T09:55:00Z', friday)).toEqual(['day:2026-03-11']);
  });

  test('--now takes last week and yesterday whatever the hour; the admin page shows the next weekly time', () => {
    expect(currentDigests(new Date('2026-03-11T15:00:00Z'), HCM).map((p) => p.key)).toEqual(['week:2026-03-02', 'day:2026-03-10']);
    expect(nextWeeklyAt(new Date('2026-03-09T01:00:30Z'), monday8).toISOString()).toBe('2026-03-16T01:00:00.000Z');
    expect(nextWeeklyAt(new Date('2026-03-09T00:59:00Z'), monday8).toISOString()).toBe('2026-03-09T01:00:00.000Z');
  });
});
