import Joi from 'joi';
import type { FieldMessage } from '../../web/forms';
import { lineText } from '../../web/text';

/** The settings form of /manage/settings: field names as the view posts them. */

export const MAX_DIGEST_RECIPIENTS = 50;

export interface SettingsForm {
  brand: string;
  time_zone: string;
  default_locale: 'vi' | 'en';
  recontact_days: number;
  reminder_days: number;
  digest_weekday: number;
  digest_hour: number;
  digest_recipients: string;
  digest_skip_empty: boolean;
  alert_recipients: string;
  driver_window_days?: number;
  at_risk_follow_up_days?: number;
}

export const settingsForm = Joi.object({
  brand: lineText.trim().min(1).max(100).required(),
  time_zone: Joi.string().trim().min(1).max(64).required(),
  default_locale: Joi.string().valid('vi', 'en').required(),
  recontact_days: Joi.number().integer().min(0).max(365).required(),
  reminder_days: Joi.number().integer().min(0).max(60).required(),
  digest_weekday: Joi.number().integer().min(1).max(7).required(),
  digest_hour: Joi.number().integer().min(0).max(23).required(),
  digest_recipients: Joi.string().allow('').max(20000).default(''),
  digest_skip_empty: Joi.boolean().truthy('1').default(false),
  alert_recipients: Joi.string().allow('').max(20000).default(''),
  driver_window_days: Joi.number().integer().min(1).max(365),
  at_risk_follow_up_days: Joi.number().integer().min(1).max(365),
});

export const SETTINGS_FIELD_MESSAGES: Record<string, FieldMessage> = {
  recontact_days: { key: 'manage.err.range', vars: { min: 0, max: 365 } },
  reminder_days: { key: 'manage.err.range', vars: { min: 0, max: 60 } },
  digest_weekday: { key: 'manage.err.choice' },
  digest_hour: { key: 'manage.err.range', vars: { min: 0, max: 23 } },
  driver_window_days: { key: 'manage.err.range', vars: { min: 1, max: 365 } },
  at_risk_follow_up_days: { key: 'manage.err.range', vars: { min: 1, max: 365 } },
};

const email = Joi.string().email({ tlds: false }).max(254);

/** Recipients typed one per line (commas and semicolons also separate): the valid ones, deduplicated, and the rest. */
export function parseRecipients(text: string): { emails: string[]; invalid: string[] } {
  const emails: string[] = [];
  const seen = new Set<string>();
  const invalid: string[] = [];
  for (const part of text.split(/[\r\n,;]+/).map((p) => p.trim()).filter(Boolean)) {
    if (email.validate(part).error) invalid.push(part);
    else if (!seen.has(part.toLowerCase())) {
      seen.add(part.toLowerCase());
      emails.push(part);
    }
  }
  return { emails, invalid };
}
