import type { Locale } from '../../i18n';
import { t } from '../../i18n';
import type { OutgoingMail } from '../../mail/mailer';
import { renderEmail } from '../../mail/templates';
import type { MetricKind } from '../metrics/scoring';
import { questionText, scalePoints } from '../surveys';

/** What one invitation email needs: the invitation, its contact, its survey and the brand. */
export interface InvitationMailData {
  invitationId: string;
  token: string;
  email: string;
  name: string;
  locale: Locale;
  kind: MetricKind;
  questionVi: string | null;
  questionEn: string | null;
  touchpointVi: string | null;
  touchpointEn: string | null;
  brand: string;
}

export const invitationUrl = (baseUrl: string, token: string, score?: number) =>
  `${baseUrl}/i/${token}${score === undefined ? '' : `?score=${score}`}`;
export const unsubscribeUrl = (baseUrl: string, token: string) => `${baseUrl}/u/${token}`;

/**
 * The Message-ID is derived from the invitation, so a message handed to the server twice (a worker
 * killed between the server's acceptance and our bookkeeping) is one message to mail clients.
 */
export function invitationMessageId(baseUrl: string, invitationId: string, reminder: boolean): string {
  return `<${reminder ? 'reminder' : 'invitation'}.${invitationId}@${new URL(baseUrl).hostname}>`;
}

/**
 * The invitation (or its one reminder): multipart HTML + text in the contact's language, the whole
 * scale as buttons that open the survey with that score selected, and RFC 8058 one-click unsubscribe.
 */
export function buildInvitationEmail(data: InvitationMailData, opts: { baseUrl: string; reminder: boolean }): OutgoingMail {
  const { locale, brand } = data;
  const touchpoint = locale === 'vi' ? data.touchpointVi : data.touchpointEn;
  const question = questionText(data, locale, { brand, touchpoint });
  const points = scalePoints(data.kind, locale).map((p) => ({ ...p, url: invitationUrl(opts.baseUrl, data.token, p.value) }));
  const subject = t(locale, opts.reminder ? 'email.subjectReminder' : 'email.subject', { brand });
  const unsubscribe = unsubscribeUrl(opts.baseUrl, data.token);
  const { html, text } = renderEmail('invitation', {
    locale,
    subject,
    brand,
    name: data.name,
    question,
    points,
    // Eleven NPS buttons in one row are 25 px wide on a 360 px phone: NPS goes on two rows, 0–5 and 6–10
    // (six cells each, the second starting with a blank one so that 10 sits under 5 at the right end),
    // each labelled with its end of the scale. Shorter scales stay on one row.
    rows: points.length > 7
      ? [{ cells: points.slice(0, 6), lead: false, label: `${points[0].value} – ${points[0].label}`, align: 'left' },
        { cells: points.slice(6), lead: true, label: `${points[points.length - 1].value} – ${points[points.length - 1].label}`, align: 'right' }]
      : [{ cells: points, lead: false, label: null, align: 'left' }],
    twoRows: points.length > 7,
    cellWidth: Math.floor(100 / Math.min(points.length, 6)),
    cellGap: 2,
    lowLabel: points[0].label,
    highLabel: points[points.length - 1].label,
    reminder: opts.reminder,
    unsubscribeUrl: unsubscribe,
  });
  return {
    to: data.name ? { name: data.name, address: data.email } : data.email,
    subject,
    html,
    text,
    messageId: invitationMessageId(opts.baseUrl, data.invitationId, opts.reminder),
    headers: {
      'List-Unsubscribe': `<${unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}
