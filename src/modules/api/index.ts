import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppDeps } from '../../deps';
import { HttpError } from '../../web/errors';
import { jsonParser } from '../../web/middleware/input';
import { authenticateApiKey } from '../auth';
import { journeysApiRouter } from '../journeys/journeys.routes';
import { surveysApiRouter } from '../surveys/surveys.routes';
import { contactsApiRouter } from '../contacts/contacts.routes';
import { responsesApiRouter } from '../responses/responses.routes';
import { metricsApiRouter } from '../metrics/metrics.routes';
import { invitationsApiRouter } from '../invitations/invitations.routes';
import { webhooksApiRouter } from '../webhooks/webhooks.routes';
import { themesApiRouter } from '../themes/themes.routes';
import { analyticsApiRouter } from '../analytics/analytics.routes';

/** REST API v1: JSON in and out, `Authorization: Bearer <key>` on every route. */
export function apiRouter(deps: AppDeps): Router {
  const router = Router();
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const key = match ? await authenticateApiKey(deps.db, match[1]) : null;
    if (!key) {
      res.set('WWW-Authenticate', 'Bearer realm="touchpoint"');
      throw new HttpError(401, 'unauthorized', match ? 'The API key is not valid or has been revoked' : 'Send an API key: Authorization: Bearer <key>');
    }
    res.locals.apiKey = key;
    next();
  });
  // The input layer's JSON parser: NUL, lone surrogates, invalid UTF-8 and `__proto__` are refused with a 400.
  router.use(jsonParser({ limit: '1mb' }));
  router.use((req, _res, next) => {
    if (['POST', 'PUT', 'PATCH'].includes(req.method)) {
      // req.is() is null when there is no body at all: that is a missing body, not a wrong type.
      const hasBody = req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;
      if (!hasBody) throw new HttpError(400, 'body_required', 'Send a JSON body', [{ path: '', message: 'the request has no body' }]);
      if (!req.is('application/json')) throw new HttpError(415, 'unsupported_media_type', 'Send the body as application/json');
    }
    next();
  });
  router.use(journeysApiRouter(deps));
  router.use(surveysApiRouter(deps));
  router.use(analyticsApiRouter(deps)); // before contacts: GET /contacts/at-risk
  router.use(contactsApiRouter(deps));
  router.use(responsesApiRouter(deps));
  router.use(metricsApiRouter(deps));
  router.use(invitationsApiRouter(deps));
  router.use(webhooksApiRouter(deps));
  router.use(themesApiRouter(deps));
  router.use((req) => {
    throw new HttpError(404, 'not_found', `No API route ${req.method} ${req.baseUrl}${req.path}`);
  });
  return router;
}
