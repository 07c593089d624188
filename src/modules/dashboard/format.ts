import type { Locale } from '../../i18n';
import type { MetricKind } from '../metrics/scoring';

/** BCP 47 tags for Intl: numbers, percents and dates follow the page language. */
export const INTL_LOCALE: Record<Locale, string> = { vi: 'vi-VN', en: 'en-US' };

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

  /** A calendar day (YYYY-MM-DD, already in the org zone): "22 thg 11, 2026" / "Nov 22, 2026". */
  day(day: string, style: 'medium' | 'short' = 'medium'): string {
    const f = cached(`d|${this.locale}|${style}`, () => new Intl.DateTimeFormat(this.intlLocale, {
      ...(style === 'short' ? { day: 'numeric', month: 'numeric' } : { dateStyle: 'medium' }), timeZone: 'UTC',
    }));
    return f.format(new Date(`${day}T00:00:00Z`));
  }

  /** An instant, in the organisation's time zone. */
  dateTime(value: Date): string {
    const f = cached(`t|${this.locale}|${this.timeZone}`, () => new Intl.DateTimeFormat(this.intlLocale, {
      dateStyle: 'medium', timeStyle: 'short', timeZone: this.timeZone,
    }));
    return f.format(value);
  }
}
