/**
 * The two languages Touchpoint speaks, on their own: the message catalogs under messages/ need these
 * types and nothing else, so they never import index.ts (which imports them).
 */
export const LOCALES = ['vi', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export type Localized = Record<Locale, string>;
