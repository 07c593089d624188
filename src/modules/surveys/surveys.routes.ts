import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { toZonedIso } from '../../time';
import { check } from '../../web/middleware/validate';
import { posterUrl, publicSurveyUrl, qrImageUrl } from './links';
import { getSettings } from '../settings';
import type { SurveyRow } from './queries/getSurvey';
import { listSurveys } from './queries/listSurveys';
import { createSurveySchema, type CreateSurveyInput } from './surveys.schemas';
import { createSurvey, requireSurvey, type SurveyAttachment } from './surveys.service';

export function surveyToApi(s: SurveyRow, baseUrl: string, timeZone: string) {
  return {
    id: s.id,
    kind: s.kind,
    title: s.title,
    touchpointKey: s.touchpointKey,
    stageKey: s.stageKey,
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

function attachmentOf(input: CreateSurveyInput): SurveyAttachment {
  if (input.touchpointKey) return { touchpointKey: input.touchpointKey };
  if (input.stageKey) return { stageKey: input.stageKey };
  return null;
}

export function surveysApiRouter({ db, config }: AppDeps): Router {
  const router = Router();
  router.get('/surveys', async (_req, res) => {
    const { timeZone } = await getSettings(db);
    res.json({ items: (await listSurveys(db, 'oldest first')).map((s) => surveyToApi(s, config.baseUrl, timeZone)) });
  });
  router.post('/surveys', async (req, res) => {
    const input = check<CreateSurveyInput>(createSurveySchema, req.body);
    const { timeZone } = await getSettings(db);
    // The API has no comment prompt or thank-you text: the defaults apply.
    const survey = await createSurvey(db, {
      kind: input.kind,
      title: input.title,
      attach: attachmentOf(input),
      status: input.status,
      questionVi: input.question?.vi ?? null,
      questionEn: input.question?.en ?? null,
      askComment: input.askComment,
      commentPromptVi: null,
      commentPromptEn: null,
      thankYouVi: null,
      thankYouEn: null,
      recontactDays: input.recontactDays ?? null,
    });
    res.status(201).json(surveyToApi(survey, config.baseUrl, timeZone));
  });
  router.get('/surveys/:id', async (req, res) => {
    const survey = await requireSurvey(db, String(req.params.id));
    const { timeZone } = await getSettings(db);
    res.json(surveyToApi(survey, config.baseUrl, timeZone));
  });
  return router;
}
