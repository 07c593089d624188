/**
 * The two languages Touchpoint speaks. Every string a customer or a CX team member reads lives in
 * `messages` below, in both languages; Vietnamese is the default.
 */
import type { Request } from 'express';
import { LOCALES, type Locale, type Localized } from './types';
import { publicMessages } from './messages/public';
import { dashboardMessages } from './messages/dashboard';
import { emailMessages } from './messages/email';
import { contactsMessages } from './messages/contacts';
import { manageMessages } from './messages/manage';
import { metricsMessages } from './messages/metrics';
import { digestMessages } from './messages/digest';
import { alertsMessages } from './messages/alerts';
import { themesMessages } from './messages/themes';
import { analyticsMessages } from './messages/analytics';
import { segmentsMessages } from './messages/segments';

export { LOCALES, type Locale, type Localized };
export const DEFAULT_LOCALE: Locale = 'vi';

export function isLocale(value: unknown): value is Locale {
  return value === 'vi' || value === 'en';
}

/**
 * The reader's language: an explicit choice (`?lang=` on a respondent page, the language switch of the
 * dashboard), then the contact's or user's own locale, then the browser's Accept-Language, then
 * `fallback` (the organisation's default language), then Vietnamese.
 */
export function resolveLocale(req: Request, opts: { choice?: unknown; contact?: Locale | null; fallback?: Locale } = {}): Locale {
  if (isLocale(opts.choice)) return opts.choice;
  if (opts.contact) return opts.contact;
  const fallback = opts.fallback ?? DEFAULT_LOCALE;
  // Express weighs the header (q-values, then exact tags before regional ones). Without a header, or with
  // a bare `*`, it answers with the first language offered: offering the fallback first keeps it the default.
  const browser = req.acceptsLanguages(fallback, ...LOCALES.filter((l) => l !== fallback));
  return isLocale(browser) ? browser : fallback;
}

/**
 * One catalog per area, each in both languages; a feature adds its own file under messages/ and one
 * line here, so the compiler checks every key used in code and views.
 */
const messages = {
  ...publicMessages,
  ...dashboardMessages,
  ...emailMessages,
  ...contactsMessages,
  ...manageMessages,
  ...metricsMessages,
  ...digestMessages,
  ...alertsMessages,
  ...themesMessages,
  ...analyticsMessages,
  ...segmentsMessages,
} satisfies Record<string, Localized>;

export type MessageKey = keyof typeof messages;

/** A message in the given language, with {name} placeholders filled (values are not escaped: views escape). */
export function t(locale: Locale, key: MessageKey, vars: Record<string, string | number> = {}): string {
  return fill(messages[key][locale], vars);
}

export function fill(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
