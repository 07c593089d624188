// npm run bench -- --segments [--small 100000] [--large 10000000] [--quick] [--requests 200] [--concurrency 8]
//
// Personas and segments (issue 16): p50/p95 of the comparison page (/segments, the persona dimension, all
// three metrics, 30 days and 12 months) and GET /api/v1/metrics?by=attribute:persona at --small and --large
// responses (the demo dataset; every demo contact gets a persona when it has none), with their ratio; and
// the time the segment folder takes to count the dimension from raw answers at each size (choosing a
// dimension, a time-zone change, a bulk load).
import os from 'node:os';
import { parseArgs } from 'node:util';
import { benchSizes, withBenchApp } from './bench-app';
import { login, measure, type Timing } from './bench-http';
import { foldSegmentRollups, seedDemoData, verifySegmentRollups } from '../src/modules/metrics';
import { saveSegmentDimensions } from '../src/modules/segments';
import { setCommentLogTrigger } from '../src/modules/themes';
import { setEventCapture } from '../src/modules/alerts';

const USAGE = 'Usage: npm run bench -- --segments [--small N] [--large N] [--quick] [--requests N] [--concurrency N]';
const say = (line: string) => process.stdout.write(`${line}\n`);
const uptime = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const PERSONAS = ['Gia đình trẻ', 'Doanh nghiệp nhỏ', 'Sinh viên', 'Người đi làm'];


const ENDPOINTS = [
  { label: 'GET /segments persona, 30 d', path: '/segments?dimension=attribute:persona', auth: 'session' },
  { label: 'GET /segments persona nps, 12 months', path: '/segments?dimension=attribute:persona&metric=nps&__365d', auth: 'session' },
  { label: 'GET /api/v1/metrics by=attribute:persona', path: '/api/v1/metrics?kind=nps&by=attribute:persona', auth: 'api' },
  { label: 'GET /api/v1/metrics csat persona, 12 m', path: '/api/v1/metrics?kind=csat&by=attribute:persona&__365d', auth: 'api' },
  { label: 'GET /overview attr=persona (filter)', path: '/overview?attr=persona%3DGia%20%C4%91%C3%ACnh%20tr%E1%BA%BB', auth: 'session' },
] as const;

export async function benchSegments(): Promise<void> {
  const { values } = parseArgs({
    options: {
      segments: { type: 'boolean' }, small: { type: 'string' }, large: { type: 'string' }, quick: { type: 'boolean', default: false },
      requests: { type: 'string' }, concurrency: { type: 'string' },
    },
  });
  const { small, large, requests, concurrency } = benchSizes(values, USAGE);
  say(`Segments bench: ${small.toLocaleString('en-US')} then ${large.toLocaleString('en-US')} responses; ${requests} requests per endpoint; ${os.cpus().length} CPUs; load ${uptime()}.`);

  await withBenchApp(concurrency, async ({ db, base, agent, password, apiKey }) => {
    const builds: string[] = [];

    const seed = async (n: number) => {
      say(`Seeding ${n.toLocaleString('en-US')} responses (load ${uptime()})…`);
      const started = Date.now();
      // Loaded history: no events, no comment analysis one by one (this bench reads neither).
      await setCommentLogTrigger(db, false);
      await setEventCapture(db, false);
      await seedDemoData(db, { responses: n });
      // Demo contacts without a persona get one (seed:demo plants them itself once it does).
      await db.query(
        `UPDATE contacts SET attributes = attributes || jsonb_build_object('persona', ($1::text[])[1 + abs(hashtext(id::text)) % 4])
         WHERE NOT attributes ? 'persona'`, [PERSONAS]);
      say(`  seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      await saveSegmentDimensions(db, { attributes: ['persona'], hidden: [] });
      const t0 = Date.now();
      await foldSegmentRollups(db);
      const s = (Date.now() - t0) / 1000;
      const [{ rows, kindRows }] = await db.query(
        `SELECT (SELECT count(*) FROM segment_score_cum)::int AS rows, (SELECT count(*) FROM segment_kind_cum)::int AS "kindRows"`);
      builds.push(`${n === small ? small.toLocaleString('en-US') : large.toLocaleString('en-US')} responses: persona counted in ${s.toFixed(1)} s, ${rows.toLocaleString('en-US')} per-survey and ${kindRows.toLocaleString('en-US')} per-kind cumulative rows (load ${uptime()})`);
      say(`  ${builds[builds.length - 1]}`);
      await db.query(`VACUUM ANALYZE segment_score_cum`);
      await db.query(`VACUUM ANALYZE segment_kind_cum`);
    };

    const today = new Date().toISOString().slice(0, 10);
    const yearAgo = new Date(Date.now() - 364 * 86_400_000).toISOString().slice(0, 10);
    const measureAll = async (cookie: string) => {
      const out = new Map<string, { seq: Timing; conc: Timing }>();
      for (const e of ENDPOINTS) {
        const path = e.path.replace('&__365d', `&from=${yearAgo}&to=${today}`);
        const headers: Record<string, string> = e.auth === 'session' ? { Cookie: cookie, Accept: 'text/html' } : { Authorization: `Bearer ${apiKey}` };
        await measure(agent, base, path, headers, Math.min(30, requests), 1);
        const seq = await measure(agent, base, path, headers, requests, 1);
        const conc = await measure(agent, base, path, headers, requests, concurrency);
        out.set(e.label, { seq, conc });
        say(`  ${e.label.padEnd(42)} p50 ${seq.p50.toFixed(1)} ms p95 ${seq.p95.toFixed(1)} ms · ${concurrency} concurrent p95 ${conc.p95.toFixed(1)} ms (load ${uptime()})`);
      }
      return out;
    };

    await seed(small);
    const cookie = await login(agent, base, 'bench@example.com', password);
    say(`Measuring at ${small.toLocaleString('en-US')} responses:`);
    const atSmall = await measureAll(cookie);
    await seed(large - small);
    say(`Measuring at ${large.toLocaleString('en-US')} responses:`);
    const atLarge = await measureAll(cookie);
    const t0 = Date.now();
    const check = await verifySegmentRollups(db);
    say(`metrics:verify of the segment rollups: ${check.differenceCount === 0 ? 'no difference' : `${check.differenceCount} differences`} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

    const label = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
    say('');
    say(`Segments, latency in ms (${requests} requests each), load average now ${uptime()}`);
    say(`${'endpoint'.padEnd(48)} | ${label(small)} p50 ${label(small)} p95 | ${label(large)} p50 ${label(large)} p95 | p95 ratio`);
    for (const e of ENDPOINTS) {
      for (const mode of ['seq', 'conc'] as const) {
        const a = atSmall.get(e.label)![mode];
        const b = atLarge.get(e.label)![mode];
        say(`${`${e.label}${mode === 'conc' ? ` (${concurrency} conc)` : ''}`.padEnd(48)} | ${a.p50.toFixed(1).padStart(8)} ${a.p95.toFixed(1).padStart(8)} | ${b.p50.toFixed(1).padStart(8)} ${b.p95.toFixed(1).padStart(8)} | ${(b.p95 / a.p95).toFixed(2)}`);
      }
    }
    say(`Dimension counts (segment folder): ${builds.join('; ')}`);
  });
}
