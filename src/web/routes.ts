import express, { type Express } from 'express';
import path from 'node:path';
import type { AppDeps } from '../deps';
import { publicDir } from '../paths';
import { healthRouter } from '../modules/health';
import { publicRouter } from '../modules/public';
import { emailPagesRouter, unsubscribeRouter } from '../modules/invitations';
import { apiRouter } from '../modules/api';
import { authRouter } from '../modules/auth/auth.routes';
import { errorHandler, notFoundHandler } from './errors';
import { sessionMiddleware } from './middleware/session';
import { loadUser } from './middleware/auth';
import { csrfToken } from './middleware/csrf';
import { dashboardContext } from './middleware/dashboard-context';
import { dashboardPagesRouter } from '../modules/dashboard';
import { followUpsRouter } from '../modules/follow-ups';
import { contactsPagesRouter } from '../modules/contacts/contacts.pages';
import { journeyPagesRouter } from '../modules/journeys/journeys.pages';
import { surveyPagesRouter } from '../modules/surveys/surveys.pages';
import { settingsPagesRouter } from '../modules/settings/settings.pages';
import { usersPagesRouter } from '../modules/auth/users.pages';
import { apiKeysPagesRouter } from '../modules/auth/api-keys.pages';
import { digestPagesRouter, digestUnsubscribeRouter } from '../modules/digest';

/** Mounts every module's router; the 404 and error handlers come last. */
export function mountRoutes(app: Express, deps: AppDeps): void {
  app.use('/static', express.static(publicDir, { maxAge: '1d', index: false }));
  app.use('/static/vendor/chart.js', express.static(path.dirname(require.resolve('chart.js')), { maxAge: '7d', index: false }));
  app.use(healthRouter(deps));
  app.use('/api/v1', apiRouter(deps));
  app.use(publicRouter(deps));
  app.use(unsubscribeRouter(deps));
  app.use(digestUnsubscribeRouter(deps));
  // Below: the dashboard. Sessions are only read here, never on survey pages or the API.
  app.use(sessionMiddleware(deps), loadUser(deps.db), csrfToken, dashboardContext);
  app.use(authRouter(deps));
  // Dashboard feature routers (each declares a role per route through dashboardRouter()):
  app.use(emailPagesRouter(deps)); // first: it tells every page's navigation whether the mailbox exists
  app.use(dashboardPagesRouter(deps));
  app.use(followUpsRouter(deps));
  app.use(contactsPagesRouter(deps));
  app.use(journeyPagesRouter(deps));
  app.use(surveyPagesRouter(deps));
  app.use(settingsPagesRouter(deps));
  app.use(usersPagesRouter(deps));
  app.use(apiKeysPagesRouter(deps));
  app.use(digestPagesRouter(deps));
  app.use(notFoundHandler);
  app.use(errorHandler);
}
