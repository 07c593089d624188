import request from 'supertest';
import type { Options } from 'express-rate-limit';
import { createApp } from '../../src/app';
import { SharedRateLimitStore } from '../../src/modules/rate-limits';
import { startTestApp, type TestApp } from '../helpers/app';
import { eventually } from '../helpers/eventually';
import { makeSurvey } from '../helpers/factories';

let t: TestApp;
beforeAll(async () => { t = await startTestApp({ PUBLIC_RATE_LIMIT_PER_MINUTE: '10' }); });
afterAll(() => t.close());

function store(name: string, limit: number): SharedRateLimitStore {
  // Synced by the test (an hour between timer syncs), so that each step is exact.
  const s = new SharedRateLimitStore(t.db, name, 3_600_000);
  s.init({ windowMs: 60_000, limit } as Options);
  return s;
}

test('two instances: each counts locally at once, and after a sync both see the sum', async () => {
  const a = store('test-sum', 100);
  const b = store('test-sum', 100);
  try {
    for (let i = 0; i < 3; i++) a.increment('client-1');
    for (let i = 0; i < 4; i++) b.increment('client-1');
    expect(a.get('client-1')?.totalHits).toBe(3);
    await a.sync();
    await b.sync();
    await a.sync();
    expect(a.get('client-1')?.totalHits).toBe(7);
    expect(b.get('client-1')?.totalHits).toBe(7);
    // A hit after the sync counts on top of the shared total; a decrement (a successful login) takes one back.
    expect(b.increment('client-1').totalHits).toBe(8);
    b.decrement('client-1');
    b.decrement('client-1');
    await b.sync();
    await a.sync();
    expect(a.get('client-1')?.totalHits).toBe(6);
    // Other keys and other limiters are apart; keys are stored hashed.
    expect(a.get('client-2')).toBeUndefined();
    const rows: Array<{ key: string }> = await t.db.query(`SELECT key FROM rate_limit_hits WHERE limiter = 'test-sum'`);
    expect(rows).toHaveLength(1);
    expect(rows[0].key).not.toContain('client');
  } finally {
    a.shutdown();
    b.shutdown();
  }
});

test('a client at half its limit on one instance is known to another that never saw it', async () => {
  const a = store('test-hot', 10);
  const b = store('test-hot', 10);
  try {
    for (let i = 0; i < 5; i++) a.increment('busy');
    a.increment('quiet');
    await a.sync();
    await b.sync();
    expect(b.get('busy')?.totalHits).toBe(5);
    expect(b.get('quiet')).toBeUndefined();
  } finally {
    a.shutdown();
    b.shutdown();
  }
});

test('while the database is away, hits are kept and added at the next sync', async () => {
  const a = store('test-away', 100);
  try {
    a.increment('k');
    const query = t.db.query.bind(t.db);
    t.db.query = (() => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))) as typeof t.db.query;
    try {
      await a.sync();
    } finally {
      t.db.query = query;
    }
    a.increment('k');
    await a.sync();
    const [{ hits }] = await t.db.query(`SELECT hits FROM rate_limit_hits WHERE limiter = 'test-away'`);
    expect(hits).toBe(2);
  } finally {
    a.shutdown();
  }
});

test('the public answer limit holds across two app instances on one database', async () => {
  const survey = await makeSurvey(t);
  const other = createApp({ db: t.db, config: t.config, logger: t.logger, queue: t.queue });
  // Windows are whole minutes: start well inside one.
  await eventually(() => Date.now() % 60_000 < 45_000, { what: 'the start of a minute', timeoutMs: 20_000 });
  const post = (app: typeof other) => request(app).post(`/s/${survey.id}`).type('form').send({ score: '7' });
  for (let i = 0; i < 10; i++) expect((await post(t.app)).status).toBe(303);
  expect((await post(t.app)).status).toBe(429);
  // The other instance learns within about a second (its next sync) that this address used its minute's
  // answers: it refuses it long before its own count alone would reach the limit.
  let acceptedByOther = 0;
  await eventually(async () => {
    const status = (await post(other)).status;
    if (status === 303) acceptedByOther++;
    return status === 429;
  }, { what: 'the second instance to refuse the address', intervalMs: 250 });
  expect(acceptedByOther).toBeLessThan(10);
  expect((await post(t.app)).status).toBe(429);
  const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM responses WHERE survey_id = $1`, [survey.id]);
  expect(n).toBe(10 + acceptedByOther);
});
