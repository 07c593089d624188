import Joi from 'joi';
import { daySchema as day } from '../../web/params';

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
