import type { DataSource } from 'typeorm';
import type { ResponseChannel } from '../../responses/response.entity';
import type { AttributeFilter } from '../filters';
import { DELTA_TABLE, eachPoint, unpivotPoints } from '../rollup';
import type { MetricKind } from '../scoring';
import { getSegmentDimensions } from './getSegmentDimensions';
import { getSegmentHistogramRows } from './getSegmentHistogramRows';
import { DAY_BUCKETS, grouping, Params, type Bucket, type HistogramPer, type HistogramRow } from './histogramSql';

export type { Bucket, HistogramPer, HistogramRow } from './histogramSql';

export interface HistogramScope {
  buckets: Bucket[];
  /** Only these surveys (all when absent): meant for a handful (a detail page), each is an index probe. */
  surveyIds?: string[];
  /** Only surveys of this kind (filtered in SQL). */
  kind?: MetricKind;
  /** Only surveys counted in this stage (their own, or their touchpoint's). */
  stageId?: number;
  channel?: ResponseChannel;
  /** Contact attribute: the only filter the rollups cannot answer (see below). */
  attribute?: AttributeFilter;
  /** Split the counts by channel as well. */
  byChannel?: boolean;
  /** The organisation's time zone: needed (only) to cut raw responses into days for an attribute filter. */
  timeZone?: string;
  per?: HistogramPer;
}

/**
 * Score counts per (bucket, group[, channel], score). Three sources, chosen by the filters:
 * - no channel and no attribute (the common case): the dense cumulative rollups. A bucket [lo, hi] is
 *   cum(min(hi, H)) - cum(min(lo - 1, H)) with H the horizon, plus the deltas not folded yet in [lo, hi]:
 *   two index range reads per bucket, whatever its length, of one row per survey (the scores in columns),
 *   or per stage and kind for every stage (by=stage, from response_stage_cum while it is not stale). Pooled per kind over the whole
 *   journey (no survey list), from response_kind_cum: tens of rows per bucket whatever the number of surveys;
 * - a channel, or a split by channel: `response_daily` over the period's days (grows with the period);
 * - a contact attribute: raw responses joined to contacts, over the period's time range (an index range
 *   scan on responses.created_at): its cost grows with the responses in the period, not with all of them.
 * Surveys are filtered and grouped in SQL (kind, touchpoint, stage): no survey list travels as a parameter.
 */
export async function getHistogramRows(db: DataSource, q: HistogramScope): Promise<HistogramRow[]> {
  if (q.buckets.length === 0 || q.surveyIds?.length === 0) return [];
  const per = q.per ?? 'survey';
  // An attribute chosen as a segment dimension (and counted): its rollups answer, whatever the period's answers.
  if (q.attribute && !q.channel && !q.byChannel) {
    const { key, value } = q.attribute;
    if ((await getSegmentDimensions(db)).some((d) => d.source === 'attribute' && d.key === key && d.built)) {
      return getSegmentHistogramRows(db, { source: 'attribute', key, value, buckets: q.buckets, per, kind: q.kind, stageId: q.stageId, surveyIds: q.surveyIds, counts: 'rollup' });
    }
  }
  const p = new Params();
  const buckets = `unnest(${p.add(q.buckets.map((b) => b.key), 'text[]')}, ${p.add(q.buckets.map((b) => b.from), 'date[]')}, ${p.add(q.buckets.map((b) => b.to), 'date[]')}) AS s(bucket, lo, hi)`;
  const g = grouping(per, per === 'stage' || per === 'place' || q.stageId !== undefined);
  const surveyFilter = (alias: string) => [
    q.kind ? `sv.kind = ${p.add(q.kind, 'text')}` : null,
    q.stageId !== undefined ? `coalesce(sv.stage_id, tp.stage_id) = ${p.add(q.stageId, 'int')}` : null,
    q.surveyIds ? `${alias}.survey_id = ANY(${p.add(q.surveyIds, 'uuid[]')})` : null,
  ].filter(Boolean).join(' AND ') || 'true';
  let sql: string;
  if (q.attribute) {
    if (!q.timeZone) throw new Error('getHistogramRows: an attribute filter needs the time zone');
    const lo = q.buckets.reduce((m, b) => (b.from < m ? b.from : m), q.buckets[0].from);
    const hi = q.buckets.reduce((m, b) => (b.to > m ? b.to : m), q.buckets[0].to);
    const tz = p.add(q.timeZone, 'text');
    sql = `
      WITH days AS (${DAY_BUCKETS(buckets)}),
      a AS (
        SELECT r.survey_id, (r.created_at AT TIME ZONE ${tz})::date AS day, ${q.byChannel ? 'r.channel' : 'NULL::text'} AS channel, r.score, count(*) AS n
        FROM responses r JOIN contacts c ON c.id = r.contact_id
        WHERE r.created_at >= ${p.add(lo, 'date')}::timestamp AT TIME ZONE ${tz} AND r.created_at < (${p.add(hi, 'date')} + 1)::timestamp AT TIME ZONE ${tz}
          AND c.attributes @> jsonb_build_object(${p.add(q.attribute.key, 'text')}, ${p.add(q.attribute.value, 'text')})
          ${q.channel ? `AND r.channel = ${p.add(q.channel, 'text')}` : ''}
        GROUP BY 1, 2, 3, 4)
      SELECT days.bucket, ${g.expr} AS grp, a.channel, a.score, sum(a.n) AS n FROM a JOIN days USING (day) ${g.join}
      WHERE ${surveyFilter('a')} GROUP BY 1, 2, 3, 4`;
  } else if (q.channel || q.byChannel) {
    const lo = q.buckets.reduce((m, b) => (b.from < m ? b.from : m), q.buckets[0].from);
    const hi = q.buckets.reduce((m, b) => (b.to > m ? b.to : m), q.buckets[0].to);
    const range = `day BETWEEN ${p.add(lo, 'date')} AND ${p.add(hi, 'date')}${q.channel ? ` AND channel = ${p.add(q.channel, 'text')}` : ''}`;
    sql = `
      WITH days AS (${DAY_BUCKETS(buckets)})
      SELECT days.bucket, ${g.expr} AS grp, ${q.byChannel ? 'a.channel' : 'NULL::text'} AS channel, a.score, sum(a.n) AS n
      FROM (SELECT survey_id, day, channel, score, count AS n FROM response_daily WHERE ${range}
            UNION ALL SELECT survey_id, day, channel, score, n FROM ${DELTA_TABLE} WHERE ${range}) a
      JOIN days USING (day) ${g.join}
      WHERE ${surveyFilter('a')}
      GROUP BY 1, 2, 3, 4`;
  } else if (per === 'kind' && !q.surveyIds && q.stageId === undefined) {
    // The whole journey per kind: every delta counts, those of a deleted survey too (they cancel its history).
    const kind = q.kind ? `AND c.kind = ${p.add(q.kind, 'text')}` : '';
    sql = `
      WITH s AS (SELECT * FROM ${buckets}),
      pts AS (
        SELECT s.bucket, least(s.hi, h.day) AS day, 1 AS sign FROM s, response_cum_horizon h
        UNION ALL SELECT s.bucket, least(s.lo - 1, h.day), -1 FROM s, response_cum_horizon h)
      SELECT bucket, grp, NULL AS channel, score, sum(n) AS n FROM (
        SELECT pts.bucket, c.kind AS grp, c.score, pts.sign * c.cum AS n FROM pts JOIN response_kind_cum c ON c.day = pts.day WHERE true ${kind}
        UNION ALL
        SELECT s.bucket, c.kind, c.score, c.n FROM s JOIN ${DELTA_TABLE} c ON c.day BETWEEN s.lo AND s.hi WHERE true ${kind}
      ) x GROUP BY 1, 2, 4`;
  } else {
    // One row per survey and edge day, the scores in columns: summed per group, then one row per score.
    // Grouped on the id itself and cast to text after: a cast per rollup row costs more than the grouping.
    const raw = g.expr.replace(/::text$/, '');
    const perSurvey = `
      SELECT pts.bucket, ${raw} AS grp, ${eachPoint((i) => `pts.sign * a.h${i} AS h${i}`)}
      FROM pts JOIN response_survey_cum a ON a.day = pts.day ${g.join} WHERE ${surveyFilter('a')}`;
    // Per stage over every survey (by=stage): the per-stage rollup, stages × kinds rows per edge day, unless a
    // move made it stale; then the per-survey rows. One statement: the flag is read in the same snapshot, and
    // the branch not taken is never run (a one-time filter).
    const byStage = per === 'stage' && !q.surveyIds && q.stageId === undefined;
    const folded = byStage
      ? `SELECT pts.bucket, c.stage_id AS grp, ${eachPoint((i) => `pts.sign * c.h${i} AS h${i}`)}
         FROM pts JOIN response_stage_cum c ON c.day = pts.day
         WHERE (SELECT NOT stale FROM response_stage_state) ${q.kind ? `AND c.kind = ${p.add(q.kind, 'text')}` : ''}
         UNION ALL
         SELECT * FROM (${perSurvey}) y WHERE (SELECT stale FROM response_stage_state)`
      : perSurvey;
    sql = `
      WITH s AS (SELECT * FROM ${buckets}),
      pts AS (
        SELECT s.bucket, least(s.hi, h.day) AS day, 1 AS sign FROM s, response_cum_horizon h
        UNION ALL SELECT s.bucket, least(s.lo - 1, h.day), -1 FROM s, response_cum_horizon h)
      SELECT y.bucket, y.grp::text AS grp, NULL AS channel, v.score, v.n FROM (
        SELECT bucket, grp, ${eachPoint((i) => `sum(h${i}) AS h${i}`)} FROM (
          ${folded}
          UNION ALL
          SELECT s.bucket, ${raw}, ${eachPoint((i) => `CASE WHEN a.score = ${i} THEN a.n ELSE 0 END`)}
          FROM s JOIN ${DELTA_TABLE} a ON a.day BETWEEN s.lo AND s.hi ${g.join} WHERE ${surveyFilter('a')}
        ) x GROUP BY 1, 2) y
      CROSS JOIN LATERAL (${unpivotPoints('y')}) v(score, n)
      -- A score nobody gave (or whose answers were all deleted) is not a row: a page of fifty touchpoints is not 550 rows.
      WHERE v.n <> 0`;
  }
  const rows: Array<{ bucket: string; grp: string | null; channel: ResponseChannel | null; score: number; n: string }> = await db.query(sql, p.values);
  const out: HistogramRow[] = [];
  for (const r of rows) {
    const n = Number(r.n);
    // A deleted answer leaves a 0 (or a cumulative difference of 0): such a score did not occur.
    if (n !== 0 && r.grp !== null) out.push({ bucket: r.bucket, group: r.grp, channel: r.channel, score: r.score, n });
  }
  return out;
}
