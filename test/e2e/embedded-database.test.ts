import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { projectRoot } from '../../src/paths';
import { SHARED_ROOT } from '../../src/db/embedded';
import { eventually } from '../helpers/eventually';
import { freePortForTests } from '../helpers/ports';

// The built server started as a user starts it (no DATABASE_URL: the embedded PostgreSQL), from a copy of
// the project inside a folder that only its owner may enter, as /root is on Debian. As root, PostgreSQL runs
// as the "postgres" user, which cannot enter that folder.
const asRoot = process.getuid?.() === 0;
let privateFolder: string;
let app: string;

interface Running { child: ChildProcessWithoutNullStreams; port: number; output: () => string; exited: Promise<number | null> }

async function start(): Promise<Running> {
  const port = await freePortForTests();
  // detached: the server leads its own process group, as `npm start` does in a terminal.
  const child = spawn(process.execPath, [path.join(app, 'dist/src/server.js')], {
    cwd: app,
    detached: true,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), LOG_LEVEL: 'info', NODE_ENV: 'development' },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await eventually(() => output.includes('Touchpoint is running at') || output.includes('could not start'), { timeoutMs: 60_000, what: 'the server to start' });
  expect(output).toContain('Touchpoint is running at');
  return { child, port, output: () => output, exited };
}

function postmasterPid(clusterDir: string): number | null {
  const file = path.join(clusterDir, 'postmaster.pid');
  return fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').split('\n')[0]) : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(() => {
  fs.mkdirSync(path.join(projectRoot, '.tmp'), { recursive: true });
  privateFolder = fs.mkdtempSync(path.join(projectRoot, '.tmp', 'private-'));
  fs.chmodSync(privateFolder, 0o700);
  app = path.join(privateFolder, 'touchpoint');
  fs.mkdirSync(app);
  // node_modules as hard links (its files then live only under the private folder, at no disk cost).
  try {
    execFileSync('cp', ['-al', path.join(projectRoot, 'node_modules'), app]);
  } catch {
    execFileSync('cp', ['-a', path.join(projectRoot, 'node_modules'), app]);
  }
  for (const part of ['dist', 'views', 'public', 'package.json']) execFileSync('cp', ['-a', path.join(projectRoot, part), app]);
}, 120_000);

afterAll(() => {
  const link = path.join(app, 'data', 'pg');
  if (fs.lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) {
    const target = fs.readlinkSync(link);
    fs.rmSync(target, { recursive: true, force: true });
    fs.rmSync(`${target}.txt`, { force: true });
  }
  fs.rmSync(privateFolder, { recursive: true, force: true });
});

test('starts from a folder only its owner may enter, says where the data lives, and keeps it across restarts', async () => {
  expect(fs.statSync(privateFolder).mode & 0o777).toBe(0o700);
  const first = await start();
  let clusterDir: string;
  try {
    const where = /database: embedded PostgreSQL, data in (\S+)/.exec(first.output());
    expect(where).not.toBeNull();
    clusterDir = where![1];
    if (asRoot) {
      // Placed where the postgres user can reach it, and linked from DATA_DIR; the private folder is untouched.
      expect(clusterDir.startsWith(`${SHARED_ROOT}/clusters/`)).toBe(true);
      expect(fs.readlinkSync(path.join(app, 'data', 'pg'))).toBe(clusterDir);
      expect(first.output()).toContain(`linked from ${path.join(app, 'data')}/pg`);
    } else {
      expect(clusterDir).toBe(path.join(app, 'data', 'pg'));
    }
    expect(fs.statSync(privateFolder).mode & 0o777).toBe(0o700);
    expect(first.output()).toContain('first-run setup');
    const health = await fetch(`http://127.0.0.1:${first.port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
  } finally {
    first.child.kill('SIGTERM');
  }
  expect(await first.exited).toBe(0);
  expect(postmasterPid(clusterDir)).toBeNull();

  // A CLI on its own starts and stops the same cluster; the next start finds the user it made.
  execFileSync(process.execPath, [path.join(app, 'dist/scripts/create-user.js'), '--email', 'lan@shop.test', '--password', 'correct horse battery', '--role', 'admin'],
    { cwd: app, env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent' } });
  expect(postmasterPid(clusterDir)).toBeNull();
  const second = await start();
  try {
    expect(second.output()).toContain(`data in ${clusterDir}`);
    expect(second.output()).not.toContain('first-run setup');
    expect(second.output()).toContain('dashboard:');
  } finally {
    second.child.kill('SIGTERM');
  }
  expect(await second.exited).toBe(0);
}, 180_000);

test('Ctrl-C (SIGINT to the whole process group) drains a request in flight, then stops PostgreSQL cleanly', async () => {
  const s = await start();
  const clusterDir = /data in (\S+)/.exec(s.output())![1];
  const pid = postmasterPid(clusterDir)!;
  expect(alive(pid)).toBe(true);
  try {
    // A slow client is half-way through an answer when Ctrl-C comes. Answering it needs the database
    // (the survey is looked up), so it gets its 404 page only if PostgreSQL is still up while we drain.
    const body = 'score=9';
    const answer = new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: s.port, method: 'POST', path: '/s/00000000-0000-4000-8000-000000000000',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(body.slice(0, 3), () => {
        process.kill(-s.child.pid!, 'SIGINT');
        void eventually(() => s.output().includes('shutting down'), { what: 'the drain to begin' }).then(() => req.end(body.slice(3)), reject);
      });
    });
    expect(await answer).toBe(404);
    expect(await s.exited).toBe(0);
  } finally {
    s.child.kill('SIGKILL');
  }
  expect(s.output()).toContain('"signal":"SIGINT"');
  expect(s.output()).toMatch(/"statusCode":404/);
  // PostgreSQL was asked to stop by the app after the drain, and shut down cleanly.
  expect(alive(pid)).toBe(false);
  expect(postmasterPid(clusterDir)).toBeNull();
  const log = fs.readFileSync(path.join(app, 'data', 'postgresql.log'), 'utf8');
  expect(log).toContain('received fast shutdown request');
  expect(log).toContain('database system is shut down');
}, 120_000);

test('a throw-away cluster (tests, benches) leaves nothing behind when stopped, not even its note in the shared folder', () => {
  // Started and stopped by the built module in its own process (as the test run's global setup does).
  const dir = fs.mkdtempSync(path.join(privateFolder, 'throwaway-'));
  const script = `const fs = require('node:fs');
    const { startEmbeddedPostgres } = require(${JSON.stringify(path.join(app, 'dist/src/db/embedded.js'))});
    startEmbeddedPostgres(process.argv[1], { persistent: false }).then(async (db) => {
      const running = { relocated: db.relocated, clusterDir: db.clusterDir, initialised: fs.existsSync(db.clusterDir + '/PG_VERSION'),
        note: fs.existsSync(db.clusterDir + '.txt') ? fs.readFileSync(db.clusterDir + '.txt', 'utf8') : null };
      await db.stop();
      process.stdout.write(JSON.stringify({ running, after: { cluster: fs.existsSync(db.clusterDir), note: fs.existsSync(db.clusterDir + '.txt') } }));
    });`;
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script, dir], { cwd: app, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } }));
  expect(out.running.initialised).toBe(true);
  if (asRoot) {
    expect(out.running.relocated).toBe(true);
    expect(out.running.clusterDir.startsWith(`${SHARED_ROOT}/clusters/`)).toBe(true);
    expect(out.running.note).toContain(fs.realpathSync(dir));
  }
  expect(out.after).toEqual({ cluster: false, note: false });
  expect(fs.existsSync(path.join(dir, 'pg'))).toBe(false);
}, 120_000);
