import Joi from 'joi';
import { isCalendarDay } from '../../time';

const day = Joi.string().custom((value: string, helpers) => (isCalendarDay(value) ? value : helpers.error('date.day')))
  .messages({ 'date.day': '{{#label}} must be a calendar date written YYYY-MM-DD' });

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
