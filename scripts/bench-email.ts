// npm run bench:email [-- --count 10000 --mailbox]
// SPEC §11: N invitations (default 10,000) delivered to a local SMTP server, measured end to end: the API
// call that queues them, then the job queue and worker until the SMTP server has accepted every message.
// Runs on a scratch database (an embedded PostgreSQL in a temporary folder, or a new database on the
// DATABASE_URL server) that is removed afterwards. With --mailbox, the built-in mailbox instead of SMTP.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDataSource, runMigrations, startEmbeddedPostgres } from '../src/db';
import { JobQueue, startJobs } from '../src/jobs';
import { createLogger } from '../src/logger';
import { createApiKey } from '../src/modules/auth';
import { startSmtpSink } from './smtp-sink';

const GOAL_SECONDS = 60;

async function scratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const server = process.env.DATABASE_URL;
  if (!server) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'touchpoint-bench-'));
    const embedded = await startEmbeddedPostgres(dir, { persistent: false });
    return { url: embedded.url, drop: async () => { await embedded.stop(); fs.rmSync(dir, { recursive: true, force: true }); } };
  }
  const name = `touchpoint_bench_${crypto.randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new Client({ connectionString: server });
    await c.connect();
    try { await c.query(sql); } finally { await c.end(); }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function main() {
  const { values } = parseArgs({ options: {
    count: { type: 'string', default: '10000' }, mailbox: { type: 'boolean', default: false },
  } });
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > 1_000_000) throw new Error('--count must be a whole number from 1 to 1000000');

  const database = await scratchDatabase();
  const smtp = values.mailbox ? null : await startSmtpSink();
  const db = createDataSource(database.url, { poolSize: 10 });
  await db.initialize();
  try {
    await runMigrations(db);
    const config = loadConfig({
      NODE_ENV: 'production', PORT: '0', BASE_URL: 'http://localhost:3000', DATABASE_URL: database.url,
      SESSION_SECRET: crypto.randomBytes(32).toString('hex'), LOG_LEVEL: 'warn', ...(smtp ? { SMTP_URL: smtp.url } : {}),
    });
    const logger = createLogger('warn');
    await db.query(
      `INSERT INTO contacts (email, name, locale) SELECT 'bench' || n || '@example.com', 'Khách ' || n, CASE WHEN n % 2 = 0 THEN 'vi' ELSE 'en' END
       FROM generate_series(1, $1) AS n`, [count]);
    const [{ id: surveyId }] = await db.query(`INSERT INTO surveys (kind, title) VALUES ('nps', 'Benchmark') RETURNING id`);
    const { key } = await createApiKey(db, 'bench');

    const queue = new JobQueue(db, logger);
    const deps = { db, config, logger, queue };
    const server = http.createServer(createApp(deps));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as { port: number };
    const jobs = await startJobs(deps);
    const delivered = async () => smtp ? smtp.accepted()
      : Number((await db.query(`SELECT count(*) AS n FROM mailbox_messages`))[0].n);

    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/surveys/${surveyId}/invitations`, {
      method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ segment: {} }),
    });
    const body = await res.json() as { queued: number };
    const queuedAfter = (performance.now() - started) / 1000;
    if (res.status !== 202 || body.queued !== count) throw new Error(`the send was refused: ${res.status} ${JSON.stringify(body)}`);
    let lastReport = 0;
    while ((await delivered()) < count) {
      const elapsed = (performance.now() - started) / 1000;
      if (elapsed > 10 * GOAL_SECONDS) throw new Error(`only ${await delivered()} of ${count} delivered after ${elapsed.toFixed(0)} s`);
      if (elapsed - lastReport >= 5) {
        lastReport = elapsed;
        process.stdout.write(`  ${elapsed.toFixed(0)} s: ${await delivered()} delivered\n`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    await jobs.stop();
    await queue.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const [{ sent }] = await db.query(`SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent FROM invitations`);
    process.stdout.write([
      `Email benchmark (${smtp ? 'local SMTP server' : 'built-in mailbox'}, ${os.cpus().length} CPUs)`,
      `  ${count} invitations queued by the API in ${queuedAfter.toFixed(2)} s`,
      `  ${count} delivered in ${seconds.toFixed(1)} s: ${Math.round(count / seconds)} emails/s (goal: ${count} in under ${GOAL_SECONDS} s)`,
      `  invitations marked sent: ${sent}`,
      seconds < GOAL_SECONDS && sent === count ? '  PASS' : '  FAIL',
      '',
    ].join('\n'));
    if (seconds >= GOAL_SECONDS || sent !== count) process.exitCode = 1;
  } finally {
    await db.destroy();
    smtp?.close();
    await database.drop();
  }
}

main().catch((err) => {
  process.stderr.write(`Email benchmark failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
