import { addDays, daysBetween, zonedDay } from '../../time';
import { HttpError } from '../../web/errors';
import { MAX_RANGE_DAYS } from './metrics.schemas';

export interface DayRange { from: string; to: string }

/** The dashboard's period choices: rolling windows ending today, the quarter so far, or chosen days. */
export const PERIOD_PRESETS = ['7d', '30d', '90d', 'quarter', 'custom'] as const;
export type PeriodPreset = (typeof PERIOD_PRESETS)[number];
export const DEFAULT_PRESET: PeriodPreset = '30d';

export interface Period extends DayRange { preset: PeriodPreset }

function invalid(path: string, message: string): HttpError {
  return new HttpError(400, 'validation_failed', 'The request is not valid', [{ path, message }], 'metrics.err.filters');
}

function checkSpan(range: DayRange): DayRange {
  if (daysBetween(range.from, range.to) < 0) throw invalid('from', 'from must not be after to');
  if (daysBetween(range.from, range.to) >= MAX_RANGE_DAYS) throw invalid('from', `the period may span at most ${MAX_RANGE_DAYS} days`);
  return range;
}

/**
 * The one parser for reporting periods: calendar days in the organisation's time zone, inclusive.
 * Missing ends default to the last 30 days up to today.
 */
export function resolveDayRange(input: { from?: string; to?: string }, timeZone: string, now = new Date()): DayRange {
  const to = input.to ?? (input.from ? addDays(input.from, 29) : zonedDay(now, timeZone));
  const from = input.from ?? addDays(to, -29);
  return checkSpan({ from, to });
}

/**
 * A dashboard period from a preset (`7d`, `30d`, `90d` end today; `quarter` runs from the first day of
 * the current quarter to today) or from custom `from`/`to` days. Days given without a preset mean
 * `custom`; with another preset they are ignored (the filter form keeps its date fields filled when the
 * user picks a preset). Inputs are already validated as calendar days (see filters.ts).
 */
export function resolvePeriod(input: { period?: PeriodPreset; from?: string; to?: string }, timeZone: string, now = new Date()): Period {
  const preset = input.period ?? (input.from || input.to ? 'custom' : DEFAULT_PRESET);
  const today = zonedDay(now, timeZone);
  switch (preset) {
    case '7d':
    case '30d':
    case '90d':
      return { preset, from: addDays(today, 1 - Number(preset.slice(0, -1))), to: today };
    case 'quarter': {
      const month = Number(today.slice(5, 7));
      const first = `${today.slice(0, 4)}-${String(month - ((month - 1) % 3)).padStart(2, '0')}-01`;
      return { preset, from: first, to: today };
    }
    case 'custom':
      if (!input.from || !input.to) throw invalid(input.from ? 'to' : 'from', 'a custom period needs both from and to');
      return { preset, ...checkSpan({ from: input.from, to: input.to }) };
  }
}

/** The period of the same length just before, for "change vs previous period". */
export function previousRange(range: DayRange): DayRange {
  const length = daysBetween(range.from, range.to) + 1;
  return { from: addDays(range.from, -length), to: addDays(range.from, -1) };
}
