import type { Response, Router } from 'express';
import type { AppDeps } from '../../deps';
import { t, type Locale } from '../../i18n';
import { EMAIL_FRAME_POLICY, withLinksInNewTab } from '../../mail';
import { dashboardRouter } from '../../web/dashboard-router';
import { csrfProtection } from '../../web/middleware/csrf';
import type { SessionUser } from '../../web/middleware/auth';
import { check } from '../../web/middleware/validate';
import { type FieldErrors, manageForm, redirectWithFlash, validateForm } from '../../web/forms';
import { formatterFor } from '../../web/format';
import { getSettings } from '../settings';
import { choiceForm, previewQuery, type ChoiceForm, type PreviewQuery } from './digest.forms';
import { currentDigests, nextWeeklyAt } from './digest.period';
import { DIGEST_CHOICES, getDigestChoice, listDigestRecipients, listDigestRuns, previewDigest, setDigestChoice } from './digest.service';
import { UNSUBSCRIBE_PLACEHOLDER } from './digest.view';

/**
 * /manage/digest (admin): a preview of the next digest in either language and either kind, who receives it,
 * when it goes out and how the recent ones went. /profile/digest (everyone): each user's own choice.
 */
export function digestPagesRouter({ db, config }: AppDeps): Router {
  const { router, route } = dashboardRouter();

  function previewPeriod(q: PreviewQuery, timeZone: string) {
    const [week, day] = currentDigests(new Date(), timeZone);
    return q.kind === 'daily' ? day : week;
  }

  route('get', '/manage/digest', 'admin', async (req, res) => {
    const q = check<PreviewQuery>(previewQuery, req.query);
    const locale: Locale = res.locals.locale;
    const lang = q.lang ?? locale;
    const settings = await getSettings(db);
    const fmt = formatterFor(locale, settings.timeZone);
    const [recipients, runs] = await Promise.all([listDigestRecipients(db), listDigestRuns(db)]);
    const schedule = { timeZone: settings.timeZone, weekday: settings.digestWeekday, hour: settings.digestHour };
    const link = (over: Partial<PreviewQuery>) => `?${new URLSearchParams({ lang, kind: q.kind, ...over }).toString()}`;
    res.render('manage/digest', {
      layout: 'dashboard',
      title: t(locale, 'nav.digest'),
      languages: (['vi', 'en'] as const).map((l) => ({ label: l === 'vi' ? 'Tiếng Việt' : 'English', href: link({ lang: l }), current: l === lang, lang: l })),
      kinds: (['weekly', 'daily'] as const).map((k) => ({ label: t(locale, `digest.frequency.${k}`), href: link({ kind: k }), current: k === q.kind })),
      frameSrc: `/manage/digest/preview.html${link({})}`,
      nextText: t(locale, 'digest.preview.next', { when: fmt.dateTime(nextWeeklyAt(new Date(), schedule)) }),
      recipients: [...recipients.weekly.map((r) => ({ ...r, frequency: 'weekly' as const })), ...recipients.daily.map((r) => ({ ...r, frequency: 'daily' as const }))]
        .map((r) => ({ email: r.email, what: r.kind === 'extra' ? t(locale, 'digest.preview.extra') : t(locale, `digest.frequency.${r.frequency}`), locale: r.locale })),
      runs: runs.map((r) => ({
        period: r.from === r.to ? fmt.day(r.from) : `${fmt.day(r.from)} – ${fmt.day(r.to)}`,
        kind: t(locale, `digest.frequency.${r.frequency}`),
        skipped: r.outcome === 'skipped_empty',
        sent: fmt.count(r.sent),
        pending: fmt.count(r.pending),
        failed: fmt.count(r.failed),
        hasFailed: r.failed > 0,
        at: fmt.dateTime(r.createdAt),
      })),
    });
  });

  /** The email itself, for the preview's frame: its own policy allows the inline styles emails need. */
  route('get', '/manage/digest/preview.html', 'admin', async (req, res) => {
    const q = check<PreviewQuery>(previewQuery, req.query);
    const { timeZone } = await getSettings(db);
    const preview = await previewDigest(db, config, {
      period: previewPeriod(q, timeZone),
      locale: q.lang ?? res.locals.locale,
      chartSrc: (png) => `data:image/png;base64,${png.toString('base64')}`,
    });
    res.set('Content-Security-Policy', EMAIL_FRAME_POLICY);
    res.set('Cache-Control', 'private, no-store');
    res.type('html').send(withLinksInNewTab(preview.html.user.replaceAll(UNSUBSCRIBE_PLACEHOLDER, `${config.baseUrl}/profile/digest`)));
  });

  async function renderChoice(res: Response, choice: string, errors: FieldErrors, status = 200) {
    const locale: Locale = res.locals.locale;
    const settings = await getSettings(db);
    const hour = `${String(settings.digestHour).padStart(2, '0')}:00`;
    res.status(status).render('manage/digest-profile', {
      layout: 'dashboard',
      title: t(locale, 'nav.myDigest'),
      intro: t(locale, 'digest.profile.intro', { when: `${t(locale, `manage.weekday.${settings.digestWeekday}` as 'manage.weekday.1')} ${hour}`, hour }),
      choices: DIGEST_CHOICES.map((c) => ({ value: c, label: t(locale, `digest.frequency.${c}`), checked: c === choice })),
      errors,
      hasErrors: Object.keys(errors).length > 0,
    });
  }

  route('get', '/profile/digest', 'viewer', async (_req, res) => {
    await renderChoice(res, await getDigestChoice(db, (res.locals.user as SessionUser).id), {});
  });

  route('post', '/profile/digest', 'viewer', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const user = res.locals.user as SessionUser;
    const { value, errors } = validateForm<ChoiceForm>(choiceForm, req.body, locale);
    if (errors) return renderChoice(res, await getDigestChoice(db, user.id), errors, 400);
    await setDigestChoice(db, user.id, value.frequency);
    await redirectWithFlash(req, res, t(locale, 'digest.profile.saved'), '/profile/digest');
  });

  return router;
}
