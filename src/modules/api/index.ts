import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppDeps } from '../../deps';
import { HttpError, type ErrorDetail } from '../../web/errors';
import { authenticateApiKey } from '../auth';
import { journeysApiRouter } from '../journeys/journeys.routes';
import { surveysApiRouter } from '../surveys/surveys.routes';
import { contactsApiRouter } from '../contacts/contacts.routes';
import { responsesApiRouter } from '../responses/responses.routes';
import { metricsApiRouter } from '../metrics/metrics.routes';
import { invitationsApiRouter } from '../invitations/invitations.routes';

/**
 * PostgreSQL text cannot hold U+0000: reject it as bad input here rather than fail in the database.
 * Iterative, so a deeply nested body cannot overflow the stack.
 */
function nulCharacters(root: unknown): ErrorDetail[] {
  const found: ErrorDetail[] = [];
  const stack: Array<[unknown, string]> = [[root, '']];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) found.push({ path, message: `${path || 'value'} must not contain a NUL character` });
    } else if (value !== null && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        const p = path ? `${path}.${key}` : key;
        if (key.includes('\u0000')) found.push({ path: p, message: 'field names must not contain a NUL character' });
        else stack.push([v, p]);
      }
    }
  }
  return found;
}

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
    if (['POST', 'PUT', 'PATCH'].includes(req.method)) {
      // req.is() is null when there is no body at all: that is a missing body, not a wrong type.
      const hasBody = req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;
      if (!hasBody) throw new HttpError(400, 'body_required', 'Send a JSON body', [{ path: '', message: 'the request has no body' }]);
      if (!req.is('application/json')) throw new HttpError(415, 'unsupported_media_type', 'Send the body as application/json');
    }
    const nul = [...nulCharacters(req.body), ...nulCharacters(req.query)];
    if (nul.length > 0) throw new HttpError(400, 'validation_failed', 'The request is not valid', nul);
    next();
  });
  router.use(journeysApiRouter(deps));
  router.use(surveysApiRouter(deps));
  router.use(contactsApiRouter(deps));
  router.use(responsesApiRouter(deps));
  router.use(metricsApiRouter(deps));
  router.use(invitationsApiRouter(deps));
  router.use((req) => {
    throw new HttpError(404, 'not_found', `No API route ${req.method} ${req.baseUrl}${req.path}`);
  });
  return router;
}
