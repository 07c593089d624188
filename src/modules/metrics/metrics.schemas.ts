import Joi from 'joi';
import { isCalendarDay } from '../../time';

/** Reporting days stay well inside what both JavaScript dates and PostgreSQL can hold, weeks included. */
export const EARLIEST_DAY = '1970-01-01';
export const LATEST_DAY = '2999-12-31';

const day = Joi.string().custom((value: string, helpers) => (
  isCalendarDay(value) && value >= EARLIEST_DAY && value <= LATEST_DAY ? value : helpers.error('date.day')))
  .messages({ 'date.day': `{{#label}} must be a calendar date written YYYY-MM-DD, from ${EARLIEST_DAY} to ${LATEST_DAY}` });

export const MAX_RANGE_DAYS = 3 * 366;

export const metricsQuerySchema = Joi.object({
  kind: Joi.string().valid('nps', 'csat', 'ces').required(),
  by: Joi.string().valid('overall', 'stage', 'touchpoint', 'survey', 'week').default('overall'),
  from: day,
  to: day,
  lang: Joi.string().valid('vi', 'en'),
});

export interface MetricsQuery {
  kind: 'nps' | 'csat' | 'ces';
  by: 'overall' | 'stage' | 'touchpoint' | 'survey' | 'week';
  from?: string;
  to?: string;
  lang?: 'vi' | 'en';
}
