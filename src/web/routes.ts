import express, { type Express } from 'express';
import path from 'node:path';
import type { AppDeps } from '../app';
import { publicDir } from '../paths';
import { healthRouter } from '../modules/health';
import { publicRouter } from '../modules/public';
import { apiRouter } from '../modules/api';
import { authRouter } from '../modules/auth/auth.routes';
import { errorHandler, notFoundHandler } from './errors';
import { sessionMiddleware } from './middleware/session';
import { loadUser } from './middleware/auth';
import { csrfToken } from './middleware/csrf';
import { dashboardContext } from './middleware/dashboard-context';

/** Mounts every module's router; the 404 and error handlers come last. */
export function mountRoutes(app: Express, deps: AppDeps): void {
  app.use('/static', express.static(publicDir, { maxAge: '1d', index: false }));
  app.use('/static/vendor/chart.js', express.static(path.dirname(require.resolve('chart.js')), { maxAge: '7d', index: false }));
  app.use(healthRouter(deps));
  app.use('/api/v1', apiRouter(deps));
  app.use(publicRouter(deps));
  // Below: the dashboard. Sessions are only read here, never on survey pages or the API.
  app.use(sessionMiddleware(deps), loadUser(deps.db), csrfToken, dashboardContext);
  app.use(authRouter(deps));
  // Dashboard feature routers (each declares a role per route through dashboardRouter()):
  app.use(notFoundHandler);
  app.use(errorHandler);
}
