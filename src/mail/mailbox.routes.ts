import type { NextFunction, Request, Response, Router } from 'express';
import type { AppDeps } from '../deps';
import { t, type Locale } from '../i18n';
import { getSettings } from '../modules/settings';
import { formatterFor } from '../web/format';
import { dashboardRouter } from '../web/dashboard-router';
import { notFound } from '../web/errors';
import { bigSerialParam } from '../web/params';
import { getMailboxMessage, listMailbox } from './mailbox';

/**
 * The email as the browser shows it inside the mailbox page: in a sandboxed frame (no script, no access
 * to the dashboard), with its own policy allowing the inline styles emails need. Links open in a new
 * tab, outside the sandbox, so the whole invitation loop can be tried on one machine.
 */
export const EMAIL_FRAME_POLICY = [
  "default-src 'none'", "style-src 'unsafe-inline'", 'img-src data: http: https:', 'font-src data: https:',
  "base-uri 'self'", "form-action 'none'", "frame-ancestors 'self'", 'sandbox allow-popups allow-popups-to-escape-sandbox',
].join('; ');

/** The plain-text body as text and link parts, so its URLs can be followed from the page too. */
function textParts(text: string): Array<{ text?: string; url?: string }> {
  return text.split(/(https?:\/\/[^\s<>"]+)/).filter((part) => part !== '').map((part) => (/^https?:\/\//.test(part) ? { url: part } : { text: part }));
}

export function withLinksInNewTab(html: string): string {
  const base = '<base target="_blank">';
  return /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (head) => head + base) : base + html;
}

/** /manage/mailbox (admin): the built-in mailbox, when no SMTP server is configured. */
export function mailboxRouter({ db, config }: AppDeps): Router {
  const { router, route } = dashboardRouter();
  const enabled = config.smtpUrl === null;
  // The navigation shows the mailbox only when there is one.
  router.use((_req: Request, res: Response, next: NextFunction) => {
    res.locals.mailboxEnabled = enabled;
    next();
  });

  function messageId(req: Request): string {
    if (!enabled) throw notFound();
    const id = bigSerialParam(req.params.id);
    if (!id) throw notFound();
    return id;
  }

  route('get', '/manage/mailbox', 'admin', async (req, res) => {
    if (!enabled) throw notFound();
    const locale: Locale = res.locals.locale;
    const before = bigSerialParam(req.query.before);
    const [{ timeZone }, page] = await Promise.all([getSettings(db), listMailbox(db, before)]);
    res.render('manage/mailbox', {
      layout: 'dashboard',
      title: t(locale, 'mailbox.title'),
      messages: page.items.map((m) => ({ ...m, href: `/manage/mailbox/${m.id}`, date: formatterFor(locale, timeZone).dateTime(m.createdAt) })),
      olderHref: page.nextBefore ? `/manage/mailbox?before=${page.nextBefore}` : null,
      paged: before !== null,
    });
  });

  route('get', '/manage/mailbox/:id', 'admin', async (req, res) => {
    const message = await getMailboxMessage(db, messageId(req));
    if (!message) throw notFound();
    const locale: Locale = res.locals.locale;
    const { timeZone } = await getSettings(db);
    res.render('manage/mailbox-message', {
      layout: 'dashboard',
      title: message.subject || t(locale, 'mailbox.title'),
      message: { ...message, date: formatterFor(locale, timeZone).dateTime(message.createdAt) },
      textParts: message.text ? textParts(message.text) : null,
      headers: Object.entries(message.headers).map(([name, value]) => ({ name, value })),
      frameSrc: `/manage/mailbox/${message.id}/html`,
    });
  });

  route('get', '/manage/mailbox/:id/html', 'admin', async (req, res) => {
    const message = await getMailboxMessage(db, messageId(req));
    if (!message?.html) throw notFound();
    res.set('Content-Security-Policy', EMAIL_FRAME_POLICY);
    res.set('Cache-Control', 'private, no-store');
    res.type('html').send(withLinksInNewTab(message.html));
  });

  return router;
}
