import type { Response, Router } from 'express';
import type { AppDeps } from '../../deps';
import { t, type Locale } from '../../i18n';
import { dashboardRouter } from '../../web/dashboard-router';
import { csrfProtection } from '../../web/middleware/csrf';
import { type FieldErrors, manageForm, redirectWithFlash, typedValues, validateForm } from '../../web/forms';
import { formatterFor } from '../../web/format';
import { isValidTimeZone } from '../../time';
import { MAX_DIGEST_RECIPIENTS, parseRecipients, SETTINGS_FIELD_MESSAGES, settingsForm, type SettingsForm } from './settings.forms';
import { canonicalTimeZone, getSettings, listTimeZones, updateSettings } from './settings.service';

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

/** IANA zones grouped by region (Asia, Europe, …) for the picker; a stored zone missing from the list is kept. */
function zoneGroups(zones: string[], current: string) {
  const all = current && !zones.includes(current) ? [current, ...zones] : zones;
  const groups = new Map<string, Array<{ value: string; label: string; selected: boolean }>>();
  for (const zone of all) {
    const slash = zone.indexOf('/');
    const region = slash < 0 ? zone : zone.slice(0, slash);
    const list = groups.get(region) ?? [];
    list.push({ value: zone, label: (slash < 0 ? zone : zone.slice(slash + 1)).replace(/_/g, ' '), selected: zone === current });
    groups.set(region, list);
  }
  return [...groups].map(([region, options]) => ({ region, options }));
}

/** /manage/settings (admin): brand, time zone, language, invitation timing and the weekly digest. */
export function settingsPagesRouter({ db }: AppDeps): Router {
  const { router, route } = dashboardRouter();

  async function render(res: Response, values: Record<string, string>, errors: FieldErrors, status = 200) {
    const locale: Locale = res.locals.locale;
    const zone = values.time_zone && isValidTimeZone(values.time_zone) ? values.time_zone : null;
    res.status(status).render('manage/settings', {
      layout: 'dashboard',
      title: t(locale, 'nav.settings'),
      values,
      errors,
      hasErrors: Object.keys(errors).length > 0,
      timeZoneGroups: zoneGroups(await listTimeZones(db), values.time_zone ?? ''),
      nowInZone: zone ? formatterFor(locale, zone).dateTime(new Date()) : null,
      locales: (['vi', 'en'] as const).map((l) => ({ value: l, label: l === 'vi' ? 'Tiếng Việt' : 'English', selected: values.default_locale === l })),
      weekdays: WEEKDAYS.map((d) => ({ value: d, label: t(locale, `manage.weekday.${d}`), selected: values.digest_weekday === String(d) })),
      hours: Array.from({ length: 24 }, (_, h) => ({ value: h, label: `${String(h).padStart(2, '0')}:00`, selected: values.digest_hour === String(h) })),
      maxRecipients: MAX_DIGEST_RECIPIENTS,
    });
  }

  route('get', '/manage/settings', 'admin', async (_req, res) => {
    const s = await getSettings(db);
    await render(res, {
      brand: s.brand,
      time_zone: s.timeZone,
      default_locale: s.defaultLocale,
      recontact_days: String(s.recontactDays),
      reminder_days: String(s.reminderDays),
      digest_weekday: String(s.digestWeekday),
      digest_hour: String(s.digestHour),
      digest_recipients: s.digestRecipients.join('\n'),
      digest_skip_empty: s.digestSkipEmpty ? '1' : '',
      alert_recipients: s.alertRecipients.join('\n'),
      driver_window_days: String(s.driverWindowDays),
      at_risk_follow_up_days: String(s.atRiskFollowUpDays),
    }, {});
  });

  route('post', '/manage/settings', 'admin', manageForm, csrfProtection, async (req, res) => {
    const locale: Locale = res.locals.locale;
    const { value, errors } = validateForm<SettingsForm>(settingsForm, req.body, locale, SETTINGS_FIELD_MESSAGES);
    const problems: FieldErrors = { ...errors };
    // updateSettings checks the zone too; checking it here shows its message with every other problem of the form.
    const timeZone = value ? await canonicalTimeZone(db, value.time_zone) : null;
    if (value && !timeZone) problems.time_zone = t(locale, 'manage.err.timeZone');
    const typedRecipients = (req.body as Record<string, unknown>)?.digest_recipients;
    const recipients = parseRecipients(value?.digest_recipients ?? (typeof typedRecipients === 'string' ? typedRecipients : ''));
    if (recipients.invalid.length > 0) problems.digest_recipients = t(locale, 'manage.err.emails', { emails: recipients.invalid.slice(0, 5).join(', ') });
    else if (recipients.emails.length > MAX_DIGEST_RECIPIENTS) problems.digest_recipients = t(locale, 'manage.err.tooMany', { max: MAX_DIGEST_RECIPIENTS });
    const typedAlerts = (req.body as Record<string, unknown>)?.alert_recipients;
    const alertRecipients = parseRecipients(value?.alert_recipients ?? (typeof typedAlerts === 'string' ? typedAlerts : ''));
    if (alertRecipients.invalid.length > 0) problems.alert_recipients = t(locale, 'manage.err.emails', { emails: alertRecipients.invalid.slice(0, 5).join(', ') });
    else if (alertRecipients.emails.length > MAX_DIGEST_RECIPIENTS) problems.alert_recipients = t(locale, 'manage.err.tooMany', { max: MAX_DIGEST_RECIPIENTS });
    if (!value || !timeZone || Object.keys(problems).length > 0) return render(res, typedValues(req.body), problems, 400);
    const saved = await updateSettings(db, {
      brand: value.brand,
      timeZone,
      defaultLocale: value.default_locale,
      recontactDays: value.recontact_days,
      reminderDays: value.reminder_days,
      digestWeekday: value.digest_weekday,
      digestHour: value.digest_hour,
      digestRecipients: recipients.emails,
      digestSkipEmpty: value.digest_skip_empty,
      alertRecipients: alertRecipients.emails,
      driverWindowDays: value.driver_window_days,
      atRiskFollowUpDays: value.at_risk_follow_up_days,
    });
    await redirectWithFlash(req, res, t(locale, saved.timeZoneChanged ? 'manage.settings.savedZone' : 'form.saved', { zone: saved.timeZone }), '/manage/settings');
  });

  return router;
}
