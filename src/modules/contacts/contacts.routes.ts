import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { check } from '../../web/middleware/validate';
import { contactSchema, contactsBodySchema, type ContactInput } from './contacts.schemas';
import { upsertContacts } from './contacts.service';

export function contactsApiRouter({ db }: AppDeps): Router {
  const router = Router();
  router.post('/contacts', async (req, res) => {
    const body = check<unknown>(contactsBodySchema, req.body);
    // A single contact that is invalid is a client error, named field by field; in a batch, the report says which items failed.
    const items = Array.isArray(body) ? body : [check<ContactInput>(contactSchema, body)];
    res.json(await upsertContacts(db, items));
  });
  return router;
}
