import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { notFound } from '../../web/errors';
import { check } from '../../web/middleware/validate';
import { uuidParam } from '../../web/params';
import { sendInvitationsSchema, type SendInvitationsBody } from './invitations.schemas';
import { sendInvitations, type Audience } from './send.service';

function audienceOf(body: SendInvitationsBody): Audience {
  if (body.emails) return { type: 'emails', emails: body.emails };
  if (body.contacts) return { type: 'contacts', contacts: body.contacts };
  return { type: 'segment', segment: body.segment ?? {}, sample: body.sample ?? null };
}

/** REST: invite contacts to a survey by email; the mail goes out through the job queue. */
export function invitationsApiRouter({ db, queue }: AppDeps): Router {
  const router = Router();
  router.post('/surveys/:id/invitations', async (req, res) => {
    const surveyId = String(req.params.id);
    if (!uuidParam(surveyId)) throw notFound(`No survey with id ${surveyId}`);
    const body = check<SendInvitationsBody>(sendInvitationsSchema, req.body);
    const apiKey = res.locals.apiKey as { name: string };
    const report = await sendInvitations({ db, queue }, {
      surveyId, audience: audienceOf(body), source: 'api', requestedBy: `API key ${apiKey.name}`,
    });
    res.status(202).json({ queued: report.queued, skipped: report.skipped });
  });
  return router;
}
