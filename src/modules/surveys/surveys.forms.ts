import Joi from 'joi';
import type { Locale } from '../../i18n';
import type { MetricKind } from '../metrics/scoring';
import type { FieldMessage } from '../../web/forms';
import { normalizeText } from '../../web/forms';
import { lineText } from '../../web/text';
import { SURVEY_STATUSES, type SurveyStatus } from './survey.entity';
import { DEFAULT_QUESTIONS } from './wording';

/** The survey form of /manage/surveys: field names as the view posts them. */

export const KINDS: readonly MetricKind[] = ['nps', 'csat', 'ces'];

export interface SurveyForm {
  title: string;
  kind?: MetricKind;
  /** '' (whole journey), 'stage:<id>' or 'touchpoint:<id>'. */
  attach: string;
  status: SurveyStatus;
  question_vi: string;
  question_en: string;
  ask_comment?: '1';
  comment_prompt_vi: string;
  comment_prompt_en: string;
  thank_you_vi: string;
  thank_you_en: string;
  recontact_days: number | null;
  attach_q: string;
}

/** The picker's search text: one line, at most 100 characters. */
export const PICKER_SEARCH = lineText.trim().max(100).allow('').default('');

const question = Joi.string().trim().min(1).max(500).required();
const optionalText = (max: number) => Joi.string().trim().allow('').max(max).default('');

export const surveyForm = Joi.object({
  title: lineText.trim().min(1).max(200).required(),
  kind: Joi.string().valid(...KINDS),
  attach: Joi.string().allow('').pattern(/^(stage|touchpoint):[1-9]\d{0,8}$/).default(''),
  status: Joi.string().valid(...SURVEY_STATUSES).required(),
  question_vi: question,
  question_en: question,
  ask_comment: Joi.string().valid('1'),
  comment_prompt_vi: optionalText(300),
  comment_prompt_en: optionalText(300),
  thank_you_vi: optionalText(1000),
  thank_you_en: optionalText(1000),
  recontact_days: Joi.number().integer().min(0).max(365).empty('').allow(null).default(null),
  // The touchpoint picker's search (a chain's thousand stores): only read by the Find button.
  attach_q: PICKER_SEARCH,
});

export const SURVEY_FIELD_MESSAGES: Record<string, FieldMessage> = {
  recontact_days: { key: 'manage.err.range', vars: { min: 0, max: 365 } },
  attach: { key: 'manage.err.choice' },
};

/**
 * The question as the form posts it, null while it is a default wording of any kind: the form is prefilled
 * with the default of the kind first chosen, so switching the kind without touching the text keeps the default.
 */
export function typedQuestion(text: string, locale: Locale): string | null {
  const typed = normalizeText(text);
  return KINDS.some((k) => DEFAULT_QUESTIONS[k][locale] === typed) ? null : typed;
}
