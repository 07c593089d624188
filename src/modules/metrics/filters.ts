import Joi from 'joi';
import { HttpError } from '../../web/errors';
import { toDetails } from '../../web/middleware/validate';
import { RESPONSE_CHANNELS, type ResponseChannel } from '../responses/response.entity';
import { cursorSchema, daySchema, shownRangeSchema, keySchema, periodSchema, previousRange, resolvePeriod, uuidSchema, type DayRange, type Period, type PeriodPreset } from '../../web/params';
import type { MetricKind, ScoreGroup } from './scoring';

/**
 * The one parser of dashboard query strings: period, scope (stage, touchpoint, survey, metric), score
 * group, channel, contact attribute and a page cursor. Each page says which of them it takes; anything
 * else, or any malformed value, is a 400 page in the user's language, never a 500.
 */
export const FILTER_NAMES = ['period', 'from', 'to', 'stage', 'touchpoint', 'survey', 'metric', 'group', 'channel', 'attr', 'cursor'] as const;
export type FilterName = (typeof FILTER_NAMES)[number];

/** A contact attribute to match, written key=value in the query string (string values only). */
export interface AttributeFilter { key: string; value: string }

export interface DashboardFilters {
  period: Period;
  previous: DayRange;
  stage?: string;
  touchpoint?: string;
  survey?: string;
  metric?: MetricKind;
  group?: ScoreGroup;
  channel?: ResponseChannel;
  attribute?: AttributeFilter;
  cursor?: string;
}

const ATTRIBUTE = /^([A-Za-z0-9_.-]{1,40})=(.{1,200})$/s;

const FIELDS: Record<FilterName, Joi.Schema> = {
  period: periodSchema,
  from: daySchema,
  to: daySchema,
  stage: keySchema,
  touchpoint: keySchema,
  survey: uuidSchema,
  metric: Joi.string().valid('nps', 'csat', 'ces'),
  group: Joi.string().valid('promoter', 'passive', 'detractor'),
  channel: Joi.string().valid(...RESPONSE_CHANNELS),
  attr: Joi.string().trim().pattern(ATTRIBUTE).message('{{#label}} must be written key=value, e.g. segment=sme'),
  cursor: cursorSchema,
};

/** Form fields left empty (a GET form sends `stage=`) mean "no filter", as a user expects. */
function dropEmpty(query: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== ''));
}

export function parseDashboardFilters(
  query: unknown,
  opts: { timeZone: string; allow: readonly FilterName[]; extra?: Record<string, Joi.Schema>; now?: Date },
): DashboardFilters & { extra: Record<string, unknown> } {
  const fields: Record<string, Joi.Schema> = { ...opts.extra };
  for (const name of opts.allow) fields[name] = FIELDS[name];
  if (opts.allow.includes('from')) fields.shown = shownRangeSchema; // the days the filter form showed (see resolvePeriod)
  const { value, error } = Joi.object(fields).validate(dropEmpty((query ?? {}) as Record<string, unknown>), { abortEarly: false, allowUnknown: false, convert: true });
  if (error) throw new HttpError(400, 'validation_failed', 'The request is not valid', toDetails(error), 'metrics.err.filters');
  const v = value as Record<string, string | undefined>;
  const period = resolvePeriod({ period: v.period as PeriodPreset | undefined, from: v.from, to: v.to, shown: v.shown }, opts.timeZone, opts.now);
  const match = v.attr ? ATTRIBUTE.exec(v.attr) : null;
  const extra: Record<string, unknown> = {};
  for (const name of Object.keys(opts.extra ?? {})) extra[name] = (value as Record<string, unknown>)[name];
  return {
    period,
    previous: previousRange(period),
    stage: v.stage,
    touchpoint: v.touchpoint,
    survey: v.survey,
    metric: v.metric as MetricKind | undefined,
    group: v.group as ScoreGroup | undefined,
    channel: v.channel as ResponseChannel | undefined,
    attribute: match ? { key: match[1], value: match[2].trim() } : undefined,
    cursor: v.cursor,
    extra,
  };
}

/** The query string of a filter set (without the cursor unless asked), for links that keep the filters. */
export function filterQuery(f: DashboardFilters, overrides: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  const base: Record<string, string | undefined> = {
    period: f.period.preset === 'custom' ? undefined : f.period.preset,
    from: f.period.preset === 'custom' ? f.period.from : undefined,
    to: f.period.preset === 'custom' ? f.period.to : undefined,
    stage: f.stage, touchpoint: f.touchpoint, survey: f.survey, metric: f.metric, group: f.group, channel: f.channel,
    attr: f.attribute ? `${f.attribute.key}=${f.attribute.value}` : undefined,
  };
  for (const [k, v] of Object.entries({ ...base, ...overrides })) if (v !== undefined && v !== '') params.set(k, v);
  const s = params.toString();
  return s ? `?${s}` : '';
}
