// The frame the demo-sized benches share (--analytics, --segments, --themes): their size options, and a
// throw-away database migrated and served by the app, with a viewer and an API key, torn down after.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDataSource, runMigrations } from '../src/db/data-source';
import { JobQueue } from '../src/jobs';
import { createLogger } from '../src/logger';
import { createApiKey, createUser } from '../src/modules/auth';
import { benchDatabase } from './bench-database';

/** An integer option within [min, max] (underscores allowed), else the usage line and exit 2. */
export function intOption(raw: string | undefined, fallback: number, min: number, max: number, usage: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`${usage}\n`);
    process.exit(2);
  }
  return n;
}

export interface BenchSizes { small: number; large: number; requests: number; concurrency: number }

/** --small, --large, --requests and --concurrency, with --quick's smaller defaults. */
export function benchSizes(values: { small?: string; large?: string; quick?: boolean; requests?: string; concurrency?: string }, usage: string): BenchSizes {
  const quick = values.quick ?? false;
  const small = intOption(values.small, quick ? 20_000 : 100_000, 1_000, 100_000_000, usage);
  return {
    small,
    large: intOption(values.large, quick ? 200_000 : 10_000_000, small, 100_000_000, usage),
    requests: intOption(values.requests, quick ? 60 : 200, 10, 100_000, usage),
    concurrency: intOption(values.concurrency, 8, 1, 256, usage),
  };
}

export interface BenchApp {
  db: DataSource;
  base: string;
  /** Keep-alive agent with `concurrency` sockets. */
  agent: http.Agent;
  /** The viewer bench@example.com's password, and an API key. */
  password: string;
  apiKey: string;
}

/**
 * What every bench's app needs on its database: the schema (migrated), a viewer `bench@example.com` with a
 * random password, an API key, and the production config for it (`env` adds settings, e.g. a lifted rate limit).
 * Initialises `db`.
 */
export async function prepareBenchDatabase(db: DataSource, url: string, env: Record<string, string> = {}): Promise<{ password: string; apiKey: string; config: ReturnType<typeof loadConfig> }> {
  await db.initialize();
  await runMigrations(db);
  const password = crypto.randomBytes(12).toString('base64url');
  await createUser(db, { email: 'bench@example.com', password, role: 'viewer', locale: 'vi' });
  const { key: apiKey } = await createApiKey(db, 'bench');
  const config = loadConfig({
    ...process.env, NODE_ENV: 'production', DATABASE_URL: url, BASE_URL: 'http://127.0.0.1',
    SESSION_SECRET: crypto.randomBytes(32).toString('base64url'), LOG_LEVEL: 'silent', ...env,
  });
  return { password, apiKey, config };
}

/** Runs `work` against the app on a fresh database, then stops the server, the queue and the database. */
export async function withBenchApp(concurrency: number, work: (app: BenchApp) => Promise<void>): Promise<void> {
  const database = await benchDatabase();
  const db: DataSource = createDataSource(database.url, { poolSize: 12 });
  let server: http.Server | null = null;
  const queue = new JobQueue(db, createLogger('silent'));
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    const { password, apiKey, config } = await prepareBenchDatabase(db, database.url);
    server = http.createServer(createApp({ db, config, logger: createLogger('silent'), queue }));
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await work({ db, base, agent, password, apiKey });
  } finally {
    agent.destroy();
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server?.close(() => resolve()));
    }
    await queue.stop();
    if (db.isInitialized) await db.destroy();
    await database.drop();
  }
}
