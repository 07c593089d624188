import type { DataSource } from 'typeorm';
import { t } from '../../i18n';
import { HttpError } from '../../web/errors';
import type { Formatter } from '../../web/format';
import { getSegmentDimensions, getSegmentHistograms, scoreSegmentValues, type DashboardFilters, type Histogram, type MetricKind, type SegmentDimension } from '../metrics';
import { chartJson } from './chart';
import { KIND_COLOR, KIND_LABEL, KINDS, MIN_N, scoreView, type ScoreView } from './score-view';

/** Values shown in the table, most answers first; the rest are counted in a note. */
export const MAX_VALUES = 50;

interface Cell extends ScoreView { mark: 'better' | 'worse' | null; markText: string }

/**
 * The comparison page (issue 16): per value of a chosen dimension, each metric's score over the period with
 * n, MoE, the low-sample mark and SPEC §3's test against every other value of the dimension. Read from the
 * segment rollups (two index range reads per period), or from raw answers while the dimension is counted.
 */
export async function getSegmentComparison(db: DataSource, f: DashboardFilters, dimensionText: string | undefined, fmt: Formatter) {
  const { locale } = fmt;
  const dims = await getSegmentDimensions(db);
  const dim: SegmentDimension | undefined = dimensionText ? dims.find((d) => d.id === dimensionText) : dims[0];
  if (dimensionText && !dim) {
    throw new HttpError(400, 'validation_failed', 'Not a chosen segment dimension', [{ path: 'dimension', message: 'not a chosen segment dimension' }],
      'segments.err.unknownDimension', { chosen: dims.map((d) => d.id).join(', ') || '—' });
  }
  const dimensions = dims.map((d) => ({ value: d.id, label: `${d.key} (${t(locale, `segments.source.${d.source}`)})`, selected: d.id === dim?.id }));
  if (!dim) return { dimensions, dimension: null, kinds: [], rows: [], charts: [], building: false, more: null };
  const kinds: MetricKind[] = f.metric ? [f.metric] : KINDS;
  const byKind = await getSegmentHistograms(db, dim, f.period, f.metric);
  const scored = new Map(kinds.map((k) => [k, new Map(scoreSegmentValues(k, byKind.get(k) ?? new Map<string, Histogram>()).map((v) => [v.value, v]))]));
  const totals = new Map<string, number>();
  for (const k of kinds) for (const [value, v] of scored.get(k) ?? []) totals.set(value, (totals.get(value) ?? 0) + v.result.n);
  const values = [...totals.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([v]) => v);
  const shown = values.slice(0, MAX_VALUES);
  const cell = (kind: MetricKind, value: string): Cell => {
    const v = scored.get(kind)?.get(value);
    const view = scoreView(kind, v?.histogram ?? {}, fmt);
    const mark = v && v.vsRest.significant && !view.tooFew ? (v.vsRest.direction === 'up' ? 'better' : 'worse') : null;
    return { ...view, mark, markText: t(locale, mark === 'better' ? 'segments.better' : mark === 'worse' ? 'segments.worse' : 'segments.noDifference') };
  };
  const rows = shown.map((value) => ({ value, cells: kinds.map((k) => cell(k, value)) }));
  const charts = kinds.map((kind) => {
    const cells = rows.map((r) => ({ value: r.value, c: r.cells[kinds.indexOf(kind)] }));
    const drawn = cells.filter((x) => x.c.n >= MIN_N && x.c.score !== null);
    return {
      title: t(locale, 'segments.chart', { metric: KIND_LABEL[kind] }),
      hasData: drawn.length > 0,
      chart: chartJson({
        type: 'bar',
        labels: drawn.map((x) => x.value),
        series: [{ label: KIND_LABEL[kind], data: drawn.map((x) => x.c.score), color: KIND_COLOR[kind], lowSample: drawn.map((x) => x.c.lowSample) }],
        y: kind === 'nps' ? { min: -100, max: 100, decimals: 0 } : kind === 'csat' ? { min: 0, max: 100, decimals: 0, percent: true } : { min: 1, max: 7, decimals: 1 },
        locale: fmt.intlLocale,
      }),
    };
  });
  return {
    dimensions,
    dimension: dim,
    dimensionSource: t(locale, `segments.source.${dim.source}`),
    kinds: kinds.map((k) => ({ kind: k, label: KIND_LABEL[k] })),
    rows,
    charts,
    building: !dim.built,
    more: values.length > shown.length ? t(locale, 'segments.tooMany', { shown: fmt.count(shown.length), total: fmt.count(values.length) }) : null,
  };
}
