import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { toZonedIso } from '../../time';
import { check } from '../../web/middleware/validate';
import { getSettings } from '../settings';
import { requireSurvey } from '../surveys';
import { listResponses, recordApiResponse } from './response.service';
import type { ResponseRow } from './queries/getResponseById';
import { createResponseSchema, listResponsesSchema, type CreateResponseInput, type ListResponsesQuery } from './responses.schemas';

export function responseToApi(r: ResponseRow, timeZone: string) {
  return {
    id: r.id, surveyId: r.surveyId, score: r.score, comment: r.comment, channel: r.channel, locale: r.locale,
    invitationId: r.invitationId, contactId: r.contactId, email: r.contactEmail, hidden: r.hidden,
    createdAt: toZonedIso(r.createdAt, timeZone), updatedAt: toZonedIso(r.updatedAt, timeZone),
  };
}

export function responsesApiRouter({ db }: AppDeps): Router {
  const router = Router();

  // Kiosks and imports: channel `api`; `answeredAt` brings history over from another tool.
  router.post('/surveys/:id/responses', async (req, res) => {
    const survey = await requireSurvey(db, String(req.params.id));
    const input = check<CreateResponseInput>(createResponseSchema, req.body);
    const settings = await getSettings(db);
    const response = await recordApiResponse(db, survey, input, settings);
    res.status(201).json(responseToApi(response, settings.timeZone));
  });

  router.get('/responses', async (req, res) => {
    const q = check<ListResponsesQuery>(listResponsesSchema, req.query);
    const { timeZone } = await getSettings(db);
    const page = await listResponses(db, q, timeZone);
    res.json({ items: page.items.map((r) => responseToApi(r, timeZone)), nextCursor: page.nextCursor });
  });

  return router;
}
