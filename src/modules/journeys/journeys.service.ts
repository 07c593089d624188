import type { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../domain-error';
import type { Localized } from '../../i18n';
import type { MetricKind } from '../metrics/scoring';
import type { CreateStageInput } from './journeys.schemas';
import { getKpiTargets, type TargetRow } from './queries/getKpiTargets';
import { getStageRows, type StageRow } from './queries/getStageRows';
import { getTouchpointRows, type TouchpointRow } from './queries/getTouchpointRows';
import { findTouchpointChoices, type TouchpointChoices } from './queries/findTouchpointChoices';
import { listTouchpointRows, type TouchpointList, type TouchpointListQuery } from './queries/listTouchpointRows';
import { Stage, type Framework } from './stage.entity';
import { Touchpoint, type TouchpointChannel } from './touchpoint.entity';

/**
 * The journey: stages in order, their touchpoints, and KPI targets. The API and the dashboard pages both
 * write through here, so each change takes the same locks and makes the same checks whoever asks.
 */

// Stages

export async function listStages(db: DataSource): Promise<Stage[]> {
  return db.getRepository(Stage).find({ order: { position: 'ASC', id: 'ASC' } });
}

/**
 * Stage positions are renumbered as a whole (insert, move, delete): each such change holds this lock, so
 * no two of them see the same numbering.
 */
async function lockStageOrder(tx: EntityManager): Promise<void> {
  await tx.query(`LOCK TABLE stages IN SHARE ROW EXCLUSIVE MODE`);
}

/** Adds a stage at `position` (default: last), moving the later stages one place down. */
export async function createStage(db: DataSource, input: CreateStageInput): Promise<Stage> {
  return db.transaction(async (tx) => {
    await lockStageOrder(tx);
    const repo = tx.getRepository(Stage);
    if (await repo.existsBy({ key: input.key })) {
      throw new DomainError('conflict', `A stage with key "${input.key}" already exists`, { details: [{ path: 'key', message: 'already exists' }] });
    }
    const [{ max }] = await tx.query(`SELECT coalesce(max(position), 0) AS max FROM stages`);
    const position = input.position && input.position <= max ? input.position : Number(max) + 1;
    await tx.query(`UPDATE stages SET position = position + 1 WHERE position >= $1`, [position]);
    return repo.save(repo.create({ key: input.key, nameVi: input.name.vi, nameEn: input.name.en, position, framework: input.framework ?? {} }));
  });
}

/** Renames a stage and replaces its framework notes; its key stays. */
export async function updateStage(db: DataSource, id: number, input: { name: Localized; framework: Framework }): Promise<void> {
  // Wrapped in a SELECT: TypeORM hands back an UPDATE's rows as [rows, count].
  const rows: unknown[] = await db.query(
    `WITH u AS (UPDATE stages SET name_vi = $2, name_en = $3, framework = $4, updated_at = now() WHERE id = $1 RETURNING id) SELECT id FROM u`,
    [id, input.name.vi, input.name.en, JSON.stringify(input.framework)]);
  if (rows.length === 0) throw noSuchStage();
}

/** Swaps a stage with its neighbour and renumbers the journey 1..n (healing any gap); the ends stay put. */
export async function moveStage(db: DataSource, id: number, direction: 'up' | 'down'): Promise<void> {
  await db.transaction(async (tx) => {
    await lockStageOrder(tx);
    const ids = ((await tx.query(`SELECT id FROM stages ORDER BY position, id`)) as Array<{ id: number }>).map((r) => r.id);
    const at = ids.indexOf(id);
    if (at < 0) throw noSuchStage();
    const to = direction === 'up' ? at - 1 : at + 1;
    if (to >= 0 && to < ids.length) [ids[at], ids[to]] = [ids[to], ids[at]];
    await tx.query(
      `UPDATE stages s SET position = o.ord, updated_at = now()
       FROM unnest($1::int[]) WITH ORDINALITY AS o(id, ord) WHERE s.id = o.id AND s.position <> o.ord`, [ids]);
  });
}

/** Deletes a stage only when no touchpoint or survey refers to it (its targets go with it). */
export async function deleteStage(db: DataSource, id: number): Promise<void> {
  await db.transaction(async (tx) => {
    await lockStageOrder(tx);
    if (!(await firstRow(tx, `SELECT id FROM stages WHERE id = $1 FOR UPDATE`, [id]))) throw noSuchStage();
    const [{ used }] = await tx.query(
      `SELECT EXISTS (SELECT 1 FROM touchpoints WHERE stage_id = $1) OR EXISTS (SELECT 1 FROM surveys WHERE stage_id = $1) AS used`, [id]);
    if (used) throw new DomainError('wrong_state', 'The stage still has touchpoints or surveys', { code: 'in_use' });
    await tx.query(`DELETE FROM stages WHERE id = $1`, [id]);
    // Close the gap so the remaining stages stay numbered 1..n.
    await tx.query(
      `UPDATE stages s SET position = o.ord FROM (SELECT id, row_number() OVER (ORDER BY position, id) AS ord FROM stages) o
       WHERE s.id = o.id AND s.position <> o.ord`);
  });
}

const noSuchStage = () => new DomainError('not_found', 'No such stage');

// Touchpoints

/** Every touchpoint in journey order (stage, then its place in the stage), with its stage and owner. */
export async function listTouchpoints(db: DataSource): Promise<Touchpoint[]> {
  return db.getRepository(Touchpoint).createQueryBuilder('t')
    .leftJoinAndSelect('t.stage', 'stage')
    .leftJoinAndSelect('t.owner', 'owner')
    .orderBy('stage.position', 'ASC').addOrderBy('t.position', 'ASC').addOrderBy('t.id', 'ASC')
    .getMany();
}

/** What a touchpoint is made of. The API names its stage and owner by key and email, the dashboard by id. */
export interface TouchpointInput {
  key: string;
  stage: { key: string } | { id: number };
  name: Localized;
  channel: TouchpointChannel;
  owner: { email: string } | { id: string } | null;
}

/** Adds a touchpoint at the end of its stage. */
export async function createTouchpoint(db: DataSource, input: TouchpointInput): Promise<Touchpoint> {
  return saveTouchpoint(db, null, input);
}

/** Changes a touchpoint; given another stage, it moves there and goes last. */
export async function updateTouchpoint(db: DataSource, id: number, input: TouchpointInput): Promise<Touchpoint> {
  return saveTouchpoint(db, id, input);
}

/**
 * The one write path of a touchpoint. Its references are checked first (the API's 422s come before its
 * 409), then its key; the table lock keeps two writers from both finding a key free, or a place in a
 * stage, before either has written.
 */
async function saveTouchpoint(db: DataSource, id: number | null, input: TouchpointInput): Promise<Touchpoint> {
  return db.transaction(async (tx) => {
    await tx.query(`LOCK TABLE touchpoints IN SHARE ROW EXCLUSIVE MODE`);
    const current = id === null ? null : await firstRow<{ stageId: number }>(tx, `SELECT stage_id AS "stageId" FROM touchpoints WHERE id = $1`, [id]);
    if (id !== null && !current) throw new DomainError('not_found', 'No such touchpoint');
    // KEY SHARE: the stage and the owner cannot be deleted before this commits.
    const stage = 'key' in input.stage
      ? await firstRow<{ id: number }>(tx, `SELECT id FROM stages WHERE key = $1 FOR KEY SHARE`, [input.stage.key])
      : await firstRow<{ id: number }>(tx, `SELECT id FROM stages WHERE id = $1 FOR KEY SHARE`, [input.stage.id]);
    if (!stage) throw unknownStage(input.stage);
    let ownerUserId: string | null = null;
    if (input.owner) {
      const owner = 'email' in input.owner
        ? await firstRow<{ id: string }>(tx, `SELECT id FROM users WHERE lower(email) = lower($1) FOR KEY SHARE`, [input.owner.email])
        : await firstRow<{ id: string }>(tx, `SELECT id FROM users WHERE id = $1 FOR KEY SHARE`, [input.owner.id]);
      if (!owner) throw unknownOwner(input.owner);
      ownerUserId = owner.id;
    }
    const [{ taken }] = await tx.query(`SELECT EXISTS (SELECT 1 FROM touchpoints WHERE key = $1 AND id IS DISTINCT FROM $2) AS taken`, [input.key, id]);
    if (taken) {
      throw new DomainError('conflict', `A touchpoint with key "${input.key}" already exists`, { details: [{ path: 'key', message: 'already exists' }] });
    }
    const values = [input.key, stage.id, input.name.vi, input.name.en, input.channel, ownerUserId];
    const lastInStage = `(SELECT coalesce(max(position), 0) + 1 FROM touchpoints WHERE stage_id = $2)`;
    let savedId: number;
    if (id === null) {
      const [row] = await tx.query(
        `INSERT INTO touchpoints (key, stage_id, name_vi, name_en, channel, owner_user_id, position)
         VALUES ($1, $2, $3, $4, $5, $6, ${lastInStage}) RETURNING id`, values);
      savedId = row.id;
    } else {
      await tx.query(
        `UPDATE touchpoints SET key = $1, stage_id = $2, name_vi = $3, name_en = $4, channel = $5, owner_user_id = $6,
                position = CASE WHEN $8 THEN ${lastInStage} ELSE position END, updated_at = now()
         WHERE id = $7`, [...values, id, current!.stageId !== stage.id]);
      savedId = id;
    }
    return tx.getRepository(Touchpoint).findOneOrFail({ where: { id: savedId }, relations: { stage: true, owner: true } });
  });
}

function unknownStage(ref: TouchpointInput['stage']): DomainError {
  return 'key' in ref
    ? new DomainError('unknown_reference', `No stage with key "${ref.key}"`, { details: [{ path: 'stageKey', message: 'unknown stage' }] })
    : new DomainError('unknown_reference', `No stage with id ${ref.id}`, { details: [{ path: 'stageId', message: 'unknown stage' }] });
}

function unknownOwner(ref: NonNullable<TouchpointInput['owner']>): DomainError {
  return 'email' in ref
    ? new DomainError('unknown_reference', `No user with email "${ref.email}"`, { details: [{ path: 'ownerEmail', message: 'unknown user' }] })
    : new DomainError('unknown_reference', `No user with id "${ref.id}"`, { details: [{ path: 'ownerUserId', message: 'unknown user' }] });
}

/** Deletes a touchpoint only when no survey is attached to it (its targets go with it). */
export async function deleteTouchpoint(db: DataSource, id: number): Promise<void> {
  await db.transaction(async (tx) => {
    if (!(await firstRow(tx, `SELECT id FROM touchpoints WHERE id = $1 FOR UPDATE`, [id]))) throw new DomainError('not_found', 'No such touchpoint');
    const [{ used }] = await tx.query(`SELECT EXISTS (SELECT 1 FROM surveys WHERE touchpoint_id = $1) AS used`, [id]);
    if (used) throw new DomainError('wrong_state', 'The touchpoint still has surveys', { code: 'in_use' });
    await tx.query(`DELETE FROM touchpoints WHERE id = $1`, [id]);
  });
}

// The whole journey and its KPI targets

export interface JourneyData {
  stages: StageRow[];
  touchpoints: TouchpointRow[];
  targets: TargetRow[];
}

/** The whole journey in order, with what hangs off each stage and touchpoint, and every target. */
/** The management journey page: every stage, one page of its touchpoints (matching a search), the targets. */
export async function getJourneyPage(db: DataSource, q: TouchpointListQuery): Promise<Omit<JourneyData, 'touchpoints'> & TouchpointList> {
  const [stages, list, targets] = await Promise.all([getStageRows(db), listTouchpointRows(db, q), getKpiTargets(db)]);
  return { stages, targets, ...list };
}

/** A picker's touchpoints (survey form): the matches of a search, at most `limit`, and the chosen one. */
export async function pickTouchpoints(db: DataSource, q: { search: string; selectedId: number | null; limit: number }): Promise<TouchpointChoices> {
  return findTouchpointChoices(db, q);
}

export async function getJourneyData(db: DataSource): Promise<JourneyData> {
  const [stages, touchpoints, targets] = await Promise.all([getStageRows(db), getTouchpointRows(db), getKpiTargets(db)]);
  return { stages, touchpoints, targets };
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

async function firstRow<T = unknown>(tx: EntityManager, sql: string, params: unknown[]): Promise<T | null> {
  const rows: T[] = await tx.query(sql, params);
  return rows[0] ?? null;
}
