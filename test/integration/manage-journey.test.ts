import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app';
import { makeSurvey, makeTouchpoint } from '../helpers/factories';
import { holdTableLock } from '../helpers/locks';
import { loginAs, type Agent } from '../helpers/login';

let t: TestApp;
let editor: Agent & { csrf: string; email: string };
let viewer: Agent & { csrf: string; email: string };

beforeAll(async () => {
  t = await startTestApp();
  editor = await loginAs(t, 'editor', { locale: 'en' });
  viewer = await loginAs(t, 'viewer', { locale: 'en' });
});
afterAll(async () => { await t.close(); });

const stageKeys = async (): Promise<string[]> => (await t.db.query(`SELECT key FROM stages ORDER BY position, id`)).map((r: { key: string }) => r.key);
const stageId = async (key: string): Promise<number> => (await t.db.query(`SELECT id FROM stages WHERE key = $1`, [key]))[0].id;
const count = async (table: string): Promise<number> => (await t.db.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n;

describe('the journey page', () => {
  test('lists the five default stages in order with their touchpoints, in English and in Vietnamese', async () => {
    await makeTouchpoint(t, { key: 'hotline', stageKey: 'retention', name: { vi: 'Tổng đài', en: 'Hotline' }, channel: 'phone' });
    const en = await viewer.get('/manage/journey');
    expect(en.status).toBe(200);
    const order = ['Awareness', 'Consideration', 'Decision', 'Retention', 'Advocacy'].map((n) => en.text.indexOf(n));
    expect(order.every((p) => p > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(en.text).toContain('Hotline');
    expect(en.text).toContain('Phone');
    expect(en.text).toContain('Pain points');

    const vi = await loginAs(t, 'viewer', { locale: 'vi' });
    const page = await vi.get('/manage/journey');
    expect(page.text).toContain('Nhận thức');
    expect(page.text).toContain('Tổng đài');
    expect(page.text).toContain('Điện thoại');
    expect(page.text).toContain('Điểm gây khó khăn');
  });

  test('a viewer sees no edit controls and cannot change anything', async () => {
    const page = await viewer.get('/manage/journey');
    expect(page.text).not.toContain('/manage/journey/stages/new');
    expect(page.text).not.toContain('/move');
    const before = await stageKeys();
    const res = await viewer.post(`/manage/journey/stages/${await stageId('decision')}/move`).type('form').send({ _csrf: viewer.csrf, direction: 'up' });
    expect(res.status).toBe(403);
    const create = await viewer.post('/manage/journey/stages').type('form').send({ _csrf: viewer.csrf, key: 'x', name_vi: 'x', name_en: 'x' });
    expect(create.status).toBe(403);
    expect(await stageKeys()).toEqual(before);
    expect((await viewer.get('/manage/journey/stages/new')).status).toBe(403);
  });
});

describe('stages', () => {
  test('an editor creates a stage with framework notes; it goes last', async () => {
    const form = await editor.get('/manage/journey/stages/new');
    expect(form.status).toBe(200);
    const res = await editor.post('/manage/journey/stages').type('form').send({
      _csrf: editor.csrf, key: 'onboarding', name_vi: 'Làm quen', name_en: 'Onboarding',
      fw_actions_vi: 'Cài đặt ứng dụng', fw_actions_en: 'Installs the app', fw_painPoints_en: 'Too many steps',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/manage/journey');
    expect((await stageKeys()).at(-1)).toBe('onboarding');
    const [row] = await t.db.query(`SELECT name_vi, name_en, framework FROM stages WHERE key = 'onboarding'`);
    expect(row.name_vi).toBe('Làm quen');
    expect(row.framework.actions).toEqual({ vi: 'Cài đặt ứng dụng', en: 'Installs the app' });
    expect(row.framework.painPoints).toEqual({ vi: '', en: 'Too many steps' });
    const page = await editor.get('/manage/journey');
    expect(page.text).toContain('Stage “Onboarding” created.');
    expect(page.text).toContain('Installs the app');
  });

  test('bad input is refused with a 400, field messages, and nothing stored', async () => {
    const before = await count('stages');
    const res = await editor.post('/manage/journey/stages').type('form').send({ _csrf: editor.csrf, key: 'Bad Key!', name_vi: '', name_en: 'x'.repeat(121) });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Please fix the problems below.');
    expect(res.text).toContain('Use lowercase letters, digits, - and _ only');
    expect(res.text).toContain('This field is required.');
    expect(res.text).toContain('At most 120 characters.');
    expect(res.text).toContain('value="Bad Key!"');
    const dup = await editor.post('/manage/journey/stages').type('form').send({ _csrf: editor.csrf, key: 'awareness', name_vi: 'Trùng', name_en: 'Duplicate' });
    expect(dup.status).toBe(400);
    expect(dup.text).toContain('This key is already used.');
    expect(await count('stages')).toBe(before);
  });

  test('a stage named <script> is shown escaped', async () => {
    const res = await editor.post('/manage/journey/stages').type('form').send({ _csrf: editor.csrf, key: 'xss', name_vi: '<script>alert(1)</script>', name_en: '<script>alert(2)</script>', fw_questions_en: '<img src=x onerror=alert(3)>' });
    expect(res.status).toBe(303);
    const page = await editor.get('/manage/journey');
    expect(page.text).not.toContain('<script>alert(2)</script>');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(page.text).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(3)&gt;');
    const edit = await editor.get(`/manage/journey/stages/${await stageId('xss')}`);
    expect(edit.text).not.toContain('<script>alert(1)</script>');
    await editor.post(`/manage/journey/stages/${await stageId('xss')}/delete`).type('form').send({ _csrf: editor.csrf }).expect(303);
  });

  test('rename in both languages and edit the framework notes; the key stays', async () => {
    const id = await stageId('onboarding');
    const form = await editor.get(`/manage/journey/stages/${id}`);
    expect(form.text).toContain('Installs the app');
    const res = await editor.post(`/manage/journey/stages/${id}`).type('form').send({
      _csrf: editor.csrf, key: 'ignored', name_vi: 'Bắt đầu sử dụng', name_en: 'Getting started',
      fw_actions_vi: 'Cài ứng dụng\r\nĐăng ký', fw_actions_en: 'Installs', fw_motivations_en: 'Quick value',
    });
    expect(res.status).toBe(303);
    const [row] = await t.db.query(`SELECT key, name_vi, name_en, framework FROM stages WHERE id = $1`, [id]);
    expect(row.key).toBe('onboarding');
    expect([row.name_vi, row.name_en]).toEqual(['Bắt đầu sử dụng', 'Getting started']);
    expect(row.framework.actions.vi).toBe('Cài ứng dụng\nĐăng ký');
    expect(row.framework.motivations).toEqual({ vi: '', en: 'Quick value' });
    expect(row.framework.painPoints).toEqual({ vi: '', en: '' });

    const bad = await editor.post(`/manage/journey/stages/${id}`).type('form').send({ _csrf: editor.csrf, name_vi: 'x', name_en: '', fw_actions_en: 'y'.repeat(2001) });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('At most 2000 characters.');
    expect((await t.db.query(`SELECT name_en FROM stages WHERE id = $1`, [id]))[0].name_en).toBe('Getting started');
  });

  test('move up and down reorder the journey; the ends stay put', async () => {
    const before = await stageKeys();
    const up = await editor.post(`/manage/journey/stages/${await stageId('decision')}/move`).type('form').send({ _csrf: editor.csrf, direction: 'up' });
    expect(up.status).toBe(303);
    const expected = [...before];
    const i = expected.indexOf('decision');
    [expected[i - 1], expected[i]] = [expected[i], expected[i - 1]];
    expect(await stageKeys()).toEqual(expected);
    await editor.post(`/manage/journey/stages/${await stageId('decision')}/move`).type('form').send({ _csrf: editor.csrf, direction: 'down' }).expect(303);
    expect(await stageKeys()).toEqual(before);
    await editor.post(`/manage/journey/stages/${await stageId(before[0])}/move`).type('form').send({ _csrf: editor.csrf, direction: 'up' }).expect(303);
    expect(await stageKeys()).toEqual(before);
    const positions = (await t.db.query(`SELECT position FROM stages ORDER BY position`)).map((r: { position: number }) => r.position);
    expect(positions).toEqual(before.map((_, n) => n + 1));
    const bad = await editor.post(`/manage/journey/stages/${await stageId('decision')}/move`).type('form').send({ _csrf: editor.csrf, direction: 'sideways' });
    expect(bad.status).toBe(400);
    expect((await editor.post('/manage/journey/stages/999999/move').type('form').send({ _csrf: editor.csrf, direction: 'up' })).status).toBe(404);
    expect(await stageKeys()).toEqual(before);
  });

  test('a stage with touchpoints or surveys cannot be deleted, with a clear message; an empty one can', async () => {
    const retention = await stageId('retention');
    const res = await editor.post(`/manage/journey/stages/${retention}/delete`).type('form').send({ _csrf: editor.csrf });
    expect(res.status).toBe(409);
    expect(res.text).toContain('The stage “Retention” cannot be deleted: it still has 1 touchpoint(s) and 0 survey(s).');
    expect(await stageKeys()).toContain('retention');

    await makeSurvey(t, { kind: 'nps', stageKey: 'advocacy', title: 'Relationship NPS' });
    const advocacy = await editor.post(`/manage/journey/stages/${await stageId('advocacy')}/delete`).type('form').send({ _csrf: editor.csrf });
    expect(advocacy.status).toBe(409);
    expect(advocacy.text).toContain('1 survey(s)');

    const onboarding = await stageId('onboarding');
    const ok = await editor.post(`/manage/journey/stages/${onboarding}/delete`).type('form').send({ _csrf: editor.csrf });
    expect(ok.status).toBe(303);
    expect(await stageKeys()).not.toContain('onboarding');
    expect((await editor.post(`/manage/journey/stages/${onboarding}/delete`).type('form').send({ _csrf: editor.csrf })).status).toBe(404);
    expect((await editor.get('/manage/journey/stages/abc')).status).toBe(404);
  });
});

describe('touchpoints', () => {
  test('create with key, names, channel and owner; it shows under its stage with the localized channel', async () => {
    const owner = await t.db.query(`SELECT id FROM users WHERE email = $1`, [editor.email]);
    const form = await editor.get(`/manage/journey/touchpoints/new?stage=${await stageId('decision')}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('Loyalty program');
    const res = await editor.post('/manage/journey/touchpoints').type('form').send({
      _csrf: editor.csrf, key: 'checkout', stage_id: String(await stageId('decision')), name_vi: 'Thanh toán', name_en: 'Checkout',
      channel: 'website', owner_user_id: owner[0].id,
    });
    expect(res.status).toBe(303);
    const [row] = await t.db.query(`SELECT t.key, s.key AS stage, t.channel, t.owner_user_id FROM touchpoints t JOIN stages s ON s.id = t.stage_id WHERE t.key = 'checkout'`);
    expect(row).toEqual({ key: 'checkout', stage: 'decision', channel: 'website', owner_user_id: owner[0].id });
    const vi = await loginAs(t, 'viewer', { locale: 'vi' });
    const page = await vi.get('/manage/journey');
    expect(page.text).toContain('Thanh toán');
    expect(page.text).toContain('Trang web');
    expect(page.text).toContain(editor.email);
  });

  test('bad input: 400 with field errors and nothing stored (bad slug, taken key, unknown channel, stage or owner)', async () => {
    const before = await count('touchpoints');
    const base = { _csrf: editor.csrf, key: 'kiosk', stage_id: String(await stageId('decision')), name_vi: 'Ki-ốt', name_en: 'Kiosk', channel: 'store', owner_user_id: '' };
    const slug = await editor.post('/manage/journey/touchpoints').type('form').send({ ...base, key: 'Kiosk 1' });
    expect(slug.status).toBe(400);
    expect(slug.text).toContain('Use lowercase letters, digits, - and _ only');
    const taken = await editor.post('/manage/journey/touchpoints').type('form').send({ ...base, key: 'checkout' });
    expect(taken.status).toBe(400);
    expect(taken.text).toContain('This key is already used.');
    const channel = await editor.post('/manage/journey/touchpoints').type('form').send({ ...base, channel: 'fax' });
    expect(channel.status).toBe(400);
    expect(channel.text).toContain('Please choose one of the options.');
    const stage = await editor.post('/manage/journey/touchpoints').type('form').send({ ...base, stage_id: '999999' });
    expect(stage.status).toBe(400);
    const owner = await editor.post('/manage/journey/touchpoints').type('form').send({ ...base, owner_user_id: '00000000-0000-4000-8000-000000000000' });
    expect(owner.status).toBe(400);
    const notUuid = await editor.post('/manage/journey/touchpoints').type('form').send({ ...base, owner_user_id: 'nobody' });
    expect(notUuid.status).toBe(400);
    expect(await count('touchpoints')).toBe(before);
  });

  test('the form and the API create through one path: racing for a key, both queue on the touchpoints lock and one wins', async () => {
    const lock = await holdTableLock(t, 'touchpoints', 'SHARE ROW EXCLUSIVE');
    try {
      const form = editor.post('/manage/journey/touchpoints').type('form').send({
        _csrf: editor.csrf, key: 'kiosk-race', stage_id: String(await stageId('decision')), name_vi: 'Ki-ốt', name_en: 'Kiosk', channel: 'store', owner_user_id: '',
      }).then((r) => r);
      const api = request(t.app).post('/api/v1/touchpoints').set('Authorization', `Bearer ${t.apiKey}`)
        .send({ key: 'kiosk-race', stageKey: 'awareness', name: { vi: 'Ki-ốt', en: 'Kiosk' }, channel: 'store' }).then((r) => r);
      await lock.waitedOnBy(2);
      await lock.release();
      const [viaForm, viaApi] = await Promise.all([form, api]);
      if (viaForm.status === 303) {
        expect(viaApi.status).toBe(409);
        expect(viaApi.body.error.details).toEqual([{ path: 'key', message: 'already exists' }]);
      } else {
        expect([viaForm.status, viaApi.status]).toEqual([400, 201]);
        expect(viaForm.text).toContain('This key is already used.');
      }
    } finally {
      await lock.release();
    }
    expect(await t.db.query(`SELECT key FROM touchpoints WHERE key = 'kiosk-race'`)).toHaveLength(1);
    await t.db.query(`DELETE FROM touchpoints WHERE key = 'kiosk-race'`);
  });

  test('edit moves a touchpoint to another stage and clears its owner', async () => {
    const [{ id }] = await t.db.query(`SELECT id FROM touchpoints WHERE key = 'checkout'`);
    const form = await editor.get(`/manage/journey/touchpoints/${id}`);
    expect(form.text).toContain('value="checkout"');
    const res = await editor.post(`/manage/journey/touchpoints/${id}`).type('form').send({
      _csrf: editor.csrf, key: 'web-checkout', stage_id: String(await stageId('retention')), name_vi: 'Thanh toán online', name_en: 'Online checkout', channel: 'ads', owner_user_id: '',
    });
    expect(res.status).toBe(303);
    const [row] = await t.db.query(`SELECT t.key, s.key AS stage, t.channel, t.owner_user_id, t.position FROM touchpoints t JOIN stages s ON s.id = t.stage_id WHERE t.id = $1`, [id]);
    expect(row).toEqual({ key: 'web-checkout', stage: 'retention', channel: 'ads', owner_user_id: null, position: 2 });
    const same = await editor.post(`/manage/journey/touchpoints/${id}`).type('form').send({
      _csrf: editor.csrf, key: 'web-checkout', stage_id: String(await stageId('retention')), name_vi: 'Thanh toán online', name_en: 'Online checkout', channel: 'ads', owner_user_id: '',
    });
    expect(same.status).toBe(303);
    const taken = await editor.post(`/manage/journey/touchpoints/${id}`).type('form').send({
      _csrf: editor.csrf, key: 'hotline', stage_id: String(await stageId('retention')), name_vi: 'x', name_en: 'y', channel: 'ads', owner_user_id: '',
    });
    expect(taken.status).toBe(400);
    expect((await t.db.query(`SELECT key FROM touchpoints WHERE id = $1`, [id]))[0].key).toBe('web-checkout');
  });

  test('delete only when no survey is attached', async () => {
    await makeSurvey(t, { kind: 'csat', touchpointKey: 'hotline', title: 'Hotline CSAT' });
    const [{ id: hotline }] = await t.db.query(`SELECT id FROM touchpoints WHERE key = 'hotline'`);
    const refused = await editor.post(`/manage/journey/touchpoints/${hotline}/delete`).type('form').send({ _csrf: editor.csrf });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('The touchpoint “Hotline” cannot be deleted: it still has 1 survey(s).');
    const [{ id }] = await t.db.query(`SELECT id FROM touchpoints WHERE key = 'web-checkout'`);
    expect((await editor.post(`/manage/journey/touchpoints/${id}/delete`).type('form').send({ _csrf: editor.csrf })).status).toBe(303);
    expect(await t.db.query(`SELECT key FROM touchpoints ORDER BY key`)).toEqual([{ key: 'hotline' }]);
  });
});

describe('KPI targets', () => {
  test('set for the journey, a stage and a touchpoint; shown on the journey page; cleared by emptying a cell', async () => {
    const [{ id: hotline }] = await t.db.query(`SELECT id FROM touchpoints WHERE key = 'hotline'`);
    const decision = await stageId('decision');
    const form = await editor.get('/manage/journey/targets');
    expect(form.status).toBe(200);
    expect(form.text).toContain(`name="tp.${hotline}.csat"`);
    const res = await editor.post('/manage/journey/targets').type('form').send({
      _csrf: editor.csrf, 'journey.nps': '40', [`stage.${decision}.csat`]: '85,5', [`tp.${hotline}.ces`]: '5.25', [`tp.${hotline}.nps`]: '-10',
    });
    expect(res.status).toBe(303);
    const rows = await t.db.query(`SELECT metric, stage_id, touchpoint_id, target::float AS target FROM kpi_targets ORDER BY metric, target`);
    expect(rows).toEqual([
      { metric: 'ces', stage_id: null, touchpoint_id: hotline, target: 5.25 },
      { metric: 'csat', stage_id: decision, touchpoint_id: null, target: 85.5 },
      { metric: 'nps', stage_id: null, touchpoint_id: hotline, target: -10 },
      { metric: 'nps', stage_id: null, touchpoint_id: null, target: 40 },
    ]);
    const page = await viewer.get('/manage/journey');
    expect(page.text).toContain('NPS 40');
    expect(page.text).toContain('CSAT 85.5%');
    expect(page.text).toContain('CES 5.25');
    const vi = await loginAs(t, 'viewer', { locale: 'vi' });
    expect((await vi.get('/manage/journey')).text).toContain('CSAT 85,5%');

    await editor.post('/manage/journey/targets').type('form').send({ _csrf: editor.csrf, 'journey.nps': '', [`tp.${hotline}.nps`]: '-10' }).expect(303);
    expect(await count('kpi_targets')).toBe(3);
  });

  test('out-of-range targets: 400 naming the range, nothing changes', async () => {
    const before = await t.db.query(`SELECT * FROM kpi_targets ORDER BY id`);
    const decision = await stageId('decision');
    const res = await editor.post('/manage/journey/targets').type('form').send({
      _csrf: editor.csrf, 'journey.nps': '101', [`stage.${decision}.csat`]: '50', [`stage.${decision}.ces`]: '0.5', 'journey.csat': 'abc',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Enter a number from -100 to 100');
    expect(res.text).toContain('Enter a number from 1 to 7');
    expect(res.text).toContain('value="abc"');
    expect(await t.db.query(`SELECT * FROM kpi_targets ORDER BY id`)).toEqual(before);
    expect((await viewer.post('/manage/journey/targets').type('form').send({ _csrf: viewer.csrf, 'journey.nps': '10' })).status).toBe(403);
  });
});
