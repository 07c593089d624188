import express, { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../deps';
import { resolveLocale, t, type Locale } from '../../i18n';
import { HttpError } from '../../web/errors';
import { getUnsubscribeTarget, unsubscribeContact, type UnsubscribeTarget } from './unsubscribe.service';

/**
 * One-click unsubscribe (RFC 8058) from the link in every invitation. The token is the secret, so these
 * routes need no session and no CSRF token: a mail client's POST works as it is. A GET only shows a
 * confirmation page with a button — link scanners that fetch every URL never unsubscribe anyone.
 */
export function unsubscribeRouter({ db }: AppDeps): Router {
  const router = Router();
  // Clients send `List-Unsubscribe=One-Click` as multipart or urlencoded; the POST itself is the request,
  // so the body is read (bounded) and not interpreted.
  const body = express.raw({ type: () => true, limit: '8kb' });

  async function load(req: Request, res: Response): Promise<{ target: UnsubscribeTarget; locale: Locale }> {
    const target = await getUnsubscribeTarget(db, String(req.params.token));
    const locale = resolveLocale(req, { choice: req.query.lang, contact: target?.contactLocale ?? null, fallback: target?.defaultLocale });
    res.locals.locale = locale;
    res.set('Cache-Control', 'no-store');
    if (!target) throw new HttpError(404, 'not_found', 'This unsubscribe link is not valid', [], 'error.unsubscribeNotFound');
    return { target, locale };
  }

  function render(res: Response, target: UnsubscribeTarget, locale: Locale, token: string) {
    const vars = { brand: target.brand, email: target.email ?? '' };
    // A deleted contact has nothing left to unsubscribe: it already receives nothing.
    const done = target.unsubscribed || target.contactId === null;
    res.render('public/unsubscribe', {
      layout: 'public',
      locale,
      title: t(locale, 'unsubscribe.title'),
      brand: target.brand,
      done,
      message: done
        ? t(locale, target.email ? 'unsubscribe.done' : 'unsubscribe.doneAnonymous', vars)
        : t(locale, 'unsubscribe.question', vars),
      action: `/u/${token}?lang=${locale}`,
    });
  }

  router.get('/u/:token', async (req, res) => {
    const { target, locale } = await load(req, res);
    render(res, target, locale, String(req.params.token));
  });

  router.post('/u/:token', body, async (req, res) => {
    const { target, locale } = await load(req, res);
    if (target.contactId && !target.unsubscribed) {
      await unsubscribeContact(db, target.contactId);
    }
    render(res, { ...target, unsubscribed: true }, locale, String(req.params.token));
  });

  return router;
}
