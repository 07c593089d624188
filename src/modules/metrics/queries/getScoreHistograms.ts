import type { DataSource } from 'typeorm';
import type { Histogram, MetricKind } from '../scoring';

export type GroupBy = 'overall' | 'stage' | 'touchpoint' | 'survey' | 'week';

export interface HistogramQuery {
  kind: MetricKind;
  by: GroupBy;
  /** Calendar days in the organisation's time zone, inclusive. */
  from: string;
  to: string;
}

/** Group id (stage id, touchpoint id, survey id, Monday of the week, or 'overall') -> pooled histogram. */
export type GroupedHistograms = Map<string, Histogram>;

const GROUP_EXPR: Record<GroupBy, string> = {
  overall: `'overall'`,
  stage: `coalesce(s.stage_id, t.stage_id)::text`,
  touchpoint: `s.touchpoint_id::text`,
  survey: `s.id::text`,
  week: `to_char(date_trunc('week', d.day), 'YYYY-MM-DD')`,
};

/**
 * Score histograms per group, read from the daily rollup: the cost depends on days × surveys × scale,
 * never on the number of responses. A group pools every response of its surveys.
 */
export async function getScoreHistograms(db: DataSource, q: HistogramQuery): Promise<GroupedHistograms> {
  const group = GROUP_EXPR[q.by];
  const rows: Array<{ g: string | null; score: number; n: string }> = await db.query(
    `SELECT ${group} AS g, d.score, sum(d.count) AS n
     FROM response_daily d
     JOIN surveys s ON s.id = d.survey_id
     LEFT JOIN touchpoints t ON t.id = s.touchpoint_id
     WHERE s.kind = $1 AND d.day BETWEEN $2::date AND $3::date
     GROUP BY 1, 2`,
    [q.kind, q.from, q.to],
  );
  const result: GroupedHistograms = new Map();
  for (const row of rows) {
    const count = Number(row.n);
    if (row.g === null || count === 0) continue;
    const h = result.get(row.g) ?? {};
    h[row.score] = (h[row.score] ?? 0) + count;
    result.set(row.g, h);
  }
  return result;
}
