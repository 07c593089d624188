import type { Request, Response, Router } from 'express';
import type { AppDeps } from '../../deps';
import { DomainError } from '../../domain-error';
import { t, type Locale } from '../../i18n';
import { dashboardRouter } from '../../web/dashboard-router';
import { csrfProtection } from '../../web/middleware/csrf';
import { type FieldErrors, manageForm, normalizeText, redirectWithFlash, typedValues, validateForm } from '../../web/forms';
import { formatNumber, formatterFor } from '../../web/format';
import { listStages, pickTouchpoints } from '../journeys';
import { SCALES, type MetricKind } from '../metrics/scoring';
import { posterUrl, publicSurveyUrl, qrImageUrl } from './links';
import { getSettings } from '../settings';
import { SURVEY_STATUSES } from './survey.entity';
import { KINDS, PICKER_SEARCH, SURVEY_FIELD_MESSAGES, surveyForm, typedQuestion, type SurveyForm } from './surveys.forms';
import { createSurvey, requireSurvey, updateSurvey, type SurveyInput } from './surveys.service';
import { countSurveyResponses } from './queries/countSurveyResponses';
import type { SurveyRow } from './queries/getSurvey';
import { listSurveys } from './queries/listSurveys';
import { getSurveyRates } from './queries/getSurveyRates';
import { getHistogramRows, type Histogram } from '../metrics';
import { scoreView } from '../dashboard';
import { resolvePeriod } from '../../web/params';
import { DEFAULT_QUESTIONS, questionText, SCALE_LABELS } from './wording';

/** A journey with more touchpoints than this gets a search in the survey form's picker (it lists at most this many). */
export const PICKER_LIMIT = 50;

const STATUS_BADGE: Record<string, string> = { active: 'good', draft: 'warn', closed: '' };

function localized(locale: Locale, vi: string | null, en: string | null): string | null {
  return locale === 'vi' ? vi : en;
}

/** "Checkout (Decision)", "Decision (relationship)" or "Whole journey". */
function attachedTo(locale: Locale, s: SurveyRow): string {
  const stage = localized(locale, s.stageVi, s.stageEn);
  if (s.touchpointId !== null) return `${localized(locale, s.touchpointVi, s.touchpointEn)} (${stage})`;
  if (s.stageId !== null) return t(locale, 'manage.survey.stageLevel', { stage: stage ?? '' });
  return t(locale, 'manage.survey.wholeJourney');
}

function formValues(s: SurveyRow): Record<string, string> {
  return {
    title: s.title,
    kind: s.kind,
    attach: s.touchpointId !== null ? `touchpoint:${s.touchpointId}` : s.stageId !== null ? `stage:${s.stageId}` : '',
    status: s.status,
    question_vi: s.questionVi ?? DEFAULT_QUESTIONS[s.kind].vi,
    question_en: s.questionEn ?? DEFAULT_QUESTIONS[s.kind].en,
    ask_comment: s.askComment ? '1' : '',
    comment_prompt_vi: s.commentPromptVi ?? t('vi', 'survey.commentLabel'),
    comment_prompt_en: s.commentPromptEn ?? t('en', 'survey.commentLabel'),
    thank_you_vi: s.thankYouVi ?? t('vi', 'thanks.default'),
    thank_you_en: s.thankYouEn ?? t('en', 'thanks.default'),
    recontact_days: s.recontactDays === null ? '' : String(s.recontactDays),
  };
}

function newFormValues(kind: MetricKind): Record<string, string> {
  return {
    title: '', kind, attach: '', status: 'active',
    question_vi: DEFAULT_QUESTIONS[kind].vi, question_en: DEFAULT_QUESTIONS[kind].en, ask_comment: '1',
    comment_prompt_vi: t('vi', 'survey.commentLabel'), comment_prompt_en: t('en', 'survey.commentLabel'),
    thank_you_vi: t('vi', 'thanks.default'), thank_you_en: t('en', 'thanks.default'), recontact_days: '',
  };
}

/** A refusal of the service that belongs next to a field of the form; null for any other error. */
function fieldProblem(err: unknown, locale: Locale): FieldErrors | null {
  if (!(err instanceof DomainError)) return null;
  if (err.options.code === 'kind_locked') return { kind: t(locale, 'manage.survey.kindLocked') };
  if (err.kind === 'unknown_reference') return { attach: t(locale, 'manage.err.choice') };
  return null;
}

function attachFrom(value: string): SurveyInput['attach'] {
  const [type, id] = value.split(':');
  if (type === 'stage') return { stageId: Number(id) };
  if (type === 'touchpoint') return { touchpointId: Number(id) };
  return null;
}

/** /manage/surveys: the list, the create and edit form, and each survey's page with its link, QR code and posters. */
export function surveyPagesRouter({ db, config }: AppDeps): Router {
  const { router, route } = dashboardRouter();

  route('get', '/manage/surveys', 'viewer', async (_req, res) => {
    const locale: Locale = res.locals.locale;
    const { timeZone } = await getSettings(db);
    const fmt = formatterFor(locale, timeZone);
    // Score, n and response rate over the dashboard's default period (the last 30 days), as the survey's results page shows them.
    const period = resolvePeriod({}, timeZone);
    const [surveys, rows, rates] = await Promise.all([
      listSurveys(db, 'newest first'),
      getHistogramRows(db, { buckets: [{ key: 'current', ...period }], per: 'survey', timeZone }),
      getSurveyRates(db, period, timeZone),
    ]);
    const histograms = new Map<string, Histogram>();
    for (const r of rows) {
      const h = histograms.get(r.group) ?? {};
      h[r.score] = (h[r.score] ?? 0) + r.n;
      histograms.set(r.group, h);
    }
    res.render('manage/surveys', {
      layout: 'dashboard',
      title: t(locale, 'nav.surveys'),
      surveys: surveys.map((s) => ({
        id: s.id,
        kind: t(locale, `manage.kind.${s.kind}`),
        title: s.title,
        attachedTo: attachedTo(locale, s),
        status: t(locale, `manage.status.${s.status}`),
        statusBadge: STATUS_BADGE[s.status],
        created: formatterFor(locale, timeZone).date(s.createdAt),
        score: scoreView(s.kind, histograms.get(s.id) ?? {}, fmt),
        rateText: rates.get(s.id)?.rate != null ? fmt.percent(rates.get(s.id)?.rate as number, 1) : '–',
        rateTitle: rates.has(s.id) ? t(locale, 'metrics.responseRateOf', { responded: fmt.count(rates.get(s.id)?.responded ?? 0), sent: fmt.count(rates.get(s.id)?.sent ?? 0) }) : '',
        resultsLink: `/surveys/${s.id}`,
      })),
      periodText: t(locale, 'metrics.periodText', { from: fmt.day(period.from), to: fmt.day(period.to) }),
    });
  });

  async function renderForm(res: Response, opts: { survey: SurveyRow | null; values: Record<string, string>; errors: FieldErrors; status?: number }) {
    const locale: Locale = res.locals.locale;
    const { survey, values, errors } = opts;
    const search = errors.attach_q ? '' : (values.attach_q ?? '').trim();
    const selected = /^touchpoint:(\d+)$/.exec(values.attach ?? '');
    const [stages, picker, responses, settings] = await Promise.all([
      listStages(db), pickTouchpoints(db, { search, selectedId: selected ? Number(selected[1]) : null, limit: PICKER_LIMIT }),
      survey ? countSurveyResponses(db, survey.id) : Promise.resolve(0), getSettings(db),
    ]);
    const touchpoints = picker.choices;
    const searchable = picker.total > PICKER_LIMIT;
    const name = (row: { nameVi: string; nameEn: string }) => (locale === 'vi' ? row.nameVi : row.nameEn);
    res.status(opts.status ?? 200).render('manage/survey-form', {
      layout: 'dashboard',
      title: survey ? t(locale, 'manage.survey.editTitle', { title: survey.title }) : t(locale, 'manage.survey.newTitle'),
      isNew: !survey,
      action: survey ? `/manage/surveys/${survey.id}` : '/manage/surveys',
      cancel: survey ? `/manage/surveys/${survey.id}` : '/manage/surveys',
      values,
      errors,
      hasErrors: Object.keys(errors).length > 0,
      kindLocked: responses > 0,
      lockedKind: survey ? t(locale, `manage.kindLong.${survey.kind}`) : null,
      chosenKind: KINDS.includes(values.kind as MetricKind) ? t(locale, `manage.kindLong.${values.kind as MetricKind}`) : '',
      kinds: KINDS.map((k) => ({ value: k, label: t(locale, `manage.kindLong.${k}`), selected: k === values.kind, href: `/manage/surveys/new?kind=${k}` })),
      statuses: SURVEY_STATUSES.map((s) => ({ value: s, label: t(locale, `manage.status.${s}`), selected: s === values.status })),
      stageOptions: stages.map((s) => ({ value: `stage:${s.id}`, label: name(s), selected: values.attach === `stage:${s.id}` })),
      touchpointGroups: stages.map((s) => ({
        label: t(locale, 'manage.survey.touchpointsOf', { stage: name(s) }),
        options: touchpoints.filter((tp) => tp.stageId === s.id)
          .map((tp) => ({ value: `touchpoint:${tp.id}`, label: name(tp), selected: values.attach === `touchpoint:${tp.id}` })),
      })).filter((g) => g.options.length > 0),
      picker: searchable ? {
        search,
        hint: search
          ? t(locale, 'manage.survey.pickerMatches', { count: formatNumber(picker.matches, locale), shown: formatNumber(Math.min(picker.matches, PICKER_LIMIT), locale), search })
          : t(locale, 'manage.survey.pickerHint', { total: formatNumber(picker.total, locale), shown: formatNumber(PICKER_LIMIT, locale) }),
      } : null,
      defaultRecontact: settings.recontactDays,
    });
  }

  async function submit(req: Request, res: Response, existing: SurveyRow | null) {
    const locale: Locale = res.locals.locale;
    if ((req.body as Record<string, unknown>)?._find !== undefined) {
      // The picker's Find button: the same form again, as typed, with the touchpoints matching the search.
      const { error } = PICKER_SEARCH.validate((req.body as Record<string, unknown>).attach_q ?? '');
      const values = typedValues(req.body);
      return renderForm(res, { survey: existing, values, errors: error ? { attach_q: t(locale, 'manage.survey.pickerBadSearch') } : {}, status: error ? 400 : 200 });
    }
    const { value, errors } = validateForm<SurveyForm>(surveyForm, req.body, locale, SURVEY_FIELD_MESSAGES);
    // A survey whose kind is fixed posts it as a hidden field; an edit without it keeps the stored kind.
    const kind = KINDS.find((k) => k === (req.body as Record<string, unknown>)?.kind) ?? existing?.kind;
    const typed: Record<string, string> = { ...typedValues(req.body), kind: kind ?? '' };
    // A default question of another kind (the kind was changed) is shown again as the chosen kind's default.
    if (kind) {
      for (const lang of ['vi', 'en'] as const) {
        if (typedQuestion(typed[`question_${lang}`] ?? '', lang) === null) typed[`question_${lang}`] = DEFAULT_QUESTIONS[kind][lang];
      }
    }
    if (!value || !kind) {
      return renderForm(res, { survey: existing, values: typed, errors: { ...(kind ? {} : { kind: t(locale, 'manage.err.required') }), ...errors }, status: 400 });
    }
    const input: SurveyInput = {
      kind,
      title: value.title,
      attach: attachFrom(value.attach),
      status: value.status,
      questionVi: typedQuestion(value.question_vi, 'vi'),
      questionEn: typedQuestion(value.question_en, 'en'),
      askComment: value.ask_comment === '1',
      commentPromptVi: normalizeText(value.comment_prompt_vi),
      commentPromptEn: normalizeText(value.comment_prompt_en),
      thankYouVi: normalizeText(value.thank_you_vi),
      thankYouEn: normalizeText(value.thank_you_en),
      recontactDays: value.recontact_days,
    };
    let saved: SurveyRow;
    try {
      saved = existing ? await updateSurvey(db, existing.id, input) : await createSurvey(db, input);
    } catch (err) {
      const problem = fieldProblem(err, locale);
      if (!problem) throw err;
      return renderForm(res, { survey: existing, values: typed, errors: problem, status: 400 });
    }
    await redirectWithFlash(req, res, existing ? t(locale, 'form.saved') : t(locale, 'manage.survey.created'), `/manage/surveys/${saved.id}`);
  }

  route('get', '/manage/surveys/new', 'editor', async (req, res) => {
    const kind = KINDS.find((k) => k === req.query.kind) ?? 'nps';
    await renderForm(res, { survey: null, values: newFormValues(kind), errors: {} });
  });

  route('post', '/manage/surveys', 'editor', manageForm, csrfProtection, async (req, res) => {
    await submit(req, res, null);
  });

  route('get', '/manage/surveys/:id', 'viewer', async (req, res) => {
    const locale: Locale = res.locals.locale;
    const survey = await requireSurvey(db, String(req.params.id));
    const [settings, responses] = await Promise.all([getSettings(db), countSurveyResponses(db, survey.id)]);
    const preview = (['vi', 'en'] as const).map((lang) => {
      const touchpoint = localized(lang, survey.touchpointVi, survey.touchpointEn) ?? (survey.stageId !== null ? localized(lang, survey.stageVi, survey.stageEn) : null);
      return {
        lang,
        language: lang === 'vi' ? 'Tiếng Việt' : 'English',
        question: questionText(survey, lang, { brand: settings.brand, touchpoint }),
        custom: localized(lang, survey.questionVi, survey.questionEn) !== null,
        low: `${SCALES[survey.kind].min} – ${SCALE_LABELS[survey.kind].low[lang]}`,
        high: `${SCALES[survey.kind].max} – ${SCALE_LABELS[survey.kind].high[lang]}`,
        comment: survey.askComment ? localized(lang, survey.commentPromptVi, survey.commentPromptEn) ?? t(lang, 'survey.commentLabel') : null,
        thankYou: localized(lang, survey.thankYouVi, survey.thankYouEn) ?? t(lang, 'thanks.default'),
        // The preview of each language is labelled in that language, like the page it previews.
        thankYouLabel: t(lang, 'manage.field.thankYou'),
        defaultWording: t(lang, 'manage.survey.defaultWording'),
      };
    });
    res.render('manage/survey', {
      layout: 'dashboard',
      title: survey.title,
      survey: {
        id: survey.id,
        title: survey.title,
        kind: t(locale, `manage.kindLong.${survey.kind}`),
        status: t(locale, `manage.status.${survey.status}`),
        statusBadge: STATUS_BADGE[survey.status],
        isDraft: survey.status === 'draft',
        isClosed: survey.status === 'closed',
        attachedTo: attachedTo(locale, survey),
        recontact: survey.recontactDays === null
          ? t(locale, 'manage.survey.recontactDefault', { days: settings.recontactDays })
          : t(locale, 'manage.days', { days: survey.recontactDays }),
        created: formatterFor(locale, settings.timeZone).dateTime(survey.createdAt),
        updated: formatterFor(locale, settings.timeZone).dateTime(survey.updatedAt),
        responses: formatterFor(locale, settings.timeZone).count(responses),
        resultsLink: `/surveys/${survey.id}`,
      },
      publicUrl: publicSurveyUrl(config.baseUrl, survey.id),
      // Images and downloads are served by this same app: relative links keep them on the page's origin.
      qrSvg: new URL(qrImageUrl(config.baseUrl, survey.id, 'svg')).pathname,
      qrPng: new URL(qrImageUrl(config.baseUrl, survey.id, 'png')).pathname,
      posters: (['a4', 'a6'] as const).flatMap((size) => (['vi', 'en'] as const).map((lang) => {
        const url = new URL(posterUrl(config.baseUrl, survey.id, size));
        url.searchParams.set('lang', lang);
        return { href: url.pathname + url.search, label: t(locale, `manage.survey.poster.${size}`), language: lang === 'vi' ? 'Tiếng Việt' : 'English', lang };
      })),
      preview,
    });
  });

  route('get', '/manage/surveys/:id/edit', 'editor', async (req, res) => {
    const survey = await requireSurvey(db, String(req.params.id));
    await renderForm(res, { survey, values: formValues(survey), errors: {} });
  });

  route('post', '/manage/surveys/:id', 'editor', manageForm, csrfProtection, async (req, res) => {
    await submit(req, res, await requireSurvey(db, String(req.params.id)));
  });

  return router;
}
