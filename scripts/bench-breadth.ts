// npm run bench -- --breadth [--touchpoints 1000] [--answers 3000000] [--days 1095] [--requests 40] [--no-verify]
//
// Issue 17, measured as ratios on this machine: a chain whose every store is a touchpoint. Two journeys,
// each in its own database of the same throw-away PostgreSQL and served by its own app, with one CSAT
// survey per touchpoint and the same number of answers spread over the same ~3 years: the demo's 12
// touchpoints, and --touchpoints (default 1,000, 200 per stage). Requests alternate between the two
// apps request by request, so the load of a busy machine falls on both sides alike. Answers are loaded in bulk (triggers off) and the rollups rebuilt with one aggregate,
// as seed:demo does; then a few hundred answers go through the real public form, so the statement trigger
// appends deltas and the same fold as the job process moves them (some are left unfolded, as they would
// be between two folds). The journey map, the overview and GET /api/v1/metrics are then timed warm, one
// request at a time, and printed side by side with the ratios; metrics:verify checks every rollup of
// both databases at the end.
import crypto from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createApp } from '../src/app';
import { createDataSource } from '../src/db/data-source';
import { JobQueue } from '../src/jobs';
import { createLogger } from '../src/logger';
import { prepareBenchDatabase } from './bench-app';
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

interface Side {
  touchpoints: number;
  db: DataSource;
  queue: JobQueue;
  server: http.Server;
  base: string;
  cookie: string;
  apiKey: string;
}

/** One journey: its database (migrated), a user and an API key, the app serving it. */
async function startSide(kit: BenchKit, url: string, touchpoints: number, agent: http.Agent): Promise<Side> {
  const db = createDataSource(url, { poolSize: 8 });
  const { password, apiKey, config } = await prepareBenchDatabase(db, url, { PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000' });
  const logger = createLogger('silent');
  const queue = new JobQueue(db, logger);
  const server = http.createServer(createApp({ db, config, logger, queue }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { touchpoints, db, queue, server, base, apiKey, cookie: await kit.login(agent, base, 'bench@example.com', password) };
}

async function stopSide(side: Side): Promise<void> {
  side.server.closeAllConnections();
  await new Promise<void>((resolve) => side.server.close(() => resolve()));
  await side.queue.stop();
  await side.db.destroy();
}

/** p50/p95 of `count` requests per side, alternating request by request (a burst of load hits both sides alike). */
async function measurePair(kit: BenchKit, agent: http.Agent, sides: Side[], e: Endpoint, today: string, from: string, count: number): Promise<Row[]> {
  const times: number[][] = sides.map(() => []);
  const headers = (s: Side): Record<string, string> => (e.auth === 'session' ? { Cookie: s.cookie, Accept: 'text/html' } : { Authorization: `Bearer ${s.apiKey}` });
  for (const s of sides) await kit.measure(agent, s.base, e.path(today, from), headers(s), 5, 1);
  for (let done = 0; done < count; done++) {
    for (const [i, s] of sides.entries()) {
      const t = await kit.measure(agent, s.base, e.path(today, from), headers(s), 1, 1);
      times[i].push(t.p50);
    }
  }
  return times.map((xs) => {
    xs.sort((a, b) => a - b);
    const at = (p: number) => xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
    return { label: e.label, p50: at(50), p95: at(95) };
  });
}

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
  const sides: Side[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const wideName = `touchpoint_breadth_${crypto.randomBytes(4).toString('hex')}`;
  try {
    // The second journey's database on the same server (the embedded one's superuser may create it).
    const admin = new Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${wideName}`);
    await admin.end();
    const wideUrl = new URL(database.url);
    wideUrl.pathname = `/${wideName}`;
    for (const [touchpoints, url] of [[12, database.url], [wide, wideUrl.toString()]] as const) {
      say(`${touchpoints.toLocaleString('en-US')} touchpoints:`);
      const side = await startSide(kit, url, touchpoints, agent);
      sides.push(side);
      const started = Date.now();
      const surveyIds = await buildJourney(side.db, touchpoints, answers, days);
      say(`    built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      await liveAnswers(kit, side.base, surveyIds, 400);
      const folded = await foldRollupDeltas(side.db);
      await liveAnswers(kit, side.base, surveyIds, 40);
      const [{ cumRows, size }] = await side.db.query(
        `SELECT count(*)::int AS "cumRows", pg_size_pretty(pg_total_relation_size('response_survey_cum')) AS size FROM response_survey_cum`);
      say(`    400 answers through the form, folded (${folded} delta rows); 40 more left unfolded; response_survey_cum ${cumRows.toLocaleString('en-US')} rows, ${size}`);
    }
    const [{ today, from }] = await sides[0].db.query(
      `SELECT touchpoint_org_day(now())::text AS today, (touchpoint_org_day(now()) - $1::int + 1)::text AS from`, [days]);

    say(`Measuring, the two journeys alternately (${requests} requests each):`);
    const narrow: Row[] = [];
    const broad: Row[] = [];
    for (const e of ENDPOINTS) {
      const [a, b] = await measurePair(kit, agent, sides, e, today, from, requests);
      narrow.push(a);
      broad.push(b);
      say(`    ${e.label.padEnd(34)} p95 ${a.p95.toFixed(1).padStart(7)} ms | ${b.p95.toFixed(1).padStart(7)} ms   (load ${load()})`);
    }

    let verified = 'skipped';
    if (!values['no-verify']) {
      const parts: string[] = [];
      for (const side of sides) {
        const started = Date.now();
        const report = await verifyRollups(side.db);
        const differences = Object.values(report.differenceCounts).reduce((x, y) => x + y, 0);
        parts.push(`${side.touchpoints} tp: ${differences === 0 && report.disabledTriggers.length === 0 ? 'no difference' : `${differences} DIFFERENCES ${JSON.stringify(report.differenceCounts)}`}` +
          ` (${report.responses.toLocaleString('en-US')} responses, ${report.unfolded} delta rows unfolded, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
      }
      verified = parts.join('; ');
    }

    const w = `${wide.toLocaleString('en-US')} tp`;
    say('');
    say(`p95 in ms, warm, ${requests} requests one at a time, alternating (load average ${load()})`);
    say(`${'page / call'.padEnd(34)} | ${'12 tp'.padStart(8)} | ${w.padStart(8)} | ratio |  more | < 50 ms and ≤ 1.5× | p50: 12 tp | ${w.padStart(8)} | ratio |  more`);
    say(`${'-'.repeat(34)}-+-${'-'.repeat(8)}-+-${'-'.repeat(8)}-+-------+-------+--------------------+------------+----------+-------+------`);
    // How many milliseconds more the wide journey takes: beside the ratio, as a fixed cost on a fast page shows there.
    const more = (x: number, y: number) => `${y - x >= 0 ? '+' : '−'}${Math.abs(y - x).toFixed(1)}`.padStart(5);
    for (const [i, a] of narrow.entries()) {
      const b = broad[i];
      const ratio = b.p95 / a.p95;
      const verdict = b.p95 < 50 && ratio <= 1.5 ? 'met' : 'MISSED';
      say(`${a.label.padEnd(34)} | ${a.p95.toFixed(1).padStart(8)} | ${b.p95.toFixed(1).padStart(8)} | ${ratio.toFixed(2).padStart(5)} | ${more(a.p95, b.p95)} | ${verdict.padEnd(18)} | ${a.p50.toFixed(1).padStart(10)} | ${b.p50.toFixed(1).padStart(8)} | ${(b.p50 / a.p50).toFixed(2).padStart(5)} | ${more(a.p50, b.p50)}`);
    }
    say('by=touchpoint and by=survey return their first page (limit 50 by default, then nextCursor): a call reads the rows of the groups it returns.');
    say('');
    say(`metrics:verify: ${verified}`);
  } finally {
    agent.destroy();
    for (const side of sides) await stopSide(side);
    const admin = new Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${wideName} WITH (FORCE)`);
    await admin.end();
    await database.drop();
  }
}
