import Joi from 'joi';
import { uuidSchema } from '../../web/params';
import { lineText } from '../../web/text';
import { attributesSchema, MAX_CONTACTS_PER_REQUEST } from '../contacts';

/**
 * An address in a send request. Its validity is judged per address: an invalid one is reported as
 * skipped (`invalid`), not a reason to refuse the whole request.
 */
const listedEmail = Joi.string().allow('').max(1000);

export const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const segmentValue = Joi.alternatives(lineText.max(500).allow(''), Joi.number(), Joi.boolean());

/** SPEC §7 `POST /surveys/:id/invitations`: exactly one of emails, contacts or segment. */
export const sendInvitationsSchema = Joi.object({
  emails: Joi.array().items(listedEmail.required()).min(1).max(MAX_CONTACTS_PER_REQUEST),
  contacts: Joi.array().items(Joi.object({
    email: listedEmail.required(),
    name: lineText.trim().allow('').max(200),
    locale: Joi.string().valid('vi', 'en'),
    attributes: attributesSchema,
  })).min(1).max(MAX_CONTACTS_PER_REQUEST),
  segment: Joi.object().pattern(Joi.string().pattern(ATTRIBUTE_NAME), segmentValue).max(20),
  sample: Joi.number().min(0).max(1),
}).xor('emails', 'contacts', 'segment').with('sample', 'segment').required();

export interface SendInvitationsBody {
  emails?: string[];
  contacts?: Array<{ email: string; name?: string; locale?: 'vi' | 'en'; attributes?: Record<string, string | number | boolean> }>;
  segment?: Record<string, string | number | boolean>;
  sample?: number;
}

/** The dashboard's audience choice (all values are strings; an empty sample means everyone). */
export const audienceFormSchema = Joi.object({
  audience: Joi.string().valid('all', 'segment').default('all'),
  attribute: Joi.when('audience', {
    is: 'segment',
    then: Joi.string().trim().pattern(ATTRIBUTE_NAME).required(),
    otherwise: Joi.string().trim().allow('').max(64),
  }),
  value: Joi.when('audience', {
    is: 'segment',
    then: lineText.trim().max(500).required(),
    otherwise: Joi.string().allow('').max(500),
  }),
  sample: Joi.number().min(1).max(100).empty(''),
  /** This send only: another recontact window, in days (0: none); empty keeps the survey's. */
  recontact_days: Joi.number().integer().min(0).max(365).empty(''),
  _csrf: Joi.string(),
}).unknown(false);

/** Sending repeats the previewed choice with the preview's one-time batch id, so a double submit sends once. */
export const sendFormSchema = audienceFormSchema.keys({
  batch: uuidSchema.required(),
});

export interface AudienceForm {
  audience: 'all' | 'segment';
  attribute?: string;
  value?: string;
  sample?: number;
  recontact_days?: number;
}

export interface SendForm extends AudienceForm {
  batch: string;
}
