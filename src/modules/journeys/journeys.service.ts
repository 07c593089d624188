import type { DataSource } from 'typeorm';
import { HttpError } from '../../web/errors';
import { User } from '../auth/user.entity';
import { Stage } from './stage.entity';
import { Touchpoint } from './touchpoint.entity';
import type { CreateStageInput, CreateTouchpointInput } from './journeys.schemas';

export async function listStages(db: DataSource): Promise<Stage[]> {
  return db.getRepository(Stage).find({ order: { position: 'ASC', id: 'ASC' } });
}

/** Adds a stage at `position` (default: last), moving the later stages one place down. */
export async function createStage(db: DataSource, input: CreateStageInput): Promise<Stage> {
  return db.transaction(async (tx) => {
    // Serialise stage inserts so two concurrent creations cannot take the same position.
    await tx.query(`LOCK TABLE stages IN SHARE ROW EXCLUSIVE MODE`);
    const repo = tx.getRepository(Stage);
    if (await repo.existsBy({ key: input.key })) throw new HttpError(409, 'conflict', `A stage with key "${input.key}" already exists`, [{ path: 'key', message: 'already exists' }]);
    const [{ max }] = await tx.query(`SELECT coalesce(max(position), 0) AS max FROM stages`);
    const position = input.position && input.position <= max ? input.position : Number(max) + 1;
    await tx.query(`UPDATE stages SET position = position + 1 WHERE position >= $1`, [position]);
    return repo.save(repo.create({ key: input.key, nameVi: input.name.vi, nameEn: input.name.en, position, framework: input.framework ?? {} }));
  });
}

export async function listTouchpoints(db: DataSource): Promise<Touchpoint[]> {
  return db.getRepository(Touchpoint).createQueryBuilder('t')
    .leftJoinAndSelect('t.stage', 'stage')
    .leftJoinAndSelect('t.owner', 'owner')
    .orderBy('stage.position', 'ASC').addOrderBy('t.position', 'ASC').addOrderBy('t.id', 'ASC')
    .getMany();
}

export async function createTouchpoint(db: DataSource, input: CreateTouchpointInput): Promise<Touchpoint> {
  return db.transaction(async (tx) => {
    const stage = await tx.getRepository(Stage).findOneBy({ key: input.stageKey });
    if (!stage) throw new HttpError(422, 'unknown_reference', `No stage with key "${input.stageKey}"`, [{ path: 'stageKey', message: 'unknown stage' }]);
    let owner: User | null = null;
    if (input.ownerEmail) {
      owner = await tx.getRepository(User).createQueryBuilder('u').where('lower(u.email) = lower(:email)', { email: input.ownerEmail }).getOne();
      if (!owner) throw new HttpError(422, 'unknown_reference', `No user with email "${input.ownerEmail}"`, [{ path: 'ownerEmail', message: 'unknown user' }]);
    }
    const repo = tx.getRepository(Touchpoint);
    if (await repo.existsBy({ key: input.key })) throw new HttpError(409, 'conflict', `A touchpoint with key "${input.key}" already exists`, [{ path: 'key', message: 'already exists' }]);
    const [{ max }] = await tx.query(`SELECT coalesce(max(position), 0) AS max FROM touchpoints WHERE stage_id = $1`, [stage.id]);
    const saved = await repo.save(repo.create({
      key: input.key, stageId: stage.id, nameVi: input.name.vi, nameEn: input.name.en, channel: input.channel,
      ownerUserId: owner?.id ?? null, position: Number(max) + 1,
    }));
    saved.stage = stage;
    saved.owner = owner;
    return saved;
  });
}
