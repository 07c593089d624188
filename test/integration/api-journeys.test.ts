import { createUser } from '../../src/modules/auth';
import { startTestApp, type TestApp } from '../helpers/app';
import { apiClient, expectApiError, detailPaths } from '../helpers/api';

/** GET, POST /api/v1/stages and /api/v1/touchpoints (SPEC §2 journey, §7). */

let t: TestApp;
beforeAll(async () => { t = await startTestApp(); });
afterAll(async () => { await t.close(); });

const { get, post } = apiClient(() => t);


async function count(table: string): Promise<number> {
  const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM ${table}`);
  return n;
}

async function stageKeys(): Promise<string[]> {
  return (await get('/stages')).body.items.map((s: { key: string }) => s.key);
}

let seq = 0;
/** A touchpoint in a stage, created through the API; `over` replaces any field. */
async function createTouchpoint(over: Record<string, unknown> = {}) {
  seq += 1;
  const res = await post('/touchpoints', {
    key: `tp-${seq}`, stageKey: 'decision', name: { vi: `Điểm chạm ${seq}`, en: `Touchpoint ${seq}` }, channel: 'website', ...over,
  });
  expect(res.status).toBe(201);
  return res.body;
}

describe('stages', () => {
  // Stage tests change the order; the defaults are checked first, on the untouched database.
  test('GET lists the five default stages in order, with vi/en names and framework notes', async () => {
    const res = await get('/stages');
    expect(res.status).toBe(200);
    const items = res.body.items;
    expect(items.map((s: { key: string }) => s.key)).toEqual(['awareness', 'consideration', 'decision', 'retention', 'advocacy']);
    expect(items.map((s: { name: unknown }) => s.name)).toEqual([
      { vi: 'Nhận thức', en: 'Awareness' },
      { vi: 'Cân nhắc', en: 'Consideration' },
      { vi: 'Quyết định', en: 'Decision' },
      { vi: 'Giữ chân', en: 'Retention' },
      { vi: 'Ủng hộ', en: 'Advocacy' },
    ]);
    expect(items.map((s: { position: number }) => s.position)).toEqual([1, 2, 3, 4, 5]);
    for (const s of items) {
      expect(s.id).toEqual(expect.any(Number));
      // Actions, Motivations, Questions, Pain points — each in both languages.
      for (const field of ['actions', 'motivations', 'questions', 'painPoints']) {
        expect(s.framework[field]).toEqual({ vi: expect.any(String), en: expect.any(String) });
        expect(s.framework[field].vi.length).toBeGreaterThan(0);
        expect(s.framework[field].en.length).toBeGreaterThan(0);
      }
    }
  });

  test('POST creates a stage at the end by default (201)', async () => {
    const res = await post('/stages', { key: 'loyalty-club', name: { vi: 'Câu lạc bộ', en: 'Loyalty club' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(Number), key: 'loyalty-club', name: { vi: 'Câu lạc bộ', en: 'Loyalty club' }, position: 6, framework: {} });
    expect((await stageKeys()).at(-1)).toBe('loyalty-club');
  });

  test('POST with a position inserts there and shifts the later stages down', async () => {
    const framework = { actions: { vi: 'Dùng thử', en: 'Tries it' }, painPoints: { vi: 'Khó cài đặt', en: 'Hard to set up' } };
    const res = await post('/stages', { key: 'trial', name: { vi: 'Dùng thử', en: 'Trial' }, position: 3, framework });
    expect(res.status).toBe(201);
    expect(res.body.position).toBe(3);
    expect(res.body.framework).toEqual(framework);
    const items = (await get('/stages')).body.items;
    expect(items.map((s: { key: string }) => s.key)).toEqual(['awareness', 'consideration', 'trial', 'decision', 'retention', 'advocacy', 'loyalty-club']);
    expect(items.map((s: { position: number }) => s.position)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  test('POST at position 1 puts the stage first', async () => {
    expect((await post('/stages', { key: 'discovery', name: { vi: 'Khám phá', en: 'Discovery' }, position: 1 })).status).toBe(201);
    expect((await stageKeys())[0]).toBe('discovery');
    const positions = (await get('/stages')).body.items.map((s: { position: number }) => s.position);
    expect(positions).toEqual(positions.map((_: number, i: number) => i + 1));
  });

  test('a position past the end appends without leaving a gap', async () => {
    const res = await post('/stages', { key: 'far-away', name: { vi: 'Xa', en: 'Far' }, position: 999 });
    expect(res.status).toBe(201);
    const items = (await get('/stages')).body.items;
    expect(res.body.position).toBe(items.length);
    expect(items.at(-1).key).toBe('far-away');
  });

  test('a duplicate key → 409 and nothing changes', async () => {
    const before = await get('/stages');
    const res = await post('/stages', { key: 'decision', name: { vi: 'Khác', en: 'Other' }, position: 1 });
    expectApiError(res, 409, 'conflict');
    expect(detailPaths(res)).toEqual(['key']);
    expect((await get('/stages')).body).toEqual(before.body);
  });

  test.each([
    ['an upper-case key', { key: 'Decision2', name: { vi: 'A', en: 'A' } }, 'key'],
    ['a key with spaces', { key: 'two words', name: { vi: 'A', en: 'A' } }, 'key'],
    ['an empty key', { key: '', name: { vi: 'A', en: 'A' } }, 'key'],
    ['a key that is too long', { key: 'a'.repeat(65), name: { vi: 'A', en: 'A' } }, 'key'],
    ['a missing key', { name: { vi: 'A', en: 'A' } }, 'key'],
    ['missing names', { key: 'no-names' }, 'name'],
    ['a missing English name', { key: 'no-en', name: { vi: 'A' } }, 'name.en'],
    ['a blank Vietnamese name', { key: 'blank-vi', name: { vi: '   ', en: 'A' } }, 'name.vi'],
    ['a name as a string', { key: 'name-string', name: 'Awareness' }, 'name'],
    ['position 0', { key: 'pos-zero', name: { vi: 'A', en: 'A' }, position: 0 }, 'position'],
    ['a fractional position', { key: 'pos-frac', name: { vi: 'A', en: 'A' }, position: 1.5 }, 'position'],
    ['an unknown framework field', { key: 'fw-bad', name: { vi: 'A', en: 'A' }, framework: { mood: { vi: 'x', en: 'x' } } }, 'framework.mood'],
    ['an unknown name language', { key: 'name-fr', name: { vi: 'A', en: 'A', fr: 'A' } }, 'name.fr'],
  ])('%s → 400 naming the field, nothing stored', async (_label, body, path) => {
    const before = await count('stages');
    const res = await post('/stages', body);
    expectApiError(res, 400, 'validation_failed');
    expect(detailPaths(res)).toContain(path);
    expect(await count('stages')).toBe(before);
  });

  test('Vietnamese names and SQL-looking text round-trip verbatim', async () => {
    const name = { vi: "Hậu mãi — bảo hành; DROP TABLE stages; --", en: "After-sales' OR '1'='1" };
    const res = await post('/stages', { key: 'after-sales', name });
    expect(res.status).toBe(201);
    const listed = (await get('/stages')).body.items.find((s: { key: string }) => s.key === 'after-sales');
    expect(listed.name).toEqual(name);
    const [row] = await t.db.query(`SELECT name_vi, name_en FROM stages WHERE key = 'after-sales'`);
    expect(row).toEqual({ name_vi: name.vi, name_en: name.en });
  });

  test('names are trimmed', async () => {
    const res = await post('/stages', { key: 'trimmed', name: { vi: '  Cắt  ', en: ' Trim ' } });
    expect(res.body.name).toEqual({ vi: 'Cắt', en: 'Trim' });
  });

  test('concurrent inserts at the same position keep positions unique and contiguous', async () => {
    const results = await Promise.all([1, 2, 3, 4].map((i) => post('/stages', { key: `race-${i}`, name: { vi: `Đua ${i}`, en: `Race ${i}` }, position: 2 })));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const positions = (await get('/stages')).body.items.map((s: { position: number }) => s.position);
    expect(positions).toEqual(positions.map((_: number, i: number) => i + 1));
  });
});

describe('touchpoints', () => {
  let ownerEmail: string;
  beforeAll(async () => {
    ownerEmail = 'Owner.Lan@Example.vn';
    await createUser(t.db, { email: ownerEmail, password: 'correct horse battery', role: 'editor', name: 'Lan' });
  });

  test('POST creates a touchpoint in a stage with an owner (201)', async () => {
    const res = await post('/touchpoints', {
      key: 'checkout-web', stageKey: 'decision', name: { vi: 'Thanh toán trên web', en: 'Web checkout' }, channel: 'website', ownerEmail,
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number), key: 'checkout-web', stageKey: 'decision', name: { vi: 'Thanh toán trên web', en: 'Web checkout' },
      channel: 'website', ownerEmail, position: 1,
    });
    const [row] = await t.db.query(`SELECT t.key, s.key AS stage, u.email FROM touchpoints t JOIN stages s ON s.id = t.stage_id JOIN users u ON u.id = t.owner_user_id WHERE t.key = 'checkout-web'`);
    expect(row).toEqual({ key: 'checkout-web', stage: 'decision', email: ownerEmail });
  });

  test('the owner is found whatever the case of the email', async () => {
    const res = await post('/touchpoints', { key: 'hotline', stageKey: 'retention', name: { vi: 'Tổng đài', en: 'Hotline' }, channel: 'phone', ownerEmail: 'owner.lan@example.VN' });
    expect(res.status).toBe(201);
    expect(res.body.ownerEmail).toBe(ownerEmail);
  });

  test('without an owner, ownerEmail is null', async () => {
    const tp = await createTouchpoint({ key: 'no-owner' });
    expect(tp.ownerEmail).toBeNull();
  });

  test.each(['website', 'email', 'social', 'phone', 'chat', 'store', 'office', 'loyalty', 'ads', 'other'])('channel %s is accepted', async (channel) => {
    const tp = await createTouchpoint({ key: `channel-${channel}`, channel });
    expect(tp.channel).toBe(channel);
  });

  test('touchpoints in a stage are numbered in order', async () => {
    const a = await createTouchpoint({ stageKey: 'advocacy' });
    const b = await createTouchpoint({ stageKey: 'advocacy' });
    expect([a.position, b.position]).toEqual([1, 2]);
  });

  test('GET lists every touchpoint in journey order with its stage', async () => {
    const res = await get('/touchpoints');
    expect(res.status).toBe(200);
    const items: Array<{ key: string; stageKey: string; position: number }> = res.body.items;
    expect(items.map((i) => i.key)).toEqual(expect.arrayContaining(['checkout-web', 'hotline', 'no-owner', 'channel-ads']));
    const checkout = items.find((i) => i.key === 'checkout-web')!;
    expect(checkout).toEqual({ id: expect.any(Number), key: 'checkout-web', stageKey: 'decision', name: { vi: 'Thanh toán trên web', en: 'Web checkout' }, channel: 'website', ownerEmail, position: 1 });
    const stageOrder = (await stageKeys());
    const ranks = items.map((i) => [stageOrder.indexOf(i.stageKey), i.position]);
    const sorted = [...ranks].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    expect(ranks).toEqual(sorted);
  });

  test('an unknown stageKey → 422 naming stageKey, nothing stored', async () => {
    const before = await count('touchpoints');
    const res = await post('/touchpoints', { key: 'orphan', stageKey: 'nowhere', name: { vi: 'A', en: 'A' }, channel: 'chat' });
    expectApiError(res, 422, 'unknown_reference');
    expect(detailPaths(res)).toEqual(['stageKey']);
    expect(await count('touchpoints')).toBe(before);
  });

  test('an unknown ownerEmail → 422 naming ownerEmail, nothing stored', async () => {
    const before = await count('touchpoints');
    const res = await post('/touchpoints', { key: 'ghost-owner', stageKey: 'decision', name: { vi: 'A', en: 'A' }, channel: 'chat', ownerEmail: 'nobody@example.vn' });
    expectApiError(res, 422, 'unknown_reference');
    expect(detailPaths(res)).toEqual(['ownerEmail']);
    expect(await count('touchpoints')).toBe(before);
  });

  test('a duplicate key → 409, nothing stored', async () => {
    const before = await count('touchpoints');
    const res = await post('/touchpoints', { key: 'checkout-web', stageKey: 'awareness', name: { vi: 'A', en: 'A' }, channel: 'ads' });
    expectApiError(res, 409, 'conflict');
    expect(await count('touchpoints')).toBe(before);
  });

  test('concurrent creations with the same key: one 201, the others 409, never 500', async () => {
    // Hold inserts back until every request has passed its "does the key exist?" check, so they truly race.
    const blocker = t.db.createQueryRunner();
    await blocker.connect();
    await blocker.startTransaction();
    await blocker.query(`LOCK TABLE touchpoints IN SHARE MODE`);
    const body = { key: 'same-time', stageKey: 'decision', name: { vi: 'A', en: 'A' }, channel: 'store' };
    const pending = Promise.all([1, 2, 3].map(() => post('/touchpoints', body).then((r) => r)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await blocker.commitTransaction();
    await blocker.release();
    const results = await pending;
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    for (const r of results.filter((x) => x.status === 409)) expectApiError(r, 409, 'conflict');
    expect(await t.db.query(`SELECT 1 FROM touchpoints WHERE key = 'same-time'`)).toHaveLength(1);
  });

  test.each([
    ['a bad channel', { channel: 'fax' }, 'channel'],
    ['"loyalty program" spelled out', { channel: 'loyalty program' }, 'channel'],
    ['a missing channel', { channel: undefined }, 'channel'],
    ['a missing stageKey', { stageKey: undefined }, 'stageKey'],
    ['a bad key', { key: 'Not A Slug' }, 'key'],
    ['a malformed ownerEmail', { ownerEmail: 'not-an-email' }, 'ownerEmail'],
    ['missing names', { name: undefined }, 'name'],
    ['an unknown field', { colour: 'blue' }, 'colour'],
  ])('%s → 400 naming the field, nothing stored', async (_label, over, path) => {
    const before = await count('touchpoints');
    const body: Record<string, unknown> = { key: 'bad-tp', stageKey: 'decision', name: { vi: 'A', en: 'A' }, channel: 'store', ...over };
    for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
    const res = await post('/touchpoints', body);
    expectApiError(res, 400, 'validation_failed');
    expect(detailPaths(res)).toContain(path);
    expect(await count('touchpoints')).toBe(before);
  });

  test('Vietnamese names round-trip', async () => {
    const name = { vi: 'Cửa hàng Quận 1 — Nguyễn Huệ', en: 'District 1 store' };
    const tp = await createTouchpoint({ key: 'store-q1', channel: 'store', name });
    expect(tp.name).toEqual(name);
    expect((await get('/touchpoints')).body.items.find((i: { key: string }) => i.key === 'store-q1').name).toEqual(name);
  });
});
