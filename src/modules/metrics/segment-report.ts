import type { DataSource } from 'typeorm';
import { DomainError } from '../../domain-error';
import type { DayRange } from '../../web/params';
import { compareScores, mergeHistograms, scoreFromHistogram, type Histogram, type MetricKind, type MetricResult, type ScoreComparison } from './scoring';
import { getSegmentDimensions, type SegmentDimension } from './queries/getSegmentDimensions';
import { getSegmentHistogramRows } from './queries/getSegmentHistogramRows';
import type { DimensionSource } from './segment-rollup';

/** The API's `by` for a dimension. */
export type DimensionBy = `attribute:${string}` | `hidden:${string}`;

export function isDimensionBy(by: string): by is DimensionBy {
  return by.startsWith('attribute:') || by.startsWith('hidden:');
}

/** A dimension written as the API's `by` and the comparison page's `dimension`: `attribute:KEY` or `hidden:KEY`. */
export const DIMENSION_PATTERN = /^(attribute|hidden):([A-Za-z0-9_.-]{1,40})$/;

export function parseDimension(text: string): { source: DimensionSource; key: string } | null {
  const m = DIMENSION_PATTERN.exec(text);
  return m ? { source: m[1] as DimensionSource, key: m[2] } : null;
}

/** The chosen dimension named by `text`, or a 400 naming the chosen ones. */
export async function requireDimension(db: DataSource, text: string): Promise<SegmentDimension> {
  const dims = await getSegmentDimensions(db);
  const found = dims.find((d) => d.id === text);
  if (!found) {
    const chosen = dims.map((d) => d.id).join(', ');
    throw new DomainError('invalid', `"${text}" is not a segment dimension chosen in Settings${chosen ? ` (chosen: ${chosen})` : ' (none is chosen)'}`, {
      details: [{ path: 'by', message: 'not a chosen segment dimension' }], messageKey: 'segments.err.unknownDimension', messageVars: { chosen: chosen || '—' },
    });
  }
  return found;
}

/** Per kind, value -> histogram of the period; `built` says whether the rollups answered (else raw answers). */
export async function getSegmentHistograms(db: DataSource, dim: SegmentDimension, range: DayRange, kind?: MetricKind): Promise<Map<MetricKind, Map<string, Histogram>>> {
  const rows = await getSegmentHistogramRows(db, {
    source: dim.source, key: dim.key, buckets: [{ key: 'period', from: range.from, to: range.to }], per: 'value', kind, counts: dim.built ? 'rollup' : 'raw',
  });
  const out = new Map<MetricKind, Map<string, Histogram>>();
  for (const r of rows) {
    const i = r.group.indexOf(':');
    const k = r.group.slice(0, i) as MetricKind;
    const value = r.group.slice(i + 1);
    const byValue = out.get(k) ?? new Map<string, Histogram>();
    const h = byValue.get(value) ?? {};
    h[r.score] = (h[r.score] ?? 0) + r.n;
    byValue.set(value, h);
    out.set(k, byValue);
  }
  return out;
}

export interface SegmentValueScore {
  value: string;
  result: MetricResult;
  histogram: Histogram;
  /** This value against every other value of the dimension (SPEC §3's test); `up` means better than the rest. */
  vsRest: ScoreComparison;
  restN: number;
}

/** Each value's score of one kind with its test against the rest, most answers first (ties by value). */
export function scoreSegmentValues(kind: MetricKind, byValue: Map<string, Histogram>): SegmentValueScore[] {
  const entries = [...byValue.entries()];
  const total = mergeHistograms(...entries.map(([, h]) => h));
  return entries.map(([value, h]) => {
    const rest: Histogram = {};
    for (const [s, c] of Object.entries(total)) {
      const left = c - (h[Number(s)] ?? 0);
      if (left > 0) rest[Number(s)] = left;
    }
    const result = scoreFromHistogram(kind, h);
    return { value, result, histogram: h, vsRest: compareScores(kind, rest, h), restN: scoreFromHistogram(kind, rest).n };
  }).sort((a, b) => b.result.n - a.result.n || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}
