import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { Client } from 'pg';
import { projectRoot } from '../../src/paths';
import { freePortForTests } from '../helpers/ports';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { eventually } from '../helpers/eventually';

// The built server (npm test builds first), started as a real process against a test database.
const serverJs = path.join(projectRoot, 'dist/src/server.js');

interface Running { child: ChildProcessWithoutNullStreams; port: number; logs: string[]; exited: Promise<number | null> }

async function startServer(env: Record<string, string>): Promise<Running> {
  const port = await freePortForTests();
  const child = spawn(process.execPath, [serverJs], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', PORT: String(port), SESSION_SECRET: 'x'.repeat(40), ...env },
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let buffer = '';
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    logs.push(...lines);
  });
  child.stderr.on('data', (d: Buffer) => logs.push(d.toString()));
  return { child, port, logs, exited };
}

const logged = (s: Running, text: string) => eventually(() => s.logs.some((l) => l.includes(text)), { what: () => `"${text}" in the log:\n${s.logs.join('\n')}` });

let database: TestDatabase;
beforeAll(async () => { database = await createTestDatabase(); });
afterAll(async () => { await database.drop(); });

test('a bad setting stops start-up with a clear message', async () => {
  const s = await startServer({ DATABASE_URL: database.url, PORT: 'eighty' });
  expect(await s.exited).not.toBe(0);
  expect(s.logs.join('\n')).toContain('Invalid configuration (see .env.example)');
  expect(s.logs.join('\n')).toContain('"PORT" must be a number');
});

test('serves /healthz, logs JSON lines with the request id, and drains a request in flight on SIGTERM', async () => {
  const s = await startServer({ DATABASE_URL: database.url });
  try {
    await logged(s, 'first-run setup');
    expect(s.logs.join('\n')).toContain(`first-run setup (create the first admin): http://localhost:${s.port}/setup`);
    const health = await fetch(`http://127.0.0.1:${s.port}/healthz`, { headers: { 'X-Request-Id': 'req-abc-123' } });
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(health.headers.get('x-request-id')).toBe('req-abc-123');
    await logged(s, 'req-abc-123');
    const line = JSON.parse(s.logs.find((l) => l.includes('req-abc-123'))!);
    expect(line).toMatchObject({ req: { id: 'req-abc-123', method: 'GET', url: '/healthz' }, res: { statusCode: 200 } });

    // A slow client is half-way through its request when the signal comes: it must still get its answer.
    // `Expect: 100-continue` makes the server say when it has read the request's head: from then on the
    // request is in flight. The rest of the body follows once the server has begun to drain.
    const body = 'score=9';
    const answer = new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: s.port, method: 'POST', path: '/s/00000000-0000-4000-8000-000000000000',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length, expect: '100-continue' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.on('continue', () => {
        req.write(body.slice(0, 3));
        s.child.kill('SIGTERM');
        logged(s, 'shutting down').then(() => req.end(body.slice(3)), reject);
      });
      req.flushHeaders();
    });
    expect(await answer).toBe(404);
    expect(await s.exited).toBe(0);
    expect(s.logs.some((l) => l.includes('shutting down'))).toBe(true);
  } finally {
    s.child.kill('SIGKILL');
  }
});

test('/healthz answers 503 when the database does not', async () => {
  const s = await startServer({ DATABASE_URL: database.url });
  try {
    await logged(s, 'Touchpoint is listening');
    const name = new URL(database.url).pathname.slice(1);
    const admin = new Client({ connectionString: process.env.TOUCHPOINT_TEST_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [name]);
      const down = await fetch(`http://127.0.0.1:${s.port}/healthz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ status: 'unavailable' });
    } finally {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    // The pool drops the dead connections and the app recovers by itself.
    const up = await fetch(`http://127.0.0.1:${s.port}/healthz`);
    expect(up.status).toBe(200);
  } finally {
    s.child.kill('SIGKILL');
    await s.exited;
  }
});
