import { t } from '../../i18n';
import type { OutgoingMail } from '../../mail/mailer';
import { renderEmail } from '../../mail/templates';
import { SCALES } from '../metrics/scoring';
import { formatterFor } from '../../web/format';
import type { AlertEmailData } from './alerts.service';

/** The Message-ID comes from the alert email's row: a retry after a crash is the same message to mail clients. */
export function alertMessageId(baseUrl: string, emailId: string): string {
  return `<alert.${emailId}@${new URL(baseUrl).hostname}>`;
}

/**
 * One alert email in the recipient's language: every answer it tells of with its score, comment, touchpoint,
 * contact when known and a link to its follow-up. The HTML template escapes every value; the text part
 * carries the same. Null when nothing is left to tell (its answers were deleted meanwhile).
 */
export function buildAlertEmail(data: AlertEmailData, baseUrl: string): OutgoingMail | null {
  if (data.items.length === 0) return null;
  const { locale, brand } = data;
  const fmt = formatterFor(locale, data.timeZone);
  const items = data.items.map((i) => {
    const touchpoint = locale === 'vi' ? i.touchpointVi : i.touchpointEn;
    const stage = locale === 'vi' ? i.stageVi : i.stageEn;
    const where = touchpoint ?? stage ?? t(locale, 'alerts.wholeJourney');
    return {
      kindLabel: t(locale, i.kind === 'detractor' ? 'alerts.kind.detractor' : 'alerts.kind.assigned'),
      score: `${i.score}/${SCALES[i.surveyKind].max} (${i.surveyKind.toUpperCase()})`,
      where: touchpoint && stage ? `${touchpoint} · ${stage}` : where,
      shortWhere: where,
      survey: i.surveyTitle,
      contact: i.contactEmail ? (i.contactName ? `${i.contactName} <${i.contactEmail}>` : i.contactEmail) : null,
      comment: i.comment,
      answeredAt: fmt.dateTime(new Date(i.answeredAt)),
      url: i.followUpId ? `${baseUrl}/follow-ups/${i.followUpId}` : `${baseUrl}/responses`,
    };
  });
  const detractors = data.items.filter((i) => i.kind === 'detractor').length;
  const count = items.length;
  let subject: string;
  let title: string;
  let intro: string;
  if (detractors === count) {
    subject = count === 1 ? t(locale, 'alerts.subject.one', { brand, score: items[0].score, where: items[0].shortWhere }) : t(locale, 'alerts.subject.many', { brand, count });
    title = count === 1 ? t(locale, 'alerts.title') : t(locale, 'alerts.titleMany', { count });
    intro = t(locale, count === 1 ? 'alerts.intro' : 'alerts.introMany');
  } else if (detractors === 0) {
    subject = t(locale, 'alerts.subject.assigned', { brand });
    title = t(locale, 'alerts.titleAssigned');
    intro = t(locale, 'alerts.introAssigned');
  } else {
    subject = t(locale, 'alerts.subject.mixed', { brand, count });
    title = t(locale, 'alerts.titleMany', { count });
    intro = t(locale, 'alerts.introMany');
  }
  const { html, text } = renderEmail('alert', {
    locale, subject, brand, title, intro, items, preferencesUrl: `${baseUrl}/profile/alerts`,
  });
  return { to: data.recipient, subject, html, text, messageId: alertMessageId(baseUrl, data.id) };
}

/** The admins' notice that a webhook was disabled after a day of failures. */
export function buildWebhookDisabledEmail(to: { email: string; locale: 'vi' | 'en' }, webhook: { webhookId: string; url: string; reason: string },
  brand: string, baseUrl: string): OutgoingMail {
  const { locale } = to;
  const subject = t(locale, 'webhooks.disabled.subject', { brand });
  const { html, text } = renderEmail('webhook-disabled', {
    locale, subject, brand, url: webhook.url, reason: webhook.reason, link: `${baseUrl}/manage/webhooks/${webhook.webhookId}`,
  });
  return { to: to.email, subject, html, text, messageId: `<webhook-disabled.${webhook.webhookId}.${Date.now()}@${new URL(baseUrl).hostname}>` };
}
