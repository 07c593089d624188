import crypto from 'node:crypto';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { AppDeps } from './deps';
import { setupViewEngine } from './web/view-engine';
import { mountRoutes } from './web/routes';
import { inputRules } from './web/middleware/input';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The Express app without listen(): the server and Supertest both start from here. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  setupViewEngine(app);

  app.use(pinoHttp({
    logger: deps.logger,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    serializers: {
      // Invitation tokens are secrets: they never reach the logs.
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.replace(/\/([iu])\/[^/?]+/, '/$1/:token') }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  }));

  app.use(helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    crossOriginEmbedderPolicy: false,
  }));

  // Every query string, before any router reads it (bodies: their parsers apply the same rules).
  app.use(inputRules);
  mountRoutes(app, deps);
  return app;
}
