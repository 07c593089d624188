// npm run bench [-- --small 100000] [--large 10000000] [--quick] [--requests 200] [--concurrency 8] [--no-ingest] [--no-verify]
//                  [--digest-recipients 1000] [--no-digest] [--ingest-only] [--ingest-clients 32] [--ingest-rounds 3]
//        npm run bench -- --breadth [--touchpoints 1000] [--answers 3000000] (see scripts/bench-breadth.ts)
//        npm run bench -- --analytics [--quick] (key drivers and at-risk contacts: see scripts/bench-analytics.ts)
//        npm run bench -- --segments [--quick] (see scripts/bench-segments.ts)
//
// SPEC §11, measured as ratios on this machine: p50/p95 of GET /overview, /journey-map and
// GET /api/v1/metrics at --small and at --large responses (the same database, grown by seed:demo), and
// answer submissions per second through POST /s/:id next to a bare Express + pg route doing one INSERT
// (measured last, at the large size). At the large size, the weekly digest too: its content built once per
// language, then every recipient's email (default 1,000) handed to a local SMTP server (SPEC §6: < 30 s).
// The app runs in this process against a throw-away database: an embedded PostgreSQL in a temporary
// folder, or a new database on the DATABASE_URL server (dropped at the end).
import crypto from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { DataSource } from 'typeorm';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDataSource } from '../src/db/data-source';
import { JobQueue } from '../src/jobs';
import { createLogger } from '../src/logger';
import { answerWriter, recordResponse } from '../src/modules/responses';
import { seedDemoData, verifyRollups } from '../src/modules/metrics';
import { buildDigest, countPendingDigestDeliveries, createDigestQueues, dispatchDigest, lastCompleteWeek, renderDigestContent, startDigestDelivery } from '../src/modules/digest';
import { createMailer } from '../src/mail';
import { formatterFor } from '../src/web/format';
import { startSmtpSink } from './smtp-sink';
import { benchDatabase } from './bench-database';
import { prepareBenchDatabase } from './bench-app';
import { login, measure, percentile, request, type Timing } from './bench-http';
import { setEventCapture } from '../src/modules/alerts';
import { setCommentLogTrigger } from '../src/modules/themes';
import { runBreadthBench } from './bench-breadth';
import { benchThemes } from './bench-themes';
import { benchAnalytics } from './bench-analytics';
import { benchSegments } from './bench-segments';

const USAGE = 'Usage: npm run bench -- [--small N] [--large N] [--quick] [--requests N] [--concurrency N] [--ingest-seconds S] [--ingest-clients N] [--ingest-rounds N] [--ingest-only] [--no-ingest] [--no-verify] [--digest-recipients N] [--no-digest]\n';

function intOption(raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  return n;
}

const say = (line: string) => process.stdout.write(`${line}\n`);


interface Endpoint { label: string; path: string; auth: 'session' | 'api' }

const ENDPOINTS: Endpoint[] = [
  { label: 'GET /overview', path: '/overview', auth: 'session' },
  { label: 'GET /journey-map', path: '/journey-map', auth: 'session' },
  { label: 'GET /api/v1/metrics nps overall', path: '/api/v1/metrics?kind=nps&by=overall', auth: 'api' },
  { label: 'GET /api/v1/metrics csat stage', path: '/api/v1/metrics?kind=csat&by=stage', auth: 'api' },
  { label: 'GET /api/v1/metrics ces touchpoint', path: '/api/v1/metrics?kind=ces&by=touchpoint', auth: 'api' },
  { label: 'GET /api/v1/metrics csat survey', path: '/api/v1/metrics?kind=csat&by=survey', auth: 'api' },
  { label: 'GET /api/v1/metrics nps week, 90 d', path: '/api/v1/metrics?kind=nps&by=week&__90d', auth: 'api' },
];

type Measurements = Map<string, { sequential: Timing; concurrent: Timing }>;

async function measureAll(agent: http.Agent, base: string, cookie: string, apiKey: string, requests: number, concurrency: number, today: string): Promise<Measurements> {
  const out: Measurements = new Map();
  for (const e of ENDPOINTS) {
    const from = new Date(Date.parse(`${today}T00:00:00Z`) - 89 * 86_400_000).toISOString().slice(0, 10);
    const pathname = e.path.replace('&__90d', `&from=${from}&to=${today}`);
    const headers: Record<string, string> = e.auth === 'session' ? { Cookie: cookie, Accept: 'text/html' } : { Authorization: `Bearer ${apiKey}` };
    await measure(agent, base, pathname, headers, Math.min(30, requests), 1);
    const sequential = await measure(agent, base, pathname, headers, requests, 1);
    const concurrent = await measure(agent, base, pathname, headers, requests, concurrency);
    out.set(e.label, { sequential, concurrent });
    say(`  ${e.label.padEnd(44)} sequential p50 ${sequential.p50.toFixed(1)} ms p95 ${sequential.p95.toFixed(1)} ms · ${concurrency} concurrent p50 ${concurrent.p50.toFixed(1)} ms p95 ${concurrent.p95.toFixed(1)} ms`);
  }
  return out;
}

interface IngestResult { app: number[]; bare: number[]; p50: number; p99: number; bareP50: number; bareP99: number; loadBefore: string; loadAfter: string }

/**
 * Answers per second for `seconds` per side, from `concurrency` keep-alive clients: the real public form
 * (with a fresh one-time key per post, as a browser sends, so each post is a new answer) against a bare
 * route doing one INSERT, in alternated rounds. Latencies of the app's posts: p50 and p99.
 */
async function ingestion(base: string, bareBase: string, surveyId: string, seconds: number, concurrency: number, rounds: number): Promise<IngestResult> {
  const appTimes: number[] = [];
  const bareTimes: number[] = [];
  const run = async (target: 'app' | 'bare', ms: number, times: number[] | null): Promise<number> => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const deadline = Date.now() + ms;
    let done = 0;
    const worker = async () => {
      while (Date.now() < deadline) {
        const body = new URLSearchParams({ score: String(crypto.randomInt(0, 11)), comment: '', k: crypto.randomBytes(16).toString('base64url') }).toString();
        const started = process.hrtime.bigint();
        const res = target === 'app'
          ? await request(agent, base, 'POST', `/s/${surveyId}`, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body })
          : await request(agent, bareBase, 'POST', `/bare/${surveyId}`, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
        times?.push(Number(process.hrtime.bigint() - started) / 1e6);
        if (res.status !== 303) throw new Error(`${target} submission answered ${res.status}: ${res.body.slice(0, 200)}`);
        done++;
      }
    };
    const start = Date.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    agent.destroy();
    return done / ((Date.now() - start) / 1000);
  };
  // Interleaved rounds, so a neighbour's load on the machine hits both sides alike.
  const app: number[] = [];
  const bare: number[] = [];
  const loadBefore = loadAverage();
  await run('app', 1000, null);
  await run('bare', 1000, null);
  for (let i = 0; i < rounds; i++) {
    app.push(await run('app', (seconds * 1000) / rounds, appTimes));
    bare.push(await run('bare', (seconds * 1000) / rounds, bareTimes));
    say(`  round ${i + 1}: app ${app[i].toFixed(0)}/s · bare ${bare[i].toFixed(0)}/s · ratio ${(app[i] / bare[i]).toFixed(2)}`);
  }
  appTimes.sort((a, b) => a - b);
  bareTimes.sort((a, b) => a - b);
  return {
    app, bare, p50: percentile(appTimes, 50), p99: percentile(appTimes, 99), bareP50: percentile(bareTimes, 50), bareP99: percentile(bareTimes, 99),
    loadBefore, loadAfter: loadAverage(),
  };
}

function loadAverage(): string {
  return os.loadavg().map((x) => x.toFixed(2)).join(' ');
}

/**
 * What the database side of an answer costs, without HTTP: `concurrency` callers of recordResponse in this
 * process for `ms`, through the batching writer, with the rollup triggers as they are, then with them off
 * (those answers are deleted again with the triggers off, so the rollups stay exact).
 */
async function recordCost(db: DataSource, surveyId: string, concurrency: number, ms: number): Promise<{ withTriggers: number; withoutTriggers: number; batches: number; largestBatch: number }> {
  const run = async (prefix: string): Promise<number> => {
    const deadline = Date.now() + ms;
    let done = 0;
    const worker = async () => {
      while (Date.now() < deadline) {
        await recordResponse(db, {
          surveyId, kind: 'nps', score: crypto.randomInt(0, 11), comment: null, channel: 'link', locale: 'vi',
          submissionKey: `${prefix}${crypto.randomBytes(12).toString('base64url')}`,
        });
        done++;
      }
    };
    const start = Date.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    return done / ((Date.now() - start) / 1000);
  };
  const writer = answerWriter(db);
  const before = { ...writer.stats };
  const withTriggers = await run('bench-cost-');
  const batches = writer.stats.batches - before.batches;
  const answers = writer.stats.answers - before.answers;
  const triggers: Array<{ tgname: string }> = await db.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = 'responses'::regclass AND NOT tgisinternal AND tgenabled <> 'D'`);
  const toggle = async (on: boolean) => {
    for (const { tgname } of triggers) await db.query(`ALTER TABLE responses ${on ? 'ENABLE' : 'DISABLE'} TRIGGER ${tgname}`);
  };
  await toggle(false);
  let withoutTriggers: number;
  try {
    withoutTriggers = await run('bench-notrigger-');
    await db.query(`DELETE FROM responses WHERE submission_key LIKE 'bench-notrigger-%'`);
  } finally {
    await toggle(true);
  }
  return { withTriggers, withoutTriggers, batches: answers / Math.max(1, batches), largestBatch: writer.stats.largestBatch };
}

/** The baseline of SPEC §11: Express, urlencoded, pg, one INSERT into a table with a key and no trigger. */
async function startBareServer(url: string, concurrency: number): Promise<{ base: string; close(): Promise<void> }> {
  const { Pool } = await import('pg');
  const pool = new Pool({ connectionString: url, max: 10 });
  // The database stops right after the run: an idle connection told so is not a bench failure.
  pool.on('error', () => undefined);
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_bare_answers (id bigserial PRIMARY KEY, survey_id uuid NOT NULL, score smallint NOT NULL, comment text, created_at timestamptz NOT NULL DEFAULT now())`);
  const app = express();
  app.post('/bare/:surveyId', express.urlencoded({ extended: false }), async (req, res) => {
    const body = req.body as Record<string, string>;
    await pool.query(`INSERT INTO bench_bare_answers (survey_id, score, comment) VALUES ($1, $2, $3)`, [req.params.surveyId, Number(body.score), body.comment || null]);
    res.redirect(303, `/bare/${req.params.surveyId}/thanks`);
  });
  const server = http.createServer(app);
  server.maxConnections = concurrency * 4;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

/** The digest goal of SPEC §6: build the week's digest and hand every recipient's email to an SMTP server. */
const DIGEST_GOAL_SECONDS = 30;

interface DigestTiming { recipients: number; figuresMs: number; renderMs: number; dispatchMs: number; handedOverMs: number; perLanguageKb: number }

/**
 * Last week's digest at the seeded size: `recipients` users (half vi, half en). Timed: reading the figures
 * (rollups, follow-ups, verbatims, response rates) and writing both languages, alone; then the real path —
 * dispatch (which builds the content again, once per language) and the email worker — until the SMTP
 * server has accepted every message.
 */
async function digestBench(db: DataSource, queue: JobQueue, recipients: number, baseConfig: ReturnType<typeof loadConfig>): Promise<DigestTiming> {
  const [{ today }] = await db.query(`SELECT touchpoint_org_day(now())::text AS today`);
  const period = lastCompleteWeek(today);
  await db.query(
    `INSERT INTO users (email, name, password_hash, role, locale, digest_frequency)
     SELECT 'digest' || n || '@bench.example', 'Người nhận ' || n, 'x', 'viewer', CASE WHEN n % 2 = 0 THEN 'vi' ELSE 'en' END, 'weekly'
     FROM generate_series(1, $1) AS n`, [recipients]);
  // Only the bench's recipients: the dashboard user gets no digest here.
  await db.query(`UPDATE users SET digest_frequency = 'off' WHERE email NOT LIKE '%@bench.example'`);

  let started = performance.now();
  const built = await buildDigest(db, period);
  const figuresMs = performance.now() - started;
  started = performance.now();
  const contents = (['vi', 'en'] as const).map((l) => renderDigestContent(built.figures, built.report, formatterFor(l, built.settings.timeZone), { baseUrl: baseConfig.baseUrl, now: new Date() }));
  const renderMs = performance.now() - started;
  const perLanguageKb = (contents[0].html.user.length + contents[0].text.user.length + (contents[0].chartPng?.length ?? 0)) / 1024;

  const smtp = await startSmtpSink();
  const config = { ...baseConfig, smtpUrl: smtp.url };
  const logger = createLogger('silent');
  const mailer = createMailer({ db, config, logger });
  const boss = await queue.start();
  await createDigestQueues(boss);
  const delivery = startDigestDelivery({ db, config, logger, boss, mailer }, { pollIntervalMs: 50 });
  try {
    started = performance.now();
    const outcome = await dispatchDigest({ db, config, boss }, period);
    const dispatchMs = performance.now() - started;
    if (outcome.status !== 'queued' || outcome.queued !== recipients) throw new Error(`the digest was not dispatched: ${JSON.stringify(outcome)}`);
    while (smtp.accepted() < recipients) {
      if (performance.now() - started > 10 * DIGEST_GOAL_SECONDS * 1000) throw new Error(`only ${smtp.accepted()} of ${recipients} digests handed over`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const handedOverMs = performance.now() - started;
    while ((await countPendingDigestDeliveries(db, [period.key])) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    return { recipients, figuresMs, renderMs, dispatchMs, handedOverMs, perLanguageKb };
  } finally {
    await delivery.stop();
    mailer.close();
    smtp.close();
  }
}

const ms = (x: number) => x.toFixed(1).padStart(9);

async function main() {
  const { values } = parseArgs({
    options: {
      small: { type: 'string' }, large: { type: 'string' }, quick: { type: 'boolean', default: false },
      requests: { type: 'string' }, concurrency: { type: 'string' }, 'ingest-seconds': { type: 'string' },
      'no-ingest': { type: 'boolean', default: false }, 'no-verify': { type: 'boolean', default: false },
      'digest-recipients': { type: 'string' }, 'no-digest': { type: 'boolean', default: false },
      'ingest-only': { type: 'boolean', default: false }, 'ingest-clients': { type: 'string' }, 'ingest-rounds': { type: 'string' },
    },
  });
  const quick = values.quick;
  const small = intOption(values.small, quick ? 20_000 : 100_000, 1_000, 100_000_000);
  const large = intOption(values.large, quick ? 200_000 : 10_000_000, small, 100_000_000);
  const requests = intOption(values.requests, quick ? 60 : 200, 10, 100_000);
  const concurrency = intOption(values.concurrency, 8, 1, 256);
  const ingestSeconds = intOption(values['ingest-seconds'], quick ? 3 : 15, 1, 600);
  const digestRecipients = intOption(values['digest-recipients'], 1000, 1, 100_000);
  const ingestClients = intOption(values['ingest-clients'], 32, 1, 1024);
  const ingestRounds = intOption(values['ingest-rounds'], 3, 1, 50);
  // Only the answer path: a small seeded database, no dashboard timings, no digest.
  const ingestOnly = values['ingest-only'];

  say(`Touchpoint bench: ${small.toLocaleString('en-US')} then ${large.toLocaleString('en-US')} responses; ${requests} requests per endpoint, sequential and ${concurrency} concurrent; ${os.cpus().length} CPUs.`);
  const database = await benchDatabase();
  let db: DataSource | null = null;
  let server: http.Server | null = null;
  let queue: JobQueue | null = null;
  let bare: { base: string; close(): Promise<void> } | null = null;
  try {
    db = createDataSource(database.url, { poolSize: 12 });
    const { password, apiKey, config } = await prepareBenchDatabase(db, database.url, { PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000' });
    const logger = createLogger('silent');
    queue = new JobQueue(db, logger);
    const app = createApp({ db, config, logger, queue });
    server = http.createServer(app);
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

    const seedTimes: Record<string, number> = {};
    const seed = async (n: number, label: string) => {
      const started = Date.now();
      say(`Seeding ${n.toLocaleString('en-US')} responses…`);
      // Loaded history: no alert or webhook events, and no comment analysis one by one (this bench reads no themes).
      await setEventCapture(db as DataSource, false);
      await setCommentLogTrigger(db as DataSource, false);
      await seedDemoData(db as DataSource, { responses: n, log: (line) => { if (!line.startsWith('  ')) say(`  ${line}`); } });
      await setEventCapture(db as DataSource, true);
      await setCommentLogTrigger(db as DataSource, true);
      seedTimes[label] = (Date.now() - started) / 1000;
      say(`  seeded in ${seedTimes[label].toFixed(1)} s`);
    };

    await seed(ingestOnly ? Math.min(small, 20_000) : small, 'small');
    let atSmall: Measurements = new Map();
    let atLarge: Measurements = new Map();
    let digest: DigestTiming | null = null;
    if (!ingestOnly) {
      const cookie = await login(agent, base, 'bench@example.com', password);
      const [{ today }] = await db.query(`SELECT touchpoint_org_day(now())::text AS today`);
      say(`Measuring at ${small.toLocaleString('en-US')} responses:`);
      atSmall = await measureAll(agent, base, cookie, apiKey, requests, concurrency, today);

      await seed(large - small, 'large');
      const [{ total }] = await db.query(`SELECT count(*)::bigint::text AS total FROM responses`);
      say(`Measuring at ${Number(total).toLocaleString('en-US')} responses:`);
      atLarge = await measureAll(agent, base, cookie, apiKey, requests, concurrency, today);

      if (!values['no-digest']) {
        say(`Weekly digest to ${digestRecipients.toLocaleString('en-US')} recipients:`);
        digest = await digestBench(db, queue, digestRecipients, config);
        say(`  content built in ${((digest.figuresMs + digest.renderMs) / 1000).toFixed(2)} s; ${digestRecipients.toLocaleString('en-US')} handed to SMTP in ${(digest.handedOverMs / 1000).toFixed(1)} s`);
      }
    }

    // After both measurements: the live answers below would change what the comparison reads.
    let ingest: IngestResult | null = null;
    let cost: Awaited<ReturnType<typeof recordCost>> | null = null;
    if (!values['no-ingest']) {
      const [{ id: surveyId }] = await db.query(`SELECT id FROM surveys WHERE kind = 'nps' AND touchpoint_id IS NULL AND stage_id IS NULL LIMIT 1`);
      say(`recordResponse alone (no HTTP), ${ingestClients} concurrent callers, 3 s each, load ${loadAverage()}:`);
      cost = await recordCost(db, surveyId, ingestClients, 3000);
      say(`  with the rollup triggers ${cost.withTriggers.toFixed(0)}/s · without them ${cost.withoutTriggers.toFixed(0)}/s · ${cost.batches.toFixed(1)} answers per statement on average (largest ${cost.largestBatch})`);
      bare = await startBareServer(database.url, ingestClients);
      say(`Ingestion, ${ingestSeconds} s per side in ${ingestRounds} alternated rounds, ${ingestClients} concurrent keep-alive clients:`);
      const before = { ...answerWriter(db).stats };
      ingest = await ingestion(base, bare.base, surveyId, ingestSeconds, ingestClients, ingestRounds);
      const after = answerWriter(db).stats;
      say(`  the app's writer: ${after.answers - before.answers} answers in ${after.batches - before.batches} statements (${((after.answers - before.answers) / Math.max(1, after.batches - before.batches)).toFixed(1)} per statement)`);
    }

    let verified = 'skipped';
    if (!values['no-verify']) {
      const started = Date.now();
      const report = await verifyRollups(db);
      const differences = Object.values(report.differenceCounts).reduce((a, b) => a + b, 0);
      verified = `${differences === 0 && report.disabledTriggers.length === 0 ? 'no difference' : `${differences} DIFFERENCES`} (${report.responses.toLocaleString('en-US')} responses, ${((Date.now() - started) / 1000).toFixed(1)} s)`;
    }

    const sLabel = small >= 1e6 ? `${small / 1e6}M` : `${small / 1e3}k`;
    const lLabel = large >= 1e6 ? `${large / 1e6}M` : `${large / 1e3}k`;
    say('');
    if (!ingestOnly) {
      say(`Dashboard and metrics API, latency in ms (${requests} requests each; "conc" = ${concurrency} concurrent clients)`);
      say(`${'endpoint'.padEnd(44)} | ${`${sLabel} p50`.padStart(9)} ${`${sLabel} p95`.padStart(9)} | ${`${lLabel} p50`.padStart(9)} ${`${lLabel} p95`.padStart(9)} | p95 ratio ${lLabel}/${sLabel}`);
      say(`${'-'.repeat(44)}-+-${'-'.repeat(19)}-+-${'-'.repeat(19)}-+-${'-'.repeat(16)}`);
      for (const e of ENDPOINTS) {
        for (const mode of ['sequential', 'concurrent'] as const) {
          const a = atSmall.get(e.label)?.[mode];
          const b = atLarge.get(e.label)?.[mode];
          if (!a || !b) continue;
          say(`${`${e.label}${mode === 'concurrent' ? ' (conc)' : ''}`.padEnd(44)} | ${ms(a.p50)} ${ms(a.p95)} | ${ms(b.p50)} ${ms(b.p95)} | ${(b.p95 / a.p95).toFixed(2).padStart(6)}`);
        }
      }
    }
    say('');
    if (!ingestOnly) say(`Seed time: ${sLabel} ${seedTimes.small.toFixed(1)} s; +${(large - small).toLocaleString('en-US')} ${seedTimes.large.toFixed(1)} s.`);
    say(`metrics:verify${ingestOnly ? '' : ` at ${lLabel}`}: ${verified}`);
    if (digest) {
      say(`Digest at ${lLabel}: content (figures from the rollups ${(digest.figuresMs / 1000).toFixed(2)} s + both languages with the chart ${(digest.renderMs / 1000).toFixed(2)} s, ` +
        `${digest.perLanguageKb.toFixed(0)} KB per language); dispatch of ${digest.recipients.toLocaleString('en-US')} in ${(digest.dispatchMs / 1000).toFixed(2)} s; ` +
        `all ${digest.recipients.toLocaleString('en-US')} handed to a local SMTP server ${(digest.handedOverMs / 1000).toFixed(1)} s after the start (target < ${DIGEST_GOAL_SECONDS} s: ${digest.handedOverMs < DIGEST_GOAL_SECONDS * 1000 ? 'met' : 'MISSED'})`);
    }
    if (cost) say(`recordResponse alone: ${cost.withTriggers.toFixed(0)} answers/s with the rollup triggers, ${cost.withoutTriggers.toFixed(0)}/s without (${ingestClients} callers)`);
    if (ingest) {
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const ratios = ingest.app.map((a, i) => a / ingest!.bare[i]);
      say(`Ingestion (${ingestClients} keep-alive clients, fresh key per answer): POST /s/:id ${mean(ingest.app).toFixed(0)} answers/s [${ingest.app.map((x) => x.toFixed(0)).join(', ')}] ` +
        `vs bare Express + pg INSERT ${mean(ingest.bare).toFixed(0)}/s [${ingest.bare.map((x) => x.toFixed(0)).join(', ')}]: ` +
        `ratio ${(mean(ingest.app) / mean(ingest.bare)).toFixed(2)} (rounds ${ratios.map((r) => r.toFixed(2)).join(', ')}; target ≥ 0.60)`);
      say(`  app p50 ${ingest.p50.toFixed(1)} ms p99 ${ingest.p99.toFixed(1)} ms · bare p50 ${ingest.bareP50.toFixed(1)} ms p99 ${ingest.bareP99.toFixed(1)} ms · load average before ${ingest.loadBefore}, after ${ingest.loadAfter}`);
    }
    agent.destroy();
  } finally {
    if (bare) await bare.close();
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server?.close(() => resolve()));
    }
    await queue?.stop();
    if (db?.isInitialized) await db.destroy();
    await database.drop();
  }
}

// --breadth: the 12 against 1,000 touchpoints comparison (scripts/bench-breadth.ts), with this file's helpers;
// --themes: the comment themes' own bench (scripts/bench-themes.ts); --analytics: journey analytics' (scripts/bench-analytics.ts);
// --segments: the segment comparison's (scripts/bench-segments.ts).
const run = process.argv.includes('--breadth') ? () => runBreadthBench({ benchDatabase, request, login, measure })
  : process.argv.includes('--themes') ? benchThemes
    : process.argv.includes('--analytics') ? benchAnalytics
    : process.argv.includes('--segments') ? benchSegments : main;
run().catch((err) => {
  process.stderr.write(`The bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
