import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { mailboxRouter } from '../../mail/mailbox.routes';
import { sendPagesRouter } from './send.pages';

/** The dashboard side of email: the mailbox (first, so every page's navigation knows whether it exists) and sending. */
export function emailPagesRouter(deps: AppDeps): Router {
  const router = Router();
  router.use(mailboxRouter(deps));
  router.use(sendPagesRouter(deps));
  return router;
}
