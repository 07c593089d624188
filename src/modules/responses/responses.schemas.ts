import Joi from 'joi';
import { COMMENT_MAX_LENGTH } from '../public/public.schemas';
import { emailSchema } from '../contacts/contacts.schemas';

/** Clock skew tolerated for `answeredAt` before it counts as "in the future". */
export const FUTURE_TOLERANCE_MS = 60_000;

export const createResponseSchema = Joi.object({
  score: Joi.number().integer().strict().required(),
  comment: Joi.string().trim().allow('', null).max(COMMENT_MAX_LENGTH),
  email: emailSchema,
  locale: Joi.string().valid('vi', 'en'),
  hidden: Joi.object().pattern(Joi.string().pattern(/^[A-Za-z0-9_.-]{1,40}$/), Joi.string().max(200).allow('')).max(20),
  answeredAt: Joi.string().isoDate().custom((value: string, helpers) => {
    if (!/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value) && !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      return helpers.message({ custom: 'answeredAt must be an ISO 8601 timestamp with an offset, e.g. 2026-05-01T09:30:00+07:00' });
    }
    if (Date.parse(value) > Date.now() + FUTURE_TOLERANCE_MS) return helpers.message({ custom: 'answeredAt must not be in the future' });
    return value;
  }),
});

export const listResponsesSchema = Joi.object({
  surveyId: Joi.string().guid(),
  since: Joi.string().isoDate(),
  until: Joi.string().isoDate(),
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
