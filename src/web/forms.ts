import type { Request, Response } from 'express';
import type Joi from 'joi';
import { t, type Locale, type MessageKey } from '../i18n';
import { formParser } from './middleware/input';

/**
 * The dashboard's form toolkit: reading a posted form, turning Joi's report into one message per field in
 * the reader's language, showing a rejected form again as typed, and the message after a redirect.
 */

/**
 * The app's form body parsers, one per size of form. Forms are URL-encoded; every value arrives as a string
 * (or an array when repeated). A body over the limit is a 413 page, never a 500; each goes through the
 * input layer's text rules (src/web/middleware/input.ts).
 */
/** Dashboard forms: a few fields, some free text (notes, framework texts). */
export const manageForm = formParser({ limit: '64kb' });
/** One form holding a whole grid (every KPI target of the journey). */
export const gridForm = formParser({ limit: '256kb', parameterLimit: 10000 });

/**
 * Forms of a few short fields (login, first-run setup, the language switch, a respondent's answer, a
 * send): 16 kB and 20 fields at most, so a stranger cannot make the server parse much.
 */
export const shortForm = formParser({ limit: '16kb', parameterLimit: 20 });

/**
 * Redirects with a message for the next page once the session is stored. express-session sends a
 * redirect's headers before its own save finishes, so a fast browser could load the next page first.
 */
export async function redirectWithFlash(req: Request, res: Response, text: string, url: string): Promise<void> {
  req.session.flash = { kind: 'ok', text };
  await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
  res.redirect(303, url);
}

export type FieldErrors = Record<string, string>;
export interface FieldMessage { key: MessageKey; vars?: Record<string, string | number> }

/** Joi's English codes as short, localized sentences; `overrides` words a field's own rule (a range, a slug). */
export function fieldErrors(error: Joi.ValidationError, locale: Locale, overrides: Record<string, FieldMessage> = {}): FieldErrors {
  const out: FieldErrors = {};
  for (const d of error.details) {
    const field = d.path.join('.');
    if (out[field]) continue;
    const missing = d.type === 'any.required' || d.type === 'string.empty';
    const own = overrides[field];
    const message: FieldMessage = missing ? { key: 'manage.err.required' } : own ?? genericMessage(d);
    out[field] = t(locale, message.key, message.vars);
  }
  return out;
}

function genericMessage(d: Joi.ValidationErrorItem): FieldMessage {
  const limit = Number(d.context?.limit);
  switch (d.type) {
    case 'string.max': return { key: 'manage.err.tooLong', vars: { max: limit } };
    case 'string.min': return { key: 'manage.err.tooShort', vars: { min: limit } };
    case 'string.email': return { key: 'manage.err.email' };
    case 'any.only': return { key: 'manage.err.choice' };
    case 'string.singleLine': return { key: 'manage.err.singleLine' };
    default: return { key: 'manage.err.invalid' };
  }
}

/** Validates a posted form: every problem at once, unknown fields (the CSRF token) dropped. */
export function validateForm<T>(schema: Joi.Schema<T>, body: unknown, locale: Locale, overrides: Record<string, FieldMessage> = {}):
  { value: T; errors: null } | { value: null; errors: FieldErrors } {
  const { value, error } = schema.validate(body ?? {}, { abortEarly: false, convert: true, stripUnknown: true });
  if (error) return { value: null, errors: fieldErrors(error, locale, overrides) };
  return { value: value as T, errors: null };
}

/** The submitted text values, to show a rejected form again exactly as it was typed. */
export function typedValues(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string' && key !== '_csrf') out[key] = value;
  }
  return out;
}

/** Textareas post CRLF line ends; stored text uses LF so "unchanged" compares equal. */
export function normalizeText(value: string): string {
  return value.replace(/\r\n?/g, '\n').trim();
}
