import { Router } from 'express';
import type { AppDeps } from '../../deps';
import { mailboxRouter } from '../../mail/mailbox.routes';
import { sendPagesRouter } from './send.pages';

export { Invitation, type InvitationStatus } from './invitation.entity';
export { buildInvitationEmail, type InvitationMailData } from './invitation-email';
export { INVITATION_TOKEN_PATTERN } from './invitation-token';
export { getSurveyResponseRate } from './invitations.queries';
export { sendInvitations, type SendReport, type SkipReason } from './send.service';
export { unsubscribeRouter } from './unsubscribe.routes';

/** The dashboard side of email: the mailbox (first, so every page's navigation knows whether it exists) and sending. */
export function emailPagesRouter(deps: AppDeps): Router {
  const router = Router();
  router.use(mailboxRouter(deps));
  router.use(sendPagesRouter(deps));
  return router;
}
