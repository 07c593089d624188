import crypto from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import QRCode from 'qrcode';
import { rateLimit } from 'express-rate-limit';
import type { AppDeps } from '../../deps';
import { t, resolveLocale, type Locale, type MessageKey } from '../../i18n';
import { HttpError, UNAVAILABLE_RETRY_AFTER_SECONDS } from '../../web/errors';
import { shortForm } from '../../web/forms';
import { uuidParam } from '../../web/params';
import { SCALES, type MetricKind } from '../metrics/scoring';
import { COMMENT_MAX_LENGTH, recordResponse } from '../responses';
import { publicSurveyUrl, qrTargetUrl, questionText, scalePoints } from '../surveys';
import { INVITATION_TOKEN_PATTERN } from '../invitations';
import { answerSchema, hiddenFieldsFrom } from './public.schemas';
import { getRespondentSurvey, type RespondentSurvey } from './queries/getRespondentSurvey';
import { getRespondentInvitation } from './queries/getRespondentInvitation';
import { markInvitationOpened, RecentSurveys } from './public.service';
import { sharedRateLimitStore } from '../rate-limits';
import { isDatabaseUnavailable } from '../../db/unavailable';
import { DomainError } from '../../domain-error';

interface FormState {
  score: number | null;
  comment: string;
  error: string | null;
  notice: string | null;
  /** The one-time key the form carries; a new one unless an answer that may be stored is shown again. */
  submissionKey?: string | null;
}

/** The team's own text in the respondent's language, or null for the default wording. */
function localized(locale: Locale, vi: string | null, en: string | null): string | null {
  return locale === 'vi' ? vi : en;
}

function pageError(status: number, code: string, key: MessageKey, vars: Record<string, string | number> = {}) {
  return new HttpError(status, code, t('en', key, vars), [], key, vars);
}

/**
 * A survey the public may see anything of (its page, thanks page, QR code, poster): one that exists and
 * is not a draft. A draft's wording is not out yet, so all of them answer 404 as its page does.
 */
function assertPublished(survey: RespondentSurvey | null): RespondentSurvey {
  if (!survey || survey.status === 'draft') throw pageError(404, 'survey_not_found', 'error.surveyNotFound');
  return survey;
}

/** The survey as the respondent sees it: published and open, or a clear page with a 4xx (a closed one: 410). */
function assertAnswerable(survey: RespondentSurvey | null): RespondentSurvey {
  const published = assertPublished(survey);
  if (published.status === 'closed') throw pageError(410, 'survey_closed', 'error.surveyClosed');
  return published;
}

/** The same path and query with another language, for the language switch. */
function withLang(req: Request, locale: Locale): string {
  const url = new URL(req.originalUrl, 'http://x');
  url.searchParams.set('lang', locale);
  return url.pathname + url.search;
}

function renderSurvey(req: Request, res: Response, survey: RespondentSurvey, locale: Locale, state: FormState, status = 200) {
  const kind: MetricKind = survey.kind;
  const touchpoint = locale === 'vi' ? survey.touchpointVi : survey.touchpointEn;
  const other: Locale = locale === 'vi' ? 'en' : 'vi';
  const commentPrompt = localized(locale, survey.commentPromptVi, survey.commentPromptEn);
  res.status(status).render('public/survey', {
    layout: 'public',
    locale,
    title: questionText(survey, locale, { brand: survey.brand, touchpoint }),
    brand: survey.brand,
    question: questionText(survey, locale, { brand: survey.brand, touchpoint }),
    kind,
    points: scalePoints(kind, locale).map((p) => ({ ...p, checked: p.value === state.score })),
    askComment: survey.askComment,
    commentLabel: commentPrompt ?? t(locale, 'survey.commentLabel'),
    commentMax: COMMENT_MAX_LENGTH,
    comment: state.comment,
    error: state.error,
    notice: state.notice,
    action: req.originalUrl,
    submissionKey: state.submissionKey ?? crypto.randomBytes(16).toString('base64url'),
    switchUrl: withLang(req, other),
    switchLabel: t(locale, 'survey.languageSwitch'),
    range: SCALES[kind],
  });
}

/** The score from ?score=N, when it is a valid point of the scale. */
function preselectedScore(kind: MetricKind, raw: unknown): number | null | 'invalid' {
  if (raw === undefined) return null;
  const { min, max } = SCALES[kind];
  if (typeof raw !== 'string' || !/^\d{1,2}$/.test(raw)) return 'invalid';
  const n = Number(raw);
  return n >= min && n <= max ? n : 'invalid';
}

interface ParsedAnswer { score: number; comment: string | null; submissionKey: string | null }

/** Validates the posted form; on a problem, the form is shown again with the message and a 400. */
function parseAnswer(req: Request, res: Response, survey: RespondentSurvey, locale: Locale): ParsedAnswer | null {
  const { value, error } = answerSchema(survey.kind).validate(req.body ?? {}, { abortEarly: true, allowUnknown: false, convert: true });
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (error) {
    const field = String(error.details[0].path[0] ?? '');
    const { min, max } = SCALES[survey.kind];
    const message = field === 'score'
      ? t(locale, error.details[0].type === 'any.required' ? 'error.scoreMissing' : 'error.scoreInvalid', { min, max })
      : field === 'comment'
        ? t(locale, 'error.commentTooLong', { max: COMMENT_MAX_LENGTH })
        : t(locale, 'error.badRequest');
    const typed = typeof body.comment === 'string' ? body.comment.slice(0, COMMENT_MAX_LENGTH * 2) : '';
    renderSurvey(req, res, survey, locale, { score: null, comment: typed, error: message, notice: null }, 400);
    return null;
  }
  return { score: value.score, comment: value.comment ? value.comment : null, submissionKey: value.k ?? null };
}

export function publicRouter({ db, config }: AppDeps): Router {
  const router = Router();
  // Answers per address and minute: generous for a shop's wifi behind one address, tight for a script.
  const answerLimit = rateLimit({
    windowMs: 60_000,
    limit: config.publicRateLimitPerMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(pageError(429, 'too_many_requests', 'error.tooMany')),
    // Counted across every app instance, synced about once a second: no database round trip per answer.
    store: sharedRateLimitStore(db, 'public-answers'),
  });

  const recent = new RecentSurveys<RespondentSurvey>();

  async function loadSurvey(req: Request): Promise<RespondentSurvey | null> {
    const id = String(req.params.surveyId);
    if (!uuidParam(id)) return null;
    const survey = await getRespondentSurvey(db, id);
    recent.remember(survey);
    return survey;
  }

  /**
   * The database could not be reached: the form again, with a 503, the answer as it was posted (and its
   * one-time key, so that sending it again cannot store it twice) and "please try again".
   */
  function renderUnavailable(req: Request, res: Response, survey: RespondentSurvey, locale: Locale, answer: { score: number | null; comment: string; submissionKey: string | null }) {
    res.set('Retry-After', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
    renderSurvey(req, res, survey, locale, { ...answer, error: t(locale, 'error.unavailable'), notice: null }, 503);
  }

  /** The posted score and comment as typed, for a form shown again before they were validated. */
  function postedAnswer(req: Request): { score: number | null; comment: string; submissionKey: string | null } {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const score = typeof body.score === 'string' && /^\d{1,2}$/.test(body.score) ? Number(body.score) : null;
    const comment = typeof body.comment === 'string' ? body.comment.slice(0, COMMENT_MAX_LENGTH) : '';
    const submissionKey = typeof body.k === 'string' && /^[A-Za-z0-9_-]{22}$/.test(body.k) ? body.k : null;
    return { score, comment, submissionKey };
  }

  function localeFor(req: Request, res: Response, survey: RespondentSurvey | null, contact: Locale | null = null): Locale {
    const locale = resolveLocale(req, { choice: req.query.lang, contact, fallback: survey?.defaultLocale });
    res.locals.locale = locale;
    return locale;
  }

  router.get('/s/:surveyId', async (req, res) => {
    const found = await loadSurvey(req);
    const locale = localeFor(req, res, found);
    const survey = assertAnswerable(found);
    const hidden = hiddenFieldsFrom(req.query as Record<string, unknown>);
    if (!hidden) throw pageError(400, 'invalid_link', 'error.hiddenInvalid');
    const pre = preselectedScore(survey.kind, req.query.score);
    const { min, max } = SCALES[survey.kind];
    if (pre === 'invalid') {
      return renderSurvey(req, res, survey, locale, { score: null, comment: '', error: t(locale, 'error.scoreInvalid', { min, max }), notice: null }, 400);
    }
    renderSurvey(req, res, survey, locale, { score: pre, comment: '', error: null, notice: null });
  });

  // The survey as read less than a second ago, or read now; the write checks it is still active.
  router.post('/s/:surveyId', answerLimit, shortForm, async (req, res) => {
    const id = String(req.params.surveyId);
    let found = uuidParam(id) ? recent.fresh(id) : null;
    if (!found) {
      try {
        found = await loadSurvey(req);
      } catch (err) {
        const last = isDatabaseUnavailable(err) ? recent.last(id) : null;
        if (!last) throw err;
        return renderUnavailable(req, res, last, localeFor(req, res, last), postedAnswer(req));
      }
    }
    const locale = localeFor(req, res, found);
    const survey = assertAnswerable(found);
    const hidden = hiddenFieldsFrom(req.query as Record<string, unknown>);
    if (!hidden) throw pageError(400, 'invalid_link', 'error.hiddenInvalid');
    const answer = parseAnswer(req, res, survey, locale);
    if (!answer) return;
    try {
      await recordResponse(db, {
        surveyId: survey.id, kind: survey.kind, score: answer.score, comment: answer.comment,
        channel: req.query.via === 'qr' ? 'qr' : 'link', locale, hidden, submissionKey: answer.submissionKey, onlyIfActive: true,
      });
    } catch (err) {
      if (isDatabaseUnavailable(err)) return renderUnavailable(req, res, survey, locale, { ...answer, comment: answer.comment ?? '' });
      if (!(err instanceof DomainError && err.options.code === 'survey_not_answerable')) throw err;
      // Closed, made a draft or deleted since it was read: say which, as the page would now.
      recent.forget(id);
      const now = assertAnswerable(await loadSurvey(req));
      return renderSurvey(req, res, now, locale, { score: null, comment: answer.comment ?? '', error: t(locale, 'error.badRequest'), notice: null }, 409);
    }
    res.redirect(303, `/s/${survey.id}/thanks?lang=${locale}`);
  });

  router.get('/s/:surveyId/thanks', async (req, res) => {
    const found = await loadSurvey(req);
    const locale = localeFor(req, res, found);
    renderThanks(res, assertPublished(found), locale, null);
  });

  function renderThanks(res: Response, survey: RespondentSurvey, locale: Locale, changeUrl: string | null) {
    res.render('public/thanks', {
      layout: 'public',
      locale,
      title: t(locale, 'thanks.title'),
      brand: survey.brand,
      message: localized(locale, survey.thankYouVi, survey.thankYouEn) ?? t(locale, 'thanks.default'),
      changeUrl: survey.status === 'active' ? changeUrl : null,
    });
  }

  router.get('/s/:surveyId/qr.svg', async (req, res) => {
    const survey = assertPublished(await loadSurvey(req));
    const svg = await QRCode.toString(qrTargetUrl(config.baseUrl, survey.id), { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
    res.set('Cache-Control', 'public, max-age=3600').type('image/svg+xml').send(svg);
  });

  router.get('/s/:surveyId/qr.png', async (req, res) => {
    const survey = assertPublished(await loadSurvey(req));
    const png = await QRCode.toBuffer(qrTargetUrl(config.baseUrl, survey.id), { type: 'png', margin: 2, width: 600, errorCorrectionLevel: 'M' });
    res.set('Cache-Control', 'public, max-age=3600').type('image/png').send(png);
  });

  router.get('/s/:surveyId/poster', async (req, res) => {
    const loaded = await loadSurvey(req);
    const locale = localeFor(req, res, loaded);
    const found = assertPublished(loaded);
    const size = req.query.size === undefined ? 'a4' : req.query.size;
    if (size !== 'a4' && size !== 'a6') throw pageError(400, 'invalid_size', 'error.badRequest');
    const touchpoint = locale === 'vi' ? found.touchpointVi : found.touchpointEn;
    const target = qrTargetUrl(config.baseUrl, found.id);
    res.render('public/poster', {
      layout: 'poster',
      locale,
      size,
      title: found.brand,
      brand: found.brand,
      question: questionText(found, locale, { brand: found.brand, touchpoint }),
      qrSvg: await QRCode.toString(target, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }),
      url: publicSurveyUrl(config.baseUrl, found.id),
    });
  });

  async function loadInvitation(req: Request, res: Response) {
    const token = String(req.params.token);
    const invitation = INVITATION_TOKEN_PATTERN.test(token) ? await getRespondentInvitation(db, token) : null;
    const locale = localeFor(req, res, invitation?.survey ?? null, invitation?.contactLocale ?? null);
    if (!invitation) throw pageError(404, 'invitation_not_found', 'error.invitationNotFound');
    return { invitation, locale };
  }

  // A GET never writes an answer: link scanners fetch every URL in an email. It only marks the invitation opened.
  router.get('/i/:token', async (req, res) => {
    const { invitation, locale } = await loadInvitation(req, res);
    const survey = assertAnswerable(invitation.survey);
    if (!invitation.openedAt) await markInvitationOpened(db, invitation.invitationId);
    const pre = preselectedScore(survey.kind, req.query.score);
    const { min, max } = SCALES[survey.kind];
    if (pre === 'invalid') {
      return renderSurvey(req, res, survey, locale, { score: invitation.previousScore, comment: invitation.previousComment ?? '', error: t(locale, 'error.scoreInvalid', { min, max }), notice: null }, 400);
    }
    const answered = invitation.previousScore !== null;
    renderSurvey(req, res, survey, locale, {
      score: pre ?? invitation.previousScore,
      comment: invitation.previousComment ?? '',
      error: null,
      notice: answered ? t(locale, 'survey.alreadyAnswered') : pre !== null ? t(locale, 'survey.confirmPreselected') : null,
    });
  });

  router.post('/i/:token', answerLimit, shortForm, async (req, res) => {
    const { invitation, locale } = await loadInvitation(req, res);
    const survey = assertAnswerable(invitation.survey);
    const answer = parseAnswer(req, res, survey, locale);
    if (!answer) return;
    try {
      await recordResponse(db, {
        surveyId: survey.id, kind: survey.kind, score: answer.score, comment: answer.comment, channel: 'email', locale,
        contactId: invitation.contactId, invitationId: invitation.invitationId,
      });
    } catch (err) {
      if (isDatabaseUnavailable(err)) return renderUnavailable(req, res, survey, locale, { ...answer, comment: answer.comment ?? '' });
      throw err;
    }
    res.redirect(303, `/i/${req.params.token}/thanks?lang=${locale}`);
  });

  router.get('/i/:token/thanks', async (req, res) => {
    const { invitation, locale } = await loadInvitation(req, res);
    renderThanks(res, assertPublished(invitation.survey), locale, `/i/${req.params.token}?lang=${locale}`);
  });

  return router;
}
