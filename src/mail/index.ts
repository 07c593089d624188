export { createMailer, MailDeliveryError, toDeliveryError, type Mailer, type OutgoingMail } from './mailer';
export { renderEmail } from './templates';
export { deleteMailboxMessagesTo } from './mailbox';
