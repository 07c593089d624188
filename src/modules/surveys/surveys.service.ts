import type { DataSource } from 'typeorm';
import { HttpError } from '../../web/errors';
import { Stage, Touchpoint } from '../journeys';
import { Survey } from './survey.entity';
import type { CreateSurveyInput } from './surveys.schemas';

export async function createSurvey(db: DataSource, input: CreateSurveyInput): Promise<Survey> {
  let touchpoint: Touchpoint | null = null;
  let stage: Stage | null = null;
  if (input.touchpointKey) {
    touchpoint = await db.getRepository(Touchpoint).findOneBy({ key: input.touchpointKey });
    if (!touchpoint) throw new HttpError(422, 'unknown_reference', `No touchpoint with key "${input.touchpointKey}"`, [{ path: 'touchpointKey', message: 'unknown touchpoint' }]);
  }
  if (input.stageKey) {
    stage = await db.getRepository(Stage).findOneBy({ key: input.stageKey });
    if (!stage) throw new HttpError(422, 'unknown_reference', `No stage with key "${input.stageKey}"`, [{ path: 'stageKey', message: 'unknown stage' }]);
  }
  const repo = db.getRepository(Survey);
  const saved = await repo.save(repo.create({
    kind: input.kind,
    title: input.title,
    touchpointId: touchpoint?.id ?? null,
    stageId: stage?.id ?? null,
    questionVi: input.question?.vi ?? null,
    questionEn: input.question?.en ?? null,
    askComment: input.askComment,
    status: input.status,
    recontactDays: input.recontactDays ?? null,
  }));
  saved.touchpoint = touchpoint;
  saved.stage = stage;
  return saved;
}

export async function listSurveys(db: DataSource): Promise<Survey[]> {
  return db.getRepository(Survey).find({ relations: { touchpoint: true, stage: true }, order: { createdAt: 'ASC' } });
}

export async function getSurvey(db: DataSource, id: string): Promise<Survey | null> {
  return db.getRepository(Survey).findOne({ where: { id }, relations: { touchpoint: true, stage: true } });
}
