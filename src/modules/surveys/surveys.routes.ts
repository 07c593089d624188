import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { toZonedIso } from '../../time';
import { notFound } from '../../web/errors';
import { check } from '../../web/middleware/validate';
import { getSettings } from '../settings';
import { posterUrl, publicSurveyUrl, qrImageUrl } from '../public/links';
import type { Survey } from './survey.entity';
import { createSurveySchema, type CreateSurveyInput } from './surveys.schemas';
import { uuidParam } from '../../web/params';
import { createSurvey, getSurvey, listSurveys } from './surveys.service';

export function surveyToApi(s: Survey, baseUrl: string, timeZone: string) {
  return {
    id: s.id,
    kind: s.kind,
    title: s.title,
    touchpointKey: s.touchpoint?.key ?? null,
    stageKey: s.stage?.key ?? null,
    question: { vi: s.questionVi, en: s.questionEn },
    askComment: s.askComment,
    status: s.status,
    recontactDays: s.recontactDays,
    publicUrl: publicSurveyUrl(baseUrl, s.id),
    qrUrl: qrImageUrl(baseUrl, s.id, 'png'),
    qrSvgUrl: qrImageUrl(baseUrl, s.id, 'svg'),
    posterUrl: posterUrl(baseUrl, s.id),
    createdAt: toZonedIso(s.createdAt, timeZone),
    updatedAt: toZonedIso(s.updatedAt, timeZone),
  };
}

export function surveysApiRouter({ db, config }: AppDeps): Router {
  const router = Router();
  router.get('/surveys', async (_req, res) => {
    const { timeZone } = await getSettings(db);
    res.json({ items: (await listSurveys(db)).map((s) => surveyToApi(s, config.baseUrl, timeZone)) });
  });
  router.post('/surveys', async (req, res) => {
    const input = check<CreateSurveyInput>(createSurveySchema, req.body);
    const { timeZone } = await getSettings(db);
    res.status(201).json(surveyToApi(await createSurvey(db, input), config.baseUrl, timeZone));
  });
  router.get('/surveys/:id', async (req, res) => {
    const id = String(req.params.id);
    const survey = !uuidParam(id) ? null : await getSurvey(db, id);
    if (!survey) throw notFound(`No survey with id ${id}`);
    const { timeZone } = await getSettings(db);
    res.json(surveyToApi(survey, config.baseUrl, timeZone));
  });
  return router;
}
