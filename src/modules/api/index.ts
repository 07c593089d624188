import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppDeps } from '../../app';
import { HttpError } from '../../web/errors';
import { authenticateApiKey } from '../auth/api-key.service';
import { journeysApiRouter } from '../journeys/journeys.routes';
import { surveysApiRouter } from '../surveys/surveys.routes';
import { contactsApiRouter } from '../contacts/contacts.routes';
import { responsesApiRouter } from '../responses/responses.routes';
import { metricsApiRouter } from '../metrics/metrics.routes';

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
  router.use(express.json({ limit: '1mb', strict: true }));
  router.use((req, _res, next) => {
    if (['POST', 'PUT', 'PATCH'].includes(req.method) && !req.is('application/json')) {
      throw new HttpError(415, 'unsupported_media_type', 'Send the body as application/json');
    }
    next();
  });
  router.use(journeysApiRouter(deps));
  router.use(surveysApiRouter(deps));
  router.use(contactsApiRouter(deps));
  router.use(responsesApiRouter(deps));
  router.use(metricsApiRouter(deps));
  router.use((req) => {
    throw new HttpError(404, 'not_found', `No API route ${req.method} ${req.baseUrl}${req.path}`);
  });
  return router;
}
