import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { eventually } from './eventually';

export interface CapturedMail {
  /** Envelope recipients (RCPT TO). */
  to: string[];
  raw: Buffer;
  parsed: ParsedMail;
}

export interface RejectRule {
  /** Called for every recipient; may keep state (e.g. reject only the first attempt). */
  when: (address: string) => boolean;
  code: number;
  message: string;
}

export interface TestSmtpServer {
  readonly port: number;
  /** SMTP_URL for the app. */
  readonly url: string;
  /** Messages accepted and parsed, in the order they arrived. */
  readonly messages: CapturedMail[];
  /** Messages accepted (counted at once, parsed or not). */
  accepted(): number;
  /** Recipients are refused with the rule's SMTP reply while it is set. */
  reject(rule: RejectRule | null): void;
  /** Goes down: stops listening and drops open connections (as a crashed server does). */
  stop(): Promise<void>;
  /** Comes back on the same port. */
  start(): Promise<void>;
  waitForMessages(count: number, timeoutMs?: number): Promise<CapturedMail[]>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on a free loopback port: every message is captured and parsed with mailparser
 * (`parse: false` only counts them, for benchmarks). It can go down, come back, or refuse recipients.
 */
export async function startSmtpServer(opts: { parse?: boolean } = {}): Promise<TestSmtpServer> {
  const parse = opts.parse ?? true;
  const messages: CapturedMail[] = [];
  let acceptedCount = 0;
  let rule: RejectRule | null = null;
  let server: SMTPServer | null = null;
  let port = 0;
  const parsing = new Set<Promise<void>>();

  function create(): SMTPServer {
    return new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      size: 10 * 1024 * 1024,
      closeTimeout: 50,
      onRcptTo(address: SMTPServerAddress, _session, callback) {
        if (rule?.when(address.address)) {
          const err = new Error(rule.message) as Error & { responseCode: number };
          err.responseCode = rule.code;
          return callback(err);
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        // The session's envelope is reset for the next message once this one is accepted.
        const to = session.envelope.rcptTo.map((r) => r.address);
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          acceptedCount++;
          callback();
          if (!parse) return;
          const raw = Buffer.concat(chunks);
          const done: Promise<void> = simpleParser(raw).then((parsed) => {
            messages.push({ to, raw, parsed });
          }).finally(() => parsing.delete(done));
          parsing.add(done);
        });
      },
    });
  }

  async function listen(): Promise<void> {
    server = create();
    const s = server;
    // A client that dies mid-session (a killed worker) resets its connection: normal for a mail server.
    s.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        s.server.off('error', reject);
        resolve();
      });
    });
    port = (s.server.address() as AddressInfo).port;
  }

  async function shutDown(): Promise<void> {
    const s = server;
    server = null;
    if (!s) return;
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  await listen();

  return {
    get port() { return port; },
    get url() { return `smtp://127.0.0.1:${port}`; },
    messages,
    accepted: () => acceptedCount,
    reject(next) { rule = next; },
    stop: shutDown,
    start: listen,
    async waitForMessages(count, timeoutMs = 20_000) {
      await eventually(() => messages.length >= count, { timeoutMs, intervalMs: 25, what: () => `${count} messages (got ${messages.length}, accepted ${acceptedCount})` });
      return messages;
    },
    async close() {
      await shutDown();
      await Promise.all([...parsing]);
    },
  };
}
