import type { Locale } from '../../i18n';
import type { OutgoingMail } from '../../mail/mailer';
import { renderEmail } from '../../mail/templates';
import type { Formatter } from '../../web/format';
import { renderTrendChart, type TrendPanel } from './digest.chart';
import type { DigestFigures, DigestReport } from './digest.report';
import { digestView, UNSUBSCRIBE_PLACEHOLDER, type Audience } from './digest.view';

/** The content of one digest in one language: built once, then sent to every recipient of that language. */
export interface DigestContent {
  locale: Locale;
  subject: string;
  html: Record<Audience, string>;
  text: Record<Audience, string>;
  /** The trend chart; null when there is nothing to draw (no surveys, or a period without answers). */
  chartPng: Buffer | null;
}

/** The content id the HTML uses for the inline chart (`<img src="cid:…">`). */
export const CHART_CID = 'digest-trend@touchpoint';

function trendPanels(report: DigestReport, figures: DigestFigures, fmt: Formatter): TrendPanel[] {
  const labels = report.trend.map((w) => fmt.day(w.week, 'short'));
  return figures.kinds.map((kind, k) => {
    const cells = report.trend.map((w) => w.cells[k]);
    return {
      kind,
      labels,
      scores: cells.map((c) => c.score),
      lower: cells.map((c) => (c.score === null || c.moe === null ? null : c.score - c.moe)),
      upper: cells.map((c) => (c.score === null || c.moe === null ? null : c.score + c.moe)),
      lowSample: cells.map((c) => c.n > 0 && c.lowSample),
    };
  });
}

/**
 * Writes the digest in one language for both audiences (users and extra addresses differ only in the
 * footer). `chartSrc` overrides where the HTML finds the chart (the dashboard preview inlines it).
 */
export function renderDigestContent(figures: DigestFigures, report: DigestReport, fmt: Formatter, opts: { baseUrl: string; now: Date; chartSrc?: (png: Buffer) => string }): DigestContent {
  const chartPng = report.responses > 0 && figures.kinds.length > 0 ? renderTrendChart(trendPanels(report, figures, fmt), fmt) : null;
  const chartSrc = chartPng ? (opts.chartSrc ? opts.chartSrc(chartPng) : `cid:${CHART_CID}`) : null;
  const view = (audience: Audience) => digestView(report, figures.brand, figures.kinds, fmt, { baseUrl: opts.baseUrl, audience, chartSrc, now: opts.now });
  const forUsers = view('user');
  const user = renderEmail('digest', forUsers);
  const extra = renderEmail('digest', view('extra'));
  return {
    locale: fmt.locale,
    subject: forUsers.subject,
    html: { user: user.html, extra: extra.html },
    text: { user: user.text, extra: extra.text },
    chartPng,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const digestUnsubscribeUrl = (baseUrl: string, token: string) => `${baseUrl}/digest/u/${token}`;

/**
 * The Message-ID comes from the delivery, so a message handed to the server twice (a worker killed between
 * the server's acceptance and our record of it) is one message to mail clients.
 */
export function digestMessageId(baseUrl: string, deliveryId: string): string {
  return `<digest.${deliveryId}@${new URL(baseUrl).hostname}>`;
}

export interface DigestRecipientMail {
  deliveryId: string;
  email: string;
  token: string;
  audience: Audience;
}

/** One recipient's email: the stored content with their unsubscribe link, and RFC 8058 one-click headers. */
export function digestEmail(content: Pick<DigestContent, 'subject' | 'html' | 'text' | 'chartPng'>, to: DigestRecipientMail, baseUrl: string): OutgoingMail {
  const unsubscribe = digestUnsubscribeUrl(baseUrl, to.token);
  return {
    to: to.email,
    subject: content.subject,
    html: content.html[to.audience].replaceAll(UNSUBSCRIBE_PLACEHOLDER, escapeHtml(unsubscribe)),
    text: content.text[to.audience].replaceAll(UNSUBSCRIBE_PLACEHOLDER, unsubscribe),
    messageId: digestMessageId(baseUrl, to.deliveryId),
    headers: {
      'List-Unsubscribe': `<${unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
    attachments: content.chartPng ? [{ filename: 'trend.png', content: content.chartPng, contentType: 'image/png', cid: CHART_CID }] : [],
  };
}
