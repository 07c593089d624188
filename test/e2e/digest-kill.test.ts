import { spawn } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../src/paths';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp';

// The built CLI (npm test builds first): `npm run digest -- --now` dispatches and sends in its own process.
const digestJs = path.join(projectRoot, 'dist/scripts/digest.js');
const USERS = 600;

interface Run { output: string[]; exited: Promise<number | null>; kill(): void }

function runDigest(env: Record<string, string>, args: string[]): Run {
  const child = spawn(process.execPath, [digestJs, ...args], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', SESSION_SECRET: 'k'.repeat(40), BASE_URL: 'http://touchpoint.test', ...env },
  });
  const output: string[] = [];
  child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
  return { output, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))), kill: () => child.kill('SIGKILL') };
}

async function until(what: string, probe: () => Promise<boolean> | boolean, ms: number) {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let database: TestDatabase;
let smtp: TestSmtpServer;

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startSmtpServer();
});
afterAll(async () => {
  await database.drop();
  await smtp.close();
});

test(`npm run digest -- --now killed halfway through ${USERS} digests: the next run sends the other half, nobody gets one twice`, async () => {
  const db = database.db;
  await db.query(`INSERT INTO users (email, password_hash, role, locale) SELECT 'reader' || n || '@example.com', 'x', 'viewer', CASE WHEN n % 2 = 0 THEN 'vi' ELSE 'en' END
    FROM generate_series(1, $1) AS n`, [USERS]);
  const env = { DATABASE_URL: database.url, SMTP_URL: smtp.url };

  const first = runDigest(env, ['--now']);
  // Mid-batch (the worker claims 100 at a time), so some claims are left in flight by the kill.
  await until('the send to be under way', () => smtp.accepted() >= 250, 60_000).catch((e) => { console.log(first.output.join('')); throw e; });
  first.kill();
  await first.exited;
  const [atKill] = await db.query(`SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent, count(*) FILTER (WHERE status = 'sending')::int AS sending,
    count(*)::int AS claimed FROM digest_deliveries`);
  expect(atKill.claimed).toBe(USERS);
  expect(atKill.sent).toBeLessThan(USERS);

  // The restart: the same command. The week is already claimed for everyone, so it only finishes the sending.
  const again = runDigest(env, ['--now']);
  expect(await again.exited).toBe(0);
  const output = again.output.join('');
  expect(output).toContain('already sent before');
  expect(output).toContain('Every digest of these periods is out.');
  await until('every message parsed', () => smtp.messages.length === smtp.accepted(), 10_000);

  const idsByRecipient = new Map<string, Set<string>>();
  for (const m of smtp.messages) {
    const ids = idsByRecipient.get(m.to[0]) ?? new Set<string>();
    ids.add(String(m.parsed.messageId));
    idsByRecipient.set(m.to[0], ids);
  }
  expect(idsByRecipient.size).toBe(USERS);
  for (let n = 1; n <= USERS; n++) expect({ reader: n, digests: idsByRecipient.get(`reader${n}@example.com`)?.size ?? 0 }).toEqual({ reader: n, digests: 1 });
  expect((await db.query(`SELECT count(*)::int AS n FROM digest_deliveries WHERE status = 'sent'`))[0].n).toBe(USERS);
  // Only a message the server accepted in the instant before the kill, not yet recorded, can be handed over
  // again — with the same Message-ID, so mail clients show one digest.
  const handedOverTwice = smtp.messages.length - USERS;
  expect(handedOverTwice).toBeLessThanOrEqual(atKill.sending);
  process.stdout.write(`digest kill test: ${atKill.sent} sent and ${atKill.sending} claimed in flight at the kill; ${handedOverTwice} handed over twice (same Message-ID)\n`);

  // A third run finds nothing to do.
  const before = smtp.accepted();
  const third = runDigest(env, ['--now']);
  expect(await third.exited).toBe(0);
  expect(third.output.join('')).toContain('already sent before');
  expect(smtp.accepted()).toBe(before);
}, 240_000);

test('npm run digest -- --preview prints or emails the digest and marks nothing', async () => {
  const db = database.db;
  const env = { DATABASE_URL: database.url, SMTP_URL: smtp.url };
  const count = async () => (await db.query(`SELECT (SELECT count(*) FROM digest_runs)::int AS runs, (SELECT count(*) FROM digest_deliveries)::int AS deliveries`))[0];
  const before = await count();

  const printed = runDigest(env, ['--preview', '--lang', 'en']);
  expect(await printed.exited).toBe(0);
  expect(printed.output.join('')).toContain('Touchpoint · Weekly score digest');

  const mailed = runDigest(env, ['--preview', '--to', 'boss@example.com', '--lang', 'vi', '--daily']);
  expect(await mailed.exited).toBe(0);
  await until('the preview delivered', () => smtp.messages.some((m) => m.to.includes('boss@example.com')), 10_000);
  const preview = smtp.messages.find((m) => m.to.includes('boss@example.com'))!;
  expect(preview.parsed.subject).toMatch(/^\[Preview\] Touchpoint · Báo cáo ngày/);
  expect(await count()).toEqual(before);

  const bad = runDigest(env, ['--preview', '--to', 'not an address']);
  expect(await bad.exited).toBe(2);
}, 60_000);
