import type { Locale } from '../i18n';
import type { MetricKind } from '../modules/metrics/scoring';

/**
 * The one formatter of the app: numbers, percents, scores, days and instants, in the reader's language
 * and the organisation's time zone. Both languages write dates day first with a 24-hour clock, one style
 * everywhere: "05/12/2026 01:35" / "5 Dec 2026, 01:35".
 */

/** BCP 47 tags for Intl: numbers, percents and dates follow the page language. */
export const INTL_LOCALE: Record<Locale, string> = { vi: 'vi-VN', en: 'en-GB' };

/** Day-first date styles per language: Vietnamese writes 05/12/2026, English 5 Dec 2026. */
const DATE_STYLE: Record<Locale, Intl.DateTimeFormatOptions> = {
  vi: { day: '2-digit', month: '2-digit', year: 'numeric' },
  en: { day: 'numeric', month: 'short', year: 'numeric' },
};
const TIME_STYLE: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };

const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: () => T): T {
  let f = cache.get(key) as T | undefined;
  if (!f) {
    f = make();
    cache.set(key, f);
  }
  return f;
}

/** How many decimals each metric's score, margin and change are shown with (the values stay exact). */
export const DECIMALS: Record<MetricKind, { score: number; moe: number; delta: number }> = {
  nps: { score: 0, moe: 1, delta: 1 },
  csat: { score: 1, moe: 1, delta: 1 },
  ces: { score: 2, moe: 2, delta: 2 },
};

/** Display formatting in one language and the organisation's time zone. */
export class Formatter {
  constructor(readonly locale: Locale, readonly timeZone: string) {}

  get intlLocale(): string {
    return INTL_LOCALE[this.locale];
  }

  number(value: number, digits = 0, signed = false): string {
    const f = cached(`n|${this.locale}|${digits}|${signed}`, () => new Intl.NumberFormat(this.intlLocale, {
      minimumFractionDigits: digits, maximumFractionDigits: digits, signDisplay: signed ? 'exceptZero' : 'auto',
    }));
    return f.format(value);
  }

  /** A share given in percent (82.4 → "82,4 %" in vi, "82.4%" in en). */
  percent(value: number, digits = 1, signed = false): string {
    const f = cached(`p|${this.locale}|${digits}|${signed}`, () => new Intl.NumberFormat(this.intlLocale, {
      style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits, signDisplay: signed ? 'exceptZero' : 'auto',
    }));
    return f.format(value / 100);
  }

  count(value: number): string {
    return this.number(value, 0);
  }

  /** A plain figure with up to two decimals, as typed (a target of 85.5, a sample of 2.5 %). */
  plain(value: number): string {
    const f = cached(`x|${this.locale}`, () => new Intl.NumberFormat(this.intlLocale, { maximumFractionDigits: 2 }));
    return f.format(value);
  }

  /** A metric's score as CX teams read it: NPS signed points, CSAT a percent, CES a mean on 1–7. */
  score(kind: MetricKind, value: number): string {
    if (kind === 'csat') return this.percent(value, DECIMALS.csat.score);
    return this.number(value, DECIMALS[kind].score, kind === 'nps');
  }

  /** A margin of error or a change in the metric's own unit (percentage points for CSAT). */
  moe(kind: MetricKind, value: number): string {
    return `±${this.number(value, DECIMALS[kind].moe)}`;
  }

  delta(kind: MetricKind, value: number): string {
    return this.number(value, DECIMALS[kind].delta, true);
  }

  /** How long something has been waiting: "5 giờ" / "5 hours" under two days, then "3 ngày" / "3 days". */
  age(since: Date, now: Date = new Date()): string {
    const hours = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 3_600_000));
    const [unit, value] = hours < 48 ? ['hour', hours] as const : ['day', Math.floor(hours / 24)] as const;
    const f = cached(`u|${this.locale}|${unit}`, () => new Intl.NumberFormat(this.intlLocale, { style: 'unit', unit, unitDisplay: 'long' }));
    return f.format(value);
  }

  /** A calendar day (YYYY-MM-DD, already in the org zone): "22/11/2026" / "22 Nov 2026"; short: "22/11". */
  day(day: string, style: 'medium' | 'short' = 'medium'): string {
    const f = cached(`d|${this.locale}|${style}`, () => new Intl.DateTimeFormat(this.intlLocale, {
      ...(style === 'short' ? { day: 'numeric', month: 'numeric' } : DATE_STYLE[this.locale]), timeZone: 'UTC',
    }));
    return f.format(new Date(`${day}T00:00:00Z`));
  }

  /** The day of an instant, in the organisation's time zone: "05/12/2026" / "5 Dec 2026". */
  date(value: Date): string {
    const f = cached(`a|${this.locale}|${this.timeZone}`, () => new Intl.DateTimeFormat(this.intlLocale, {
      ...DATE_STYLE[this.locale], timeZone: this.timeZone,
    }));
    return f.format(value);
  }

  /** An instant, in the organisation's time zone: "05/12/2026 01:35" / "5 Dec 2026, 01:35". */
  dateTime(value: Date): string {
    const date = this.date(value);
    const f = cached(`t|${this.timeZone}`, () => new Intl.DateTimeFormat('en-GB', { ...TIME_STYLE, timeZone: this.timeZone }));
    return this.locale === 'vi' ? `${date} ${f.format(value)}` : `${date}, ${f.format(value)}`;
  }
}

const formatters = new Map<string, Formatter>();

/** The formatter of a language and time zone (formatters are cached: building Intl objects is slow). */
export function formatterFor(locale: Locale, timeZone: string): Formatter {
  const key = `${locale}|${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Formatter(locale, timeZone);
    formatters.set(key, f);
  }
  return f;
}

/** A plain figure in a language, where no time zone is involved: "11.671" / "11,671", "85,5" / "85.5". */
export function formatNumber(value: number, locale: Locale): string {
  return formatterFor(locale, 'UTC').plain(value);
}
