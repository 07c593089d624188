import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { addDays, offsetMinutes, toZonedIso } from '../../time';
import { HttpError, notFound } from '../../web/errors';
import { check } from '../../web/middleware/validate';
import { getSettings } from '../settings';
import { findOrCreateContact } from '../contacts/contacts.service';
import { isValidScore, SCALES } from '../metrics/scoring';
import { getSurvey } from '../surveys/surveys.service';
import { recordResponse } from './response.service';
import { getResponseById, getResponsesPage, type ResponseRow } from './responses.query';
import { isDay, uuidParam } from '../../web/params';
import { createResponseSchema, FUTURE_TOLERANCE_MS, listResponsesSchema, type CreateResponseInput, type ListResponsesQuery } from './responses.schemas';

export function responseToApi(r: ResponseRow, timeZone: string) {
  return {
    id: r.id, surveyId: r.surveyId, score: r.score, comment: r.comment, channel: r.channel, locale: r.locale,
    invitationId: r.invitationId, contactId: r.contactId, email: r.contactEmail, hidden: r.hidden,
    createdAt: toZonedIso(r.createdAt, timeZone), updatedAt: toZonedIso(r.updatedAt, timeZone),
  };
}

/** The first instant of a calendar day in the zone. */
function startOfZonedDay(day: string, timeZone: string): Date {
  const utcMidnight = Date.parse(`${day}T00:00:00Z`);
  const guess = utcMidnight - offsetMinutes(new Date(utcMidnight), timeZone) * 60_000;
  // Across a DST change the offset at the guess is the one that holds at local midnight.
  return new Date(utcMidnight - offsetMinutes(new Date(guess), timeZone) * 60_000);
}

/** A validated point in time as an instant: a day is its start (or, for an exclusive end, the next day's start). */
function toInstant(value: string, timeZone: string, dayEdge: 'start' | 'end'): Date {
  if (!isDay(value)) return new Date(value);
  return startOfZonedDay(dayEdge === 'start' ? value : addDays(value, 1), timeZone);
}

export function responsesApiRouter({ db }: AppDeps): Router {
  const router = Router();

  // Kiosks and imports: channel `api`; `answeredAt` brings history over from another tool.
  router.post('/surveys/:id/responses', async (req, res) => {
    const id = String(req.params.id);
    const survey = !uuidParam(id) ? null : await getSurvey(db, id);
    if (!survey) throw notFound(`No survey with id ${id}`);
    const input = check<CreateResponseInput>(createResponseSchema, req.body);
    if (!isValidScore(survey.kind, input.score)) {
      const { min, max } = SCALES[survey.kind];
      throw new HttpError(400, 'validation_failed', 'The request is not valid', [{ path: 'score', message: `score must be an integer from ${min} to ${max} for a ${survey.kind} survey` }]);
    }
    const settings = await getSettings(db);
    const answeredAt = input.answeredAt ? toInstant(input.answeredAt, settings.timeZone, 'start') : null;
    if (answeredAt && answeredAt.getTime() > Date.now() + FUTURE_TOLERANCE_MS) {
      throw new HttpError(400, 'validation_failed', 'The request is not valid', [{ path: 'answeredAt', message: 'answeredAt must not be in the future' }]);
    }
    // Like the public pages: only an active survey takes answers (a draft is not published yet).
    if (survey.status === 'closed') throw new HttpError(409, 'survey_closed', 'The survey is closed and accepts no answers');
    if (survey.status === 'draft') throw new HttpError(409, 'survey_draft', 'The survey is a draft: activate it before it takes answers');
    const recorded = await db.transaction(async (tx) => {
      const contact = input.email ? await findOrCreateContact(tx, input.email) : null;
      return recordResponse(tx, {
        surveyId: survey.id, kind: survey.kind, score: input.score, comment: input.comment ? input.comment : null,
        channel: 'api', locale: input.locale ?? contact?.locale ?? settings.defaultLocale, hidden: input.hidden ?? {},
        contactId: contact?.id ?? null, answeredAt,
      });
    });
    const row = await getResponseById(db, recorded.id);
    res.status(201).json(responseToApi(row!, settings.timeZone));
  });

  router.get('/responses', async (req, res) => {
    const q = check<ListResponsesQuery>(listResponsesSchema, req.query);
    const { timeZone } = await getSettings(db);
    const page = await getResponsesPage(db, {
      ...q,
      since: q.since ? toInstant(q.since, timeZone, 'start').toISOString() : undefined,
      until: q.until ? toInstant(q.until, timeZone, 'end').toISOString() : undefined,
    });
    res.json({ items: page.items.map((r) => responseToApi(r, timeZone)), nextCursor: page.nextCursor });
  });

  return router;
}
