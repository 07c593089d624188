import { addDays, offsetMinutes, weekStart, zonedDay } from '../../time';
import type { DayRange } from '../../web/params';

/**
 * Which period a digest covers and when it is due, in the organisation's time zone. Pure functions of
 * the clock and the settings, so every instance computes the same key for the same digest.
 */

export type DigestFrequency = 'weekly' | 'daily';

export interface DigestPeriod extends DayRange {
  frequency: DigestFrequency;
  /** The idempotency key's first half: `week:<monday>` or `day:<date>`. */
  key: string;
  /** The period of the same length just before, for the change figures. */
  previous: DayRange;
}

export interface DigestSchedule {
  timeZone: string;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** Hour of the day, 0–23. */
  hour: number;
}

/** A digest left unsent this long after its time (the app was down) is not sent late any more. */
export const CATCH_UP_HOURS = 24;

/** The Monday–Sunday week starting on `monday`. */
export function weekPeriod(monday: string): DigestPeriod {
  if (weekStart(monday) !== monday) throw new RangeError(`${monday} is not a Monday`);
  return { frequency: 'weekly', key: `week:${monday}`, from: monday, to: addDays(monday, 6), previous: { from: addDays(monday, -7), to: addDays(monday, -1) } };
}

export function dayPeriod(day: string): DigestPeriod {
  return { frequency: 'daily', key: `day:${day}`, from: day, to: day, previous: { from: addDays(day, -1), to: addDays(day, -1) } };
}

/** The last complete Monday–Sunday week before the day (the week before the day's own week). */
export function lastCompleteWeek(day: string): DigestPeriod {
  return weekPeriod(addDays(weekStart(day), -7));
}

/** The instant a local wall-clock hour begins in the zone (DST gaps fall forward to the next real hour). */
export function zonedHour(day: string, hour: number, timeZone: string): Date {
  const wall = Date.parse(`${day}T${String(hour).padStart(2, '0')}:00:00Z`);
  let instant = wall - offsetMinutes(new Date(wall), timeZone) * 60_000;
  // A second pass settles days when the offset changes between the guess and the answer.
  instant = wall - offsetMinutes(new Date(instant), timeZone) * 60_000;
  return new Date(instant);
}

function isoWeekday(day: string): number {
  return ((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;
}

export interface DueDigest { period: DigestPeriod; dueAt: Date }

/**
 * The digests whose time has come at `now` and is not more than CATCH_UP_HOURS past: the weekly one
 * (last complete week, on the set weekday and hour) and the daily one (yesterday, every day at the set
 * hour). Sending is idempotent per (period, recipient), so asking again within the window is harmless.
 */
export function dueDigests(now: Date, s: DigestSchedule): DueDigest[] {
  const today = zonedDay(now, s.timeZone);
  const out: DueDigest[] = [];
  const todayAt = zonedHour(today, s.hour, s.timeZone);
  const dailyDay = todayAt.getTime() <= now.getTime() ? today : addDays(today, -1);
  out.push({ period: dayPeriod(addDays(dailyDay, -1)), dueAt: zonedHour(dailyDay, s.hour, s.timeZone) });
  let weeklyDay = addDays(today, -((isoWeekday(today) - s.weekday + 7) % 7));
  if (zonedHour(weeklyDay, s.hour, s.timeZone).getTime() > now.getTime()) weeklyDay = addDays(weeklyDay, -7);
  out.push({ period: lastCompleteWeek(weeklyDay), dueAt: zonedHour(weeklyDay, s.hour, s.timeZone) });
  return out.filter((d) => now.getTime() - d.dueAt.getTime() < CATCH_UP_HOURS * 3_600_000);
}

/** The digests `npm run digest -- --now` sends: the last complete week and yesterday, whatever the hour. */
export function currentDigests(now: Date, timeZone: string): DigestPeriod[] {
  const today = zonedDay(now, timeZone);
  return [lastCompleteWeek(today), dayPeriod(addDays(today, -1))];
}

/** The next time the weekly digest goes out, for the admin page. */
export function nextWeeklyAt(now: Date, s: DigestSchedule): Date {
  const today = zonedDay(now, s.timeZone);
  let day = addDays(today, (s.weekday - isoWeekday(today) + 7) % 7);
  if (zonedHour(day, s.hour, s.timeZone).getTime() <= now.getTime()) day = addDays(day, 7);
  return zonedHour(day, s.hour, s.timeZone);
}
