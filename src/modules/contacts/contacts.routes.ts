import { Router } from 'express';
import type { AppDeps } from '../../app';
import { check } from '../../web/middleware/validate';
import { contactsBodySchema } from './contacts.schemas';
import { upsertContacts } from './contacts.service';

export function contactsApiRouter({ db }: AppDeps): Router {
  const router = Router();
  router.post('/contacts', async (req, res) => {
    const body = check<unknown>(contactsBodySchema, req.body);
    const report = await upsertContacts(db, Array.isArray(body) ? body : [body]);
    // A single contact that is invalid is a client error; in a batch, the report says which items failed.
    const status = !Array.isArray(body) && report.errors.length > 0 ? 400 : 200;
    if (status === 400) {
      res.status(400).json({ error: { code: 'validation_failed', message: report.errors[0].message, details: report.errors.map((e) => ({ path: `${e.index}`, message: e.message })) }, ...report });
      return;
    }
    res.json(report);
  });
  return router;
}
