import Joi from 'joi';
import { isCalendarDay } from '../../time';
import { COMMENT_MAX_LENGTH } from '../public/public.schemas';
import { emailSchema } from '../contacts/contacts.schemas';
import { surveyIdSchema } from '../surveys/surveys.schemas';

/** Clock skew tolerated for `answeredAt` before it counts as "in the future". */
export const FUTURE_TOLERANCE_MS = 60_000;

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):?(\d{2}))$/;
const EARLIEST_DAY = '1970-01-01';

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

export const createResponseSchema = Joi.object({
  score: Joi.number().integer().strict().required(),
  comment: Joi.string().trim().allow('', null).max(COMMENT_MAX_LENGTH),
  email: emailSchema,
  locale: Joi.string().valid('vi', 'en'),
  hidden: Joi.object().pattern(Joi.string().pattern(/^[A-Za-z0-9_.-]{1,40}$/), Joi.string().max(200).allow('')).max(20),
  /** A day alone means the start of that day in the organisation's time zone. */
  answeredAt: pointInTimeSchema,
});

export const listResponsesSchema = Joi.object({
  surveyId: surveyIdSchema,
  /** Inclusive; a day means from the start of that day in the organisation's time zone. */
  since: pointInTimeSchema,
  /** Exclusive; a day means up to the end of that day in the organisation's time zone (the day is included). */
  until: pointInTimeSchema,
  cursor: Joi.string().max(200),
  limit: Joi.number().integer().min(1).max(500).default(50),
});

export interface CreateResponseInput {
  score: number;
  comment?: string | null;
  email?: string;
  locale?: 'vi' | 'en';
  hidden?: Record<string, string>;
  answeredAt?: string;
}

export interface ListResponsesQuery {
  surveyId?: string;
  since?: string;
  until?: string;
  cursor?: string;
  limit: number;
}
