import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { ConfigError, loadConfig } from '../../src/config';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'touchpoint-config-'));

test('defaults follow SPEC §12', () => {
  const c = loadConfig({ DATA_DIR: dataDir });
  expect(c.port).toBe(3000);
  expect(c.baseUrl).toBe('http://localhost:3000');
  expect(c.databaseUrl).toBeNull();
  expect(c.smtpUrl).toBeNull();
  expect(Object.isFrozen(c)).toBe(true);
});

test('BASE_URL follows PORT unless given, without a trailing slash', () => {
  expect(loadConfig({ DATA_DIR: dataDir, PORT: '8080' }).baseUrl).toBe('http://localhost:8080');
  expect(loadConfig({ DATA_DIR: dataDir, BASE_URL: 'https://cx.example.vn/' }).baseUrl).toBe('https://cx.example.vn');
});

test('the development session secret is generated once and kept in DATA_DIR', () => {
  const first = loadConfig({ DATA_DIR: dataDir }).sessionSecret;
  expect(first.length).toBeGreaterThanOrEqual(32);
  expect(loadConfig({ DATA_DIR: dataDir }).sessionSecret).toBe(first);
  expect(fs.readFileSync(path.join(dataDir, 'session-secret'), 'utf8')).toBe(first);
});

test.each([
  [{ PORT: 'abc' }, '"PORT" must be a number'],
  [{ PORT: '70000' }, '"PORT" must be less than or equal to 65535'],
  [{ DATABASE_URL: 'mysql://x/y' }, '"DATABASE_URL" must be a valid uri with a scheme matching the postgres|postgresql pattern'],
  [{ BASE_URL: 'not a url' }, '"BASE_URL" must be a valid uri'],
  [{ SMTP_URL: 'http://mail' }, '"SMTP_URL" must be a valid uri'],
  [{ SESSION_SECRET: 'short' }, 'SESSION_SECRET must be at least 32 characters long'],
  [{ LOG_LEVEL: 'loud' }, '"LOG_LEVEL" must be one of'],
  [{ NODE_ENV: 'production' }, 'SESSION_SECRET is required when NODE_ENV=production'],
])('%o is refused with a message naming the variable', (env, message) => {
  expect(() => loadConfig({ DATA_DIR: dataDir, ...env })).toThrow(ConfigError);
  expect(() => loadConfig({ DATA_DIR: dataDir, ...env })).toThrow(message);
});
