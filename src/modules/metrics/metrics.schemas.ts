import Joi from 'joi';
import { cursorSchema, daySchema as day, type OrderKeyPart } from '../../web/params';

/** The groupings that page: one group per touchpoint or survey (a chain has a thousand). */
export const PAGED_BY = ['touchpoint', 'survey'] as const;
export const METRICS_PAGE_DEFAULT = 50;
export const METRICS_PAGE_MAX = 500;
/** What a cursor of each paged list carries: its last group's sort key in journey order (getMetricGroupPage). */
export const METRICS_CURSOR_SHAPE: Record<(typeof PAGED_BY)[number], OrderKeyPart[]> = {
  touchpoint: ['bigint', 'bigint', 'bigint'],
  survey: ['bigint', 'bigint', 'bigint', 'uuid'],
};

const paged = (schema: Joi.Schema) => Joi.when('by', { is: Joi.valid(...PAGED_BY), then: schema, otherwise: Joi.forbidden() });

export const metricsQuerySchema = Joi.object({
  kind: Joi.string().valid('nps', 'csat', 'ces').required(),
  by: Joi.string().pattern(/^(?:overall|stage|touchpoint|survey|week|(?:attribute|hidden):[A-Za-z0-9_.-]{1,40})$/)
    .message('{{#label}} must be overall, stage, touchpoint, survey, week, attribute:KEY or hidden:KEY').default('overall'),
  from: day,
  to: day,
  lang: Joi.string().valid('vi', 'en'),
  limit: paged(Joi.number().integer().min(1).max(METRICS_PAGE_MAX).default(METRICS_PAGE_DEFAULT)),
  cursor: paged(cursorSchema),
});

export interface MetricsQuery {
  kind: 'nps' | 'csat' | 'ces';
  by: 'overall' | 'stage' | 'touchpoint' | 'survey' | 'week' | `attribute:${string}` | `hidden:${string}`;
  from?: string;
  to?: string;
  lang?: 'vi' | 'en';
  /** by=touchpoint|survey only. */
  limit?: number;
  cursor?: string;
}
