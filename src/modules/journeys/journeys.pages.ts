import type { Request, Response, Router } from 'express';
import Joi from 'joi';
import type { AppDeps } from '../../deps';
import { DomainError, type DomainErrorKind } from '../../domain-error';
import { t, type Locale, type MessageKey } from '../../i18n';
import { dashboardRouter } from '../../web/dashboard-router';
import { HttpError, notFound } from '../../web/errors';
import { csrfProtection } from '../../web/middleware/csrf';
import type { MetricKind } from '../metrics/scoring';
import { type FieldErrors, gridForm, manageForm, normalizeText, redirectWithFlash, typedValues, validateForm } from '../../web/forms';
import { serialParam, suggestKey } from '../../web/params';
import { lineText } from '../../web/text';
import { toDetails } from '../../web/middleware/validate';
import { formatNumber } from '../../web/format';
import {
  editStageForm, moveForm, newStageForm, parseTarget, SLUG_MESSAGE, TARGET_RANGES, touchpointForm,
  type StageForm, type TouchpointForm,
} from './journeys.forms';
import {
  createStage, createTouchpoint, deleteStage, deleteTouchpoint, getJourneyData, getJourneyPage, moveStage, saveTargets,
  updateStage, updateTouchpoint, type TargetChange, type TouchpointInput,
} from './journeys.service';
import type { TargetRow } from './queries/getKpiTargets';
import { getOwnerChoices } from './queries/getOwnerChoices';
import { getStageRows, type StageRow } from './queries/getStageRows';
import { getTouchpointRows, type TouchpointRow } from './queries/getTouchpointRows';
import { FRAMEWORK_FIELDS, type Framework, type FrameworkField } from './stage.entity';
import { TOUCHPOINT_CHANNELS } from './touchpoint.entity';

const METRICS: readonly MetricKind[] = ['nps', 'csat', 'ces'];

const FRAMEWORK_LABEL: Record<FrameworkField, MessageKey> = {
  actions: 'manage.framework.actions',
  motivations: 'manage.framework.motivations',
  questions: 'manage.framework.questions',
  painPoints: 'manage.framework.painPoints',
};

function nameIn(locale: Locale, row: { nameVi: string; nameEn: string }): string {
  return locale === 'vi' ? row.nameVi : row.nameEn;
}

function otherName(locale: Locale, row: { nameVi: string; nameEn: string }): string {
  return locale === 'vi' ? row.nameEn : row.nameVi;
}

/** "NPS 40 · CSAT 85% · CES 5,5" pieces for the targets of one scope. */
function targetBadges(locale: Locale, targets: TargetRow[], scope: { stageId: number | null; touchpointId: number | null }) {
  return METRICS.flatMap((metric) => {
    const found = targets.find((x) => x.metric === metric && x.stageId === scope.stageId && x.touchpointId === scope.touchpointId);
    return found ? [{ metric: t(locale, `manage.kind.${metric}`), value: formatNumber(found.target, locale) + (metric === 'csat' ? '%' : '') }] : [];
  });
}

function ownerLabel(tp: { ownerName: string | null; ownerEmail: string | null }): string | null {
  if (!tp.ownerEmail) return null;
  return tp.ownerName ? `${tp.ownerName} (${tp.ownerEmail})` : tp.ownerEmail;
}

function frameworkFromForm(value: StageForm): Framework {
  const framework: Framework = {};
  for (const field of FRAMEWORK_FIELDS) {
    framework[field] = { vi: normalizeText(value[`fw_${field}_vi`] ?? ''), en: normalizeText(value[`fw_${field}_en`] ?? '') };
  }
  return framework;
}

function frameworkValues(framework: Framework): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of FRAMEWORK_FIELDS) {
    values[`fw_${field}_vi`] = framework[field]?.vi ?? '';
    values[`fw_${field}_en`] = framework[field]?.en ?? '';
  }
  return values;
}

/** The service's refusal of the given kind, to show on the page itself; anything else goes on to the error handler. */
function rethrowUnless(err: unknown, ...kinds: DomainErrorKind[]): DomainError {
  if (err instanceof DomainError && kinds.includes(err.kind)) return err;
  throw err;
}

/** Touchpoints listed per stage on the journey page; a stage of its own lists this many per page. */
export const TOUCHPOINTS_PER_STAGE = 20;
export const TOUCHPOINTS_PER_PAGE = 50;

const LIST_QUERY = Joi.object({
  q: lineText.trim().max(100).allow(''),
  stage: Joi.number().integer().min(1).max(2147483647),
  page: Joi.number().integer().min(1).max(100_000),
});

interface ListQuery { q?: string; stage?: number; page?: number }

/** The journey page's search, stage and page, or a 400 page in the user's language. */
function listQuery(query: unknown): ListQuery {
  const { value, error } = LIST_QUERY.validate(query ?? {}, { abortEarly: false, convert: true });
  if (error) throw new HttpError(400, 'validation_failed', 'The request is not valid', toDetails(error), 'manage.touchpoint.badSearch');
  return value as ListQuery;
}

function listLink(q: ListQuery): string {
  const params = new URLSearchParams();
  if (q.q) params.set('q', q.q);
  if (q.stage) params.set('stage', String(q.stage));
  if (q.page && q.page > 1) params.set('page', String(q.page));
  const s = params.toString();
  return `/manage/journey${s ? `?${s}` : ''}#stage-${q.stage ?? ''}`.replace(/#stage-$/, '');
}

/** "Touchpoints 21–40 of 1,000" (or the search's), when a stage does not fit one list or a search is on. */
function listedLine(locale: Locale, x: { search: string; offset: number; shown: number; count: number; limit: number }): string | null {
  if (x.shown === 0 || (!x.search && x.count <= x.limit)) return null;
  const range = { from: formatNumber(x.offset + 1, locale), to: formatNumber(x.offset + x.shown, locale), count: formatNumber(x.count, locale), search: x.search };
  return t(locale, x.search ? 'manage.touchpoint.matching' : 'manage.touchpoint.listed', range);
}

/** /manage/journey: stages in order, their touchpoints (searched, a page at a time), framework notes and KPI targets. */
export function journeyPagesRouter({ db }: AppDeps): Router {
  const { router, route } = dashboardRouter();

  async function renderJourney(res: Response, status = 200, alert: string | null = null, query: ListQuery = {}) {
    const locale: Locale = res.locals.locale;
    const search = query.q ?? '';
    const stageId = query.stage ?? null;
    const limit = stageId ? TOUCHPOINTS_PER_PAGE : TOUCHPOINTS_PER_STAGE;
    const page = query.page ?? 1;
    const { stages: allStages, rows: touchpoints, matches, targets } = await getJourneyPage(db, { search, stageId, offset: (page - 1) * limit, limit });
    const stages = stageId ? allStages.filter((s) => s.id === stageId) : allStages;
    if (stageId && stages.length === 0) throw notFound('No such stage');
    res.status(status).render('manage/journey', {
      search,
      focused: stageId !== null,
      allStagesLink: listLink({ q: search }),
      clearLink: stageId ? listLink({ stage: stageId }) : '/manage/journey',
      layout: 'dashboard',
      title: t(locale, 'nav.journey'),
      alert,
      journeyTargets: targetBadges(locale, targets, { stageId: null, touchpointId: null }),
      stages: stages.map((s, i) => ({
        id: s.id,
        key: s.key,
        position: i + 1,
        name: nameIn(locale, s),
        otherName: otherName(locale, s),
        canMoveUp: i > 0,
        canMoveDown: i < stages.length - 1,
        deletable: s.touchpointCount === 0 && s.surveyCount === 0,
        surveyCount: s.surveyCount,
        notes: FRAMEWORK_FIELDS.map((field) => ({
          label: t(locale, FRAMEWORK_LABEL[field]),
          text: s.framework[field]?.[locale] || s.framework[field]?.[locale === 'vi' ? 'en' : 'vi'] || '',
        })),
        targets: targetBadges(locale, targets, { stageId: s.id, touchpointId: null }),
        listed: listedLine(locale, { search, offset: (page - 1) * limit, shown: touchpoints.filter((tp) => tp.stageId === s.id).length, count: matches.get(s.id) ?? 0, limit }),
        noMatch: search !== '' && s.touchpointCount > 0 && !matches.get(s.id),
        moreLink: !stageId && (matches.get(s.id) ?? 0) > limit ? listLink({ q: search, stage: s.id }) : null,
        moreText: t(locale, 'manage.touchpoint.more', { count: matches.get(s.id) ?? 0 }),
        prevLink: stageId && page > 1 ? listLink({ q: search, stage: s.id, page: page - 1 }) : null,
        nextLink: stageId && (matches.get(s.id) ?? 0) > page * limit ? listLink({ q: search, stage: s.id, page: page + 1 }) : null,
        touchpoints: touchpoints.filter((tp) => tp.stageId === s.id).map((tp) => ({
          id: tp.id,
          key: tp.key,
          name: nameIn(locale, tp),
          otherName: otherName(locale, tp),
          channel: t(locale, `manage.channel.${tp.channel}`),
          owner: ownerLabel(tp),
          surveyCount: tp.surveyCount,
          deletable: tp.surveyCount === 0,
          targets: targetBadges(locale, targets, { stageId: null, touchpointId: tp.id }),
        })),
      })),
    });
  }

  route('get', '/manage/journey', 'viewer', async (req, res) => {
    await renderJourney(res, 200, null, listQuery(req.query));
  });

  // Stages

  function renderStageForm(res: Response, opts: { stage: StageRow | null; values: Record<string, string>; errors: FieldErrors; status?: number }) {
    const locale: Locale = res.locals.locale;
    const { stage, values, errors } = opts;
    res.status(opts.status ?? 200).render('manage/stage-form', {
      layout: 'dashboard',
      title: stage ? t(locale, 'manage.stage.editTitle', { name: nameIn(locale, stage) }) : t(locale, 'manage.stage.newTitle'),
      isNew: !stage,
      action: stage ? `/manage/journey/stages/${stage.id}` : '/manage/journey/stages',
      stageKey: stage?.key,
      values,
      errors,
      hasErrors: Object.keys(errors).length > 0,
      framework: FRAMEWORK_FIELDS.map((field) => ({
        label: t(locale, FRAMEWORK_LABEL[field]),
        vi: { name: `fw_${field}_vi`, value: values[`fw_${field}_vi`] ?? '', error: errors[`fw_${field}_vi`] },
        en: { name: `fw_${field}_en`, value: values[`fw_${field}_en`] ?? '', error: errors[`fw_${field}_en`] },
      })),
    });
  }

  async function stageOr404(req: Request): Promise<StageRow> {
    const id = serialParam(req.params.id);
    const [stage] = id === null ? [] : await getStageRows(db, { id });
    if (!stage) throw notFound('No such stage');
    return stage;
  }

  route('get', '/manage/journey/stages/new', 'editor', (_req, res) => {
    renderStageForm(res, { stage: null, values: {}, errors: {} });
  });

  route('post', '/manage/journey/stages', 'editor', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const { value, errors } = validateForm<StageForm & { key: string }>(newStageForm, req.body, locale, { key: SLUG_MESSAGE });
    if (errors) return renderStageForm(res, { stage: null, values: typedValues(req.body), errors, status: 400 });
    try {
      await createStage(db, { key: value.key, name: { vi: value.name_vi, en: value.name_en }, framework: frameworkFromForm(value) });
    } catch (err) {
      rethrowUnless(err, 'conflict');
      return renderStageForm(res, { stage: null, values: typedValues(req.body), errors: { key: t(locale, 'manage.err.keyTaken') }, status: 400 });
    }
    const name = nameIn(locale, { nameVi: value.name_vi, nameEn: value.name_en });
    await redirectWithFlash(req, res, t(locale, 'manage.stage.created', { name }), '/manage/journey');
  });

  route('get', '/manage/journey/stages/:id', 'editor', async (req, res) => {
    const stage = await stageOr404(req);
    renderStageForm(res, { stage, values: { name_vi: stage.nameVi, name_en: stage.nameEn, ...frameworkValues(stage.framework) }, errors: {} });
  });

  route('post', '/manage/journey/stages/:id', 'editor', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const stage = await stageOr404(req);
    const { value, errors } = validateForm<StageForm>(editStageForm, req.body, locale);
    if (errors) return renderStageForm(res, { stage, values: typedValues(req.body), errors, status: 400 });
    await updateStage(db, stage.id, { name: { vi: value.name_vi, en: value.name_en }, framework: frameworkFromForm(value) });
    await redirectWithFlash(req, res, t(locale, 'form.saved'), '/manage/journey');
  });

  route('post', '/manage/journey/stages/:id/move', 'editor', manageForm, csrfProtection, async (req, res) => {
    const id = serialParam(req.params.id);
    const { value, errors } = validateForm<{ direction: 'up' | 'down' }>(moveForm, req.body, res.locals.locale);
    if (errors) throw new HttpError(400, 'validation_failed', 'direction must be up or down', [{ path: 'direction', message: 'must be up or down' }]);
    if (id === null) throw notFound('No such stage');
    await moveStage(db, id, value.direction);
    res.redirect(303, `/manage/journey#stage-${id}`);
  });

  route('post', '/manage/journey/stages/:id/delete', 'editor', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const stage = await stageOr404(req);
    try {
      await deleteStage(db, stage.id);
    } catch (err) {
      rethrowUnless(err, 'wrong_state');
      return renderJourney(res, 409, t(locale, 'manage.stage.inUse', { name: nameIn(locale, stage), touchpoints: stage.touchpointCount, surveys: stage.surveyCount }));
    }
    await redirectWithFlash(req, res, t(locale, 'manage.stage.deleted', { name: nameIn(locale, stage) }), '/manage/journey');
  });

  // Touchpoints

  async function renderTouchpointForm(res: Response, opts: { touchpoint: TouchpointRow | null; values: Record<string, string>; errors: FieldErrors; status?: number }) {
    const locale: Locale = res.locals.locale;
    const { touchpoint, values, errors } = opts;
    const [stages, owners] = await Promise.all([getStageRows(db), getOwnerChoices(db)]);
    res.status(opts.status ?? 200).render('manage/touchpoint-form', {
      layout: 'dashboard',
      title: touchpoint ? t(locale, 'manage.touchpoint.editTitle', { name: nameIn(locale, touchpoint) }) : t(locale, 'manage.touchpoint.newTitle'),
      isNew: !touchpoint,
      action: touchpoint ? `/manage/journey/touchpoints/${touchpoint.id}` : '/manage/journey/touchpoints',
      values,
      errors,
      hasErrors: Object.keys(errors).length > 0,
      stages: stages.map((s) => ({ id: s.id, name: nameIn(locale, s), selected: String(s.id) === values.stage_id })),
      channels: TOUCHPOINT_CHANNELS.map((c) => ({ value: c, label: t(locale, `manage.channel.${c}`), selected: c === values.channel })),
      owners: owners.map((u) => ({ id: u.id, label: u.name ? `${u.name} (${u.email})` : u.email, selected: u.id === values.owner_user_id })),
    });
  }

  async function touchpointOr404(req: Request): Promise<TouchpointRow> {
    const id = serialParam(req.params.id);
    const [touchpoint] = id === null ? [] : await getTouchpointRows(db, { id });
    if (!touchpoint) throw notFound('No such touchpoint');
    return touchpoint;
  }

  /** The form field and message of each input the service can refuse (the `path` of its error). */
  const TOUCHPOINT_PROBLEM: Record<string, [string, MessageKey]> = {
    key: ['key', 'manage.err.keyTaken'],
    stageId: ['stage_id', 'manage.err.choice'],
    ownerUserId: ['owner_user_id', 'manage.err.choice'],
  };

  async function submitTouchpoint(req: Request, res: Response, existing: TouchpointRow | null) {
    const locale: Locale = res.locals.locale;
    const { value, errors } = validateForm<TouchpointForm>(touchpointForm, req.body, locale, { key: SLUG_MESSAGE, stage_id: { key: 'manage.err.choice' }, owner_user_id: { key: 'manage.err.choice' } });
    if (errors) return renderTouchpointForm(res, { touchpoint: existing, values: typedValues(req.body), errors, status: 400 });
    const tpKey = value.key || suggestKey(value.name_en) || suggestKey(value.name_vi);
    // The key made from the name is shown in the form if anything is refused, so the user sees and can change it.
    const typed = { ...typedValues(req.body), key: tpKey };
    if (!tpKey) return renderTouchpointForm(res, { touchpoint: existing, values: typed, errors: { key: t(locale, 'manage.err.slug') }, status: 400 });
    const input: TouchpointInput = {
      key: tpKey, stage: { id: value.stage_id }, name: { vi: value.name_vi, en: value.name_en }, channel: value.channel,
      owner: value.owner_user_id ? { id: value.owner_user_id } : null,
    };
    let saved: { id: number };
    try {
      saved = existing ? await updateTouchpoint(db, existing.id, input) : await createTouchpoint(db, input);
    } catch (err) {
      const problem = TOUCHPOINT_PROBLEM[rethrowUnless(err, 'conflict', 'unknown_reference').options.details?.[0]?.path ?? ''];
      if (!problem) throw err;
      const [field, key] = problem;
      return renderTouchpointForm(res, { touchpoint: existing, values: typed, errors: { [field]: t(locale, key) }, status: 400 });
    }
    const name = nameIn(locale, { nameVi: value.name_vi, nameEn: value.name_en });
    const text = existing ? t(locale, 'form.saved') : t(locale, 'manage.touchpoint.created', { name });
    await redirectWithFlash(req, res, text, `/manage/journey#touchpoint-${saved.id}`);
  }

  route('get', '/manage/journey/touchpoints/new', 'editor', async (req, res) => {
    const stage = typeof req.query.stage === 'string' ? req.query.stage : '';
    await renderTouchpointForm(res, { touchpoint: null, values: { stage_id: stage, channel: 'website' }, errors: {} });
  });

  route('post', '/manage/journey/touchpoints', 'editor', manageForm, csrfProtection, async (req, res) => {
    await submitTouchpoint(req, res, null);
  });

  route('get', '/manage/journey/touchpoints/:id', 'editor', async (req, res) => {
    const tp = await touchpointOr404(req);
    await renderTouchpointForm(res, {
      touchpoint: tp,
      values: { key: tp.key, stage_id: String(tp.stageId), name_vi: tp.nameVi, name_en: tp.nameEn, channel: tp.channel, owner_user_id: tp.ownerUserId ?? '' },
      errors: {},
    });
  });

  route('post', '/manage/journey/touchpoints/:id', 'editor', manageForm, csrfProtection, async (req, res) => {
    await submitTouchpoint(req, res, await touchpointOr404(req));
  });

  route('post', '/manage/journey/touchpoints/:id/delete', 'editor', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const tp = await touchpointOr404(req);
    try {
      await deleteTouchpoint(db, tp.id);
    } catch (err) {
      rethrowUnless(err, 'wrong_state');
      return renderJourney(res, 409, t(locale, 'manage.touchpoint.inUse', { name: nameIn(locale, tp), surveys: tp.surveyCount }));
    }
    await redirectWithFlash(req, res, t(locale, 'manage.touchpoint.deleted', { name: nameIn(locale, tp) }), '/manage/journey');
  });

  // KPI targets: one grid, whole journey, then each stage followed by its touchpoints.

  async function renderTargets(res: Response, typed: Record<string, string> | null, errors: FieldErrors, status = 200) {
    const locale: Locale = res.locals.locale;
    const { stages, touchpoints, targets } = await getJourneyData(db);
    const cell = (prefix: string, scope: { stageId: number | null; touchpointId: number | null }) => METRICS.map((metric) => {
      const name = `${prefix}.${metric}`;
      const stored = targets.find((x) => x.metric === metric && x.stageId === scope.stageId && x.touchpointId === scope.touchpointId);
      return {
        name,
        id: name.replace(/\./g, '-'),
        value: typed ? typed[name] ?? '' : stored ? String(stored.target) : '',
        error: errors[name],
        metric: t(locale, `manage.kind.${metric}`),
        min: TARGET_RANGES[metric].min,
        max: TARGET_RANGES[metric].max,
      };
    });
    const rows = [{ label: t(locale, 'manage.targets.journey'), level: 'journey', cells: cell('journey', { stageId: null, touchpointId: null }) }];
    for (const s of stages) {
      rows.push({ label: nameIn(locale, s), level: 'stage', cells: cell(`stage.${s.id}`, { stageId: s.id, touchpointId: null }) });
      for (const tp of touchpoints.filter((x) => x.stageId === s.id)) {
        rows.push({ label: nameIn(locale, tp), level: 'touchpoint', cells: cell(`tp.${tp.id}`, { stageId: null, touchpointId: tp.id }) });
      }
    }
    res.status(status).render('manage/targets', {
      layout: 'dashboard',
      title: t(locale, 'manage.targets.title'),
      rows,
      hasErrors: Object.keys(errors).length > 0,
    });
  }

  route('get', '/manage/journey/targets', 'editor', async (_req, res) => {
    await renderTargets(res, null, {});
  });

  route('post', '/manage/journey/targets', 'editor', gridForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const changes: TargetChange[] = [];
    const errors: FieldErrors = {};
    for (const [name, raw] of Object.entries(body)) {
      const m = /^(?:journey|stage\.([1-9]\d{0,8})|tp\.([1-9]\d{0,8}))\.(nps|csat|ces)$/.exec(name);
      if (!m) continue;
      const metric = m[3] as MetricKind;
      const parsed = parseTarget(metric, raw);
      if (!parsed.ok) {
        errors[name] = t(locale, 'manage.err.targetRange', { min: formatNumber(TARGET_RANGES[metric].min, locale), max: formatNumber(TARGET_RANGES[metric].max, locale) });
        continue;
      }
      changes.push({ metric, stageId: m[1] ? Number(m[1]) : null, touchpointId: m[2] ? Number(m[2]) : null, target: parsed.value });
    }
    if (Object.keys(errors).length > 0) return renderTargets(res, typedValues(body), errors, 400);
    await saveTargets(db, changes);
    await redirectWithFlash(req, res, t(locale, 'manage.targets.saved'), '/manage/journey');
  });

  return router;
}
