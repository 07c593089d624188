import Joi from 'joi';
import { daySchema as day } from '../../web/params';

export const metricsQuerySchema = Joi.object({
  kind: Joi.string().valid('nps', 'csat', 'ces').required(),
  by: Joi.string().pattern(/^(?:overall|stage|touchpoint|survey|week|(?:attribute|hidden):[A-Za-z0-9_.-]{1,40})$/)
    .message('{{#label}} must be overall, stage, touchpoint, survey, week, attribute:KEY or hidden:KEY').default('overall'),
  from: day,
  to: day,
  lang: Joi.string().valid('vi', 'en'),
});

export interface MetricsQuery {
  kind: 'nps' | 'csat' | 'ces';
  by: 'overall' | 'stage' | 'touchpoint' | 'survey' | 'week' | `attribute:${string}` | `hidden:${string}`;
  from?: string;
  to?: string;
  lang?: 'vi' | 'en';
}
