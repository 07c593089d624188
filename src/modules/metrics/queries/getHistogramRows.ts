import type { DataSource } from 'typeorm';
import { addDays, daysBetween, weekStart } from '../../../time';
import type { ResponseChannel } from '../../responses/response.entity';
import type { AttributeFilter } from '../filters';
import { LIVE_DELTAS } from '../rollup';

/** A named range of days (inclusive, org time zone) to count responses in; buckets may overlap. */
export interface Bucket { key: string; from: string; to: string }

export interface HistogramScope {
  buckets: Bucket[];
  /** Only these surveys (all when absent). */
  surveyIds?: string[];
  channel?: ResponseChannel;
  /** Contact attribute: the only filter the rollups cannot answer (see below). */
  attribute?: AttributeFilter;
  /** Split the counts by channel as well. */
  byChannel?: boolean;
  /** The organisation's time zone: needed (only) to cut raw responses into days for an attribute filter. */
  timeZone?: string;
  /** Count per survey (default), or pooled per metric kind when only the kind matters (fewer rows). */
  per?: 'survey' | 'kind';
}

/** `group` is the survey id, or the metric kind with `per: 'kind'`. */
export interface HistogramRow { bucket: string; group: string; channel: ResponseChannel | null; score: number; n: number }

interface Segment { bucket: string; tier: 'w' | 'd'; lo: string; hi: string }

/**
 * Splits a day range into whole Monday–Sunday weeks (read from the weekly rollup) and the days at its
 * edges (read from the daily one): a 90-day period reads ~13 weekly rows per survey and score instead of
 * 90 daily ones, and the count of rows read stops growing once every score occurs each week.
 */
export function tierSegments(b: Bucket): Segment[] {
  const firstMonday = weekStart(b.from) === b.from ? b.from : addDays(weekStart(b.from), 7);
  const lastMonday = addDays(weekStart(addDays(b.to, 1)), -7);
  if (daysBetween(firstMonday, lastMonday) < 0) return [{ bucket: b.key, tier: 'd', lo: b.from, hi: b.to }];
  const out: Segment[] = [{ bucket: b.key, tier: 'w', lo: firstMonday, hi: lastMonday }];
  if (b.from !== firstMonday) out.push({ bucket: b.key, tier: 'd', lo: b.from, hi: addDays(firstMonday, -1) });
  const lastSunday = addDays(lastMonday, 6);
  if (b.to !== lastSunday) out.push({ bucket: b.key, tier: 'd', lo: addDays(lastSunday, 1), hi: b.to });
  return out;
}

/** Bucket → every day it covers, for the paths that count per day and map days to buckets. */
const DAY_BUCKETS = `SELECT s.bucket, d::date AS day FROM unnest($1::text[], $2::date[], $3::date[]) AS s(bucket, lo, hi),
  generate_series(s.lo::timestamp, s.hi::timestamp, interval '1 day') AS d`;

/**
 * Score counts per (bucket, survey[, channel], score). Three sources, chosen by the filters:
 * - no channel and no attribute: the weekly and daily score rollups (bounded cost, the common case);
 * - a channel, or a split by channel: `response_daily` (bounded too, about four times the rows);
 * - a contact attribute: raw responses joined to contacts, over the period's time range (an index range
 *   scan on responses.created_at): its cost grows with the responses in the period, not with all of them.
 */
export async function getHistogramRows(db: DataSource, q: HistogramScope): Promise<HistogramRow[]> {
  if (q.buckets.length === 0 || q.surveyIds?.length === 0) return [];
  let rows: Array<{ bucket: string; grp: string; channel: ResponseChannel | null; score: number; n: string }>;
  const surveys = q.surveyIds ?? null;
  // Pooling per kind joins the survey list (a few dozen rows): a hash join on the counted rows.
  const group = (alias: string) => (q.per === 'kind' ? 'sv.kind' : `${alias}.survey_id`);
  const join = (alias: string) => (q.per === 'kind' ? `JOIN surveys sv ON sv.id = ${alias}.survey_id` : '');
  const lo = q.buckets.reduce((m, b) => (b.from < m ? b.from : m), q.buckets[0].from);
  const hi = q.buckets.reduce((m, b) => (b.to > m ? b.to : m), q.buckets[0].to);
  if (q.attribute) {
    if (!q.timeZone) throw new Error('getHistogramRows: an attribute filter needs the time zone');
    rows = await db.query(
      `WITH days AS (${DAY_BUCKETS}),
       counted AS (
         SELECT r.survey_id, (r.created_at AT TIME ZONE $4)::date AS day, ${q.byChannel ? 'r.channel' : 'NULL::text'} AS channel, r.score, count(*) AS n
         FROM responses r JOIN contacts c ON c.id = r.contact_id
         WHERE r.created_at >= $5::timestamp AT TIME ZONE $4 AND r.created_at < ($6::date + 1)::timestamp AT TIME ZONE $4
           AND c.attributes @> jsonb_build_object($7::text, $8::text)
           AND ($9::text IS NULL OR r.channel = $9) AND ($10::uuid[] IS NULL OR r.survey_id = ANY($10))
         GROUP BY 1, 2, 3, 4)
       SELECT days.bucket, ${group('c')} AS grp, c.channel, c.score, sum(c.n) AS n FROM counted c JOIN days USING (day) ${join('c')} GROUP BY 1, 2, 3, 4`,
      [q.buckets.map((b) => b.key), q.buckets.map((b) => b.from), q.buckets.map((b) => b.to), q.timeZone, lo, hi,
        q.attribute.key, q.attribute.value, q.channel ?? null, surveys],
    );
  } else if (q.channel || q.byChannel) {
    rows = await db.query(
      `WITH days AS (${DAY_BUCKETS})
       SELECT days.bucket, ${group('d')} AS grp, ${q.byChannel ? 'd.channel' : 'NULL::text'} AS channel, d.score, sum(d.count) AS n
       FROM (SELECT survey_id, day, channel, score, count FROM response_daily WHERE day BETWEEN $6::date AND $7::date
             UNION ALL SELECT survey_id, day, channel, score, n FROM ${LIVE_DELTAS} x WHERE day BETWEEN $6::date AND $7::date) d
       JOIN days USING (day) ${join('d')}
       WHERE ($4::text IS NULL OR d.channel = $4) AND ($5::uuid[] IS NULL OR d.survey_id = ANY($5))
       GROUP BY 1, 2, 3, 4`,
      [q.buckets.map((b) => b.key), q.buckets.map((b) => b.from), q.buckets.map((b) => b.to), q.channel ?? null, surveys, lo, hi],
    );
  } else {
    const segments = q.buckets.flatMap(tierSegments);
    const part = (tier: 'w' | 'd') => segments.filter((s) => s.tier === tier);
    const [weeks, days] = [part('w'), part('d')];
    rows = await db.query(
      `SELECT x.bucket, ${group('x')} AS grp, NULL AS channel, x.score, sum(x.count) AS n FROM (
         SELECT s.bucket, w.survey_id, w.score, w.count
         FROM unnest($1::text[], $2::date[], $3::date[]) AS s(bucket, lo, hi)
         JOIN response_week_score w ON w.week BETWEEN s.lo AND s.hi
         WHERE $7::uuid[] IS NULL OR w.survey_id = ANY($7)
         UNION ALL
         SELECT s.bucket, d.survey_id, d.score, d.count
         FROM unnest($4::text[], $5::date[], $6::date[]) AS s(bucket, lo, hi)
         JOIN response_day_score d ON d.day BETWEEN s.lo AND s.hi
         WHERE $7::uuid[] IS NULL OR d.survey_id = ANY($7)
         UNION ALL
         SELECT s.bucket, d.survey_id, d.score, d.n
         FROM unnest($1::text[], $2::date[], $3::date[]) AS s(bucket, lo, hi)
         JOIN ${LIVE_DELTAS} d ON date_trunc('week', d.day)::date BETWEEN s.lo AND s.hi
         WHERE $7::uuid[] IS NULL OR d.survey_id = ANY($7)
         UNION ALL
         SELECT s.bucket, d.survey_id, d.score, d.n
         FROM unnest($4::text[], $5::date[], $6::date[]) AS s(bucket, lo, hi)
         JOIN ${LIVE_DELTAS} d ON d.day BETWEEN s.lo AND s.hi
         WHERE $7::uuid[] IS NULL OR d.survey_id = ANY($7)
       ) x ${join('x')} GROUP BY 1, 2, 4`,
      [weeks.map((s) => s.bucket), weeks.map((s) => s.lo), weeks.map((s) => s.hi),
        days.map((s) => s.bucket), days.map((s) => s.lo), days.map((s) => s.hi), surveys],
    );
  }
  const out: HistogramRow[] = [];
  for (const r of rows) {
    const n = Number(r.n);
    // Shards of a deleted answer can cancel out to 0: such a score did not occur.
    if (n !== 0) out.push({ bucket: r.bucket, group: r.grp, channel: r.channel, score: r.score, n });
  }
  return out;
}
