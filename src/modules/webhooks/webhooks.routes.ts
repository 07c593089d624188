import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { HttpError } from '../../web/errors';
import { check } from '../../web/middleware/validate';
import { uuidParam } from '../../web/params';
import { createWebhookSchema, type CreateWebhookBody } from './webhooks.schemas';
import { createWebhook, deleteWebhook, listWebhooks, type WebhookRow } from './webhooks.service';

export function webhookToApi(w: WebhookRow) {
  return {
    id: w.id, url: w.url, events: w.events, enabled: w.enabled,
    failingSince: w.failingSince ? new Date(w.failingSince).toISOString() : null,
    disabledAt: w.disabledAt ? new Date(w.disabledAt).toISOString() : null,
    disabledReason: w.disabledReason,
    createdAt: new Date(w.createdAt).toISOString(),
  };
}

/** GET, POST, DELETE /api/v1/webhooks (SPEC §7): the secret is in the POST's answer and nowhere else. */
export function webhooksApiRouter({ db, config }: AppDeps): Router {
  const router = Router();
  router.get('/webhooks', async (_req, res) => {
    res.json({ items: (await listWebhooks(db)).map(webhookToApi) });
  });
  router.post('/webhooks', async (req, res) => {
    const input = check<CreateWebhookBody>(createWebhookSchema, req.body);
    const { webhook, secret } = await createWebhook(db, config, input, null);
    res.set('Cache-Control', 'no-store');
    res.status(201).json({ ...webhookToApi(webhook), secret });
  });
  router.delete('/webhooks/:id', async (req, res) => {
    const id = uuidParam(req.params.id);
    if (!id) throw new HttpError(404, 'not_found', 'No such webhook');
    await deleteWebhook(db, id);
    res.status(204).end();
  });
  return router;
}
