import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { projectRoot } from '../../src/paths';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { eventually } from '../helpers/eventually';
import { freePortForTests } from '../helpers/ports';

/**
 * Answers under faults, with real processes: the built server (npm test builds first) posting to a real
 * PostgreSQL. A restart of PostgreSQL while 32 clients post; a SIGKILL of the app during a stream; two app
 * instances on one database. An answer that got its 303 must be in the database; an answer posted while
 * the database is down gets the form again (503) with what was typed, never a 500 or a blank page.
 * Figures are printed for the record.
 */

const serverJs = path.join(projectRoot, 'dist/src/server.js');

/**
 * A PostgreSQL cluster of its own (this test stops and starts it), run by a small process with the built
 * embedded starter: in Jest's module sandbox, starting one is refused (it imports pg dynamically).
 */
async function startOwnCluster(dir: string): Promise<{ url: string; clusterDir: string; stop(): Promise<void> }> {
  const script = `const { startEmbeddedPostgres } = require(${JSON.stringify(path.join(projectRoot, 'dist/src/db/embedded.js'))});
    startEmbeddedPostgres(process.argv[1], { persistent: false }).then((db) => {
      process.stdout.write(JSON.stringify({ url: db.url, clusterDir: db.clusterDir }) + '\\n');
      const alive = setInterval(() => undefined, 3600000);
      process.on('SIGTERM', () => db.stop().then(() => { clearInterval(alive); process.exit(0); }));
    }, (err) => { process.stderr.write(String(err)); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await eventually(() => out.includes('\n') || child.exitCode !== null, { timeoutMs: 90_000, what: () => `the cluster to start: ${out}` });
  const { url, clusterDir } = JSON.parse(out.split('\n')[0]) as { url: string; clusterDir: string };
  return { url, clusterDir, async stop() { child.kill('SIGTERM'); await exited; } };
}

interface Server { child: ChildProcessWithoutNullStreams; port: number; logs: () => string; exited: Promise<number | null> }

async function startServer(databaseUrl: string, env: Record<string, string> = {}): Promise<Server> {
  const port = await freePortForTests();
  const child = spawn(process.execPath, [serverJs], {
    env: {
      PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: String(port), SESSION_SECRET: 'x'.repeat(40),
      DATABASE_URL: databaseUrl, PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000', ...env,
    },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await eventually(() => out.includes('Touchpoint is running at') || child.exitCode !== null, { timeoutMs: 60_000, what: 'the server to start' });
  if (!out.includes('Touchpoint is running at')) throw new Error(`the server did not start:\n${out}`);
  return { child, port, logs: () => out, exited };
}

/** A one-time key as the form carries it. */
const newKey = () => crypto.randomBytes(16).toString('base64url');

interface Posted { key: string; status: number; body: string; at: number }

function post(agent: http.Agent, port: number, surveyId: string, score: number, key: string, lang: string): Promise<Posted> {
  const body = new URLSearchParams({ score: String(score), comment: `comment ${key}`, k: key }).toString();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: `/s/${surveyId}?lang=${lang}`, agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ key, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() }));
      res.on('error', () => resolve({ key, status: 0, body: '', at: Date.now() }));
    });
    // A refused or cut connection (the app killed): no answer, status 0.
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ key, status: 0, body: `request failed: ${err.code ?? err.message}`, at: Date.now() }));
    req.end(body);
  });
}

/** Every stream of the running test, stopped after it whatever happened. */
const streams: Array<{ stop(): Promise<unknown> }> = [];
afterEach(async () => { await Promise.all(streams.splice(0).map((s) => s.stop())); });

/** `clients` keep-alive clients posting answers (a fresh key each) until stop() resolves; every reply is kept. */
function stream(ports: number[], surveyId: string, clients: number) {
  const results: Posted[] = [];
  let running = true;
  const agents = ports.map(() => new http.Agent({ keepAlive: true, maxSockets: clients }));
  const loops = Array.from({ length: clients }, async (_, i) => {
    const port = ports[i % ports.length];
    const agent = agents[i % ports.length];
    while (running) {
      const r = await post(agent, port, surveyId, crypto.randomInt(0, 11), newKey(), i % 2 ? 'vi' : 'en');
      results.push(r);
      // A refused connection is answered at once: do not spin.
      if (r.status === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  const handle = {
    results,
    async stop() {
      running = false;
      await Promise.all(loops);
      agents.forEach((a) => a.destroy());
      return results;
    },
  };
  streams.push(handle);
  return handle;
}

async function storedKeys(url: string, keys: string[]): Promise<Set<string>> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT submission_key FROM responses WHERE submission_key = ANY($1)`, [keys]);
    return new Set(rows.map((r: { submission_key: string }) => r.submission_key));
  } finally {
    await c.end();
  }
}

async function makeSurvey(url: string): Promise<string> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(`INSERT INTO surveys (kind, title, status) VALUES ('nps', 'Faults', 'active') RETURNING id`)).rows[0].id;
  } finally {
    await c.end();
  }
}

const byStatus = (rs: Posted[]) => rs.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
/** Waits for `cond`; on a timeout, says what the posts got so far. */
const until = (cond: () => boolean, what: string, seen: Posted[], timeoutMs = 30_000, server?: Server) => eventually(cond, {
  what: () => `${what} (so far ${JSON.stringify(byStatus(seen))}; last: ${seen.at(-1)?.body.slice(0, 300) ?? 'none'})` +
    (server ? `; the app ${server.child.exitCode === null ? 'is running' : `exited with ${server.child.exitCode}`}, its log ends:\n${server.logs().slice(-2000)}` : ''),
  timeoutMs, intervalMs: 20,
});

describe('PostgreSQL restarted (fast shutdown, then start) while 32 clients post', () => {
  let dir: string;
  let embedded: { url: string; clusterDir: string; stop(): Promise<void> };
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'touchpoint-faults-'));
    embedded = await startOwnCluster(dir);
  }, 120_000);
  afterAll(async () => {
    await embedded?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The running postmaster's pid and command line (to start it again the same way, on the same port). */
  function postmaster(): { pid: number; argv: string[]; uid: number; gid: number } {
    const pid = Number(fs.readFileSync(path.join(embedded.clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const { uid, gid } = fs.statSync(embedded.clusterDir);
    return { pid, argv, uid, gid };
  }

  const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

  test('the app recovers alone within seconds, every confirmed answer is stored, answers during the outage get the form again with a 503', async () => {
    const server = await startServer(embedded.url);
    try {
      const surveyId = await makeSurvey(embedded.url);
      const s = stream([server.port], surveyId, 32);
      await until(() => s.results.filter((r) => r.status === 303).length >= 200, '200 answers before the restart', s.results);

      // Fast shutdown (SIGINT), as pg_ctl stop -m fast does.
      const pm = postmaster();
      process.kill(pm.pid, 'SIGINT');
      await until(() => !alive(pm.pid), 'PostgreSQL to stop', s.results);
      const downAt = Date.now();
      await until(() => s.results.filter((r) => r.at > downAt && r.status === 503).length >= 50, '503 answers while PostgreSQL is down', s.results, 30_000, server);

      // Other pages while it is down: a 503 page in the visitor's language, and JSON for the API.
      const page = await fetch(`http://127.0.0.1:${server.port}/s/${surveyId}?lang=vi`);
      expect(page.status).toBe(503);
      expect(page.headers.get('retry-after')).toBe('5');
      expect(await page.text()).toContain('Hệ thống đang tạm gián đoạn');
      const api = await fetch(`http://127.0.0.1:${server.port}/api/v1/responses`, { headers: { Authorization: `Bearer tp_${'x'.repeat(40)}` } });
      expect(api.status).toBe(503);
      expect((await api.json()).error.code).toBe('database_unavailable');

      const log = fs.openSync(path.join(dir, 'postgresql.log'), 'a');
      const restarted = spawn(pm.argv[0], pm.argv.slice(1), { uid: pm.uid, gid: pm.gid, cwd: '/', detached: true, stdio: ['ignore', log, log], env: { ...process.env, LC_ALL: 'C' } });
      fs.closeSync(log);
      restarted.unref();
      await eventually(async () => {
        const c = new Client({ connectionString: embedded.url });
        try {
          await c.connect();
          return true;
        } finally {
          await c.end().catch(() => undefined);
        }
      }, { timeoutMs: 60_000, intervalMs: 20, what: 'PostgreSQL to accept connections again' });
      const upAt = Date.now();
      await until(() => s.results.some((r) => r.at > upAt && r.status === 303), 'a confirmed answer after the restart', s.results, 20_000);
      const recoveredAt = s.results.find((r) => r.at > upAt && r.status === 303)!.at;
      await until(() => s.results.filter((r) => r.at > upAt && r.status === 303).length >= 200, '200 answers after the restart', s.results);
      const results = await s.stop();

      const confirmed = results.filter((r) => r.status === 303).map((r) => r.key);
      const stored = await storedKeys(embedded.url, results.map((r) => r.key));
      const lost = confirmed.filter((k) => !stored.has(k));
      const unavailable = results.filter((r) => r.status === 503);
      process.stdout.write(`PostgreSQL restart: ${results.length} posts ${JSON.stringify(byStatus(results))}; ${confirmed.length} confirmed, ` +
        `${confirmed.length - lost.length} of them stored (${stored.size} stored in all); down ${upAt - downAt} ms; first 303 ${recoveredAt - upAt} ms after PostgreSQL accepted connections again\n`);
      expect(lost).toEqual([]);
      expect(Object.keys(byStatus(results)).sort()).toEqual(['303', '503']);
      expect(recoveredAt - upAt).toBeLessThan(5000);
      // Every 503 is the form again: the respondent's language, "please try again", the score checked and the comment typed.
      for (const r of unavailable) {
        const vi = r.body.includes('<html lang="vi">');
        expect(r.body).toContain(vi ? 'vui lòng gửi lại sau giây lát' : 'please send it again in a moment');
        expect(r.body).toContain(`comment ${r.key}</textarea>`);
        expect(r.body).toMatch(/<input type="radio" name="score" value="\d+" required checked>/);
        expect(r.body).toContain(`value="${r.key}"`);
      }
      expect(unavailable.some((r) => r.body.includes('<html lang="vi">'))).toBe(true);
    } finally {
      server.child.kill('SIGKILL');
    }
  }, 120_000);
});

describe('on the shared test server', () => {
  let database: TestDatabase;
  let surveyId: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    surveyId = await makeSurvey(database.url);
  });
  afterAll(() => database.drop());

  test('the app killed with SIGKILL during a stream of answers: every confirmed answer is there after the restart', async () => {
    const first = await startServer(database.url);
    const s = stream([first.port], surveyId, 32);
    await until(() => s.results.filter((r) => r.status === 303).length >= 300, '300 confirmed answers', s.results);
    first.child.kill('SIGKILL');
    await first.exited;
    const results = await s.stop();
    const second = await startServer(database.url);
    try {
      const confirmed = results.filter((r) => r.status === 303).map((r) => r.key);
      const stored = await storedKeys(database.url, results.map((r) => r.key));
      const lost = confirmed.filter((k) => !stored.has(k));
      process.stdout.write(`SIGKILL: ${results.length} posts ${JSON.stringify(byStatus(results))}; ${confirmed.length} confirmed, ${confirmed.length - lost.length} of them stored (${stored.size} stored in all)\n`);
      expect(lost).toEqual([]);
      expect(results.every((r) => r.status === 303 || r.status === 0)).toBe(true);
      // The restarted app takes answers.
      const agent = new http.Agent({ keepAlive: false });
      expect((await post(agent, second.port, surveyId, 9, newKey(), 'en')).status).toBe(303);
    } finally {
      second.child.kill('SIGKILL');
    }
  }, 120_000);

  test('two app instances on one database: no duplicates, no losses, and the shared rate limit counts both', async () => {
    // Only this test's hits in the shared table (the instances of the test before are gone).
    await database.db.query(`DELETE FROM rate_limit_hits WHERE limiter = 'public-answers'`);
    const [a, b] = await Promise.all([startServer(database.url), startServer(database.url)]);
    try {
      const s = stream([a.port, b.port], surveyId, 32);
      // The same answer sent twice at once, to both instances (a double submit through a load balancer).
      const twice: Posted[] = [];
      const agent = new http.Agent({ keepAlive: true });
      for (let i = 0; i < 50; i++) {
        const key = newKey();
        twice.push(...await Promise.all([post(agent, a.port, surveyId, 3, key, 'vi'), post(agent, b.port, surveyId, 3, key, 'vi')]));
      }
      await until(() => s.results.filter((r) => r.status === 303).length >= 300, '300 confirmed answers', s.results);
      const results = await s.stop();
      agent.destroy();
      const all = [...results, ...twice];
      expect(all.every((r) => r.status === 303)).toBe(true);
      const [{ rows, keys }] = await database.db.query(
        `SELECT count(*)::int AS rows, count(DISTINCT submission_key)::int AS keys FROM responses WHERE submission_key = ANY($1)`, [all.map((r) => r.key)]);
      const distinct = new Set(all.map((r) => r.key)).size;
      process.stdout.write(`Two instances: ${all.length} posts confirmed (${distinct} distinct answers), ${rows} rows stored for ${keys} keys\n`);
      expect({ rows, keys }).toEqual({ rows: distinct, keys: distinct });
      // Both instances add their hits to the same count within about a second.
      let shared = 0;
      await eventually(async () => {
        [{ hits: shared }] = await database.db.query(`SELECT coalesce(sum(hits), 0)::int AS hits FROM rate_limit_hits WHERE limiter = 'public-answers'`);
        return shared === all.length;
      }, { what: () => `the shared count (${shared}) to hold every post of both instances (${all.length})` });
    } finally {
      a.child.kill('SIGKILL');
      b.child.kill('SIGKILL');
    }
  }, 120_000);
});
