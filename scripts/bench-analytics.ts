// npm run bench -- --analytics [--small 100000] [--large 10000000] [--quick] [--requests 200] [--concurrency 8]
//
// Journey analytics (issue 16): p50/p95 of the key-drivers page and GET /api/v1/drivers, and of the
// at-risk page and GET /api/v1/contacts/at-risk, at --small and --large responses (the demo dataset),
// their ratio; the drivers job's time (one period, and the nightly run of the default periods), the
// at-risk full rebuild, and the incremental at-risk refresh after 1,000 new answers, at each size; and
// the demo's verdicts (delivery the top driver, the website "no evidence").
import os from 'node:os';
import { parseArgs } from 'node:util';
import { benchSizes, withBenchApp } from './bench-app';
import { login, measure, request, type Timing } from './bench-http';
import { seedDemoData } from '../src/modules/metrics';
import { setCommentLogTrigger } from '../src/modules/themes';
import { setEventCapture } from '../src/modules/alerts';
import { defaultDriverScopes, rebuildAtRisk, refreshAtRiskContacts, refreshDrivers, setAtRiskTriggers } from '../src/modules/analytics';

const USAGE = 'Usage: npm run bench -- --analytics [--small N] [--large N] [--quick] [--requests N] [--concurrency N]';
const say = (line: string) => process.stdout.write(`${line}\n`);


const ENDPOINTS = [
  { label: 'GET /analytics/drivers (90 d)', path: '/analytics/drivers', auth: 'session' },
  { label: 'GET /api/v1/drivers (90 d)', path: '/api/v1/drivers?outcome=nps', auth: 'api' },
  { label: 'GET /analytics/at-risk', path: '/analytics/at-risk', auth: 'session' },
  { label: 'GET /analytics/at-risk persona', path: `/analytics/at-risk?attr=${encodeURIComponent('persona=Sinh viên')}`, auth: 'session' },
  { label: 'GET /api/v1/contacts/at-risk', path: '/api/v1/contacts/at-risk', auth: 'api' },
  { label: 'GET /api/v1/contacts/at-risk nps_drop', path: '/api/v1/contacts/at-risk?reason=nps_drop', auth: 'api' },
] as const;

const uptime = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function benchAnalytics(): Promise<void> {
  const { values } = parseArgs({
    options: {
      analytics: { type: 'boolean' }, small: { type: 'string' }, large: { type: 'string' }, quick: { type: 'boolean', default: false },
      requests: { type: 'string' }, concurrency: { type: 'string' },
    },
  });
  const { small, large, requests, concurrency } = benchSizes(values, USAGE);
  say(`Analytics bench: ${small.toLocaleString('en-US')} then ${large.toLocaleString('en-US')} responses; ${requests} requests per endpoint; ${os.cpus().length} CPUs; load ${uptime()}.`);

  await withBenchApp(concurrency, async ({ db, base, agent, password, apiKey }) => {
    const jobs: string[] = [];

    const seedAndCompute = async (n: number, total: number) => {
      say(`Seeding ${n.toLocaleString('en-US')} responses (load ${uptime()})…`);
      let t0 = Date.now();
      await setCommentLogTrigger(db, false);
      await setEventCapture(db, false);
      await setAtRiskTriggers(db, false);
      await seedDemoData(db, { responses: n });
      await setEventCapture(db, true);
      await setAtRiskTriggers(db, true);
      say(`  seeded in ${seconds(Date.now() - t0)}`);
      const scopes = await defaultDriverScopes(db);
      t0 = Date.now();
      const result = await refreshDrivers(db, scopes[0]);
      const one = Date.now() - t0;
      t0 = Date.now();
      for (const s of scopes.slice(1)) await refreshDrivers(db, s);
      const all = one + Date.now() - t0;
      t0 = Date.now();
      const atRisk = await rebuildAtRisk(db);
      const rebuild = Date.now() - t0;
      // 1,000 new answers by 1,000 contacts (the incremental path: only they are revisited).
      await db.query(
        `INSERT INTO responses (survey_id, score, channel, locale, contact_id, hidden, created_at, updated_at)
         SELECT (SELECT id FROM surveys WHERE title = 'NPS – Toàn hành trình'), (g % 11), 'link', 'vi', c.id, '{}', now(), now()
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS g FROM contacts LIMIT 1000) c`);
      t0 = Date.now();
      const inc = await refreshAtRiskContacts(db);
      const incremental = Date.now() - t0;
      const ranked = result.items.filter((i) => i.rank !== null).sort((a, b) => (a.rank as number) - (b.rank as number));
      const website = result.items.find((i) => i.touchpointKey === 'product-website');
      const line = `${total.toLocaleString('en-US')} responses: drivers job ${seconds(one)} for the 90-day journey period, ${seconds(all)} for the nightly default periods (${scopes.length}); ` +
        `at-risk rebuild ${seconds(rebuild)} (${atRisk.toLocaleString('en-US')} at risk); incremental refresh of ${inc.contacts} contacts ${seconds(incremental)} (load ${uptime()})`;
      jobs.push(line);
      say(`  ${line}`);
      say(`  top drivers: ${ranked.slice(0, 3).map((i) => `${i.touchpointKey} ${i.kind} ρ ${i.rho?.toFixed(2)} n ${i.n}${i.weight !== undefined ? ` w ${i.weight.toFixed(3)}` : ''}`).join('; ')}`);
      say(`  product-website: ρ ${website?.rho?.toFixed(3)} CI [${website?.ci?.map((x) => x.toFixed(3)).join(', ')}] n ${website?.n} ${website?.significant ? 'SIGNIFICANT' : 'no evidence'}; model ${JSON.stringify(result.model)}`);
    };

    const measureAll = async (cookie: string) => {
      const out = new Map<string, { seq: Timing; conc: Timing }>();
      for (const e of ENDPOINTS) {
        const headers: Record<string, string> = e.auth === 'session' ? { Cookie: cookie, Accept: 'text/html' } : { Authorization: `Bearer ${apiKey}` };
        const check = await request(agent, base, 'GET', e.path, { headers });
        if (check.status !== 200) throw new Error(`${e.label}: ${check.status}`);
        await measure(agent, base, e.path, headers, Math.min(30, requests), 1);
        const seq = await measure(agent, base, e.path, headers, requests, 1);
        const conc = await measure(agent, base, e.path, headers, requests, concurrency);
        out.set(e.label, { seq, conc });
        say(`  ${e.label.padEnd(40)} p50 ${seq.p50.toFixed(1)} ms p95 ${seq.p95.toFixed(1)} ms · ${concurrency} concurrent p95 ${conc.p95.toFixed(1)} ms (load ${uptime()})`);
      }
      return out;
    };

    await seedAndCompute(small, small);
    const cookie = await login(agent, base, 'bench@example.com', password);
    say(`Measuring at ${small.toLocaleString('en-US')} responses:`);
    const atSmall = await measureAll(cookie);
    await seedAndCompute(large - small, large);
    say(`Measuring at ${large.toLocaleString('en-US')} responses:`);
    const atLarge = await measureAll(cookie);

    const label = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
    say('');
    say(`Journey analytics, latency in ms (${requests} requests each), load average now ${uptime()}`);
    say(`${'endpoint'.padEnd(44)} | ${label(small)} p50 ${label(small)} p95 | ${label(large)} p50 ${label(large)} p95 | p95 ratio`);
    for (const e of ENDPOINTS) {
      for (const mode of ['seq', 'conc'] as const) {
        const a = atSmall.get(e.label)![mode];
        const b = atLarge.get(e.label)![mode];
        say(`${`${e.label}${mode === 'conc' ? ` (${concurrency} conc)` : ''}`.padEnd(44)} | ${a.p50.toFixed(1).padStart(8)} ${a.p95.toFixed(1).padStart(8)} | ${b.p50.toFixed(1).padStart(8)} ${b.p95.toFixed(1).padStart(8)} | ${(b.p95 / a.p95).toFixed(2)}`);
      }
    }
    for (const j of jobs) say(`Jobs at ${j}`);
  });
}
