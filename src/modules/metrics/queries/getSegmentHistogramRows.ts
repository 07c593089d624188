import type { DataSource } from 'typeorm';
import type { MetricKind } from '../scoring';
import type { DimensionSource } from '../segment-rollup';
import { DAY_BUCKETS, grouping, Params, type Bucket, type HistogramPer, type HistogramRow } from './histogramSql';

export interface SegmentScope {
  source: DimensionSource;
  key: string;
  buckets: Bucket[];
  /** Only this value of the dimension (the responses filter); all values otherwise. */
  value?: string;
  /** `value`: one group per "kind:value" (the comparison page and the API); else as getHistogramRows. */
  per: HistogramPer | 'value';
  kind?: MetricKind;
  stageId?: number;
  surveyIds?: string[];
  /**
   * Read the rollups (a chosen dimension that is built) or count raw answers over the period (a dimension
   * still being counted): the same figures either way.
   */
  counts: 'rollup' | 'raw';
}

/**
 * Score counts of one segment dimension per (bucket, group, score).
 * - rollup: cum(min(hi, H)) - cum(min(lo - 1, H)) plus the unfolded deltas of [lo, hi]: two index range reads
 *   per bucket, whatever the period or the answers; of `segment_kind_cum` (values × kinds × scores rows) per
 *   value over the whole journey, of `segment_score_cum` (values × surveys × scores) for a stage or surveys;
 * - raw: the period's answers (an index range on responses.created_at) joined to their contacts.
 * Values are those the triggers count (`segment_value`: strings of 1–200 characters).
 */
export async function getSegmentHistogramRows(db: DataSource, q: SegmentScope): Promise<HistogramRow[]> {
  if (q.buckets.length === 0 || q.surveyIds?.length === 0) return [];
  const p = new Params();
  const buckets = `unnest(${p.add(q.buckets.map((b) => b.key), 'text[]')}, ${p.add(q.buckets.map((b) => b.from), 'date[]')}, ${p.add(q.buckets.map((b) => b.to), 'date[]')}) AS s(bucket, lo, hi)`;
  const g = q.per === 'value'
    ? { expr: `sv.kind || ':' || a.value`, join: 'JOIN surveys sv ON sv.id = a.survey_id' }
    : grouping(q.per, q.per === 'stage' || q.per === 'place' || q.stageId !== undefined);
  const filter = (alias: string) => [
    q.kind ? `sv.kind = ${p.add(q.kind, 'text')}` : null,
    q.stageId !== undefined ? `coalesce(sv.stage_id, tp.stage_id) = ${p.add(q.stageId, 'int')}` : null,
    q.surveyIds ? `${alias}.survey_id = ANY(${p.add(q.surveyIds, 'uuid[]')})` : null,
  ].filter(Boolean).join(' AND ') || 'true';
  let sql: string;
  if (q.counts === 'rollup') {
    // Per value over every survey: the per-kind rollup, values × kinds × scores rows per edge day. Its deltas
    // carry their kind and all count, those of a deleted survey too (they take it out; see foldSegmentDeltas).
    // A stage or survey list: the per-survey rollup, grouped through the surveys.
    const perKind = q.per === 'value' && q.stageId === undefined && !q.surveyIds;
    const dim = p.add(`${q.source}:${q.key}`, 'text');
    const value = q.value !== undefined ? `AND a.value = ${p.add(q.value, 'text')}` : '';
    const read = perKind
      ? { table: 'segment_kind_cum', grp: `a.kind || ':' || a.value`, keys: `${value} ${q.kind ? `AND a.kind = ${p.add(q.kind, 'text')}` : ''}`, join: '', where: 'true' }
      : { table: 'segment_score_cum', grp: g.expr, keys: value, join: g.join, where: filter('a') };
    sql = `
      WITH s AS (SELECT * FROM ${buckets}),
      pts AS (
        SELECT s.bucket, least(s.hi, h.day) AS day, 1 AS sign FROM s, segment_cum_horizon h
        UNION ALL SELECT s.bucket, least(s.lo - 1, h.day), -1 FROM s, segment_cum_horizon h)
      SELECT bucket, grp, score, sum(n) AS n FROM (
        SELECT pts.bucket, ${read.grp} AS grp, a.score, pts.sign * a.cum AS n
        -- LATERAL (OFFSET 0 keeps it one): an index range read of (dimension, day) per point, whatever the planner guesses.
        FROM pts CROSS JOIN LATERAL (SELECT * FROM ${read.table} a WHERE a.dimension = ${dim} AND a.day = pts.day ${read.keys} OFFSET 0) a ${read.join} WHERE ${read.where}
        UNION ALL
        SELECT s.bucket, ${read.grp}, a.score, a.n
        FROM s JOIN segment_rollup_delta a ON a.dimension = ${dim} AND a.day BETWEEN s.lo AND s.hi ${read.keys} ${read.join} WHERE ${read.where}
      ) x GROUP BY 1, 2, 3`;
  } else {
    const lo = q.buckets.reduce((m, b) => (b.from < m ? b.from : m), q.buckets[0].from);
    const hi = q.buckets.reduce((m, b) => (b.to > m ? b.to : m), q.buckets[0].to);
    const tz = `(SELECT time_zone FROM settings WHERE id = 1)`;
    const key = p.add(q.key, 'text');
    const json = q.source === 'attribute' ? 'c.attributes' : 'r.hidden';
    const value = q.value !== undefined ? `AND segment_value(${json}, ${key}) = ${p.add(q.value, 'text')}` : '';
    sql = `
      WITH days AS (${DAY_BUCKETS(buckets)}),
      a AS (
        SELECT r.survey_id, (r.created_at AT TIME ZONE ${tz})::date AS day, segment_value(${json}, ${key}) AS value, r.score, count(*) AS n
        FROM responses r ${q.source === 'attribute' ? 'JOIN contacts c ON c.id = r.contact_id' : ''}
        WHERE r.created_at >= ${p.add(lo, 'date')}::timestamp AT TIME ZONE ${tz} AND r.created_at < (${p.add(hi, 'date')} + 1)::timestamp AT TIME ZONE ${tz}
          AND segment_value(${json}, ${key}) IS NOT NULL ${value}
        GROUP BY 1, 2, 3, 4)
      SELECT days.bucket, ${g.expr} AS grp, a.score, sum(a.n) AS n FROM a JOIN days USING (day) ${g.join}
      WHERE ${filter('a')} GROUP BY 1, 2, 3`;
  }
  const rows: Array<{ bucket: string; grp: string | null; score: number; n: string }> = await db.query(sql, p.values);
  const out: HistogramRow[] = [];
  for (const r of rows) {
    const n = Number(r.n);
    if (n !== 0 && r.grp !== null) out.push({ bucket: r.bucket, group: r.grp, channel: null, score: r.score, n });
  }
  return out;
}
