import type { DataSource, EntityManager } from 'typeorm';
import type { MetricKind } from '../metrics/scoring';
import type { Framework } from './stage.entity';
import type { TouchpointChannel } from './touchpoint.entity';

/**
 * What the journey management page reads and writes beyond the API's create/list: renaming, reordering
 * and deleting stages, editing and moving touchpoints, and KPI targets.
 */

export interface StageRow {
  id: number;
  key: string;
  nameVi: string;
  nameEn: string;
  position: number;
  framework: Framework;
  touchpointCount: number;
  surveyCount: number;
}

export interface TouchpointRow {
  id: number;
  key: string;
  stageId: number;
  nameVi: string;
  nameEn: string;
  channel: TouchpointChannel;
  ownerUserId: string | null;
  ownerName: string | null;
  ownerEmail: string | null;
  surveyCount: number;
}

export interface TargetRow {
  metric: MetricKind;
  stageId: number | null;
  touchpointId: number | null;
  target: number;
}

const STAGE_SELECT = `
  SELECT s.id, s.key, s.name_vi AS "nameVi", s.name_en AS "nameEn", s.position, s.framework,
         (SELECT count(*)::int FROM touchpoints t WHERE t.stage_id = s.id) AS "touchpointCount",
         (SELECT count(*)::int FROM surveys v WHERE v.stage_id = s.id) AS "surveyCount"
  FROM stages s`;

const TOUCHPOINT_SELECT = `
  SELECT t.id, t.key, t.stage_id AS "stageId", t.name_vi AS "nameVi", t.name_en AS "nameEn", t.channel,
         t.owner_user_id AS "ownerUserId", u.name AS "ownerName", u.email AS "ownerEmail",
         (SELECT count(*)::int FROM surveys v WHERE v.touchpoint_id = t.id) AS "surveyCount"
  FROM touchpoints t LEFT JOIN users u ON u.id = t.owner_user_id`;

export interface JourneyData {
  stages: StageRow[];
  touchpoints: TouchpointRow[];
  targets: TargetRow[];
}

/** The whole journey in order, with what hangs off each stage and touchpoint, and every target. */
export async function getJourneyData(db: DataSource): Promise<JourneyData> {
  const [stages, touchpoints, targets] = await Promise.all([
    db.query(`${STAGE_SELECT} ORDER BY s.position, s.id`) as Promise<StageRow[]>,
    db.query(`${TOUCHPOINT_SELECT} ORDER BY t.position, t.id`) as Promise<TouchpointRow[]>,
    getTargets(db),
  ]);
  return { stages, touchpoints, targets };
}

export async function getStage(db: DataSource, id: number): Promise<StageRow | null> {
  const rows: StageRow[] = await db.query(`${STAGE_SELECT} WHERE s.id = $1`, [id]);
  return rows[0] ?? null;
}

export async function getTouchpoint(db: DataSource, id: number): Promise<TouchpointRow | null> {
  const rows: TouchpointRow[] = await db.query(`${TOUCHPOINT_SELECT} WHERE t.id = $1`, [id]);
  return rows[0] ?? null;
}

/** Renames a stage and replaces its framework notes; false when it no longer exists. */
export async function updateStage(db: DataSource, id: number, input: { nameVi: string; nameEn: string; framework: Framework }): Promise<boolean> {
  // Wrapped in a SELECT: TypeORM hands back an UPDATE's rows as [rows, count].
  const rows: unknown[] = await db.query(
    `WITH u AS (UPDATE stages SET name_vi = $2, name_en = $3, framework = $4, updated_at = now() WHERE id = $1 RETURNING id) SELECT id FROM u`,
    [id, input.nameVi, input.nameEn, JSON.stringify(input.framework)]);
  return rows.length > 0;
}

/**
 * Swaps a stage with its neighbour and renumbers the journey 1..n (healing any gap). The lock is the one
 * createStage takes, so a concurrent insert or move never sees half a reorder.
 */
export async function moveStage(db: DataSource, id: number, direction: 'up' | 'down'): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.query(`LOCK TABLE stages IN SHARE ROW EXCLUSIVE MODE`);
    const ids = ((await tx.query(`SELECT id FROM stages ORDER BY position, id`)) as Array<{ id: number }>).map((r) => r.id);
    const at = ids.indexOf(id);
    if (at < 0) return false;
    const to = direction === 'up' ? at - 1 : at + 1;
    if (to >= 0 && to < ids.length) [ids[at], ids[to]] = [ids[to], ids[at]];
    await tx.query(
      `UPDATE stages s SET position = o.ord, updated_at = now()
       FROM unnest($1::int[]) WITH ORDINALITY AS o(id, ord) WHERE s.id = o.id AND s.position <> o.ord`, [ids]);
    return true;
  });
}

export type DeleteOutcome = 'deleted' | 'not_found' | 'in_use';

/** Deletes a stage only when no touchpoint or survey refers to it (its targets go with it). */
export async function deleteStage(db: DataSource, id: number): Promise<DeleteOutcome> {
  return db.transaction(async (tx) => {
    await tx.query(`LOCK TABLE stages IN SHARE ROW EXCLUSIVE MODE`);
    const stage = await lockedRow(tx, `SELECT id FROM stages WHERE id = $1 FOR UPDATE`, id);
    if (!stage) return 'not_found';
    const [{ used }] = await tx.query(
      `SELECT EXISTS (SELECT 1 FROM touchpoints WHERE stage_id = $1) OR EXISTS (SELECT 1 FROM surveys WHERE stage_id = $1) AS used`, [id]);
    if (used) return 'in_use';
    await tx.query(`DELETE FROM stages WHERE id = $1`, [id]);
    // Close the gap so the remaining stages stay numbered 1..n.
    await tx.query(
      `UPDATE stages s SET position = o.ord FROM (SELECT id, row_number() OVER (ORDER BY position, id) AS ord FROM stages) o
       WHERE s.id = o.id AND s.position <> o.ord`);
    return 'deleted';
  });
}

async function lockedRow(tx: EntityManager, sql: string, id: number): Promise<unknown> {
  const rows: unknown[] = await tx.query(sql, [id]);
  return rows[0] ?? null;
}

export interface TouchpointInput {
  key: string;
  stageId: number;
  nameVi: string;
  nameEn: string;
  channel: TouchpointChannel;
  ownerUserId: string | null;
}

/** Why a touchpoint form could not be saved, by field. */
export type TouchpointProblem = 'key_taken' | 'unknown_stage' | 'unknown_owner';

/**
 * Creates (id null) or updates a touchpoint. Moving it to another stage puts it last there. Returns the
 * id, a problem with one of its references, or null when the touchpoint to update is gone.
 */
export async function saveTouchpoint(db: DataSource, id: number | null, input: TouchpointInput): Promise<{ id: number } | { problem: TouchpointProblem } | null> {
  return db.transaction(async (tx) => {
    // Serialise key checks so two forms cannot both take the same key between check and write.
    await tx.query(`LOCK TABLE touchpoints IN SHARE ROW EXCLUSIVE MODE`);
    const current: Array<{ stage_id: number }> = id === null ? [] : await tx.query(`SELECT stage_id FROM touchpoints WHERE id = $1`, [id]);
    if (id !== null && !current[0]) return null;
    const [{ taken }] = await tx.query(`SELECT EXISTS (SELECT 1 FROM touchpoints WHERE key = $1 AND id IS DISTINCT FROM $2) AS taken`, [input.key, id]);
    if (taken) return { problem: 'key_taken' as const };
    if (!(await lockedRow(tx, `SELECT id FROM stages WHERE id = $1 FOR KEY SHARE`, input.stageId))) return { problem: 'unknown_stage' as const };
    if (input.ownerUserId) {
      const owner: unknown[] = await tx.query(`SELECT id FROM users WHERE id = $1 FOR KEY SHARE`, [input.ownerUserId]);
      if (!owner[0]) return { problem: 'unknown_owner' as const };
    }
    const values = [input.key, input.stageId, input.nameVi, input.nameEn, input.channel, input.ownerUserId];
    if (id === null) {
      const [row] = await tx.query(
        `INSERT INTO touchpoints (key, stage_id, name_vi, name_en, channel, owner_user_id, position)
         VALUES ($1, $2, $3, $4, $5, $6, (SELECT coalesce(max(position), 0) + 1 FROM touchpoints WHERE stage_id = $2))
         RETURNING id`, values);
      return { id: row.id as number };
    }
    const moved = current[0].stage_id !== input.stageId;
    await tx.query(
      `UPDATE touchpoints SET key = $1, stage_id = $2, name_vi = $3, name_en = $4, channel = $5, owner_user_id = $6,
              position = CASE WHEN $8 THEN (SELECT coalesce(max(position), 0) + 1 FROM touchpoints WHERE stage_id = $2) ELSE position END,
              updated_at = now()
       WHERE id = $7`, [...values, id, moved]);
    return { id };
  });
}

/** Deletes a touchpoint only when no survey is attached to it (its targets go with it). */
export async function deleteTouchpoint(db: DataSource, id: number): Promise<DeleteOutcome> {
  return db.transaction(async (tx) => {
    if (!(await lockedRow(tx, `SELECT id FROM touchpoints WHERE id = $1 FOR UPDATE`, id))) return 'not_found';
    const [{ used }] = await tx.query(`SELECT EXISTS (SELECT 1 FROM surveys WHERE touchpoint_id = $1) AS used`, [id]);
    if (used) return 'in_use';
    await tx.query(`DELETE FROM touchpoints WHERE id = $1`, [id]);
    return 'deleted';
  });
}

export async function getTargets(db: DataSource): Promise<TargetRow[]> {
  const rows: Array<{ metric: MetricKind; stageId: number | null; touchpointId: number | null; target: string }> = await db.query(
    `SELECT metric, stage_id AS "stageId", touchpoint_id AS "touchpointId", target FROM kpi_targets`);
  return rows.map((r) => ({ ...r, target: Number(r.target) }));
}

export interface TargetChange {
  metric: MetricKind;
  stageId: number | null;
  touchpointId: number | null;
  /** null removes the target. */
  target: number | null;
}

/**
 * Writes the targets the form showed. Scopes deleted meanwhile (another tab) are skipped rather than
 * failing the whole form.
 */
export async function saveTargets(db: DataSource, changes: TargetChange[]): Promise<void> {
  await db.transaction(async (tx) => {
    const stageIds = new Set(((await tx.query(`SELECT id FROM stages FOR KEY SHARE`)) as Array<{ id: number }>).map((r) => r.id));
    const touchpointIds = new Set(((await tx.query(`SELECT id FROM touchpoints FOR KEY SHARE`)) as Array<{ id: number }>).map((r) => r.id));
    for (const c of changes) {
      if (c.stageId !== null && !stageIds.has(c.stageId)) continue;
      if (c.touchpointId !== null && !touchpointIds.has(c.touchpointId)) continue;
      if (c.target === null) {
        await tx.query(
          `DELETE FROM kpi_targets WHERE metric = $1 AND stage_id IS NOT DISTINCT FROM $2 AND touchpoint_id IS NOT DISTINCT FROM $3`,
          [c.metric, c.stageId, c.touchpointId]);
      } else {
        await tx.query(
          `INSERT INTO kpi_targets (metric, stage_id, touchpoint_id, target) VALUES ($1, $2, $3, $4)
           ON CONFLICT (metric, coalesce(stage_id, 0), coalesce(touchpoint_id, 0)) DO UPDATE SET target = EXCLUDED.target`,
          [c.metric, c.stageId, c.touchpointId, c.target]);
      }
    }
  });
}
