import express, { type Express } from 'express';
import path from 'node:path';
import type { AppDeps } from '../app';
import { publicDir } from '../paths';
import { healthRouter } from '../modules/health';
import { publicRouter } from '../modules/public';
import { apiRouter } from '../modules/api';
import { errorHandler, notFoundHandler } from './errors';

/** Mounts every module's router; the 404 and error handlers come last. */
export function mountRoutes(app: Express, deps: AppDeps): void {
  app.use('/static', express.static(publicDir, { maxAge: '1d', index: false }));
  app.use('/static/vendor/chart.js', express.static(path.dirname(require.resolve('chart.js')), { maxAge: '7d', index: false }));
  app.use(healthRouter(deps));
  app.use('/api/v1', apiRouter(deps));
  app.use(publicRouter(deps));
  app.use(notFoundHandler);
  app.use(errorHandler);
}
