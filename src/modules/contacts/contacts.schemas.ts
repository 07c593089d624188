import Joi from 'joi';
import { lineText } from '../../web/text';

export const MAX_CONTACTS_PER_REQUEST = 1000;

export const emailSchema = Joi.string().trim().max(254).email({ tlds: false });

const attributeValue = Joi.alternatives(lineText.max(500).allow(''), Joi.number(), Joi.boolean());
export const attributesSchema = Joi.object().pattern(Joi.string().pattern(/^[A-Za-z0-9_.-]{1,64}$/), attributeValue).max(50);

export const contactSchema = Joi.object({
  email: emailSchema.required(),
  name: lineText.trim().allow('').max(200),
  locale: Joi.string().valid('vi', 'en'),
  attributes: attributesSchema,
});

export const contactsBodySchema = Joi.alternatives(
  Joi.array().items(Joi.any()).min(1).max(MAX_CONTACTS_PER_REQUEST),
  Joi.object(),
).required();

export interface ContactInput {
  email: string;
  name?: string;
  locale?: 'vi' | 'en';
  attributes?: Record<string, string | number | boolean>;
}
