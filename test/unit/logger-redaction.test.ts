import { Writable } from 'node:stream';
import { pinoHttp } from 'pino-http';
import { QueryFailedError } from 'typeorm';
import { createLogger, logSafeUrl, requestLogSerializers, type Logger } from '../../src/logger';
import { DatabaseLogger } from '../../src/db/data-source';

/** The app's logger at debug level, writing into a string. */
function capturedLogger(): { logger: Logger; text: () => string } {
  let out = '';
  const sink = new Writable({ write(chunk, _enc, done) { out += String(chunk); done(); } });
  return { logger: createLogger('debug', sink), text: () => out };
}

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g';
const EMAIL = 'lan.nguyen@example.test';

/** A failed INSERT as TypeORM reports it: the bound parameters and pg's detail quote the row. */
function failedInsert(): QueryFailedError {
  const pgError = Object.assign(new Error('new row for relation "users" violates check constraint "probe"'), {
    code: '23514', table: 'users', constraint: 'probe',
    detail: `Failing row contains (${EMAIL}, Nguyễn Lan, ${HASH}).`, where: `SQL statement with ${EMAIL}`, internalQuery: `SELECT '${EMAIL}'`,
  });
  return new QueryFailedError('INSERT INTO "users"("email", "name", "password_hash") VALUES ($1, $2, $3)', [EMAIL, 'Nguyễn Lan', HASH], pgError);
}

test('a failed query logged as err keeps its SQL text and code, never its parameters or the quoted row', () => {
  const { logger, text } = capturedLogger();
  logger.error({ err: failedInsert() }, 'unhandled error');
  const line = JSON.parse(text());
  expect(line.err.query).toContain('INSERT INTO "users"');
  expect(line.err.code).toBe('23514');
  expect(line.err.constraint).toBe('probe');
  for (const key of ['parameters', 'detail', 'where', 'internalQuery', 'driverError']) expect(line.err[key]).toBe('[redacted]');
  expect(text()).not.toContain(HASH);
  expect(text()).not.toContain('$argon2id$');
  expect(text()).not.toContain(EMAIL);
});

test('the request logger (pino-http child) redacts the same', () => {
  const { logger, text } = capturedLogger();
  const child = pinoHttp({ logger, serializers: requestLogSerializers }).logger;
  child.error({ err: failedInsert() }, 'request failed');
  expect(text()).toContain('request failed');
  expect(text()).not.toContain('$argon2id$');
  expect(text()).not.toContain(EMAIL);
});

test('secrets and addresses under well-known keys are redacted at the top level and one object down', () => {
  const { logger, text } = capturedLogger();
  logger.info({
    email: EMAIL, password: 'hunter2 hunter2', token: 'tok-secret-1',
    config: { sessionSecret: 'session-secret-session-secret-1234', smtpUrl: 'smtp://u:smtp-pass@mail', databaseUrl: 'postgres://u:db-pass@h/db' },
    user: { passwordHash: HASH, email: EMAIL }, key: { apiKey: 'tp_live_secret' },
  }, 'context');
  for (const secret of [EMAIL, 'hunter2', 'tok-secret-1', 'session-secret', 'smtp-pass', 'db-pass', '$argon2id$', 'tp_live_secret']) {
    expect({ secret, found: text().includes(secret) }).toEqual({ secret, found: false });
  }
  expect(JSON.parse(text()).msg).toBe('context');
});

test('TypeORM failed and slow queries are logged without parameters', () => {
  const { logger, text } = capturedLogger();
  const db = new DatabaseLogger(logger);
  const err = failedInsert();
  db.logQueryError(err, String(err.query), err.parameters);
  db.logQuerySlow(1234, 'SELECT * FROM contacts WHERE email = $1', [EMAIL]);
  const [failed, slow] = text().trim().split('\n').map((l) => JSON.parse(l));
  expect(failed).toMatchObject({ msg: 'query failed', level: 40, code: '23514', constraint: 'probe', table: 'users', component: 'database' });
  expect(failed.sql).toContain('INSERT INTO "users"');
  expect(slow).toMatchObject({ msg: 'slow query', ms: 1234, sql: 'SELECT * FROM contacts WHERE email = $1' });
  expect(text()).not.toContain('$argon2id$');
  expect(text()).not.toContain(EMAIL);
});

test('logged URLs mask invitation and unsubscribe tokens and contact searches', () => {
  expect(logSafeUrl('/i/AbC123_-x?score=5')).toBe('/i/:token?score=5');
  expect(logSafeUrl('/u/AbC123_-x')).toBe('/u/:token');
  expect(logSafeUrl('/manage/contacts?q=lan%40example.test&attr=plan%3Dgold')).toBe('/manage/contacts?q=[redacted]&attr=plan%3Dgold');
  expect(logSafeUrl('/responses?period=30d&email=a%40b.c')).toBe('/responses?period=30d&email=[redacted]');
  expect(logSafeUrl('/overview?period=7d')).toBe('/overview?period=7d');
});
