import Joi from 'joi';
import type { Router } from 'express';
import type { AppDeps } from '../../deps';
import { t, type Locale } from '../../i18n';
import { dashboardRouter } from '../../web/dashboard-router';
import { csrfProtection } from '../../web/middleware/csrf';
import type { SessionUser } from '../../web/middleware/auth';
import { manageForm, redirectWithFlash, validateForm } from '../../web/forms';
import { getAlertEmailChoice, setAlertEmailChoice } from './users.service';

const alertsChoiceForm = Joi.object({ alert_emails: Joi.boolean().truthy('1').default(false) });

/** /profile/alerts (everyone): each user's "email me alerts" switch. */
export function alertsProfileRouter({ db }: AppDeps): Router {
  const { router, route } = dashboardRouter();

  route('get', '/profile/alerts', 'viewer', async (_req, res) => {
    const locale: Locale = res.locals.locale;
    res.render('manage/alerts-profile', {
      layout: 'dashboard',
      title: t(locale, 'nav.myAlerts'),
      on: await getAlertEmailChoice(db, (res.locals.user as SessionUser).id),
    });
  });

  route('post', '/profile/alerts', 'viewer', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const user = res.locals.user as SessionUser;
    const { value, errors } = validateForm<{ alert_emails: boolean }>(alertsChoiceForm, req.body, locale);
    if (errors) {
      return res.status(400).render('manage/alerts-profile', { layout: 'dashboard', title: t(locale, 'nav.myAlerts'), on: await getAlertEmailChoice(db, user.id), hasErrors: true });
    }
    await setAlertEmailChoice(db, user.id, value.alert_emails);
    await redirectWithFlash(req, res, t(locale, 'alerts.profile.saved'), '/profile/alerts');
  });

  return router;
}
