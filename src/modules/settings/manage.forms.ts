import express, { type Request, type Response } from 'express';
import type Joi from 'joi';
import { t, type Locale, type MessageKey } from '../../i18n';

/**
 * What the management pages share: reading a posted form, turning Joi's report into one message per
 * field in the reader's language, and showing dates and numbers the way the language writes them.
 */

/** Dashboard forms are small and URL-encoded; every value arrives as a string (or an array when repeated). */
export const manageForm = express.urlencoded({ extended: false, limit: '64kb' });

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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SERIAL = /^[1-9]\d{0,8}$/;

/** A uuid route parameter, or null (the page answers 404 instead of letting PostgreSQL refuse it). */
export function uuidParam(value: unknown): string | null {
  return typeof value === 'string' && UUID.test(value) ? value.toLowerCase() : null;
}

/** A serial (integer) route parameter, or null. */
export function serialParam(value: unknown): number | null {
  return typeof value === 'string' && SERIAL.test(value) ? Number(value) : null;
}

const INTL_LOCALE: Record<Locale, string> = { vi: 'vi-VN', en: 'en-GB' };

/** "5 thg 3, 2026" / "5 Mar 2026", in the organisation's time zone. */
export function formatDate(date: Date | null, locale: Locale, timeZone: string): string {
  return date ? new Intl.DateTimeFormat(INTL_LOCALE[locale], { dateStyle: 'medium', timeZone }).format(date) : '';
}

/** "08:02 5 thg 3, 2026" / "5 Mar 2026, 08:02", in the organisation's time zone. */
export function formatDateTime(date: Date | null, locale: Locale, timeZone: string): string {
  return date ? new Intl.DateTimeFormat(INTL_LOCALE[locale], { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date) : '';
}

/** "85,5" / "85.5" */
export function formatNumber(value: number, locale: Locale): string {
  return new Intl.NumberFormat(INTL_LOCALE[locale], { maximumFractionDigits: 2 }).format(value);
}
