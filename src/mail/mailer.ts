import nodemailer from 'nodemailer';
import type { NodemailerError, SendMailOptions, Transporter } from 'nodemailer';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { storeInMailbox } from './mailbox';

/** One email as the app builds it: both an HTML and a plain-text body, always. */
export interface OutgoingMail {
  to: string | { name: string; address: string };
  subject: string;
  html: string;
  text: string;
  headers?: Record<string, string>;
  /**
   * `<unique@host>`. Give a deterministic one when the same message may be handed over twice (a retry
   * after a crash): mail servers and clients keep one message per Message-ID.
   */
  messageId?: string;
  /** Inline images are referenced from the HTML as `cid:<cid>`. */
  attachments?: Array<{ filename: string; content: Buffer; contentType: string; cid?: string }>;
}

/**
 * Why a message was not delivered.
 * - permanent: the server refused this message for good (SMTP 5xx): retrying would get the same answer.
 * - transient: it may go through later (4xx, a dropped connection, the server down or refusing our login).
 * `serverUnavailable` says the server could not be used at all — nothing about this message — so a
 * sender should pause rather than spend the message's retries.
 */
export class MailDeliveryError extends Error {
  constructor(
    message: string,
    readonly kind: 'permanent' | 'transient',
    readonly serverUnavailable: boolean,
    readonly responseCode: number | null,
  ) {
    super(message);
    this.name = 'MailDeliveryError';
  }

  get permanent(): boolean {
    return this.kind === 'permanent';
  }
}

/** Codes of failures that say nothing about the message: the server could not be reached or used. */
const SERVER_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROXY', 'EAUTH', 'ENOAUTH', 'EOAUTH2', 'EMAXLIMIT', 'EREQUIRETLS']);

/** Turns whatever nodemailer threw into a MailDeliveryError (SMTP 5xx = permanent, except 503). */
export function toDeliveryError(err: unknown): MailDeliveryError {
  if (err instanceof MailDeliveryError) return err;
  const e = (err ?? {}) as NodemailerError;
  const code = typeof e.code === 'string' ? e.code : '';
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : null;
  const text = (e.response ?? e.message ?? String(err)).replace(/\s+/g, ' ').trim().slice(0, 500);
  // A refused login is the operator's configuration, not the recipient's fault: never fail mail for it.
  if (SERVER_CODES.has(code) || responseCode === 421) {
    return new MailDeliveryError(text, 'transient', true, responseCode);
  }
  if (responseCode !== null) {
    return new MailDeliveryError(text, e.permanent === true ? 'permanent' : 'transient', false, responseCode);
  }
  // No SMTP reply: nodemailer refused the message itself (a malformed address) — sending it again cannot help.
  if (code === 'EENVELOPE' || code === 'EMESSAGE' || code === 'EMAXRECIPIENTS') {
    return new MailDeliveryError(text, 'permanent', false, null);
  }
  return new MailDeliveryError(text, 'transient', false, null);
}

export interface Mailer {
  /** 'smtp' with SMTP_URL, otherwise 'mailbox': mail is stored and read in the dashboard. */
  readonly mode: 'smtp' | 'mailbox';
  /** Resolves once the server (or the mailbox) accepted the message; throws a MailDeliveryError. */
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
  /** Connects and logs in (SMTP) without sending: tells whether the server is back. */
  verify(): Promise<void>;
  close(): void;
}

export interface MailerDeps {
  db: DataSource;
  config: Config;
  logger: Logger;
}

/**
 * Bounded waits: a send that hangs must end well within a worker's claim lease. Pooled connections are
 * reused across messages; a connection dropped mid-message is not re-sent by the pool (maxRequeues 0):
 * the job queue owns retries, and it knows the message's history.
 */
const SMTP_OPTIONS = {
  pool: true as const,
  maxConnections: 10,
  maxMessages: 1000,
  maxRequeues: 0,
  connectionTimeout: 10_000,
  greetingTimeout: 10_000,
  socketTimeout: 20_000,
};

/** Nodemailer reads the URL itself: user and password, smtps:, and options in the query string. */
function smtpTransport(smtpUrl: string): Transporter {
  return nodemailer.createTransport({ url: smtpUrl, ...SMTP_OPTIONS });
}

/** The one mailer of the app: SMTP through a connection pool, or the built-in mailbox without SMTP_URL. */
export function createMailer({ db, config, logger }: MailerDeps): Mailer {
  const log = logger.child({ component: 'mailer' });
  if (config.smtpUrl) {
    const transport = smtpTransport(config.smtpUrl);
    return {
      mode: 'smtp',
      async send(mail) {
        try {
          const info = await transport.sendMail(toNodemailer(mail, config.mailFrom));
          return { messageId: String(info.messageId) };
        } catch (err) {
          const failure = toDeliveryError(err);
          log.debug({ err: failure.message, kind: failure.kind, responseCode: failure.responseCode }, 'mail not delivered');
          throw failure;
        }
      },
      async verify() {
        try {
          await transport.verify();
        } catch (err) {
          throw toDeliveryError(err);
        }
      },
      close() {
        transport.close();
      },
    };
  }
  // Nodemailer builds the message exactly as for SMTP (defaults, headers, Message-ID); the mailbox stores it.
  const composer = nodemailer.createTransport({ jsonTransport: true, skipEncoding: true });
  return {
    mode: 'mailbox',
    async send(mail) {
      try {
        const info = await composer.sendMail(toNodemailer(mail, config.mailFrom));
        await storeInMailbox(db, info.message, String(info.messageId));
        return { messageId: String(info.messageId) };
      } catch (err) {
        // The mailbox is the database: when it fails, the message can go in later.
        throw new MailDeliveryError(err instanceof Error ? err.message : String(err), 'transient', true, null);
      }
    },
    async verify() {
      try {
        await db.query('SELECT 1');
      } catch (err) {
        throw new MailDeliveryError(err instanceof Error ? err.message : String(err), 'transient', true, null);
      }
    },
    close() {
      composer.close();
    },
  };
}

function toNodemailer(mail: OutgoingMail, from: string): SendMailOptions {
  return {
    from,
    to: mail.to,
    // A header is one line: whatever the team typed into a brand must not start a new one.
    subject: mail.subject.replace(/[\r\n]+/g, ' '),
    html: mail.html,
    text: mail.text,
    headers: mail.headers,
    messageId: mail.messageId,
    attachments: mail.attachments,
  };
}
