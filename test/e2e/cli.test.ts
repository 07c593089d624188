import { execFile } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../src/paths';
import { authenticateApiKey } from '../../src/modules/auth';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

// The built commands (npm test builds first), run as real processes against a test database: they create
// users and keys through the same services as the setup page and /manage/users and /manage/api-keys.

interface Run { code: number; stdout: string; stderr: string }

function run(script: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(projectRoot, 'dist/scripts', script), ...args], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', SESSION_SECRET: 'x'.repeat(40), DATABASE_URL: database.url },
    }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
  });
}

let database: TestDatabase;
beforeAll(async () => { database = await createTestDatabase(); });
afterAll(async () => { await database.drop(); });

test('user:create creates a user; a taken email or a short password is refused with the reason', async () => {
  const ok = await run('create-user.js', ['--email', 'lan@example.vn', '--password', 'a long password', '--role', 'admin', '--name', 'Lan', '--locale', 'en']);
  expect(ok).toMatchObject({ code: 0, stdout: 'Created admin lan@example.vn\n' });
  expect(await database.db.query(`SELECT email, name, role, locale FROM users`)).toEqual([{ email: 'lan@example.vn', name: 'Lan', role: 'admin', locale: 'en' }]);

  const taken = await run('create-user.js', ['--email', 'LAN@example.vn', '--password', 'another long one', '--role', 'viewer']);
  expect(taken.code).toBe(1);
  expect(taken.stderr).toBe('Could not create the user: already exists\n');

  const short = await run('create-user.js', ['--email', 'minh@example.vn', '--password', 'short', '--role', 'owner']);
  expect(short.code).toBe(1);
  expect(short.stderr).toContain('Could not create the user: password must be at least 10 characters long');
  expect(short.stderr).toContain('role must be one of');
  expect(await database.db.query(`SELECT count(*)::int AS n FROM users`)).toEqual([{ n: 1 }]);
});

test('apikey:create prints a key, once, that the API accepts', async () => {
  const res = await run('create-apikey.js', ['--name', 'CRM sync']);
  expect(res.code).toBe(0);
  const key = res.stdout.trim().split('\n').pop() ?? '';
  expect(res.stdout).toContain('Created API key "CRM sync"');
  expect(await authenticateApiKey(database.db, key)).toMatchObject({ name: 'CRM sync' });
  expect(await database.db.query(`SELECT count(*)::int AS n FROM api_keys WHERE key_hash = $1`, [key])).toEqual([{ n: 0 }]);
});
