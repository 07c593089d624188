import type { DataSource } from 'typeorm';
import { DELTA_TABLE, eachPoint, SCALE_POINTS, STANDING_COLUMNS, STANDING_NAMES, standingFromPoints } from '../rollup';
import { LOW_SAMPLE_THRESHOLD, type MetricKind } from '../scoring';
import type { StageKind } from './getJourneyOutline';

/** Score counts of one level of the map: the journey (both ids null), a stage, or a touchpoint shown. */
export interface JourneyMapScoreRow { stageId: number | null; touchpointId: number | null; kind: MetricKind; score: number; n: number }

export interface JourneyMapScores {
  /** Every answer of the period pooled per journey, per stage, and per touchpoint shown (nothing else). */
  rows: JourneyMapScoreRow[];
  /** The kinds of survey counted in each stage (null: whole-journey surveys) and the touchpoints per stage, read in the same statement (the outline's). */
  stageKinds: StageKind[];
  touchpointCounts: Map<number, number>;
  /** Per condensed stage with a ranked touchpoint: the touchpoints most in need of attention (worst first), the best (best first), how many are ranked. */
  ranking: Map<number, { attention: number[]; best: number[]; ranked: number }>;
}

export interface JourneyMapScope {
  from: string;
  to: string;
  /** A stage with at most this many touchpoints is shown in full (every touchpoint's counts come back); a larger one is condensed to its ranked extremes. */
  fullAtMost: number;
  attention: number;
  best: number;
}

/** One count column per score, h0 … h10, as in the per-survey rollup. */
const POINTS = SCALE_POINTS;
const H = eachPoint;
// Sums of int4 counts, kept int4: sum(int4) accumulates in int8, while sum(int8) would accumulate in numeric
// (several times slower over a thousand touchpoints). A count per score never exceeds int4: the rollups keep
// the whole journey's count of each score in an integer.
const SUM_H = H((i) => `sum(h${i})::int AS h${i}`);

/**
 * A metric's score in SQL, for ranking only: the same formulas as scoring.ts (NPS 100·(p − d), CSAT
 * 100·top-2-box share, CES mean), written with the same float operations in the same order so that the
 * ranking is the one scoreFromHistogram gives (test/integration/journey-ranking.test.ts compares them).
 * The shown figures are scored by scoring.ts from the counts this query returns.
 */
const SCORE_SQL = `CASE kind
  WHEN 'nps' THEN 100 * ((h9 + h10)::float8 / n::float8 - (h0 + h1 + h2 + h3 + h4 + h5 + h6)::float8 / n::float8)
  WHEN 'csat' THEN 100 * ((h4 + h5)::float8 / n::float8)
  ELSE (${H((i) => `${i} * h${i}`, ' + ')})::float8 / n::float8 END`;

type CountRow = { level: 'place' | 'rank' | 'kind' | 'count' | 'stale'; stageId: number | null; touchpointId: number | null; kind: MetricKind | null; rank: string | null; ranked: string | null } & Record<`h${number}`, string | null>;

/** The rows both statements end with: the kinds of survey counted in each stage, and each stage's size. */
const KINDS_AND_SIZES = `
    SELECT 'kind', k.stage_id, NULL::int, k.kind, NULL::bigint, NULL::bigint, ${H(() => 'NULL::int')}
    FROM (SELECT DISTINCT coalesce(sv.stage_id, tp.stage_id) AS stage_id, sv.kind FROM surveys sv LEFT JOIN touchpoints tp ON tp.id = sv.touchpoint_id) k
    UNION ALL
    SELECT 'count', stage_id, NULL, NULL, n, NULL, ${H(() => 'NULL')} FROM stage_size`;

/** `x` on each column of the standing rollup (`x(name)`), comma-separated. */
const EACH_STANDING = (x: (name: string) => string) => STANDING_COLUMNS.map((c) => x(c.name)).join(', ');

/**
 * Where a touchpoint stands in one kind, from its standing columns: its distance to the nearest target as a share of
 * the scale, null below the low-sample threshold. The scores are SCORE_SQL's, with the same float operations.
 */
const STANDING_AT: Record<MetricKind, { n: string; score: string; lo: number; hi: number }> = {
  nps: { n: 'x.nps_n', score: '100 * (x.nps_promoters::float8 / x.nps_n::float8 - x.nps_detractors::float8 / x.nps_n::float8)', lo: -100, hi: 100 },
  csat: { n: 'x.csat_n', score: '100 * (x.csat_satisfied::float8 / x.csat_n::float8)', lo: 0, hi: 100 },
  ces: { n: 'x.ces_n', score: 'x.ces_sum::float8 / x.ces_n::float8', lo: 1, hi: 7 },
};
const KIND_LIST: MetricKind[] = ['nps', 'csat', 'ces'];
const TARGET_OF = (k: MetricKind, where: string, alias = 'kpi_targets') => `max(${alias}.target) FILTER (WHERE ${alias}.metric = '${k}' AND ${where})::float8`;
/** The large stages as one array: one index range per stage on an edge day's rows. */
const CONDENSED = `(SELECT array_agg(stage_id) FROM condensed)::int[]`;

/**
 * From the per-touchpoint standing rollup (while a move has not made it stale; then one 'stale' row only):
 * a large stage is ranked from one narrow row per touchpoint and edge day (the two edges and the period's
 * unfolded answers summed per touchpoint), with no join to the surveys; the journey and the stages come
 * from their own rollups, and only the shown touchpoints' surveys are read in full.
 */
const FROM_STANDING = `
    WITH s AS (SELECT $1::date AS lo, $2::date AS hi WHERE NOT (SELECT stale FROM response_stage_state)),
    e AS (SELECT least(s.hi, h.day) AS hi, least(s.lo - 1, h.day) AS lo FROM s, response_cum_horizon h),
    pts AS (SELECT hi AS day, 1 AS sign FROM e UNION ALL SELECT lo, -1 FROM e),
    stage_size AS MATERIALIZED (SELECT stage_id, count(*)::int AS n FROM touchpoints GROUP BY 1),
    condensed AS MATERIALIZED (SELECT stage_id FROM stage_size WHERE n > $3::int),
    -- The period's answers not folded yet, per survey (a few rows: the folder runs every second).
    dt AS MATERIALIZED (
      SELECT d.survey_id, sv.kind, coalesce(sv.stage_id, tp.stage_id) AS stage_id, sv.touchpoint_id,
             ${H((i) => `sum(CASE WHEN d.score = ${i} THEN d.n ELSE 0 END)::int AS h${i}`)}
      FROM s JOIN ${DELTA_TABLE} d ON d.day BETWEEN s.lo AND s.hi JOIN surveys sv ON sv.id = d.survey_id
      LEFT JOIN touchpoints tp ON tp.id = sv.touchpoint_id GROUP BY 1, 2, 3, 4),
    dt_standing AS (
      SELECT stage_id, touchpoint_id, ${EACH_STANDING((c) => `sum(${c})::int AS ${c}`)}
      FROM (SELECT d.stage_id, d.touchpoint_id, ${standingFromPoints('d.kind', 'd')} FROM dt d WHERE d.touchpoint_id IS NOT NULL) y GROUP BY 1, 2),
    -- Each touchpoint of a large stage over the period: the upper edge's row minus the lower edge's, plus its unfolded
    -- answers, summed in one hash aggregate (cheaper than joining the three: the ranking then reads plain columns).
    x AS (
      SELECT stage_id, touchpoint_id, ${EACH_STANDING((c) => `sum(${c})::int AS ${c}`)}
      FROM (
        SELECT stage_id, touchpoint_id, ${STANDING_NAMES} FROM response_standing_cum WHERE day = (SELECT hi FROM e) AND stage_id = ANY (${CONDENSED})
        UNION ALL
        SELECT stage_id, touchpoint_id, ${EACH_STANDING((c) => `-${c}`)} FROM response_standing_cum WHERE day = (SELECT lo FROM e) AND stage_id = ANY (${CONDENSED})
        UNION ALL
        SELECT stage_id, touchpoint_id, ${STANDING_NAMES} FROM dt_standing WHERE stage_id IN (SELECT stage_id FROM condensed)) u
      GROUP BY 1, 2),
    -- The nearest target of each kind: the touchpoint's (tt), else the stage's, else the journey's, else the scale's middle (st).
    jt AS (SELECT ${KIND_LIST.map((k) => `${TARGET_OF(k, 'stage_id IS NULL AND touchpoint_id IS NULL')} AS ${k}`).join(', ')} FROM kpi_targets),
    st AS MATERIALIZED (
      SELECT c.stage_id, ${KIND_LIST.map((k) => `coalesce(${TARGET_OF(k, 't.touchpoint_id IS NULL', 't')}, jt.${k}, ${(STANDING_AT[k].lo + STANDING_AT[k].hi) / 2}::float8) AS ${k}`).join(', ')}
      FROM condensed c CROSS JOIN jt LEFT JOIN kpi_targets t ON t.stage_id = c.stage_id
      GROUP BY c.stage_id, ${KIND_LIST.map((k) => `jt.${k}`).join(', ')}),
    tt AS (SELECT touchpoint_id, ${KIND_LIST.map((k) => `${TARGET_OF(k, 'true')} AS ${k}`).join(', ')} FROM kpi_targets WHERE touchpoint_id IS NOT NULL GROUP BY 1),
    standing AS (
      SELECT x.stage_id, x.touchpoint_id, least(${KIND_LIST.map((k) => {
        const a = STANDING_AT[k];
        return `CASE WHEN ${a.n} >= ${LOW_SAMPLE_THRESHOLD} THEN (${a.score} - coalesce(tt.${k}, st.${k})) / ${a.hi - a.lo}::float8 END`;
      }).join(', ')}) AS at
      FROM x JOIN st ON st.stage_id = x.stage_id LEFT JOIN tt ON tt.touchpoint_id = x.touchpoint_id),
    -- One window for both: row_number ignores the frame, count(*) takes the whole partition.
    ranked AS (
      SELECT stage_id, touchpoint_id, row_number() OVER w AS rank, count(*) OVER w AS ranked
      FROM standing WHERE at IS NOT NULL
      WINDOW w AS (PARTITION BY stage_id ORDER BY at, touchpoint_id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)),
    shown AS MATERIALIZED (SELECT * FROM ranked WHERE rank <= $4::int OR rank > greatest($4::int, ranked - $5::int)),
    -- The surveys of the touchpoints shown: every touchpoint of a small stage, the ranked extremes of a large one.
    cells AS MATERIALIZED (
      SELECT sv.id, tp.stage_id, tp.id AS touchpoint_id, sv.kind FROM touchpoints tp JOIN surveys sv ON sv.touchpoint_id = tp.id
      WHERE tp.stage_id IN (SELECT stage_id FROM stage_size WHERE n <= $3::int) AND EXISTS (SELECT 1 FROM s)
      UNION ALL
      SELECT sv.id, shown.stage_id, shown.touchpoint_id, sv.kind FROM shown JOIN surveys sv ON sv.touchpoint_id = shown.touchpoint_id)
    SELECT 'place' AS level, NULL::int AS "stageId", NULL::int AS "touchpointId", kind, NULL::bigint AS rank, NULL::bigint AS ranked, ${SUM_H}
    FROM (SELECT c.kind, ${H((i) => `CASE WHEN c.score = ${i} THEN pts.sign * c.cum ELSE 0 END AS h${i}`)} FROM pts JOIN response_kind_cum c ON c.day = pts.day
          -- Every unfolded answer counts for the journey, a deleted survey's too (they cancel its history, as in the rollup).
          UNION ALL SELECT d.kind, ${H((i) => `CASE WHEN d.score = ${i} THEN d.n ELSE 0 END`)} FROM s JOIN ${DELTA_TABLE} d ON d.day BETWEEN s.lo AND s.hi) j
    GROUP BY kind
    UNION ALL
    SELECT 'place', stage_id, NULL, kind, NULL, NULL, ${SUM_H}
    FROM (SELECT c.stage_id, c.kind, ${H((i) => `pts.sign * c.h${i} AS h${i}`)} FROM pts JOIN response_stage_cum c ON c.day = pts.day
          UNION ALL SELECT stage_id, kind, ${H((i) => `h${i}`)} FROM dt WHERE stage_id IS NOT NULL) y
    GROUP BY stage_id, kind
    UNION ALL
    SELECT 'place', stage_id, touchpoint_id, kind, NULL, NULL, ${SUM_H}
    FROM (SELECT c.stage_id, c.touchpoint_id, c.kind, ${H((i) => `pts.sign * a.h${i} AS h${i}`)}
          FROM cells c CROSS JOIN pts CROSS JOIN LATERAL (SELECT * FROM response_survey_cum a WHERE a.day = pts.day AND a.survey_id = c.id OFFSET 0) a
          UNION ALL SELECT c.stage_id, c.touchpoint_id, c.kind, ${H((i) => `d.h${i}`)} FROM cells c JOIN dt d ON d.survey_id = c.id) z
    GROUP BY stage_id, touchpoint_id, kind
    UNION ALL
    SELECT 'rank', stage_id, touchpoint_id, NULL, rank, ranked, ${H(() => 'NULL')} FROM shown
    UNION ALL
    SELECT 'stale', NULL, NULL, NULL, NULL, NULL, ${H(() => 'NULL')} FROM response_stage_state WHERE stale
    UNION ALL ${KINDS_AND_SIZES}`;

/**
 * From the per-survey rollup (while the per-touchpoint one is stale, after a move): every survey's two
 * edge rows pooled per place in one aggregate, ranked in the same statement.
 */
const FROM_SURVEYS = `
    WITH s AS (SELECT $1::date AS lo, $2::date AS hi),
    stage_size AS MATERIALIZED (SELECT stage_id, count(*)::int AS n FROM touchpoints GROUP BY 1),
    condensed AS (SELECT stage_id FROM stage_size WHERE n > $3::int),
    targets AS MATERIALIZED (SELECT metric, stage_id, touchpoint_id, target::float8 AS target FROM kpi_targets),
    -- Where each survey counts (narrow: joined to the wide count rows once).
    survey_place AS MATERIALIZED (
      SELECT sv.id, coalesce(sv.stage_id, tp.stage_id) AS stage_id, sv.touchpoint_id, sv.kind
      FROM surveys sv LEFT JOIN touchpoints tp ON tp.id = sv.touchpoint_id),
    -- The two edge days' rows of every survey (signed), and the unfolded deltas of the period.
    pts AS (
      SELECT least(s.hi, h.day) AS day, 1 AS sign FROM s, response_cum_horizon h
      UNION ALL SELECT least(s.lo - 1, h.day), -1 FROM s, response_cum_horizon h),
    counts AS (
      SELECT a.survey_id, ${H((i) => `pts.sign * a.h${i} AS h${i}`)} FROM pts JOIN response_survey_cum a ON a.day = pts.day
      UNION ALL SELECT a.survey_id, ${H((i) => `CASE WHEN a.score = ${i} THEN a.n ELSE 0 END`)} FROM s JOIN ${DELTA_TABLE} a ON a.day BETWEEN s.lo AND s.hi),
    -- Pooled per place in one aggregate (a place pools its surveys, a survey its two edges and its deltas).
    place AS MATERIALIZED (
      SELECT m.stage_id, m.touchpoint_id, m.kind, ${SUM_H}, sum(${H((i) => `c.h${i}`, ' + ')})::int AS n
      FROM counts c JOIN survey_place m ON m.id = c.survey_id
      GROUP BY 1, 2, 3),
    scored AS (
      SELECT stage_id, touchpoint_id, kind, ${SCORE_SQL} AS score
      FROM place WHERE touchpoint_id IS NOT NULL AND stage_id IN (SELECT stage_id FROM condensed) AND n >= ${LOW_SAMPLE_THRESHOLD}),
    standing AS (
      SELECT x.stage_id, x.touchpoint_id,
             min((x.score - coalesce(tt.target, st.target, jt.target, (r.lo + r.hi) / 2)) / (r.hi - r.lo)) AS at
      FROM scored x
      CROSS JOIN LATERAL (SELECT CASE x.kind WHEN 'nps' THEN -100 WHEN 'csat' THEN 0 ELSE 1 END::float8 AS lo,
                                 CASE x.kind WHEN 'ces' THEN 7 ELSE 100 END::float8 AS hi) r
      LEFT JOIN targets tt ON tt.metric = x.kind AND tt.touchpoint_id = x.touchpoint_id AND tt.stage_id IS NULL
      LEFT JOIN targets st ON st.metric = x.kind AND st.stage_id = x.stage_id AND st.touchpoint_id IS NULL
      LEFT JOIN targets jt ON jt.metric = x.kind AND jt.stage_id IS NULL AND jt.touchpoint_id IS NULL
      GROUP BY 1, 2),
    ranked AS (
      SELECT stage_id, touchpoint_id, row_number() OVER (PARTITION BY stage_id ORDER BY at, touchpoint_id) AS rank,
             count(*) OVER (PARTITION BY stage_id) AS ranked
      FROM standing),
    shown AS (SELECT * FROM ranked WHERE rank <= $4::int OR rank > greatest($4::int, ranked - $5::int))
    SELECT 'place' AS level, NULL::int AS "stageId", NULL::int AS "touchpointId", kind, NULL::bigint AS rank, NULL::bigint AS ranked, ${SUM_H}
    FROM place GROUP BY kind
    UNION ALL
    SELECT 'place', stage_id, NULL, kind, NULL, NULL, ${SUM_H} FROM place WHERE stage_id IS NOT NULL GROUP BY stage_id, kind
    UNION ALL
    SELECT 'place', stage_id, touchpoint_id, kind, NULL, NULL, ${H((i) => `h${i}`)} FROM place
    WHERE touchpoint_id IS NOT NULL AND (stage_id NOT IN (SELECT stage_id FROM condensed) OR touchpoint_id IN (SELECT touchpoint_id FROM shown))
    UNION ALL
    SELECT 'rank', stage_id, touchpoint_id, NULL, rank, ranked, ${H(() => 'NULL')} FROM shown
    UNION ALL ${KINDS_AND_SIZES}`;

/**
 * The journey map's scores for a period from the dense cumulative rollups (no channel or attribute filter),
 * ranked in SQL; only the levels the map shows come back — the journey, each stage, the touchpoints of
 * small stages, and the extremes of each large stage (a chain's 200 stores) — a few dozen rows whatever the
 * number of touchpoints. Ranking as the map defines it: over a touchpoint's metrics with at least
 * LOW_SAMPLE_THRESHOLD answers, its worst distance to the nearest target (the touchpoint's, else the
 * stage's, else the journey's; the scale's middle when none) as a share of the scale; ties by id.
 * Read from the per-touchpoint standing rollup, or per survey while a move has made it stale.
 */
export async function getJourneyMapScores(db: DataSource, q: JourneyMapScope): Promise<JourneyMapScores> {
  const params = [q.from, q.to, q.fullAtMost, q.attention, q.best];
  let rows: CountRow[] = await db.query(FROM_STANDING, params);
  if (rows.some((r) => r.level === 'stale')) rows = await db.query(FROM_SURVEYS, params);
  const out: JourneyMapScores = { rows: [], ranking: new Map(), stageKinds: [], touchpointCounts: new Map() };
  const ranks: Array<{ stageId: number; touchpointId: number; rank: number; ranked: number }> = [];
  for (const r of rows) {
    if (r.level === 'kind') {
      out.stageKinds.push({ stageId: r.stageId, kind: r.kind as MetricKind });
    } else if (r.level === 'count') {
      out.touchpointCounts.set(r.stageId as number, Number(r.rank));
    } else if (r.level === 'rank') {
      ranks.push({ stageId: r.stageId as number, touchpointId: r.touchpointId as number, rank: Number(r.rank), ranked: Number(r.ranked) });
    } else {
      for (const i of POINTS) {
        // A deleted answer leaves a 0 (or a cumulative difference of 0): such a score did not occur.
        const n = Number(r[`h${i}`]);
        if (n !== 0) out.rows.push({ stageId: r.stageId, touchpointId: r.touchpointId, kind: r.kind as MetricKind, score: i, n });
      }
    }
  }
  ranks.sort((a, b) => a.rank - b.rank);
  for (const r of ranks) {
    const stage = out.ranking.get(r.stageId) ?? { attention: [], best: [], ranked: 0 };
    out.ranking.set(r.stageId, stage);
    stage.ranked = r.ranked;
    if (r.rank <= q.attention) stage.attention.push(r.touchpointId);
    else stage.best.unshift(r.touchpointId);
  }
  return out;
}
