// npm run bench -- --breadth [--touchpoints 1000] [--answers 3000000] [--days 1095] [--requests 40] [--no-verify]
//
// Issue 17, measured as ratios on this machine: a chain whose every store is a touchpoint. Two journeys
// in turn on the same throw-away database, each with one CSAT survey per touchpoint and the same number
// of answers spread over the same ~3 years: the demo's 12 touchpoints, then --touchpoints (default 1,000,
// 200 per stage). Answers are loaded in bulk (triggers off) and the rollups rebuilt with one aggregate,
// as seed:demo does; then a few hundred answers go through the real public form, so the statement trigger
// appends deltas and the same fold as the job process moves them (some are left unfolded, as they would
// be between two folds). The journey map, the overview and GET /api/v1/metrics are then timed warm, one
// request at a time, and printed side by side with the ratios; metrics:verify checks every rollup at the end.
import crypto from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDataSource, runMigrations } from '../src/db/data-source';
import { JobQueue } from '../src/jobs';
import { createLogger } from '../src/logger';
import { createApiKey, createUser } from '../src/modules/auth';
import { foldRollupDeltas, rebuildRollups, ROLLUP_TABLES, setRollupTrigger, verifyRollups } from '../src/modules/metrics';

/** What bench.ts lends: its throw-away database, its HTTP client, login and timing (one copy of each). */
export interface BenchKit {
  benchDatabase(): Promise<{ url: string; drop(): Promise<void> }>;
  request(agent: http.Agent, base: string, method: string, pathname: string, opts?: { headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }>;
  login(agent: http.Agent, base: string, email: string, password: string): Promise<string>;
  measure(agent: http.Agent, base: string, pathname: string, headers: Record<string, string>, count: number, concurrency: number): Promise<{ p50: number; p95: number; n: number }>;
}

const USAGE = 'Usage: npm run bench -- --breadth [--touchpoints N] [--answers N] [--days N] [--requests N] [--no-verify]\n';
const say = (line: string) => process.stdout.write(`${line}\n`);
const STAGES = ['awareness', 'consideration', 'decision', 'retention', 'advocacy'];

function intOption(raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  return n;
}

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

interface Endpoint { label: string; path: (today: string, threeYears: string) => string; auth: 'session' | 'api' }

const ENDPOINTS: Endpoint[] = [
  { label: 'journey map, 30 days', path: () => '/journey-map?period=30d', auth: 'session' },
  { label: 'journey map, ~3 years', path: (to, from) => `/journey-map?from=${from}&to=${to}`, auth: 'session' },
  { label: 'overview, 30 days', path: () => '/overview?period=30d', auth: 'session' },
  { label: 'overview, ~3 years', path: (to, from) => `/overview?from=${from}&to=${to}`, auth: 'session' },
  { label: 'metrics by=touchpoint, 30 days', path: () => '/api/v1/metrics?kind=csat&by=touchpoint', auth: 'api' },
  { label: 'metrics by=touchpoint, ~3 years', path: (to, from) => `/api/v1/metrics?kind=csat&by=touchpoint&from=${from}&to=${to}`, auth: 'api' },
  { label: 'metrics by=stage, ~3 years', path: (to, from) => `/api/v1/metrics?kind=csat&by=stage&from=${from}&to=${to}`, auth: 'api' },
  { label: 'metrics by=survey, ~3 years', path: (to, from) => `/api/v1/metrics?kind=csat&by=survey&from=${from}&to=${to}`, auth: 'api' },
  { label: 'metrics by=week, ~3 years', path: (to, from) => `/api/v1/metrics?kind=csat&by=week&from=${from}&to=${to}`, auth: 'api' },
  { label: 'metrics by=overall, ~3 years', path: (to, from) => `/api/v1/metrics?kind=csat&by=overall&from=${from}&to=${to}`, auth: 'api' },
];

/**
 * Replaces the journey with `touchpoints` touchpoints spread evenly over the five stages, one active CSAT
 * survey each with its own quality, and a CSAT target for the journey; `answers` answers over `days` days.
 */
export async function buildJourney(db: DataSource, touchpoints: number, answers: number, days: number): Promise<string[]> {
  await db.query(`TRUNCATE responses CASCADE`);
  await db.query(`DELETE FROM surveys`);
  await db.query(`DELETE FROM kpi_targets`);
  await db.query(`DELETE FROM touchpoints`);
  const channels = ['store', 'website', 'phone', 'office', 'chat'];
  await db.query(
    `INSERT INTO touchpoints (key, stage_id, name_vi, name_en, channel, position)
     SELECT 'tp-' || lpad(g::text, 4, '0'), st.id, 'Cửa hàng ' || g, 'Store ' || g, ($2::text[])[1 + g % 5], g
     FROM generate_series(1, $1::int) g JOIN stages st ON st.key = ($3::text[])[1 + (g - 1) % 5]`,
    [touchpoints, channels, STAGES],
  );
  const surveys: Array<{ id: string }> = await db.query(
    `INSERT INTO surveys (kind, title, touchpoint_id, status)
     SELECT 'csat', 'CSAT – ' || t.name_vi, t.id, 'active' FROM touchpoints t ORDER BY t.id RETURNING id`,
  );
  await db.query(`INSERT INTO kpi_targets (metric, target) VALUES ('csat', 80)`);
  await db.query(`DROP TABLE IF EXISTS bench_slot`);
  await db.query(`CREATE UNLOGGED TABLE bench_slot (slot int PRIMARY KEY, survey_id uuid, q float8)`);
  await db.query(
    `INSERT INTO bench_slot SELECT (row_number() OVER (ORDER BY id)) - 1, id, 0.55 + 0.35 * random() FROM surveys`,
  );
  await setRollupTrigger(db, false);
  try {
    const chunk = 500_000;
    for (let first = 1; first <= answers; first += chunk) {
      const last = Math.min(answers, first + chunk - 1);
      await db.query(
        `INSERT INTO responses (survey_id, score, channel, locale, created_at, updated_at)
         SELECT s.survey_id, least(5, greatest(1, round(1 + 4 * (s.q + 0.2 * x.noise))))::smallint,
                CASE WHEN x.r < 0.5 THEN 'link' WHEN x.r < 0.8 THEN 'qr' WHEN x.r < 0.9 THEN 'email' ELSE 'api' END, 'vi', x.at, x.at
         FROM (SELECT floor(random() * $3)::int AS slot, random() AS r, (random() + random() + random() + random() - 2) * 1.732 AS noise,
                      now() - random() * ($4::int * interval '1 day') AS at
               FROM generate_series($1::bigint, $2::bigint) g) x
         JOIN bench_slot s ON s.slot = x.slot`,
        [first, last, surveys.length, days],
      );
      say(`    answers ${last.toLocaleString('en-US')} / ${answers.toLocaleString('en-US')}`);
    }
  } finally {
    const started = Date.now();
    await rebuildRollups(db, { enableTrigger: true });
    say(`    rollups rebuilt with one aggregate in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  await db.query(`DROP TABLE bench_slot`);
  for (const table of ['responses', 'surveys', 'touchpoints', ...ROLLUP_TABLES]) await db.query(`VACUUM ANALYZE ${table}`);
  return surveys.map((s) => s.id);
}

/** Answers through the real public form: the statement trigger appends deltas. */
async function liveAnswers(kit: BenchKit, base: string, surveyIds: string[], count: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const body = new URLSearchParams({ score: String(1 + (i % 5)), comment: '', k: crypto.randomBytes(16).toString('base64url') }).toString();
      const res = await kit.request(agent, base, 'POST', `/s/${surveyIds[i % surveyIds.length]}`, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
      if (res.status !== 303) throw new Error(`the public form answered ${res.status}: ${res.body.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  agent.destroy();
}

interface Row { label: string; p50: number; p95: number }

export async function runBreadthBench(kit: BenchKit): Promise<void> {
  const { values } = parseArgs({
    options: {
      breadth: { type: 'boolean' }, touchpoints: { type: 'string' }, answers: { type: 'string' }, days: { type: 'string' },
      requests: { type: 'string' }, 'no-verify': { type: 'boolean', default: false },
    },
  });
  const wide = intOption(values.touchpoints, 1000, 13, 20_000);
  const answers = intOption(values.answers, 3_000_000, 1_000, 100_000_000);
  const days = intOption(values.days, 1095, 30, 1098);
  const requests = intOption(values.requests, 40, 5, 10_000);

  say(`Touchpoint breadth bench: 12 then ${wide.toLocaleString('en-US')} touchpoints, one CSAT survey each, ${answers.toLocaleString('en-US')} answers over ${days} days; ${requests} warm requests per call, one at a time; ${os.cpus().length} CPUs.`);
  const database = await kit.benchDatabase();
  let db: DataSource | null = null;
  let server: http.Server | null = null;
  let queue: JobQueue | null = null;
  try {
    db = createDataSource(database.url, { poolSize: 12 });
    await db.initialize();
    await runMigrations(db);
    const password = crypto.randomBytes(12).toString('base64url');
    await createUser(db, { email: 'bench@example.com', password, role: 'viewer', locale: 'vi' });
    const { key: apiKey } = await createApiKey(db, 'bench');
    const config = loadConfig({
      ...process.env, NODE_ENV: 'production', DATABASE_URL: database.url, BASE_URL: 'http://127.0.0.1',
      SESSION_SECRET: crypto.randomBytes(32).toString('base64url'), PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: 'silent',
    });
    const logger = createLogger('silent');
    queue = new JobQueue(db, logger);
    server = http.createServer(createApp({ db, config, logger, queue }));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const cookie = await kit.login(agent, base, 'bench@example.com', password);
    const [{ today, from }] = await db.query(
      `SELECT touchpoint_org_day(now())::text AS today, (touchpoint_org_day(now()) - $1::int + 1)::text AS from`, [days]);

    const results = new Map<number, Row[]>();
    for (const touchpoints of [12, wide]) {
      say(`${touchpoints.toLocaleString('en-US')} touchpoints:`);
      const started = Date.now();
      const surveyIds = await buildJourney(db, touchpoints, answers, days);
      say(`    built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      await liveAnswers(kit, base, surveyIds, 400);
      const folded = await foldRollupDeltas(db);
      await liveAnswers(kit, base, surveyIds, 40);
      const [{ cumRows }] = await db.query(`SELECT count(*)::int AS "cumRows" FROM response_score_cum`);
      say(`    400 answers through the form, folded (${folded} delta rows); 40 more left unfolded; response_score_cum ${cumRows.toLocaleString('en-US')} rows`);
      const rows: Row[] = [];
      for (const e of ENDPOINTS) {
        const pathname = e.path(today, from);
        const headers: Record<string, string> = e.auth === 'session' ? { Cookie: cookie, Accept: 'text/html' } : { Authorization: `Bearer ${apiKey}` };
        await kit.measure(agent, base, pathname, headers, 5, 1);
        const t = await kit.measure(agent, base, pathname, headers, requests, 1);
        rows.push({ label: e.label, p50: t.p50, p95: t.p95 });
        say(`    ${e.label.padEnd(34)} p50 ${t.p50.toFixed(1).padStart(7)} ms  p95 ${t.p95.toFixed(1).padStart(7)} ms   (load ${load()})`);
      }
      results.set(touchpoints, rows);
    }

    let verified = 'skipped';
    if (!values['no-verify']) {
      const started = Date.now();
      const report = await verifyRollups(db);
      const differences = Object.values(report.differenceCounts).reduce((a, b) => a + b, 0);
      verified = `${differences === 0 && report.disabledTriggers.length === 0 ? 'no difference' : `${differences} DIFFERENCES ${JSON.stringify(report.differenceCounts)}`}` +
        ` (${report.responses.toLocaleString('en-US')} responses, ${report.unfolded} delta rows unfolded, ${((Date.now() - started) / 1000).toFixed(1)} s)`;
    }

    const narrow = results.get(12) ?? [];
    const broad = results.get(wide) ?? [];
    const w = `${wide.toLocaleString('en-US')} tp`;
    say('');
    say(`p95 in ms, warm, ${requests} requests one at a time (load average ${load()})`);
    say(`${'page / call'.padEnd(34)} | ${'12 tp'.padStart(8)} | ${w.padStart(8)} | ratio | < 50 ms and ≤ 1.5×`);
    say(`${'-'.repeat(34)}-+-${'-'.repeat(8)}-+-${'-'.repeat(8)}-+-------+--------------------`);
    for (const [i, a] of narrow.entries()) {
      const b = broad[i];
      const ratio = b.p95 / a.p95;
      say(`${a.label.padEnd(34)} | ${a.p95.toFixed(1).padStart(8)} | ${b.p95.toFixed(1).padStart(8)} | ${ratio.toFixed(2).padStart(5)} | ${b.p95 < 50 && ratio <= 1.5 ? 'met' : 'MISSED'}`);
    }
    say('');
    say(`metrics:verify: ${verified}`);
    agent.destroy();
  } finally {
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server?.close(() => resolve()));
    }
    await queue?.stop();
    if (db?.isInitialized) await db.destroy();
    await database.drop();
  }
}
