import Joi from 'joi';
import { daySchema, keySchema, uuidSchema } from '../../web/params';
import { lineText } from '../../web/text';
import type { ThemeGroup } from './rank';

/** GET /api/v1/themes: at most one scope (none: the whole journey), a group, a period (days, org time zone). */
export const themesQuerySchema = Joi.object({
  touchpoint: keySchema,
  stage: keySchema,
  survey: uuidSchema,
  group: Joi.string().valid('detractor', 'promoter', 'passive', 'all').default('all'),
  from: daySchema,
  to: daySchema,
  lang: Joi.string().valid('vi', 'en'),
  limit: Joi.number().integer().min(1).max(50).default(10),
}).oxor('touchpoint', 'stage', 'survey');

export interface ThemesQuery {
  touchpoint?: string;
  stage?: string;
  survey?: string;
  group: ThemeGroup;
  from?: string;
  to?: string;
  lang?: 'vi' | 'en';
  limit: number;
}

const nameText = lineText.trim().min(1).max(80);
/** A keyword: words of letters and digits (any script), spaces, apostrophes and hyphens. */
export const keywordSchema = lineText.trim().min(2).max(60).pattern(/^[\p{L}\p{M}\p{N}]+(?:[ '’-]+[\p{L}\p{M}\p{N}]+)*$/u)
  .messages({ 'string.pattern.base': '{{#label}} must be words of letters and digits' });

export const createTopicSchema = Joi.object({
  name: Joi.object({ vi: nameText.required(), en: nameText.required() }).required(),
  keywords: Joi.array().items(keywordSchema).min(1).max(30).unique((a: unknown, b: unknown) => typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase()).required(),
});

/** The dashboard's topic form: both names, and keywords one per line. */
export const topicFormSchema = Joi.object({
  nameVi: nameText.required(),
  nameEn: nameText.required(),
  keywords: Joi.string().trim().max(2000).required()
    .custom((value: string, helpers) => {
      const list = value.split(/\r?\n|,/).map((k) => k.trim()).filter(Boolean);
      if (list.length === 0 || list.length > 30) return helpers.error('any.invalid');
      for (const k of list) if (keywordSchema.validate(k).error) return helpers.error('any.invalid');
      return list;
    }),
});

export interface TopicForm { nameVi: string; nameEn: string; keywords: string[] }
