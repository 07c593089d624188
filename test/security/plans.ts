import crypto from 'node:crypto';
import { TEST_PASSWORD } from '../helpers/factories';
import { failContactImport, runContactImport } from '../../src/modules/contacts';
import { contactSchema } from '../../src/modules/contacts/contacts.schemas';
import { createStageSchema, createTouchpointSchema } from '../../src/modules/journeys/journeys.schemas';
import { createSurveySchema } from '../../src/modules/surveys/surveys.schemas';
import { createResponseSchema } from '../../src/modules/responses/responses.schemas';
import { sendInvitationsSchema } from '../../src/modules/invitations/invitations.schemas';
import { createWebhookSchema } from '../../src/modules/webhooks/webhooks.schemas';
import { createTopicSchema } from '../../src/modules/themes/themes.schemas';
import { saveSegmentDimensions } from '../../src/modules/segments';
import type { Plan } from './harness';
import type { World } from './world';

/**
 * THE PAYLOAD PLANS: for every route, how to make a valid request of it (real parameters, the form
 * that posts to it or the JSON body its schema describes) — the suite then puts every payload into every
 * field of it. Form fields are read from the rendered page, JSON fields from the bodies here (checked
 * against the route's Joi schema), so a new field is fuzzed without an edit here. A route without a plan
 * is still tried (parameters only) and fails the suite until it has one. `sweep` names the rows whose
 * pages the sweep reads back to see stored payloads.
 */

const DAY_FROM = '2026-11-01';
const DAY_TO = '2026-11-30';
const submissionKey = () => crypto.randomBytes(16).toString('base64url');
const surveysWithMarkers = `SELECT id FROM surveys t WHERE to_jsonb(t)::text ~ $1`;
const scoreFilters = (w: World) => w.touchpointKey().then(() => ({ period: 'custom', from: DAY_FROM, to: DAY_TO, channel: 'link', attr: 'segment=vip' }));

/** The comparison page needs a chosen dimension: the world's contacts have `segment`. */
async function segmentDimension(w: World): Promise<string> {
  await w.contact();
  await saveSegmentDimensions(w.t.db, { attributes: ['segment'], hidden: [] });
  return 'attribute:segment';
}

/** One field per scope of the targets grid (journey, first stage, first touchpoint): they are alike. */
function onePerScope(): (name: string) => boolean {
  const seen = new Set<string>();
  return (name) => {
    const scope = /^(journey|stage|tp)\b/.exec(name)?.[1];
    if (!scope || seen.has(scope)) return false;
    seen.add(scope);
    return true;
  };
}

/** The contact import runs as a job; run it here so a row that sinks it is seen with the payload that did. */
async function runImport(w: World, location: string | undefined): Promise<string | null> {
  const id = /^\/manage\/contacts\/imports\/([0-9a-f-]{36})$/.exec(location ?? '')?.[1];
  if (!id) return null;
  try {
    await runContactImport(w.t.db, id, { pauseAfter: Date.now() + 60_000, signal: new AbortController().signal, logger: w.t.logger });
  } catch (err) {
    await failContactImport(w.t.db, id, 'error');
    return `the import job failed ("server error"): ${(err as Error).message.slice(0, 120)}`;
  }
  const [row] = await w.t.db.query(`SELECT status, message FROM contact_imports WHERE id = $1`, [id]);
  return row.status === 'done' ? null : `the import ended ${row.status} (${row.message})`;
}

/** A public address (an IP literal: no DNS needed), so the SSRF guard lets it through without WEBHOOK_ALLOW_PRIVATE. */
const PUBLIC_HOOK_URL = 'https://93.184.215.14/hooks/touchpoint';
const makeWebhook = async (w: World, enabled = true): Promise<string> =>
  (await w.t.db.query(`INSERT INTO webhooks (url, events, secret, enabled) VALUES ($1, '{response.created}', 'whsec_dGVzdA==', $2) RETURNING id`, [PUBLIC_HOOK_URL, enabled]))[0].id;

/** A team topic for the responses filter (`topic=`), made once per world and kept (the filter reads it). */
const topicOf = new WeakMap<World, Promise<string>>();
function responsesTopic(w: World): Promise<string> {
  let id = topicOf.get(w);
  if (!id) {
    id = w.t.db.query(`INSERT INTO topics (name_vi, name_en, keywords, pattern, counted) VALUES ($1, $1, '{giao hang}', '\\m(giao\\s+hang)\\M', true) RETURNING id`, [w.uniq('Chủ đề lọc')])
      .then((rows: Array<{ id: number }>) => String(rows[0].id));
    topicOf.set(w, id);
  }
  return id;
}

export const PLANS: Record<string, Plan> = {
  // ── API (as an integration with a key) ─────────────────────────────────────────────────────────────
  'GET /api/v1/stages': {},
  'POST /api/v1/stages': {
    json: {
      schema: createStageSchema,
      bodies: (w) => {
        const key = w.uniq('api-stage');
        const note = { vi: 'Ghi chú', en: 'A note' };
        return [{ key, name: { vi: `Giai đoạn ${key}`, en: `Stage ${key}` }, position: 2, framework: { actions: note, motivations: note, questions: note, painPoints: note } }];
      },
    },
  },
  'GET /api/v1/touchpoints': {},
  'POST /api/v1/touchpoints': {
    json: {
      schema: createTouchpointSchema,
      bodies: async (w) => [{ key: w.uniq('api-tp'), stageKey: 'decision', name: { vi: 'Điểm chạm', en: 'Touchpoint' }, channel: 'website', ownerEmail: await w.ownerEmail() }],
    },
  },
  'GET /api/v1/surveys': {},
  'POST /api/v1/surveys': {
    json: {
      schema: createSurveySchema,
      bodies: async (w) => {
        const common = { question: { vi: 'Bạn thấy thế nào?', en: 'How was it?' }, askComment: true, recontactDays: 30, status: 'active' };
        return [
          { kind: 'nps', title: w.uniq('API survey'), touchpointKey: await w.touchpointKey(), ...common },
          { kind: 'csat', title: w.uniq('API survey'), stageKey: 'decision', ...common },
        ];
      },
    },
  },
  'GET /api/v1/surveys/:id': { params: { id: (w) => w.survey() }, sweep: surveysWithMarkers },
  'POST /api/v1/contacts': {
    json: {
      schema: contactSchema,
      bodies: (w) => {
        const contact = () => ({ email: w.email('api'), name: 'Lan Trần', locale: 'vi', attributes: { segment: 'vip', tier: 2, active: true } });
        return [contact(), [contact(), contact()]];
      },
    },
  },
  'POST /api/v1/surveys/:id/responses': {
    params: { id: (w) => w.survey() },
    json: {
      schema: createResponseSchema,
      bodies: (w) => [{ score: 9, comment: 'Nice', email: w.email('answer'), locale: 'en', hidden: { ref: 'campaign-1' }, answeredAt: '2026-11-20T10:00:00+07:00' }],
    },
  },
  'GET /api/v1/responses': {
    query: async (w) => ({ surveyId: await w.survey(), since: '2026-01-01', until: '2026-12-31T23:59:59+07:00', cursor: await w.responseCursor(), limit: '10' }),
  },
  'GET /api/v1/metrics': { query: () => ({ kind: 'nps', by: 'stage', from: DAY_FROM, to: DAY_TO, lang: 'en' }) },
  'GET /api/v1/themes': { query: async (w) => ({ touchpoint: await w.touchpointKey(), group: 'detractor', from: DAY_FROM, to: DAY_TO, lang: 'vi', limit: '5' }) },
  'GET /api/v1/drivers': { query: () => ({ outcome: 'nps', from: DAY_FROM, to: DAY_TO, stage: 'retention' }) },
  'GET /api/v1/contacts/at-risk': { query: () => ({ reason: 'nps_drop', stage: 'retention', attr: 'persona=Sinh viên', limit: '10' }) },
  'GET /api/v1/topics': {},
  'POST /api/v1/topics': {
    json: { schema: createTopicSchema, bodies: (w) => [{ name: { vi: w.uniq('Chủ đề'), en: w.uniq('Topic') }, keywords: ['chờ lâu', 'waited'] }] },
  },
  'DELETE /api/v1/topics/:id': {
    params: {
      id: async (w) => String((await w.t.db.query(`INSERT INTO topics (name_vi, name_en, keywords, pattern) VALUES ($1, $1, '{x}', 'x') RETURNING id`, [w.uniq('topic')]))[0].id),
    },
    fresh: true,
  },
  'POST /api/v1/surveys/:id/invitations': {
    params: { id: (w) => w.sendSurvey() },
    json: {
      schema: sendInvitationsSchema,
      bodies: (w) => [
        { emails: [w.email('invitee')] },
        { contacts: [{ email: w.email('invitee'), name: 'Hoa', locale: 'vi', attributes: { segment: 'vip' } }] },
        { segment: { segment: 'vip' }, sample: 0.5 },
      ],
    },
  },

  // ── Public pages (respondents) and health ──────────────────────────────────────────────────────────
  'GET /healthz': {},
  'GET /s/:surveyId': {
    params: { surveyId: (w) => w.survey() },
    query: () => ({ lang: 'en', via: 'qr', score: '9', ref: 'campaign-1' }),
    sweep: `SELECT id AS "surveyId" FROM surveys t WHERE status = 'active' AND to_jsonb(t)::text ~ $1`,
  },
  'POST /s/:surveyId': {
    params: { surveyId: (w) => w.survey() },
    query: () => ({ lang: 'en', via: 'qr', ref: 'campaign-1' }),
    form: { page: (p) => `/s/${p.surveyId}?lang=en&via=qr&ref=campaign-1`, fill: { score: '9', comment: 'Fine', k: submissionKey } },
  },
  'GET /s/:surveyId/thanks': { params: { surveyId: (w) => w.survey() }, query: () => ({ lang: 'vi' }), sweep: `SELECT id AS "surveyId" FROM surveys t WHERE to_jsonb(t)::text ~ $1` },
  'GET /s/:surveyId/qr.svg': { params: { surveyId: (w) => w.survey() } },
  // Drawing the PNG takes seconds under Jest: its path gets the payloads, not a query string it never reads.
  'GET /s/:surveyId/qr.png': { params: { surveyId: (w) => w.survey() }, stray: false },
  'GET /s/:surveyId/poster': { params: { surveyId: (w) => w.survey() }, query: () => ({ size: 'a6', lang: 'vi' }), sweep: `SELECT id AS "surveyId" FROM surveys t WHERE to_jsonb(t)::text ~ $1` },
  'GET /i/:token': {
    params: { token: (w) => w.invitationToken() },
    query: () => ({ score: '7', lang: 'vi' }),
    sweep: `SELECT i.token FROM invitations i JOIN surveys t ON t.id = i.survey_id WHERE t.status = 'active' AND to_jsonb(t)::text ~ $1`,
  },
  'POST /i/:token': { params: { token: (w) => w.invitationToken() }, form: { page: (p) => `/i/${p.token}`, fill: { score: '7', comment: 'OK', k: submissionKey } } },
  'GET /i/:token/thanks': { params: { token: (w) => w.invitationToken() }, query: () => ({ lang: 'en' }) },
  'GET /u/:token': {
    params: { token: (w) => w.unsubscribeToken() },
    query: () => ({ lang: 'en' }),
    sweep: `SELECT i.token FROM invitations i JOIN contacts t ON t.id = i.contact_id WHERE to_jsonb(t)::text ~ $1`,
  },
  'POST /u/:token': { params: { token: (w) => w.unsubscribeToken() }, query: () => ({ lang: 'en' }), form: { fields: { 'List-Unsubscribe': 'One-Click' } } },

  // ── Login, logout, language, first-run setup ───────────────────────────────────────────────────────
  'GET /': {},
  'GET /login': { query: () => ({ next: '/overview' }) },
  'POST /login': { session: 'copy', form: { page: () => '/login', as: 'anonymous', fill: { email: (w) => w.loginTarget(), password: TEST_PASSWORD, next: '/overview' } } },
  'POST /logout': { session: 'copy', form: { page: () => '/manage/surveys', as: 'viewer' } },
  'POST /locale': { session: 'copy', form: { page: () => '/login', as: 'anonymous', fill: { returnTo: '/manage/surveys' } } },
  // Once set up, the page says so with a 403.
  'GET /setup': { ok: [200, 403] },
  'POST /setup': {
    // First, while the app has no user: each valid setup creates the first admin, who is removed again.
    order: -1,
    beforeEach: async (w) => {
      await w.t.db.query(`DELETE FROM users`);
    },
    form: { page: () => '/setup', as: 'anonymous', fill: { name: 'Owner', email: (w) => w.email('owner'), password: TEST_PASSWORD, brand: 'Touchpoint' } },
  },

  // ── Dashboard: reports and the follow-up queue ─────────────────────────────────────────────────────
  'GET /overview': { query: scoreFilters, queryForm: true },
  'GET /journey-map': { query: scoreFilters, queryForm: true },
  'GET /segments': {
    beforeEach: async (w) => { await segmentDimension(w); },
    query: async (w) => ({ period: 'custom', from: DAY_FROM, to: DAY_TO, metric: 'nps', dimension: await segmentDimension(w) }),
    queryForm: true,
  },
  'GET /journey-map/stages/:key': {
    params: { key: () => 'decision' },
    query: async (w) => ({ ...(await scoreFilters(w)), q: 'check', page: '2' }),
    queryForm: true,
  },
  'GET /surveys/:id': {
    params: { id: (w) => w.survey() },
    query: async (w) => ({ ...(await scoreFilters(w)), group: 'detractor', cursor: await w.responseCursor() }),
    queryForm: true,
    sweep: `SELECT DISTINCT s.id FROM surveys s LEFT JOIN responses r ON r.survey_id = s.id WHERE to_jsonb(s)::text ~ $1 OR to_jsonb(r)::text ~ $1`,
  },
  'GET /touchpoints/:key': {
    params: { key: (w) => w.touchpointKey() },
    query: async (w) => ({ ...(await scoreFilters(w)), group: 'promoter', cursor: await w.responseCursor() }),
    queryForm: true,
    sweep: `SELECT DISTINCT tp.key FROM touchpoints tp LEFT JOIN surveys s ON s.touchpoint_id = tp.id LEFT JOIN responses r ON r.survey_id = s.id
            WHERE to_jsonb(tp)::text ~ $1 OR to_jsonb(s)::text ~ $1 OR to_jsonb(r)::text ~ $1`,
  },
  'GET /responses': {
    query: async (w) => ({
      period: 'custom', from: DAY_FROM, to: DAY_TO, stage: 'decision', touchpoint: await w.touchpointKey(), survey: await w.survey(), metric: 'nps',
      group: 'detractor', channel: 'api', attr: 'segment=vip', field: 'store=q1', topic: await responsesTopic(w), cursor: await w.responseCursor(),
    }),
    queryForm: true,
  },
  'GET /responses/:id': {
    params: { id: async (w) => String((await w.t.db.query(`SELECT min(id) AS id FROM responses WHERE survey_id = $1`, [await w.survey()]))[0].id) },
    sweep: `SELECT r.id FROM responses r LEFT JOIN contacts c ON c.id = r.contact_id WHERE to_jsonb(r)::text ~ $1 OR to_jsonb(c)::text ~ $1`,
  },
  'GET /responses/export.csv': {
    query: async (w) => ({
      period: 'custom', from: DAY_FROM, to: DAY_TO, stage: 'decision', touchpoint: await w.touchpointKey(), survey: await w.survey(), metric: 'nps',
      group: 'detractor', channel: 'api', attr: 'segment=vip', field: 'store=q1', topic: await responsesTopic(w),
    }),
  },
  'GET /follow-ups': { query: async (w) => ({ status: 'all', assignee: 'any', age: 'any', cursor: await w.followUpCursor() }) },
  'GET /follow-ups/:id': {
    params: { id: (w) => w.followUp() },
    sweep: `SELECT f.id FROM follow_ups f JOIN responses r ON r.id = f.response_id LEFT JOIN contacts c ON c.id = r.contact_id
            WHERE to_jsonb(f)::text ~ $1 OR to_jsonb(r)::text ~ $1 OR to_jsonb(c)::text ~ $1`,
  },
  'POST /follow-ups/bulk': { form: { page: () => '/follow-ups', fill: { ids: (w) => w.followUp(), action: 'assign', assignee: (w) => w.userId('editor'), back: '/follow-ups' } } },
  'POST /follow-ups/:id': { params: { id: (w) => w.followUp() }, form: { page: (p) => `/follow-ups/${p.id}`, fill: { status: 'in_progress', assignee: (w) => w.userId('editor'), note: 'Called back' } } },

  // ── Dashboard: management ──────────────────────────────────────────────────────────────────────────
  'GET /manage/mailbox': { query: async (w) => ({ before: await w.mailboxMessage() }) },
  'GET /manage/mailbox/:id': { params: { id: (w) => w.mailboxMessage() }, sweep: `SELECT id FROM mailbox_messages t WHERE to_jsonb(t)::text ~ $1` },
  'GET /manage/mailbox/:id/html': { params: { id: (w) => w.mailboxMessage() }, sweep: `SELECT id FROM mailbox_messages t WHERE to_jsonb(t)::text ~ $1` },
  'GET /manage/surveys/:id/send': {
    params: { id: (w) => w.sendSurvey() },
    query: () => ({ audience: 'segment', attribute: 'segment', value: 'vip', sample: '50', preview: '1' }),
    queryForm: true,
    sweep: `${surveysWithMarkers} UNION SELECT survey_id FROM invitation_batches b WHERE to_jsonb(b)::text ~ $1`,
  },
  'POST /manage/surveys/:id/send': {
    // Last: it invites the contacts the other routes made (their segment is vip), whose names hold the payloads.
    order: 1,
    params: { id: (w) => w.sendSurvey() },
    form: { page: (p) => `/manage/surveys/${p.id}/send?audience=segment&attribute=segment&value=vip&preview=1`, fill: { batch: () => crypto.randomUUID() } },
  },
  'GET /manage/surveys/:id/send/:batchId': {
    params: { id: async (w) => (await w.batch()).surveyId, batchId: async (w) => (await w.batch()).batchId },
    sweep: `SELECT survey_id AS id, id AS "batchId" FROM invitation_batches t WHERE to_jsonb(t)::text ~ $1`,
  },
  'GET /manage/contacts': { query: async (w) => ({ q: 'hoa', attr: 'segment=vip', status: 'all', cursor: await w.contactCursor() }), queryForm: true },
  'GET /manage/contacts/export.csv': { query: () => ({ q: 'hoa', attr: 'segment=vip', status: 'subscribed' }) },
  'GET /manage/contacts/new': {},
  'POST /manage/contacts/new': { form: { page: () => '/manage/contacts/new', fill: { email: (w) => w.email('new'), name: 'Lan', attrKey: 'segment', attrValue: 'vip' } } },
  'GET /manage/contacts/import': {},
  'POST /manage/contacts/import': {
    multipart: { header: ['email', 'name', 'locale', 'unsubscribed_at', 'segment'], row: (w) => [w.email('imported'), 'Lan', 'vi', '', 'vip'], csrf: true },
    after: (w, res) => runImport(w, res.headers.location),
  },
  'GET /manage/contacts/imports/:importId': { params: { importId: (w) => w.importId() }, sweep: `SELECT id AS "importId" FROM contact_imports t WHERE to_jsonb(t)::text ~ $1` },
  'GET /manage/contacts/imports/:importId/errors.csv': { params: { importId: (w) => w.importId() }, sweep: `SELECT id AS "importId" FROM contact_imports t WHERE to_jsonb(t)::text ~ $1` },
  'GET /manage/contacts/:id': { params: { id: (w) => w.contact() }, query: async (w) => ({ after: await w.responseCursor() }), sweep: `SELECT id FROM contacts t WHERE to_jsonb(t)::text ~ $1` },
  'POST /manage/contacts/:id': { params: { id: (w) => w.contact() }, form: { page: (p) => `/manage/contacts/${p.id}` } },
  'POST /manage/contacts/:id/subscription': { params: { id: (w) => w.contact() }, form: { page: (p) => `/manage/contacts/${p.id}` } },
  'GET /manage/contacts/:id/delete': { params: { id: (w) => w.contact() }, sweep: `SELECT id FROM contacts t WHERE to_jsonb(t)::text ~ $1` },
  'POST /manage/contacts/:id/delete': { params: { id: (w) => w.freshContact() }, fresh: true, form: { page: (p) => `/manage/contacts/${p.id}/delete`, fill: { confirm: 'yes' } } },
  'GET /manage/journey': { query: async (w) => ({ q: 'check', stage: await w.stage(), page: '1' }) },
  'GET /manage/journey/stages/new': {},
  'POST /manage/journey/stages': { form: { page: () => '/manage/journey/stages/new', fill: { key: (w) => w.uniq('stage'), name_vi: 'Giai đoạn', name_en: 'Stage' } } },
  'GET /manage/journey/stages/:id': { params: { id: (w) => w.stage() }, sweep: `SELECT id FROM stages t WHERE to_jsonb(t)::text ~ $1` },
  'POST /manage/journey/stages/:id': { params: { id: (w) => w.stage() }, form: { page: (p) => `/manage/journey/stages/${p.id}` } },
  'POST /manage/journey/stages/:id/move': { params: { id: (w) => w.stage() }, form: { page: () => '/manage/journey' } },
  'POST /manage/journey/stages/:id/delete': { params: { id: (w) => w.freshStage() }, fresh: true, form: { page: () => '/manage/journey' } },
  'GET /manage/journey/touchpoints/new': { query: async (w) => ({ stage: await w.stage() }) },
  'POST /manage/journey/touchpoints': {
    form: { page: () => '/manage/journey/touchpoints/new', fill: { key: (w) => w.uniq('tp'), name_vi: 'Điểm chạm', name_en: 'Touchpoint', stage_id: (w) => w.stage() } },
  },
  'GET /manage/journey/touchpoints/:id': { params: { id: (w) => w.touchpoint() }, sweep: `SELECT id FROM touchpoints t WHERE to_jsonb(t)::text ~ $1` },
  'POST /manage/journey/touchpoints/:id': { params: { id: (w) => w.touchpoint() }, form: { page: (p) => `/manage/journey/touchpoints/${p.id}` } },
  'POST /manage/journey/touchpoints/:id/delete': { params: { id: (w) => w.freshTouchpoint() }, fresh: true, form: { page: () => '/manage/journey' } },
  'GET /manage/journey/targets': { order: -1 },
  'POST /manage/journey/targets': {
    // Early, while the grid is small: every stage and touchpoint the other routes make adds a row.
    order: -1,
    form: { page: () => '/manage/journey/targets', only: onePerScope() },
    probes: [
      { name: 'unknown stage', pairs: ['stage.999999999.nps=5'] },
      { name: 'unknown touchpoint', pairs: ['tp.999999999.csat=50'] },
    ],
  },
  'GET /manage/surveys': {},
  'GET /manage/surveys/new': { order: -1, query: () => ({ kind: 'csat' }) },
  'POST /manage/surveys': { order: -1, form: { page: () => '/manage/surveys/new', fill: { title: (w) => w.uniq('Survey') } } },
  'GET /manage/surveys/:id': { params: { id: (w) => w.survey() }, sweep: surveysWithMarkers },
  'GET /manage/surveys/:id/edit': { order: -1, params: { id: (w) => w.survey() }, sweep: surveysWithMarkers },
  'POST /manage/surveys/:id': { order: -1, params: { id: (w) => w.editableSurvey() }, form: { page: (p) => `/manage/surveys/${p.id}/edit` } },
  'GET /manage/settings': {},
  'POST /manage/settings': { form: { page: () => '/manage/settings' } },
  'GET /manage/settings/dimensions': {},
  'POST /manage/settings/dimensions': { beforeEach: async (w) => { await segmentDimension(w); }, form: { page: () => '/manage/settings/dimensions' } },
  'GET /manage/users': {},
  'GET /manage/users/new': {},
  'POST /manage/users': { form: { page: () => '/manage/users/new', fill: { email: (w) => w.email('colleague'), name: 'Colleague', role: 'viewer', password: '' } } },
  'POST /manage/users/:id/role': { params: { id: (w) => w.user() }, form: { page: () => '/manage/users', fill: { role: 'editor' } } },
  'POST /manage/users/:id/delete': { params: { id: (w) => w.freshUser() }, fresh: true, form: { page: () => '/manage/users' } },
  'GET /manage/api-keys': {},
  'POST /manage/api-keys': { form: { page: () => '/manage/api-keys', fill: { name: (w) => w.uniq('Integration') } } },
  'GET /manage/digest': { query: () => ({ lang: 'en', kind: 'daily' }) },
  'GET /themes': { query: async (w) => ({ period: 'custom', from: DAY_FROM, to: DAY_TO, touchpoint: await w.touchpointKey(), group: 'promoter', lang: 'vi' }) },
  'GET /analytics/drivers': { query: () => ({ period: 'custom', from: DAY_FROM, to: DAY_TO, stage: 'retention' }), queryForm: true },
  'POST /analytics/drivers/refresh': { form: { page: () => `/analytics/drivers?period=custom&from=${DAY_FROM}&to=${DAY_TO}` } },
  'GET /analytics/at-risk': { query: () => ({ reason: 'open_follow_up', stage: 'retention', attr: 'persona=Sinh viên' }), queryForm: true },
  'GET /analytics/at-risk.csv': { query: () => ({ reason: 'open_follow_up', stage: 'retention', attr: 'persona=Sinh viên' }) },
  'POST /themes/topics': { form: { page: () => '/themes', fill: { nameVi: (w) => w.uniq('Chủ đề'), nameEn: (w) => w.uniq('Topic'), keywords: () => 'chờ lâu\nwaited' } } },
  'POST /themes/topics/:id/delete': {
    params: {
      id: async (w) => String((await w.t.db.query(`INSERT INTO topics (name_vi, name_en, keywords, pattern) VALUES ($1, $1, '{x}', 'x') RETURNING id`, [w.uniq('topic')]))[0].id),
    },
    fresh: true,
    form: { fields: {} },
  },
  'GET /manage/digest/preview.html': { query: () => ({ lang: 'vi', kind: 'weekly' }) },
  'GET /profile/digest': {},
  'POST /profile/digest': { form: { page: () => '/profile/digest' } },
  'GET /digest/u/:token': { params: { token: (w) => w.digestToken() }, query: () => ({ lang: 'en' }) },
  'POST /digest/u/:token': { params: { token: (w) => w.digestToken() }, query: () => ({ lang: 'en' }), form: { fields: { 'List-Unsubscribe': 'One-Click' } } },
  'POST /manage/api-keys/:id/revoke': { params: { id: (w) => w.freshApiKey() }, fresh: true, form: { page: () => '/manage/api-keys' } },
  'GET /manage/webhooks': {},
  'POST /manage/webhooks': { form: { page: () => '/manage/webhooks', fill: { url: PUBLIC_HOOK_URL } } },
  'GET /manage/webhooks/:id': { params: { id: (w) => makeWebhook(w) }, sweep: `SELECT id FROM webhooks t WHERE to_jsonb(t)::text ~ $1` },
  'POST /manage/webhooks/:id/test': { params: { id: (w) => makeWebhook(w) }, form: { page: (p) => `/manage/webhooks/${p.id}` } },
  // Only a disabled webhook's page has the form.
  'POST /manage/webhooks/:id/enable': { params: { id: (w) => makeWebhook(w, false) }, form: { page: (p) => `/manage/webhooks/${p.id}` } },
  'POST /manage/webhooks/:id/delete': { params: { id: (w) => makeWebhook(w) }, fresh: true, form: { page: (p) => `/manage/webhooks/${p.id}` } },
  'GET /profile/alerts': {},
  'POST /profile/alerts': { form: { page: () => '/profile/alerts' } },
  'GET /api/v1/webhooks': {},
  'POST /api/v1/webhooks': {
    json: { schema: createWebhookSchema, bodies: () => [{ url: PUBLIC_HOOK_URL, events: ['response.created', 'followup.closed'] }] },
  },
  'DELETE /api/v1/webhooks/:id': { params: { id: (w) => makeWebhook(w) }, fresh: true },
};
