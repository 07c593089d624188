import Joi from 'joi';
import { isOneLine } from '../../web/text';
import { COMMENT_MAX_LENGTH } from '../responses';
import { SCALES, type MetricKind } from '../metrics/scoring';

/** Query keys that steer the page; every other key on a survey link is kept as a hidden field. */
export const RESERVED_QUERY_KEYS = ['lang', 'via', 'score'];
const HIDDEN_KEY = /^[A-Za-z0-9_.-]{1,40}$/;
const HIDDEN_MAX_FIELDS = 20;
const HIDDEN_MAX_VALUE = 200;

/** Built once per kind: compiling a Joi schema costs more than validating with it, and this is the hot path. */
const ANSWER_SCHEMAS = Object.fromEntries((Object.keys(SCALES) as MetricKind[]).map((kind) => [kind, Joi.object({
  score: Joi.number().integer().min(SCALES[kind].min).max(SCALES[kind].max).required(),
  comment: Joi.string().trim().allow('').max(COMMENT_MAX_LENGTH),
  k: Joi.string().pattern(/^[A-Za-z0-9_-]{22}$/),
})])) as Record<MetricKind, Joi.ObjectSchema>;

export function answerSchema(kind: MetricKind): Joi.ObjectSchema {
  return ANSWER_SCHEMAS[kind];
}

/** Hidden fields from the link's query string; null when any of them is malformed. */
export function hiddenFieldsFrom(query: Record<string, unknown>): Record<string, string> | null {
  const entries = Object.entries(query).filter(([key]) => !RESERVED_QUERY_KEYS.includes(key));
  if (entries.length > HIDDEN_MAX_FIELDS) return null;
  const hidden: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (!HIDDEN_KEY.test(key) || typeof value !== 'string' || value.length > HIDDEN_MAX_VALUE || !isOneLine(value)) return null;
    hidden[key] = value;
  }
  return hidden;
}
