import crypto from 'node:crypto';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { AppDeps } from './deps';
import { requestLogSerializers } from './logger';
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
    // Tokens and searches are masked in logged URLs; what else is redacted is set on the logger (src/logger.ts).
    serializers: requestLogSerializers,
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
