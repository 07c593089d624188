import Joi from 'joi';
import { addDays, daysBetween, isCalendarDay, zonedDay } from '../time';
import { HttpError } from './errors';
import type { MessageKey } from '../i18n';

/**
 * The one home of the values that travel in URLs, forms and API bodies: ids, keys, days, periods and
 * cursors. The API, the dashboard pages and the public pages all take them from here, so one pattern
 * decides everywhere, and every value accepted here is one PostgreSQL accepts too.
 */

// ── Ids ──────────────────────────────────────────────────────────────────────────────────────────────

/** A hyphenated UUID, as PostgreSQL writes one (no braces, no colons: forms Joi's plain guid() would pass). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const uuidSchema = Joi.string().guid({ separator: '-', wrapper: false });

const SERIAL = /^[1-9]\d{0,9}$/;
const MAX_INT = 2147483647;
const BIGSERIAL = /^[1-9]\d{0,18}$/;
const MAX_BIGINT = 9223372036854775807n;

/** A uuid route parameter, lower-cased, or null (the page answers 404 instead of letting PostgreSQL refuse it). */
export function uuidParam(value: unknown): string | null {
  return typeof value === 'string' && UUID_PATTERN.test(value) ? value.toLowerCase() : null;
}

/** A serial (integer) id, or null when it is not one PostgreSQL's `integer` can hold. */
export function serialParam(value: unknown): number | null {
  return typeof value === 'string' && SERIAL.test(value) && Number(value) <= MAX_INT ? Number(value) : null;
}

/** A bigserial id, kept as text (JavaScript numbers cannot hold every bigint), or null. */
export function bigSerialParam(value: unknown): string | null {
  return typeof value === 'string' && BIGSERIAL.test(value) && BigInt(value) <= MAX_BIGINT ? value : null;
}

// ── Keys ─────────────────────────────────────────────────────────────────────────────────────────────

/** A stage or touchpoint key: a slug of lowercase letters and digits, words joined by - or _. */
export const KEY_PATTERN = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
export const KEY_MAX_LENGTH = 64;
export const keySchema = Joi.string().max(KEY_MAX_LENGTH).pattern(KEY_PATTERN)
  .messages({ 'string.pattern.base': '{{#label}} must be a slug: lowercase letters, digits, - and _' });

/**
 * A key made from a name: accents and đ dropped, lowercase, words joined by - ("Cửa hàng Quận 1" →
 * "cua-hang-quan-1", "Store Q1" → "store-q1"); '' when nothing of the name is left.
 */
export function suggestKey(name: string): string {
  const plain = name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase();
  const key = plain.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, KEY_MAX_LENGTH).replace(/-+$/, '');
  return KEY_PATTERN.test(key) ? key : '';
}

/** A key route parameter, or null. */
export function keyParam(value: unknown): string | null {
  return typeof value === 'string' && value.length <= KEY_MAX_LENGTH && KEY_PATTERN.test(value) ? value : null;
}

// ── Days and points in time ──────────────────────────────────────────────────────────────────────────

/** Reporting days stay well inside what both JavaScript dates and PostgreSQL can hold, weeks included. */
export const EARLIEST_DAY = '1970-01-01';
export const LATEST_DAY = '2999-12-31';
/** The longest reporting period, in days (three years). */
export const MAX_RANGE_DAYS = 3 * 366;

export { isCalendarDay };

/** A calendar day YYYY-MM-DD from EARLIEST_DAY to LATEST_DAY (30 February and year 0000 are refused). */
export const daySchema = Joi.string().custom((value: string, helpers) => (
  isCalendarDay(value) && value >= EARLIEST_DAY && value <= LATEST_DAY ? value : helpers.error('date.day')))
  .messages({ 'date.day': `{{#label}} must be a calendar date written YYYY-MM-DD, from ${EARLIEST_DAY} to ${LATEST_DAY}` });

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):?(\d{2}))$/;

/**
 * A point in time from a client: an ISO 8601 timestamp with an offset (converted to UTC, `…Z`), or a
 * calendar day `YYYY-MM-DD`, kept as is and read in the organisation's time zone by the caller. A time
 * without an offset is refused: it would silently mean the server's zone. Joi's own isoDate() is not used
 * because it rolls 30 February over to March and lets through years PostgreSQL refuses.
 */
export const pointInTimeSchema = Joi.string().max(40).custom((value: string, helpers) => {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return isCalendarDay(value) && value >= EARLIEST_DAY ? value : helpers.error('pointInTime.invalid');
  }
  const m = TIMESTAMP.exec(value);
  if (!m) return helpers.error('pointInTime.invalid');
  const [, day, hh, mm, ss = '00', fraction = '', sign, oh, om] = m;
  if (!isCalendarDay(day) || +hh > 23 || +mm > 59 || +ss > 59 || (sign && (+oh > 14 || +om > 59))) return helpers.error('pointInTime.invalid');
  const instant = new Date(`${day}T${hh}:${mm}:${ss}.${fraction.padEnd(3, '0').slice(0, 3)}${sign ? `${sign}${oh}:${om}` : 'Z'}`);
  if (Number.isNaN(instant.getTime()) || instant.toISOString().slice(0, 10) < EARLIEST_DAY) return helpers.error('pointInTime.invalid');
  return instant.toISOString();
}).messages({
  'pointInTime.invalid': '{{#label}} must be an ISO 8601 timestamp with an offset (e.g. 2026-05-01T09:30:00+07:00) or a day YYYY-MM-DD, from 1970 on',
});

/** Whether a validated point in time is a calendar day rather than an instant. */
export function isDay(value: string): boolean {
  return value.length === 10;
}

// ── Periods ──────────────────────────────────────────────────────────────────────────────────────────

export interface DayRange { from: string; to: string }

/** The dashboard's period choices: rolling windows ending today, the quarter so far, or chosen days. */
export const PERIOD_PRESETS = ['7d', '30d', '90d', 'quarter', 'custom'] as const;
export type PeriodPreset = (typeof PERIOD_PRESETS)[number];
export const DEFAULT_PRESET: PeriodPreset = '30d';
export const periodSchema = Joi.string().valid(...PERIOD_PRESETS);

export interface Period extends DayRange { preset: PeriodPreset }

function invalidPeriod(path: string, message: string, key: MessageKey = 'metrics.err.filters'): HttpError {
  return new HttpError(400, 'validation_failed', 'The request is not valid', [{ path, message }], key);
}

function checkSpan(range: DayRange): DayRange {
  if (daysBetween(range.from, range.to) < 0) throw invalidPeriod('from', 'from must not be after to', 'metrics.err.periodReversed');
  if (daysBetween(range.from, range.to) >= MAX_RANGE_DAYS) throw invalidPeriod('from', `the period may span at most ${MAX_RANGE_DAYS} days`, 'metrics.err.periodSpan');
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

/** The range a filter form showed, written `from..to` in a hidden field: typed days differ from it. */
export const SHOWN_RANGE = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/;
export const shownRangeSchema = Joi.string().max(22).pattern(SHOWN_RANGE);

/**
 * A dashboard period from a preset (`7d`, `30d`, `90d` end today; `quarter` runs from the first day of
 * the current quarter to today) or from custom `from`/`to` days. Explicit days mean `custom`, whatever the
 * preset says, unless they are exactly the days the form showed (`shown`, `from..to`): the form keeps its
 * date fields filled, so untouched days must not overrule a preset the user just picked, while a typed
 * day must never be silently ignored (also without script). Inputs are already validated as calendar days.
 */
export function resolvePeriod(input: { period?: PeriodPreset; from?: string; to?: string; shown?: string }, timeZone: string, now = new Date()): Period {
  const shown = input.shown ? SHOWN_RANGE.exec(input.shown) : null;
  const typed = (input.from !== undefined || input.to !== undefined)
    && !(shown && (input.from ?? '') === shown[1] && (input.to ?? '') === shown[2]);
  const preset = typed ? 'custom' : input.period ?? DEFAULT_PRESET;
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
      if (!input.from || !input.to) throw invalidPeriod(input.from ? 'to' : 'from', 'a custom period needs both from and to', 'metrics.err.periodEnds');
      return { preset, ...checkSpan({ from: input.from, to: input.to }) };
  }
}

/** The period of the same length just before, for "change vs previous period". */
export function previousRange(range: DayRange): DayRange {
  const length = daysBetween(range.from, range.to) + 1;
  return { from: addDays(range.from, -length), to: addDays(range.from, -1) };
}

// ── Cursors ──────────────────────────────────────────────────────────────────────────────────────────

/**
 * A keyset cursor over (created_at, id): opaque to clients, stable under concurrent inserts. It carries
 * created_at to the microsecond, as PostgreSQL stores it: a millisecond cursor would sort before its own
 * row and repeat it on the next page.
 */
export interface Cursor { at: string; id: string }
export type CursorId = 'bigserial' | 'uuid';

const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
export const cursorSchema = Joi.string().max(200).pattern(/^[A-Za-z0-9_-]+$/);

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.at}|${c.id}`).toString('base64url');
}

/** A real UTC instant written as encodeCursor writes it; a rolled-over date (30 February) would not round-trip. */
function isCursorTime(text: string): boolean {
  if (!CURSOR_TIME.test(text) || text.slice(0, 10) < EARLIEST_DAY || text.slice(0, 10) > LATEST_DAY) return false;
  const millis = `${text.slice(0, 23)}Z`;
  const parsed = new Date(millis);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString() === millis;
}

/** The cursor a page wrote, or null when the text is not one (and so cannot be trusted into SQL). */
export function decodeCursor(text: string, id: CursorId): Cursor | null {
  const [at, rawId, ...rest] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  if (rest.length > 0 || !isCursorTime(at ?? '')) return null;
  const checked = id === 'uuid' ? uuidParam(rawId) : bigSerialParam(rawId);
  return checked ? { at, id: checked } : null;
}

/**
 * A keyset cursor over a list in journey order (`GET /api/v1/metrics?by=touchpoint|survey`): the sort key of
 * the last item given, integers then an id, opaque to clients like the one above.
 */
export type OrderKeyPart = 'bigint' | 'uuid';
const BIGINT_TEXT = /^-?(?:0|[1-9]\d{0,18})$/;

export function encodeOrderCursor(key: string[]): string {
  return Buffer.from(key.join('|')).toString('base64url');
}

/** The sort key a list wrote, checked part by part against its shape, or null. */
export function decodeOrderCursor(text: string, shape: OrderKeyPart[]): string[] | null {
  const parts = Buffer.from(text, 'base64url').toString('utf8').split('|');
  if (parts.length !== shape.length) return null;
  for (const [i, kind] of shape.entries()) {
    const part = parts[i];
    if (kind === 'uuid' ? !UUID_PATTERN.test(part) : !BIGINT_TEXT.test(part) || BigInt(part) > MAX_BIGINT || BigInt(part) < -MAX_BIGINT) return null;
  }
  return parts;
}

/** The cursor a page wrote; anything else is a 400 `invalid_cursor` (API) or a 400 page. */
export function requireCursor(text: string, id: CursorId): Cursor {
  const cursor = decodeCursor(text, id);
  if (!cursor) throw new HttpError(400, 'invalid_cursor', 'The cursor is not valid; use nextCursor from a previous page', [{ path: 'cursor', message: 'not a cursor' }]);
  return cursor;
}
