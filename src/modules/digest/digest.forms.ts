import Joi from 'joi';
import type { DigestFrequency as UserDigestChoice } from '../auth/user.entity';
import type { Locale } from '../../i18n';
import type { DigestFrequency } from './digest.period';

/** The digest pages' inputs: the admin preview's query and each user's choice. */

export interface PreviewQuery {
  lang?: Locale;
  kind: DigestFrequency;
}

export const previewQuery = Joi.object({
  lang: Joi.string().valid('vi', 'en'),
  kind: Joi.string().valid('weekly', 'daily').default('weekly'),
});

export interface ChoiceForm { frequency: UserDigestChoice }

export const choiceForm = Joi.object({ frequency: Joi.string().valid('weekly', 'daily', 'off').required() });
