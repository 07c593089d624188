/** The contacts pages' inputs: the list's filters, and the contact form (name, language, attribute rows). */
import Joi from 'joi';
import { cursorSchema } from '../../web/params';
import { isOneLine, lineText } from '../../web/text';
import type { Locale, MessageKey } from '../../i18n';
import type { ContactAttributes } from './contact.entity';
import { ATTRIBUTE_KEY, MAX_ATTRIBUTE_COLUMNS, MAX_ATTRIBUTE_VALUE_LENGTH, MAX_NAME_LENGTH } from './contacts-csv';
import { emailSchema } from './contacts.schemas';
import type { ContactChanges } from './contacts.service';
import type { ContactFilter, SubscriptionFilter } from './queries/contactFilter';

/** Tracking parameters and the like are ignored; what the page reads must be well-formed. */
export const listQuerySchema = Joi.object({
  q: Joi.string().trim().allow('').max(200).default(''),
  attr: Joi.string().trim().allow('').max(600).default(''),
  status: Joi.string().valid('all', 'subscribed', 'unsubscribed').default('all'),
  cursor: cursorSchema.allow(''),
}).unknown(true);

export interface ListQuery { q: string; attr: string; status: SubscriptionFilter; cursor?: string }

/** "segment=vip" → key and value; "segment" alone → has the attribute. Null when the key is not one the API accepts. */
export function parseAttributeFilter(text: string): ContactFilter['attribute'] | null {
  const at = text.indexOf('=');
  const key = (at < 0 ? text : text.slice(0, at)).trim();
  if (!ATTRIBUTE_KEY.test(key)) return null;
  return { key, value: at < 0 ? null : text.slice(at + 1).trim().normalize('NFC') };
}

export interface AttributeRow { key: string; value: string; error?: MessageKey }

const contactFormSchema = Joi.object({
  email: emailSchema.required(),
  name: lineText.trim().allow('').max(MAX_NAME_LENGTH).default(''),
  locale: Joi.string().valid('vi', 'en').required(),
}).unknown(true);

const FIELD_ERRORS: Record<string, MessageKey> = { email: 'contacts.err.email', name: 'contacts.err.name', locale: 'contacts.err.locale' };

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : ''));
  return typeof value === 'string' ? [value] : [];
}

export interface ContactFormResult {
  value: ContactChanges | null;
  errors: Partial<Record<'email' | 'name' | 'locale' | 'attributes', MessageKey>>;
  /** The rows as typed, each with its problem, to show the form again. */
  rows: AttributeRow[];
  typed: { email: string; name: string; locale: string };
}

/**
 * Reads the contact form. Attribute rows come as parallel `attrKey` / `attrValue` fields; a row with both
 * empty is dropped. A value that was a number or a boolean (set through the API) keeps its type when the
 * text was not changed, so segment filters that compare it as a number still match.
 */
export function readContactForm(body: Record<string, unknown>, previous: ContactAttributes): ContactFormResult {
  const typed = {
    email: typeof body.email === 'string' ? body.email : '',
    name: typeof body.name === 'string' ? body.name : '',
    locale: typeof body.locale === 'string' ? body.locale : '',
  };
  const errors: ContactFormResult['errors'] = {};
  const { value, error } = contactFormSchema.validate(body, { abortEarly: false });
  for (const detail of error?.details ?? []) {
    const field = String(detail.path[0]) as 'email' | 'name' | 'locale';
    if (FIELD_ERRORS[field]) errors[field] = detail.type === 'string.singleLine' ? 'manage.err.singleLine' : FIELD_ERRORS[field];
  }

  const keys = list(body.attrKey);
  const values = list(body.attrValue);
  const rows: AttributeRow[] = [];
  const attributes: ContactAttributes = {};
  for (let i = 0; i < Math.max(keys.length, values.length); i++) {
    const row: AttributeRow = { key: (keys[i] ?? '').trim(), value: (values[i] ?? '').trim().normalize('NFC') };
    if (row.key === '' && row.value === '') continue;
    if (row.key === '') row.error = 'contacts.err.attrKeyMissing';
    else if (!ATTRIBUTE_KEY.test(row.key)) row.error = 'contacts.err.attrKey';
    else if (row.key in attributes) row.error = 'contacts.err.attrDuplicate';
    else if (row.value.length > MAX_ATTRIBUTE_VALUE_LENGTH) row.error = 'contacts.err.attrValue';
    else if (!isOneLine(row.value)) row.error = 'manage.err.singleLine';
    if (!row.error) {
      const before = previous[row.key];
      attributes[row.key] = before !== undefined && String(before) === row.value ? before : row.value;
    }
    rows.push(row);
  }
  if (rows.length > MAX_ATTRIBUTE_COLUMNS) errors.attributes = 'contacts.err.attrTooMany';

  if (Object.keys(errors).length > 0 || rows.some((r) => r.error)) return { value: null, errors, rows, typed };
  return {
    value: { email: value.email, name: value.name.normalize('NFC'), locale: value.locale as Locale, attributes },
    errors,
    rows,
    typed,
  };
}

/** A contact's page: `after`, the timeline's page cursor (nothing else). */
export const timelineQuerySchema = Joi.object({ after: cursorSchema });
