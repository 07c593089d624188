export { createMailer, MailDeliveryError, toDeliveryError, type Mailer, type OutgoingMail } from './mailer';
export { renderEmail } from './templates';
export { EMAIL_FRAME_POLICY, withLinksInNewTab } from './mailbox.routes';
export { deleteMailboxMessagesTo } from './mailbox';
