import { startTestApp, type TestApp } from '../helpers/app';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createMailer, MailDeliveryError, type Mailer } from '../../src/mail/mailer';

let t: TestApp;
let smtp: TestSmtpServer;
let mailer: Mailer;
const logger = createLogger('silent');
const mail = (to: string) => ({ to, subject: 'Xin chào', html: '<p>Xin chào</p>', text: 'Xin chào' });

beforeAll(async () => {
  smtp = await startSmtpServer();
  t = await startTestApp({ SMTP_URL: smtp.url });
  mailer = createMailer({ db: t.db, config: t.config, logger });
});
afterAll(async () => {
  mailer.close();
  await t.close();
  await smtp.close();
});
afterEach(() => smtp.reject(null));

async function failureOf(send: Promise<unknown>): Promise<MailDeliveryError> {
  const err = await send.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(MailDeliveryError);
  return err as MailDeliveryError;
}

describe('the mailer turns SMTP failures into a typed error', () => {
  test('sends multipart mail through the pooled SMTP transport, with MAIL_FROM as the sender', async () => {
    const { messageId } = await mailer.send({ ...mail('ok@example.com'), messageId: '<fixed.1@touchpoint.test>' });
    expect(messageId).toBe('<fixed.1@touchpoint.test>');
    const [received] = await smtp.waitForMessages(1);
    expect(received.to).toEqual(['ok@example.com']);
    expect(received.parsed.messageId).toBe('<fixed.1@touchpoint.test>');
    expect(received.parsed.text?.trim()).toBe('Xin chào');
    expect(received.parsed.from?.value[0].address).toBe('no-reply@localhost');
  });

  test('a 5xx refusal is permanent, a 4xx and a 503 are transient; the server\'s words are kept', async () => {
    smtp.reject({ when: () => true, code: 550, message: '5.1.1 Mailbox does not exist' });
    const refused = await failureOf(mailer.send(mail('nobody@example.com')));
    expect(refused).toMatchObject({ kind: 'permanent', permanent: true, serverUnavailable: false, responseCode: 550 });
    expect(refused.message).toContain('5.1.1 Mailbox does not exist');

    smtp.reject({ when: () => true, code: 452, message: '4.2.2 Mailbox full' });
    expect(await failureOf(mailer.send(mail('full@example.com')))).toMatchObject({ kind: 'transient', serverUnavailable: false, responseCode: 452 });

    smtp.reject({ when: () => true, code: 503, message: '5.5.1 Bad sequence of commands' });
    expect(await failureOf(mailer.send(mail('sequence@example.com')))).toMatchObject({ kind: 'transient', responseCode: 503 });

    smtp.reject({ when: () => true, code: 421, message: '4.3.2 Service shutting down' });
    expect(await failureOf(mailer.send(mail('later@example.com')))).toMatchObject({ kind: 'transient', serverUnavailable: true });
  });

  test('a server that is down is transient and unavailable; verify() tells when it is back', async () => {
    await smtp.stop();
    try {
      expect(await failureOf(mailer.send(mail('down@example.com')))).toMatchObject({ kind: 'transient', serverUnavailable: true, responseCode: null });
      await expect(mailer.verify()).rejects.toBeInstanceOf(MailDeliveryError);
    } finally {
      await smtp.start();
    }
    await expect(mailer.verify()).resolves.toBeUndefined();
  });

  test('a refused login is the operator\'s problem: transient and unavailable, never a failed invitation', async () => {
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: t.config.databaseUrl!, SESSION_SECRET: t.config.sessionSecret, DATA_DIR: t.config.dataDir,
      SMTP_URL: `smtp://someone:wrong@127.0.0.1:${smtp.port}` });
    const withLogin = createMailer({ db: t.db, config, logger });
    try {
      const failure = await failureOf(withLogin.send(mail('auth@example.com')));
      expect(failure).toMatchObject({ kind: 'transient', serverUnavailable: true, responseCode: 535 });
    } finally {
      withLogin.close();
    }
  });
});
