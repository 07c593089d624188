// npm run bench -- --themes [--small 100000] [--large 10000000] [--quick] [--requests 200] [--concurrency 8] [--job-comments 20000]
//
// Comment themes (issue 13): p50/p95 of the Themes page and GET /api/v1/themes at --small and --large
// responses (the demo dataset, its comments analysed in bulk after each seed), their ratio, whether the
// demo's expected themes come first (the hotline's waiting time among detractors, the stores' friendly
// staff among promoters, in both languages), and the analysis throughput in comments per second: the
// bulk rebuild (each distinct text once) and the job (each logged comment analysed on its own, with
// distinct texts, as real comments are).
import os from 'node:os';
import { parseArgs } from 'node:util';
import { benchSizes, intOption, withBenchApp } from './bench-app';
import { login, measure, request, type Timing } from './bench-http';
import { seedDemoData } from '../src/modules/metrics';
import { analyseAllPending, rebuildCommentThemes, seedDemoTopics, setCommentLogTrigger } from '../src/modules/themes';

const USAGE = 'Usage: npm run bench -- --themes [--small N] [--large N] [--quick] [--requests N] [--concurrency N] [--job-comments N]';
const say = (line: string) => process.stdout.write(`${line}\n`);




const ENDPOINTS = [
  { label: 'GET /themes (journey, detractors)', path: '/themes', auth: 'session' },
  { label: 'GET /themes?touchpoint=store-purchase', path: '/themes?touchpoint=store-purchase&group=promoter', auth: 'session' },
  { label: 'GET /api/v1/themes touchpoint hotline', path: '/api/v1/themes?touchpoint=support-hotline&group=detractor', auth: 'api' },
  { label: 'GET /api/v1/themes journey, all', path: '/api/v1/themes', auth: 'api' },
] as const;

const uptime = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

export async function benchThemes(): Promise<void> {
  const { values } = parseArgs({
    options: {
      themes: { type: 'boolean' }, small: { type: 'string' }, large: { type: 'string' }, quick: { type: 'boolean', default: false },
      requests: { type: 'string' }, concurrency: { type: 'string' }, 'job-comments': { type: 'string' },
    },
  });
  const { small, large, requests, concurrency } = benchSizes(values, USAGE);
  const jobComments = intOption(values['job-comments'], values.quick ? 5_000 : 20_000, 100, 10_000_000, USAGE);
  say(`Themes bench: ${small.toLocaleString('en-US')} then ${large.toLocaleString('en-US')} responses; ${requests} requests per endpoint; ${os.cpus().length} CPUs; load ${uptime()}.`);

  await withBenchApp(concurrency, async ({ db, base, agent, password, apiKey }) => {

    const bulk: string[] = [];
    const seed = async (n: number) => {
      say(`Seeding ${n.toLocaleString('en-US')} responses (load ${uptime()})…`);
      const started = Date.now();
      await setCommentLogTrigger(db, false);
      await seedDemoData(db, { responses: n });
      // The demo's team topics, as seed:demo makes them: the Themes page reads their counts too.
      await seedDemoTopics(db);
      say(`  seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const t0 = Date.now();
      const r = await rebuildCommentThemes(db);
      const s = (Date.now() - t0) / 1000;
      bulk.push(`${r.comments.toLocaleString('en-US')} comments (${r.texts} distinct texts) in ${s.toFixed(1)} s = ${Math.round(r.comments / s).toLocaleString('en-US')} comments/s (load ${uptime()})`);
      say(`  themes rebuilt: ${bulk[bulk.length - 1]}`);
    };

    const measureAll = async (cookie: string) => {
      const out = new Map<string, { seq: Timing; conc: Timing }>();
      for (const e of ENDPOINTS) {
        const headers: Record<string, string> = e.auth === 'session' ? { Cookie: cookie, Accept: 'text/html' } : { Authorization: `Bearer ${apiKey}` };
        await measure(agent, base, e.path, headers, Math.min(30, requests), 1);
        const seq = await measure(agent, base, e.path, headers, requests, 1);
        const conc = await measure(agent, base, e.path, headers, requests, concurrency);
        out.set(e.label, { seq, conc });
        say(`  ${e.label.padEnd(42)} p50 ${seq.p50.toFixed(1)} ms p95 ${seq.p95.toFixed(1)} ms · ${concurrency} concurrent p95 ${conc.p95.toFixed(1)} ms (load ${uptime()})`);
      }
      return out;
    };

    const top = async (query: string) => {
      const res = await request(agent, base, 'GET', `/api/v1/themes?${query}&limit=3`, { headers: { Authorization: `Bearer ${apiKey}` } });
      const items = (JSON.parse(res.body) as { items: Array<{ phrase: string; count: number }> }).items;
      return items.map((i) => `${i.phrase} (${i.count})`).join(', ') || '(none)';
    };
    const checks = async () => {
      say(`  hotline detractors, vi: ${await top('touchpoint=support-hotline&group=detractor&lang=vi')}`);
      say(`  hotline detractors, en: ${await top('touchpoint=support-hotline&group=detractor&lang=en')}`);
      say(`  stores promoters, vi:   ${await top('touchpoint=store-purchase&group=promoter&lang=vi')}`);
      say(`  stores promoters, en:   ${await top('touchpoint=store-purchase&group=promoter&lang=en')}`);
    };

    await seed(small);
    const cookie = await login(agent, base, 'bench@example.com', password);
    say(`Measuring at ${small.toLocaleString('en-US')} responses:`);
    await checks();
    const atSmall = await measureAll(cookie);
    await seed(large - small);
    say(`Measuring at ${large.toLocaleString('en-US')} responses:`);
    await checks();
    const atLarge = await measureAll(cookie);

    // The job's path: comments logged by the trigger, each a distinct text, analysed one by one.
    await setCommentLogTrigger(db, true);
    await db.query(
      `INSERT INTO responses (survey_id, score, comment, channel, locale, hidden, created_at, updated_at)
       SELECT s.id, CASE s.kind WHEN 'nps' THEN (g % 11) WHEN 'csat' THEN 1 + g % 5 ELSE 1 + g % 7 END,
              (ARRAY['Chờ lâu quá, không ai nghe máy lần thứ ', 'Nhân viên thân thiện, cảm ơn bạn số ', 'Late delivery again, order ', 'giao hang tre, don so ',
                     'Payment failed at step ', 'Friendly staff at store number '])[1 + g % 6] || g || ' ' || md5(g::text),
              'link', CASE WHEN g % 5 = 0 THEN 'en' ELSE 'vi' END, '{}'::jsonb, now() - (g % 7) * interval '1 day', now()
       FROM generate_series(1, $1::int) g JOIN LATERAL (SELECT id, kind FROM surveys ORDER BY id OFFSET (g % 22) LIMIT 1) s ON true`,
      [jobComments],
    );
    const t0 = Date.now();
    const analysed = await analyseAllPending(db);
    const jobSeconds = (Date.now() - t0) / 1000;

    const label = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
    say('');
    say(`Themes, latency in ms (${requests} requests each), load average now ${uptime()}`);
    say(`${'endpoint'.padEnd(42)} | ${label(small)} p50 ${label(small)} p95 | ${label(large)} p50 ${label(large)} p95 | p95 ratio`);
    for (const e of ENDPOINTS) {
      for (const mode of ['seq', 'conc'] as const) {
        const a = atSmall.get(e.label)![mode];
        const b = atLarge.get(e.label)![mode];
        say(`${`${e.label}${mode === 'conc' ? ` (${concurrency} conc)` : ''}`.padEnd(42)} | ${a.p50.toFixed(1).padStart(8)} ${a.p95.toFixed(1).padStart(8)} | ${b.p50.toFixed(1).padStart(8)} ${b.p95.toFixed(1).padStart(8)} | ${(b.p95 / a.p95).toFixed(2)}`);
      }
    }
    say(`Analysis, bulk (seed): ${bulk.join('; ')}`);
    say(`Analysis, job: ${analysed.toLocaleString('en-US')} distinct comments in ${jobSeconds.toFixed(1)} s = ${Math.round(analysed / jobSeconds).toLocaleString('en-US')} comments/s (load ${uptime()})`);
  });
}
