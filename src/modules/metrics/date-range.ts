import { addDays, daysBetween, zonedDay } from '../../time';
import { HttpError } from '../../web/errors';
import { MAX_RANGE_DAYS } from './metrics.schemas';

export interface DayRange { from: string; to: string }

/**
 * The one parser for reporting periods: calendar days in the organisation's time zone, inclusive.
 * Missing ends default to the last 30 days up to today.
 */
export function resolveDayRange(input: { from?: string; to?: string }, timeZone: string, now = new Date()): DayRange {
  const to = input.to ?? (input.from ? addDays(input.from, 29) : zonedDay(now, timeZone));
  const from = input.from ?? addDays(to, -29);
  if (daysBetween(from, to) < 0) {
    throw new HttpError(400, 'validation_failed', 'The request is not valid', [{ path: 'from', message: 'from must not be after to' }]);
  }
  if (daysBetween(from, to) >= MAX_RANGE_DAYS) {
    throw new HttpError(400, 'validation_failed', 'The request is not valid', [{ path: 'from', message: `the period may span at most ${MAX_RANGE_DAYS} days` }]);
  }
  return { from, to };
}

/** The period of the same length just before, for "change vs previous period". */
export function previousRange(range: DayRange): DayRange {
  const length = daysBetween(range.from, range.to) + 1;
  return { from: addDays(range.from, -length), to: addDays(range.from, -1) };
}
