import Joi from 'joi';
import { emailSchema } from '../contacts';
import { cursorSchema, pointInTimeSchema, uuidSchema } from '../../web/params';
import { lineText } from '../../web/text';

/** The longest comment a respondent may write, on every channel. */
export const COMMENT_MAX_LENGTH = 2000;

/** Clock skew tolerated for `answeredAt` before it counts as "in the future". */
export const FUTURE_TOLERANCE_MS = 60_000;

export const createResponseSchema = Joi.object({
  score: Joi.number().integer().strict().required(),
  comment: Joi.string().trim().allow('', null).max(COMMENT_MAX_LENGTH),
  email: emailSchema,
  locale: Joi.string().valid('vi', 'en'),
  hidden: Joi.object().pattern(Joi.string().pattern(/^[A-Za-z0-9_.-]{1,40}$/), lineText.max(200).allow('')).max(20),
  /** A day alone means the start of that day in the organisation's time zone. */
  answeredAt: pointInTimeSchema,
});

export const listResponsesSchema = Joi.object({
  surveyId: uuidSchema,
  /** Inclusive; a day means from the start of that day in the organisation's time zone. */
  since: pointInTimeSchema,
  /** Exclusive; a day means up to the end of that day in the organisation's time zone (the day is included). */
  until: pointInTimeSchema,
  cursor: cursorSchema,
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
