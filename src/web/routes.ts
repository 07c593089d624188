import express, { type ErrorRequestHandler, type Express } from 'express';
import path from 'node:path';
import type { AppDeps } from '../deps';
import { publicDir } from '../paths';
import { apiRouter } from '../modules/api';
import { loadUser } from '../modules/auth';
import { errorHandler, notFoundHandler } from './errors';
// Each module's routers, mounted here and nowhere else (a module's index.ts is for other modules).
import { healthRouter } from '../modules/health/health.routes';
import { publicRouter } from '../modules/public/public.routes';
import { unsubscribeRouter } from '../modules/invitations/unsubscribe.routes';
import { emailPagesRouter } from '../modules/invitations/email.pages';
import { authRouter } from '../modules/auth/auth.routes';
import { usersPagesRouter } from '../modules/auth/users.pages';
import { apiKeysPagesRouter } from '../modules/auth/api-keys.pages';
import { dashboardPagesRouter } from '../modules/dashboard/dashboard.routes';
import { followUpsRouter } from '../modules/follow-ups/follow-ups.routes';
import { contactsPagesRouter } from '../modules/contacts/contacts.pages';
import { journeyPagesRouter } from '../modules/journeys/journeys.pages';
import { surveyPagesRouter } from '../modules/surveys/surveys.pages';
import { settingsPagesRouter } from '../modules/settings/settings.pages';
import { digestPagesRouter, digestUnsubscribeRouter } from '../modules/digest';
import { webhooksPagesRouter } from '../modules/webhooks/webhooks.pages';
import { alertsProfileRouter } from '../modules/auth/alerts-profile.pages';
import { themesPagesRouter } from '../modules/themes/themes.pages';
import { analyticsPagesRouter } from '../modules/analytics/analytics.pages';
import { segmentsPagesRouter } from '../modules/segments/segments.pages';
import { sessionMiddleware } from './middleware/session';
import { csrfToken } from './middleware/csrf';
import { dashboardContext } from './middleware/dashboard-context';
import { noStore } from './middleware/no-store';
import { inputErrorContext } from './middleware/input';
import { getSettings } from '../modules/settings';

/** A respondent's error page carries the organisation's name, like the survey page it stands for. */
function errorBrand(deps: AppDeps): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (req.originalUrl.startsWith('/api/') || res.locals.user || res.headersSent) return next(err);
    getSettings(deps.db).then((s) => { res.locals.brand = s.brand; }, () => undefined).finally(() => next(err));
  };
}

/** Mounts every module's router; the 404 and error handlers come last. */
export function mountRoutes(app: Express, deps: AppDeps): void {
  app.use('/static', express.static(publicDir, { maxAge: '1d', index: false }));
  // /favicon.ico and /apple-touch-icon.png, which browsers ask for at the root of every site, also for
  // sandboxed documents (an email in the mailbox has an opaque origin): the icons may be read cross-origin.
  app.use(express.static(path.join(publicDir, 'icons'), {
    maxAge: '7d', index: false, setHeaders: (res) => res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin'),
  }));
  app.use('/static/vendor/chart.js', express.static(path.dirname(require.resolve('chart.js')), { maxAge: '7d', index: false }));
  app.use(healthRouter(deps));
  app.use('/api/v1', apiRouter(deps));
  app.use(publicRouter(deps));
  app.use(unsubscribeRouter(deps));
  app.use(digestUnsubscribeRouter(deps));
  // Below: the dashboard. Sessions are only read here, never on survey pages or the API. No page or export
  // of it may be cached.
  const readUser = [sessionMiddleware(deps), noStore, loadUser(deps)];
  const context = [csrfToken, dashboardContext];
  app.use(...readUser, ...context);
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
  app.use(webhooksPagesRouter(deps));
  app.use(alertsProfileRouter(deps));
  app.use(themesPagesRouter(deps));
  app.use(analyticsPagesRouter(deps));
  app.use(segmentsPagesRouter(deps));
  app.use(notFoundHandler);
  app.use(inputErrorContext(readUser, context), errorBrand(deps), errorHandler);
}
