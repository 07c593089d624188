import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { checkDatabase } from './health.service';

/** GET /healthz: 200 when the database answers within two seconds, 503 otherwise. */
export function healthRouter({ db }: AppDeps): Router {
  const router = Router();
  router.get('/healthz', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    try {
      await checkDatabase(db);
      res.json({ status: 'ok' });
    } catch (err) {
      req.log.warn({ err }, 'health check failed');
      res.status(503).json({ status: 'unavailable', error: 'database' });
    }
  });
  return router;
}
