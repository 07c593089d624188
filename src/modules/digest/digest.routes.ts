import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../../deps';
import { resolveLocale, t } from '../../i18n';
import { notFound } from '../../web/errors';
import { getDigestUnsubscribe, unsubscribeFromDigest, type DigestUnsubscribe } from './digest.service';

/**
 * One-click unsubscribe (RFC 8058) from every digest: /digest/u/:token, where the token is the delivery's.
 * No session and no CSRF token: the token is the secret, so a mail client's POST works as it is. A GET only
 * shows a confirmation with a button, so link scanners never unsubscribe anyone. (The request log masks the
 * token, as it does every `/u/<token>` path.) A user's choice becomes "off"; an extra address leaves Settings.
 */
export function digestUnsubscribeRouter({ db }: AppDeps): Router {
  const router = Router();

  function render(req: Request, res: Response, target: DigestUnsubscribe | null) {
    const locale = resolveLocale(req, { choice: req.query.lang, contact: target?.locale ?? null });
    res.locals.locale = locale;
    res.set('Cache-Control', 'no-store');
    if (!target) throw notFound('This unsubscribe link is not valid', 'digest.unsubscribe.notFound');
    const vars = { brand: target.brand, email: target.email };
    res.render('public/unsubscribe', {
      layout: 'public',
      locale,
      title: t(locale, 'digest.unsubscribe.title'),
      brand: target.brand,
      done: !target.subscribed,
      message: t(locale, target.subscribed ? 'digest.unsubscribe.question' : 'digest.unsubscribe.done', vars),
      action: `/digest/u/${String(req.params.token)}?lang=${locale}`,
    });
  }

  router.get('/digest/u/:token', async (req, res) => {
    render(req, res, await getDigestUnsubscribe(db, String(req.params.token)));
  });

  // The body (`List-Unsubscribe=One-Click`, or a form's button) says nothing more than the POST itself.
  router.post('/digest/u/:token', async (req, res) => {
    render(req, res, await unsubscribeFromDigest(db, String(req.params.token)));
  });

  return router;
}
