import crypto from 'node:crypto';
import type { Request, Response, Router } from 'express';
import type { AppDeps } from '../../deps';
import { t, type Locale } from '../../i18n';
import { dashboardRouter } from '../../web/dashboard-router';
import { HttpError, notFound } from '../../web/errors';
import { csrfProtection } from '../../web/middleware/csrf';
import type { SessionUser } from '../../web/middleware/auth';
import { getSettings } from '../settings';
import { responseRate } from '../metrics';
import { uuidParam } from '../../web/params';
import { formatNumber, formatterFor } from '../../web/format';
import { shortForm } from '../../web/forms';
import { audienceFormSchema, sendFormSchema, type AudienceForm, type SendForm } from './invitations.schemas';
import {
  getBatch, getSurveyResponseRate, getSendSurvey, listBatches, listFailures, sampleAttributeNames, sampleAttributeValues,
  type BatchSummary, type DeliveryFailure, type ResponseRate, type SendSurvey,
} from './invitations.queries';
import { previewSegment, sendInvitations, type Segment } from './send.service';

/** Seconds between refreshes of the progress page while mail is still going out. */
const PROGRESS_REFRESH_SECONDS = 3;

/** SPEC §3's one response rate (responseRate()), for the survey (all time) or one send. */
function rateView(rate: ResponseRate, locale: Locale, of: 'survey' | 'batch' = 'survey') {
  return {
    sent: rate.sent,
    percent: rate.rate === null ? null : formatterFor(locale, 'UTC').percent(rate.rate),
    detail: t(locale, of === 'survey' ? 'invite.responseRateDetail' : 'invite.batchRateDetail', { responded: formatNumber(rate.responded, locale), sent: formatNumber(rate.sent, locale) }),
  };
}

function audienceLabel(audience: BatchSummary['audience'], locale: Locale): string {
  if (audience.type !== 'segment') return `${t(locale, 'invite.list')} (${formatNumber(audience.count ?? 0, locale)})`;
  const pairs = Object.entries(audience.segment ?? {}).map(([k, v]) => `${k} = ${String(v)}`);
  const who = pairs.length > 0 ? pairs.join(', ') : t(locale, 'invite.everyone');
  return typeof audience.sample === 'number' ? `${who} · ${t(locale, 'invite.samplePercent', { percent: formatNumber(audience.sample * 100, locale) })}` : who;
}

function batchView(b: BatchSummary, surveyId: string, locale: Locale, timeZone: string) {
  const pending = b.counts.queued + b.counts.sending;
  return {
    href: `/manage/surveys/${surveyId}/send/${b.id}`,
    when: formatterFor(locale, timeZone).dateTime(b.createdAt),
    by: b.requestedBy,
    audience: audienceLabel(b.audience, locale),
    queued: formatNumber(b.queued, locale),
    sent: formatNumber(b.counts.sent, locale),
    failed: b.counts.failed,
    failedText: formatNumber(b.counts.failed, locale),
    pending,
    pendingText: formatNumber(pending, locale),
  };
}

function failureView(f: DeliveryFailure, locale: Locale, timeZone: string) {
  return { email: f.email ?? t(locale, 'invite.deletedContact'), error: f.error ?? '', at: formatterFor(locale, timeZone).dateTime(f.at) };
}

/** The form's choice as a segment and a sample fraction. */
function choiceOf(input: AudienceForm): { segment: Segment; sample: number | null; recontactDays?: number } {
  return {
    segment: input.audience === 'segment' && input.attribute ? { [input.attribute]: input.value ?? '' } : {},
    sample: input.sample === undefined ? null : input.sample / 100,
    recontactDays: input.recontact_days,
  };
}

/**
 * /manage/surveys/:id/send: choose all contacts, a segment or a random sample, preview the count, send;
 * then a progress page that refreshes itself (no script) until the batch is delivered.
 */
export function sendPagesRouter({ db, queue }: AppDeps): Router {
  const { router, route } = dashboardRouter();

  async function loadSurvey(req: Request): Promise<SendSurvey> {
    const id = uuidParam(req.params.id);
    const survey = id ? await getSendSurvey(db, id) : null;
    if (!survey) throw notFound();
    return survey;
  }

  async function renderSendPage(res: Response, survey: SendSurvey, values: Record<string, string>, errors: Record<string, string>, choice: { segment: Segment; sample: number | null; recontactDays?: number } | null, status = 200) {
    const locale: Locale = res.locals.locale;
    const settings = await getSettings(db);
    const [rate, batches, failures, attributeNames] = await Promise.all([
      getSurveyResponseRate(db, survey.id), listBatches(db, survey.id), listFailures(db, { surveyId: survey.id }, 20), sampleAttributeNames(db),
    ]);
    const preview = choice && survey.status === 'active' ? await previewSegment(db, survey.id, choice.segment, choice.sample, choice.recontactDays) : null;
    const attributeValues = await sampleAttributeValues(db, attributeNames);
    res.status(status).render('manage/send', {
      layout: 'dashboard',
      title: t(locale, 'invite.title'),
      survey,
      active: survey.status === 'active',
      rate: rateView(rate, locale),
      values,
      errors,
      attributeNames,
      attributeValues: (attributeValues.find((a) => a.name === values.attribute)?.values ?? attributeValues.flatMap((a) => a.values.map((v) => `${v}`))).slice(0, 60),
      attributeHints: attributeValues.map((a) => ({ name: a.name, values: a.values.slice(0, 8).join(', ') })),
      defaultRecontact: survey.recontactDays,
      preview: preview && {
        eligible: formatNumber(preview.eligible, locale),
        sampled: choice?.sample != null,
        sampleText: choice?.sample != null ? formatterFor(locale, 'UTC').plain(choice.sample * 100) : '',
        recontactOverridden: preview.recontactOverridden,
        matching: formatNumber(preview.matching, locale),
        unsubscribed: formatNumber(preview.unsubscribed, locale),
        throttled: formatNumber(preview.throttled, locale),
        willSend: preview.willSend,
        willSendText: formatNumber(preview.willSend, locale),
        recontactDays: preview.recontactDays,
        batch: crypto.randomUUID(),
      },
      batches: batches.map((b) => batchView(b, survey.id, locale, settings.timeZone)),
      failures: failures.items.map((f) => failureView(f, locale, settings.timeZone)),
      failuresMore: failures.total > failures.items.length ? t(locale, 'invite.failuresMore', { shown: failures.items.length, total: formatNumber(failures.total, locale) }) : null,
    });
  }

  /** Joi's findings as messages next to the fields. */
  function formErrors(locale: Locale, details: Array<{ path: Array<string | number> }>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const d of details) {
      const field = String(d.path[0]);
      if (field === 'attribute') out.attribute = t(locale, 'invite.attributeInvalid');
      else if (field === 'value') out.value = t(locale, 'invite.valueInvalid');
      else if (field === 'sample') out.sample = t(locale, 'invite.sampleInvalid');
      else if (field === 'recontact_days') out.recontact_days = t(locale, 'invite.recontactInvalid');
      else out.form = t(locale, 'form.invalid');
    }
    return out;
  }

  function formValues(raw: Record<string, unknown>): Record<string, string> {
    const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 600) : '');
    return { audience: str(raw.audience) === 'segment' ? 'segment' : 'all', attribute: str(raw.attribute), value: str(raw.value), sample: str(raw.sample), recontact_days: str(raw.recontact_days) };
  }

  route('get', '/manage/surveys/:id/send', 'editor', async (req, res) => {
    const survey = await loadSurvey(req);
    const locale: Locale = res.locals.locale;
    const query = req.query as Record<string, unknown>;
    const values = formValues(query);
    if (query.preview === undefined) return renderSendPage(res, survey, values, {}, null);
    const { preview: _preview, ...fields } = query;
    const { value, error } = audienceFormSchema.validate(fields, { abortEarly: false, convert: true });
    if (error) return renderSendPage(res, survey, values, formErrors(locale, error.details), null, 400);
    return renderSendPage(res, survey, values, {}, choiceOf(value as AudienceForm));
  });

  route('post', '/manage/surveys/:id/send', 'editor', shortForm, csrfProtection, async (req, res) => {
    const survey = await loadSurvey(req);
    const locale: Locale = res.locals.locale;
    if (survey.status !== 'active') throw new HttpError(409, 'survey_not_active', 'Only an active survey can be sent', [], 'invite.notActive');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { value, error } = sendFormSchema.validate(body, { abortEarly: false, convert: true });
    if (error) return renderSendPage(res, survey, formValues(body), formErrors(locale, error.details), null, 400);
    const input = value as SendForm;
    const { segment, sample, recontactDays } = choiceOf(input);
    const user = res.locals.user as SessionUser;
    const report = await sendInvitations({ db, queue }, {
      surveyId: survey.id,
      audience: { type: 'segment', segment, sample },
      source: 'dashboard',
      requestedBy: user.email,
      batchId: input.batch,
      recontactDays,
    });
    if (!report.repeated) req.session.flash = { kind: 'ok', text: t(locale, 'invite.queuedFlash', { count: formatNumber(report.queued, locale) }) };
    res.redirect(303, `/manage/surveys/${survey.id}/send/${report.batchId}`);
  });

  route('get', '/manage/surveys/:id/send/:batchId', 'editor', async (req, res) => {
    const survey = await loadSurvey(req);
    const batchId = uuidParam(req.params.batchId);
    const batch = batchId ? await getBatch(db, survey.id, batchId) : null;
    if (!batch) throw notFound();
    const locale: Locale = res.locals.locale;
    const { timeZone } = await getSettings(db);
    const failures = await listFailures(db, { surveyId: survey.id, batchId: batch.id });
    const done = batch.counts.sent + batch.counts.failed + batch.counts.cancelled;
    const live = batch.counts.queued + batch.counts.sending > 0;
    res.render('manage/send-progress', {
      layout: 'dashboard',
      title: t(locale, 'invite.progressTitle'),
      survey,
      batch: batchView(batch, survey.id, locale, timeZone),
      live,
      refreshSeconds: PROGRESS_REFRESH_SECONDS,
      total: batch.queued,
      done,
      progressLabel: t(locale, 'invite.progressLabel', { done: formatNumber(done, locale), total: formatNumber(batch.queued, locale) }),
      counts: [
        ...(['queued', 'sending', 'sent', 'failed', 'cancelled'] as const).map((s) => ({
          status: s, label: t(locale, `invite.status.${s}`), value: formatNumber(batch.counts[s], locale), some: batch.counts[s] > 0,
        })),
        { status: 'opened', label: t(locale, 'invite.openedCount'), value: formatNumber(batch.opened, locale), some: batch.opened > 0 },
        { status: 'responded', label: t(locale, 'invite.respondedCount'), value: formatNumber(batch.responded, locale), some: batch.responded > 0 },
      ],
      skipped: t(locale, 'invite.skippedLine', {
        unsubscribed: formatNumber(batch.skipped.unsubscribed ?? 0, locale),
        throttled: formatNumber(batch.skipped.throttled ?? 0, locale),
      }),
      rate: rateView(responseRate(batch.counts.sent, batch.responded), locale, 'batch'),
      failures: failures.items.map((f) => failureView(f, locale, timeZone)),
      failuresMore: failures.total > failures.items.length ? t(locale, 'invite.failuresMore', { shown: failures.items.length, total: formatNumber(failures.total, locale) }) : null,
    });
  });

  return router;
}
