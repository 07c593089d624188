import type { ResponseChannel } from '../../responses/response.entity';

/**
 * What the histogram reads share (getHistogramRows over the score rollups, getSegmentHistogramRows over
 * the segment rollups): buckets, groupings and their SQL.
 */

/** A named range of days (inclusive, org time zone) to count responses in; buckets may overlap. */
export interface Bucket { key: string; from: string; to: string }

/**
 * How rows are grouped: per survey (default), per metric kind, per touchpoint or per stage of the survey;
 * or per `place`, "stage:touchpoint:kind" (ids, empty when the survey has none): every level of the journey
 * map from one read.
 */
export type HistogramPer = 'survey' | 'kind' | 'touchpoint' | 'stage' | 'place';

/**
 * `group` is the survey id, the metric kind, the touchpoint id or the stage id (as text) after `per`;
 * surveys without a touchpoint (or a stage) are left out when grouping by those.
 */
export interface HistogramRow { bucket: string; group: string; channel: ResponseChannel | null; score: number; n: number }

/** Query parameters as $n placeholders, in order. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

/** The group expression and the joins it needs, for rows aliased `a` with a survey_id. */
export function grouping(per: HistogramPer, withStage: boolean): { expr: string; join: string } {
  const join = `JOIN surveys sv ON sv.id = a.survey_id${withStage ? ' LEFT JOIN touchpoints tp ON tp.id = sv.touchpoint_id' : ''}`;
  switch (per) {
    case 'place':
      return { expr: `coalesce(coalesce(sv.stage_id, tp.stage_id)::text, '') || ':' || coalesce(sv.touchpoint_id::text, '') || ':' || sv.kind`, join };
    case 'kind': return { expr: 'sv.kind', join };
    case 'touchpoint': return { expr: 'sv.touchpoint_id::text', join };
    case 'stage': return { expr: 'coalesce(sv.stage_id, tp.stage_id)::text', join };
    default: return { expr: 'a.survey_id::text', join };
  }
}

/** Bucket → every day it covers, for the paths that count per day and map days to buckets. */
export const DAY_BUCKETS = (b: string) => `SELECT s.bucket, d::date AS day FROM ${b}, generate_series(s.lo::timestamp, s.hi::timestamp, interval '1 day') AS d`;
