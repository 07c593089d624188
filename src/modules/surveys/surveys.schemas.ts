import Joi from 'joi';
import { keySchema } from '../../web/params';
import { lineText } from '../../web/text';
import { SURVEY_STATUSES } from './survey.entity';

const questionText = Joi.string().trim().min(1).max(500);

export const createSurveySchema = Joi.object({
  kind: Joi.string().valid('nps', 'csat', 'ces').required(),
  touchpointKey: keySchema,
  stageKey: keySchema,
  title: lineText.trim().min(1).max(200).required(),
  question: Joi.object({ vi: questionText, en: questionText }).or('vi', 'en'),
  askComment: Joi.boolean().default(true),
  recontactDays: Joi.number().integer().min(0).max(365).allow(null),
  status: Joi.string().valid(...SURVEY_STATUSES).default('active'),
}).oxor('touchpointKey', 'stageKey');

export interface CreateSurveyInput {
  kind: 'nps' | 'csat' | 'ces';
  touchpointKey?: string;
  stageKey?: string;
  title: string;
  question?: { vi?: string; en?: string };
  askComment: boolean;
  recontactDays?: number | null;
  status: (typeof SURVEY_STATUSES)[number];
}
