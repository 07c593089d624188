/**
 * The two languages Touchpoint speaks. Every string a customer or a CX team member reads lives in
 * `messages` below, in both languages; Vietnamese is the default.
 */
import { publicMessages } from './messages/public';
import { dashboardMessages } from './messages/dashboard';
import { emailMessages } from './messages/email';
import { contactsMessages } from './messages/contacts';
import { manageMessages } from './messages/manage';
import { metricsMessages } from './messages/metrics';
import { digestMessages } from './messages/digest';

export const LOCALES = ['vi', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export type Localized = Record<Locale, string>;
export const DEFAULT_LOCALE: Locale = 'vi';

export function isLocale(value: unknown): value is Locale {
  return value === 'vi' || value === 'en';
}

/** First supported language in an Accept-Language header, by q-value; null when none is supported. */
export function localeFromAcceptLanguage(header: string | undefined): Locale | null {
  if (!header) return null;
  const ranked = header.split(',').map((part, index) => {
    const [tag, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const weight = q ? Number(q.slice(2)) : 1;
    return { lang: tag.trim().toLowerCase().split('-')[0], weight: Number.isFinite(weight) ? weight : 0, index };
  }).filter((r) => r.weight > 0).sort((a, b) => b.weight - a.weight || a.index - b.index);
  const found = ranked.find((r) => isLocale(r.lang));
  return found ? (found.lang as Locale) : null;
}

/** The respondent's language: an explicit ?lang= choice, then the contact's locale, then the browser's. */
export function resolveLocale(opts: { query?: unknown; contact?: Locale | null; acceptLanguage?: string; fallback?: Locale }): Locale {
  if (isLocale(opts.query)) return opts.query;
  if (opts.contact) return opts.contact;
  return localeFromAcceptLanguage(opts.acceptLanguage) ?? opts.fallback ?? DEFAULT_LOCALE;
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
} satisfies Record<string, Localized>;

export type MessageKey = keyof typeof messages;

/** A message in the given language, with {name} placeholders filled (values are not escaped: views escape). */
export function t(locale: Locale, key: MessageKey, vars: Record<string, string | number> = {}): string {
  return fill(messages[key][locale], vars);
}

export function fill(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
