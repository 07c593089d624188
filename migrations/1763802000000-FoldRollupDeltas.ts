import { MigrationInterface, QueryRunner } from 'typeorm';

/** The rollups as AddScoreRollups left them: key columns, and the shard that is dropped here. */
const TABLES = [
  { table: 'response_daily', keys: ['survey_id', 'day', 'channel', 'score'], oldPk: ['survey_id', 'day', 'channel', 'score', 'shard'] },
  { table: 'response_day_score', keys: ['day', 'survey_id', 'score'], oldPk: ['day', 'survey_id', 'score', 'shard'] },
  { table: 'response_week_score', keys: ['week', 'survey_id', 'score'], oldPk: ['week', 'survey_id', 'score', 'shard'] },
];

/** Signed counts per (survey, org-day, channel, score) of a transition table. */
const counted = (table: string, sign: 1 | -1) =>
  `SELECT survey_id, (created_at AT TIME ZONE (SELECT time_zone FROM settings WHERE id = 1))::date AS day, channel, score, ${sign} AS n FROM ${table}`;

/**
 * The statement trigger's whole work: net counts per key of the statement, appended to the delta table.
 * The join takes the survey's kind (the per-kind rollups need it once the survey is gone) and skips
 * answers deleted with their survey (ON DELETE CASCADE: the survey row is already gone, its rollup rows
 * go with it).
 */
const append = (rows: string) => `
  INSERT INTO response_rollup_delta (survey_id, kind, day, channel, score, n)
  SELECT x.survey_id, s.kind, x.day, x.channel, x.score, sum(x.n)::int
  FROM (${rows}) x JOIN surveys s ON s.id = x.survey_id
  GROUP BY 1, 2, 3, 4, 5 HAVING sum(x.n) <> 0`;

/** AddScoreRollups' trigger bodies, for down(): every statement upserts the three rollups, sharded by backend. */
const SHARD = `(pg_backend_pid() % 16)::smallint`;
function shardedUpserts(deltas: string): string {
  return `
    WITH d AS (${deltas}),
    daily AS (
      INSERT INTO response_daily AS t (survey_id, day, channel, score, shard, count)
      SELECT survey_id, day, channel, score, ${SHARD}, n FROM d ORDER BY 1, 2, 3, 4
      ON CONFLICT (survey_id, day, channel, score, shard) DO UPDATE SET count = t.count + EXCLUDED.count
    ),
    by_day AS (
      INSERT INTO response_day_score AS t (survey_id, day, score, shard, count)
      SELECT survey_id, day, score, ${SHARD}, sum(n) FROM d GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
      ON CONFLICT (day, survey_id, score, shard) DO UPDATE SET count = t.count + EXCLUDED.count
    )
    INSERT INTO response_week_score AS t (survey_id, week, score, shard, count)
    SELECT survey_id, date_trunc('week', day)::date, score, ${SHARD}, sum(n) FROM d GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (week, survey_id, score, shard) DO UPDATE SET count = t.count + EXCLUDED.count`;
}
const shardedGrouped = (rows: string) => `SELECT survey_id, day, channel, score, sum(n)::int AS n FROM (${rows}) x
  WHERE EXISTS (SELECT 1 FROM surveys s WHERE s.id = x.survey_id) GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0`;

async function setTriggerBodies(q: QueryRunner, body: (rows: string) => string): Promise<void> {
  const bodies: Record<string, string> = {
    insert: body(counted('new_rows', 1)),
    delete: body(counted('old_rows', -1)),
    update: body(`${counted('new_rows', 1)} UNION ALL ${counted('old_rows', -1)}`),
  };
  for (const [op, sql] of Object.entries(bodies)) {
    await q.query(`
      CREATE OR REPLACE FUNCTION response_rollup_${op}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${sql};
        RETURN NULL;
      END
      $$`);
  }
}

/**
 * Cheaper rollup upkeep per answer: the statement triggers on `responses` no longer upsert three rollups
 * (three index lookups and row locks per key, spread over 16 shards per key so that writers do not queue)
 * but append the statement's net counts to one narrow table without any index, `response_rollup_delta`.
 * A single folder (src/jobs/rollup-fold.ts, every second, one at a time across instances) moves them into
 * the rollups in one transaction; readers add the deltas not folded yet, in the same snapshot. With one
 * writer per rollup row the shards have no purpose: they are summed and dropped, and so is the compaction.
 */
export class FoldRollupDeltas1763802000000 implements MigrationInterface {
  name = 'FoldRollupDeltas1763802000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`LOCK TABLE responses IN SHARE ROW EXCLUSIVE MODE`);
    // Emptied every second: vacuumed after a fixed number of dead rows, not a share of a table that is always small.
    await q.query(`
      CREATE TABLE response_rollup_delta (
        survey_id uuid NOT NULL,
        kind text NOT NULL,
        day date NOT NULL,
        channel text NOT NULL,
        score smallint NOT NULL,
        n integer NOT NULL
      ) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000, autovacuum_vacuum_insert_scale_factor = 0)`);
    for (const t of TABLES) {
      const keys = t.keys.join(', ');
      await q.query(`CREATE TEMP TABLE rollup_merge ON COMMIT DROP AS SELECT ${keys}, sum(count)::int AS count FROM ${t.table} GROUP BY ${keys} HAVING sum(count) <> 0`);
      await q.query(`DELETE FROM ${t.table}`);
      await q.query(`ALTER TABLE ${t.table} DROP COLUMN shard CASCADE`);
      await q.query(`ALTER TABLE ${t.table} ADD PRIMARY KEY (${keys})`);
      await q.query(`INSERT INTO ${t.table} (${keys}, count) SELECT ${keys}, count FROM rollup_merge`);
      await q.query(`DROP TABLE rollup_merge`);
    }
    await setTriggerBodies(q, append);
    await q.query(`
      CREATE OR REPLACE FUNCTION response_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE response_daily, response_day_score, response_week_score, response_rollup_delta;
        RETURN NULL;
      END
      $$`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`LOCK TABLE responses IN SHARE ROW EXCLUSIVE MODE`);
    // Fold what is left, so that no count is lost with the delta table.
    await q.query(`
      WITH d AS (SELECT survey_id, day, channel, score, sum(n)::int AS n FROM response_rollup_delta x
                 WHERE EXISTS (SELECT 1 FROM surveys s WHERE s.id = x.survey_id) GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0),
      daily AS (
        INSERT INTO response_daily AS t (survey_id, day, channel, score, count) SELECT survey_id, day, channel, score, n FROM d
        ON CONFLICT (survey_id, day, channel, score) DO UPDATE SET count = t.count + EXCLUDED.count),
      by_day AS (
        INSERT INTO response_day_score AS t (survey_id, day, score, count) SELECT survey_id, day, score, sum(n) FROM d GROUP BY 1, 2, 3
        ON CONFLICT (day, survey_id, score) DO UPDATE SET count = t.count + EXCLUDED.count)
      INSERT INTO response_week_score AS t (survey_id, week, score, count) SELECT survey_id, date_trunc('week', day)::date, score, sum(n) FROM d GROUP BY 1, 2, 3
      ON CONFLICT (week, survey_id, score) DO UPDATE SET count = t.count + EXCLUDED.count`);
    await q.query(`DROP TABLE response_rollup_delta`);
    for (const t of TABLES) {
      await q.query(`ALTER TABLE ${t.table} DROP CONSTRAINT ${t.table}_pkey`);
      await q.query(`ALTER TABLE ${t.table} ADD COLUMN shard smallint NOT NULL DEFAULT 0`);
      await q.query(`ALTER TABLE ${t.table} ALTER COLUMN shard DROP DEFAULT`);
      await q.query(`ALTER TABLE ${t.table} ADD PRIMARY KEY (${t.oldPk.join(', ')})`);
    }
    await setTriggerBodies(q, (rows) => shardedUpserts(shardedGrouped(rows)));
    await q.query(`
      CREATE OR REPLACE FUNCTION response_rollup_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE response_daily, response_day_score, response_week_score;
        RETURN NULL;
      END
      $$`);
  }
}
