import { t, type Locale } from '../../i18n';
import type { Formatter } from '../../web/format';
import type { JourneyCatalog } from '../metrics';
import type { DriverItem, DriversResult } from './analytics.service';

/** What the drivers page shows of one touchpoint: every figure formatted, the verdict in words. */
export interface DriverRow {
  key: string;
  name: string;
  kindLabel: string;
  rankText: string;
  nText: string;
  rhoText: string;
  gapText: string;
  gapSignificant: boolean;
  weightText: string;
  performanceText: string;
  verdict: string;
  verdictClass: 'driver' | 'no-evidence' | 'need-more' | 'negative';
}

const KIND_LABEL = { csat: 'CSAT', ces: 'CES' } as const;

export function driverRow(i: DriverItem, result: DriversResult, catalog: JourneyCatalog, fmt: Formatter): DriverRow {
  const locale: Locale = fmt.locale;
  const tp = catalog.touchpoints.find((x) => x.id === i.touchpointId);
  const verdictClass = i.needed > 0 ? 'need-more' : i.significant ? ((i.rho ?? 0) > 0 ? 'driver' : 'negative') : 'no-evidence';
  const verdict = verdictClass === 'need-more' ? t(locale, 'analytics.drivers.needMore', { count: fmt.count(i.needed) })
    : verdictClass === 'driver' ? `${t(locale, 'analytics.drivers.driver')} #${i.rank}`
      : verdictClass === 'negative' ? t(locale, 'analytics.drivers.negative') : t(locale, 'analytics.drivers.noEvidence');
  const nps = (v: number | null) => (v === null ? '–' : fmt.score('nps', v));
  return {
    key: i.touchpointKey,
    name: tp ? tp.names[locale] : i.touchpointKey,
    kindLabel: KIND_LABEL[i.kind],
    rankText: i.rank !== null ? String(i.rank) : '–',
    nText: fmt.count(i.n),
    rhoText: i.rho === null ? '–' : `${fmt.number(i.rho, 2)}${i.ci ? ` (${fmt.number(i.ci[0], 2)} … ${fmt.number(i.ci[1], 2)})` : ''}`,
    gapText: `${nps(i.topBox.nps)} (n ${fmt.count(i.topBox.n)}) / ${nps(i.rest.nps)} (n ${fmt.count(i.rest.n)})`,
    gapSignificant: i.gapSignificant,
    weightText: i.weight !== undefined && result.model ? fmt.percent((100 * i.weight) / result.model.r2, 0) : '–',
    performanceText: `${i.performance.score === null ? '–' : fmt.score(i.kind, i.performance.score)} / ${i.performance.target === null ? '–' : fmt.score(i.kind, i.performance.target)}`,
    verdict,
    verdictClass,
  };
}

/**
 * The importance–performance chart: one point per touchpoint with a verdict and a target, x = ρ, y = its
 * score minus its target (in points of the scale's span: CSAT's percent, CES's 1–7 as 0–100); drivers coloured, "no evidence" grey.
 */
export function driversChart(result: DriversResult, catalog: JourneyCatalog, fmt: Formatter): string | null {
  const points = result.items
    .filter((i) => i.rho !== null && i.needed === 0 && i.performance.score !== null && i.performance.target !== null)
    .map((i) => ({
      x: i.rho as number,
      // CSAT is a percent, CES a mean on 1–7: both gaps in points of their scale's span, so they share an axis.
      y: ((i.performance.score as number) - (i.performance.target as number)) * (i.kind === 'ces' ? 100 / 6 : 1),
      label: `${catalog.touchpoints.find((x) => x.id === i.touchpointId)?.names[fmt.locale] ?? i.touchpointKey} (${KIND_LABEL[i.kind]})`,
      driver: i.significant && (i.rho ?? 0) > 0,
    }));
  if (points.length === 0) return null;
  return JSON.stringify({
    type: 'scatter',
    locale: fmt.intlLocale,
    x: { title: t(fmt.locale, 'analytics.drivers.chartX'), decimals: 2 },
    y: { title: t(fmt.locale, 'analytics.drivers.chartY'), decimals: 1 },
    series: [
      { label: t(fmt.locale, 'analytics.drivers.driver'), color: '#1f5fbf', points: points.filter((p) => p.driver) },
      { label: t(fmt.locale, 'analytics.drivers.noEvidence'), color: '#8a93a6', points: points.filter((p) => !p.driver) },
    ],
  });
}
