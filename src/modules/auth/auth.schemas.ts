import Joi from 'joi';
import { lineText } from '../../web/text';

export const loginSchema = Joi.object({
  email: Joi.string().trim().max(254).required(),
  password: Joi.string().max(200).required(),
  next: Joi.string().max(500).allow(''),
  _csrf: Joi.string(),
});

export const setupSchema = Joi.object({
  name: lineText.trim().allow('').max(200),
  email: Joi.string().trim().email({ tlds: false }).max(254).required(),
  password: Joi.string().min(10).max(200).required(),
  brand: lineText.trim().min(1).max(100).required(),
  _csrf: Joi.string(),
});

export const localeSchema = Joi.object({
  locale: Joi.string().valid('vi', 'en').required(),
  returnTo: Joi.string().max(500).allow(''),
  _csrf: Joi.string(),
});

/** Only same-site paths: never an open redirect to another host. */
export function safeReturnPath(value: unknown, fallback = '/'): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : fallback;
}
